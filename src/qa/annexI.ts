// The Annex I elements of a credential definition, described once for everything that shows
// them: structured data for the catalogue feed, and the words and links the pages render
// (views/partials/annex-elements.ejs, used by the credential page in the LMS and by the public
// catalogue). Pure. Elements 1 (the learner) and 5 (date of issuing) belong to an issued
// credential, not to a definition, so they are not here.
import { countryName } from '../issuer/country';
import { type Ob3Alignment, toOb3Alignment } from '../credentials/achievement';
import { ANNEX_I_ELEMENTS, type AnnexIElement, type CredentialDefinition, type NqfLevel } from '../credentials/model';
import {
  ASSESSMENT_TYPES,
  identityChecked,
  labelOf,
  PARTICIPATION_TYPES,
  QF_EHEA_CYCLES,
  SUPERVISION_TYPES,
  type SupervisionType,
} from '../credentials/vocabulary';

/** Element 13 when a definition leaves it open: what the completion rule then demands, and what issued badges say. */
const DEFAULT_SUPERVISION: SupervisionType = 'unsupervised with no identity verification';

/** The elements a definition fills in, as data. Stored vocabulary values (edubadges' strings) are kept as they are. */
export interface AnnexIData {
  title: string | null;
  issuerCountries: string[];
  issuerRegions: string[];
  awardingBodies: { id?: string; name: string; url?: string }[];
  /** Each outcome with its alignments as Open Badges writes them (EU URIs filled in). */
  learningOutcomes: { statement: string; alignments: Ob3Alignment[] }[];
  workload: { ects?: number; hours?: number };
  level: { eqfLevel?: number; qfEheaCycle?: string; nqf?: NqfLevel };
  assessmentType: string | null;
  participationType: string | null;
  /** The credential's own policy address, else the institution's. */
  qualityAssurance: { type: string | null; policyUrl: string | null };
  prerequisites: string | null;
  supervisionType: SupervisionType;
  identityVerified: boolean;
  gradeShown: boolean;
  stackability: { kind: 'stand-alone' | 'stackable'; towards?: string } | null;
  furtherInformation: string | null;
  /** Not an Annex I element: months an issued credential stays valid; null when it does not expire. */
  validityMonths: number | null;
}

export interface AnnexIView {
  /** The elements a definition fills in, in the Recommendation's numbering. */
  elements: readonly AnnexIElement[];
  data: AnnexIData;
  /** Each element as one line of words, by element number; "validity" for the validity. */
  text: Record<number | 'validity', string>;
}

const blank = (v: string | undefined) => (v?.trim() ? v.trim() : null);

export function annexIData(def: CredentialDefinition, institutionQaPolicyUrl?: string): AnnexIData {
  const supervisionType = def.supervisionType ?? DEFAULT_SUPERVISION;
  return {
    title: blank(def.title),
    issuerCountries: def.issuerCountries ?? [],
    issuerRegions: def.issuerRegions ?? [],
    awardingBodies: (def.awardingBodies ?? []).map((b) => ({ ...(b.id ? { id: b.id } : {}), name: b.name, ...(b.url ? { url: b.url } : {}) })),
    learningOutcomes: def.learningOutcomes.map((lo) => ({ statement: lo.statement, alignments: lo.alignments.map(toOb3Alignment) })),
    workload: {
      ...(def.workload?.ects !== undefined ? { ects: def.workload.ects } : {}),
      ...(def.workload?.hours !== undefined ? { hours: def.workload.hours } : {}),
    },
    level: {
      ...(def.level?.eqfLevel !== undefined ? { eqfLevel: def.level.eqfLevel } : {}),
      ...(def.level?.qfEheaCycle ? { qfEheaCycle: def.level.qfEheaCycle } : {}),
      ...(def.level?.nqf?.name.trim() ? { nqf: def.level.nqf } : {}),
    },
    assessmentType: def.assessmentType ?? null,
    participationType: def.participationType ?? null,
    qualityAssurance: { type: blank(def.qualityAssuranceType), policyUrl: def.qaPolicyUrl || institutionQaPolicyUrl || null },
    prerequisites: blank(def.prerequisites),
    supervisionType,
    identityVerified: identityChecked(supervisionType),
    gradeShown: def.gradeShown === true,
    stackability: def.stackability
      ? {
          kind: def.stackability.kind,
          ...(def.stackability.kind === 'stackable' && def.stackability.towards?.trim() ? { towards: def.stackability.towards.trim() } : {}),
        }
      : null,
    furtherInformation: blank(def.furtherInformation),
    validityMonths: def.validityMonths ?? null,
  };
}

/** "3 ECTS / 84 hours". */
export function workloadText(w: AnnexIData['workload']): string {
  return [w.ects !== undefined ? `${w.ects} ECTS` : '', w.hours !== undefined ? `${w.hours} hours` : ''].filter(Boolean).join(' / ') || '—';
}

/** "EQF level 7 · Second cycle (master level) · Dutch NLQF level 6". */
export function levelText(l: AnnexIData['level']): string {
  return (
    [
      l.eqfLevel !== undefined ? `EQF level ${l.eqfLevel}` : '',
      l.qfEheaCycle ? labelOf(QF_EHEA_CYCLES, l.qfEheaCycle) : '',
      l.nqf ? `${l.nqf.name} level ${l.nqf.level}` : '',
    ]
      .filter(Boolean)
      .join(' · ') || '—'
  );
}

export function annexIView(def: CredentialDefinition, institutionQaPolicyUrl?: string): AnnexIView {
  const d = annexIData(def, institutionQaPolicyUrl);
  const countries = d.issuerCountries.map((c) => {
    const name = countryName(c);
    return name && name !== c ? `${name} (${c})` : c;
  });
  return {
    elements: ANNEX_I_ELEMENTS.filter((e) => !e.filledAtAward),
    data: d,
    text: {
      2: d.title ?? '—',
      3: [countries.join(', '), d.issuerRegions.join(', ')].filter(Boolean).join(' · ') || '—',
      4: d.awardingBodies.map((b) => b.name).join(', ') || '—',
      6: d.learningOutcomes.map((lo) => lo.statement).join(' ') || '—',
      7: workloadText(d.workload),
      8: levelText(d.level),
      9: d.assessmentType ? labelOf(ASSESSMENT_TYPES, d.assessmentType) : '—',
      10: d.participationType ? labelOf(PARTICIPATION_TYPES, d.participationType) : '—',
      11: d.qualityAssurance.type ?? '—',
      12: d.prerequisites ?? 'None',
      13: labelOf(SUPERVISION_TYPES, d.supervisionType),
      14: d.gradeShown ? 'Shown on the credential (the rubric score)' : 'Not shown',
      15: d.stackability
        ? d.stackability.kind === 'stackable'
          ? `Stackable${d.stackability.towards ? ` towards ${d.stackability.towards}` : ''}`
          : 'Stand-alone'
        : 'Not specified',
      16: d.furtherInformation ?? '—',
      validity: d.validityMonths ? `${d.validityMonths} months from the date of issuing` : 'Does not expire',
    },
  };
}
