// The Annex I part of the credential form: HTML field names ⇄ definition paths. Pure.
// Learning outcomes and the rubric have pages of their own and are kept as they are.
import type { CredentialDefinition } from './model';

/** Field name (HTML id is `f-<name>`, as ANNEX_I_ELEMENTS expects) → path in the definition. */
export const ANNEX_FIELDS = [
  ['title', 'title'],
  ['description', 'description'],
  ['code', 'code'],
  ['language', 'language'],
  ['issuer-countries', 'issuerCountries'],
  ['issuer-regions', 'issuerRegions'],
  ['awarding-bodies', 'awardingBodies'],
  ['awarding-body-url', 'awardingBodies.0.url'],
  ['workload-ects', 'workload.ects'],
  ['workload-hours', 'workload.hours'],
  ['level-eqf', 'level.eqfLevel'],
  ['level-qf-ehea', 'level.qfEheaCycle'],
  ['level-nqf-name', 'level.nqf.name'],
  ['level-nqf-level', 'level.nqf.level'],
  ['assessment-type', 'assessmentType'],
  ['participation-type', 'participationType'],
  ['quality-assurance-type', 'qualityAssuranceType'],
  ['qa-policy-url', 'qaPolicyUrl'],
  ['prerequisites', 'prerequisites'],
  ['supervision-type', 'supervisionType'],
  ['grade-shown', 'gradeShown'],
  ['stackability', 'stackability.kind'],
  ['stackable-towards', 'stackability.towards'],
  ['further-information', 'furtherInformation'],
  ['validity-months', 'validityMonths'],
] as const;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const num = (v: unknown): number | string | undefined => {
  const t = text(v);
  if (t === undefined) return undefined;
  const n = Number(t.replace(',', '.'));
  return Number.isFinite(n) ? n : t; // keep the text so validation can say what is wrong
};
const list = (v: unknown): string[] | undefined => {
  const items = (text(v) ?? '')
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
};
const compact = <T extends Record<string, unknown>>(o: T): T | undefined => {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined);
  return entries.length ? (Object.fromEntries(entries) as T) : undefined;
};

/** The submitted form as a definition; parts the form does not hold come from `base`. */
export function definitionFromForm(body: Record<string, unknown>, base: CredentialDefinition): Record<string, unknown> {
  const nqfName = text(body['level-nqf-name']);
  const nqfLevel = text(body['level-nqf-level']);
  const bodyName = text(body['awarding-bodies']);
  const stack = text(body.stackability);
  return {
    ...base,
    title: text(body.title),
    description: text(body.description),
    code: text(body.code),
    language: text(body.language),
    issuerCountries: list(body['issuer-countries'])?.map((c) => c.toUpperCase()),
    issuerRegions: list(body['issuer-regions']),
    awardingBodies: bodyName
      ? [compact({ ...(base.awardingBodies?.[0]?.id ? { id: base.awardingBodies[0].id } : {}), name: bodyName, url: text(body['awarding-body-url']) })]
      : undefined,
    workload: compact({ ects: num(body['workload-ects']), hours: num(body['workload-hours']) }),
    level: compact({
      eqfLevel: num(body['level-eqf']),
      qfEheaCycle: text(body['level-qf-ehea']),
      nqf: nqfName || nqfLevel ? { name: nqfName ?? '', level: nqfLevel ?? '' } : undefined,
    }),
    assessmentType: text(body['assessment-type']),
    participationType: text(body['participation-type']),
    qualityAssuranceType: text(body['quality-assurance-type']),
    qaPolicyUrl: text(body['qa-policy-url']),
    prerequisites: text(body.prerequisites),
    supervisionType: text(body['supervision-type']),
    gradeShown: body['grade-shown'] === 'on' || body['grade-shown'] === 'true',
    stackability:
      stack === 'stackable' ? { kind: 'stackable', towards: text(body['stackable-towards']) } : stack === 'stand-alone' ? { kind: 'stand-alone' } : undefined,
    furtherInformation: text(body['further-information']),
    validityMonths: num(body['validity-months']),
  };
}

/** The definition as form values, for showing the form. */
export function formFromDefinition(def: CredentialDefinition): Record<string, string> {
  const s = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  return {
    title: s(def.title),
    description: s(def.description),
    code: s(def.code),
    language: s(def.language),
    'issuer-countries': (def.issuerCountries ?? []).join(', '),
    'issuer-regions': (def.issuerRegions ?? []).join(', '),
    'awarding-bodies': s(def.awardingBodies?.[0]?.name),
    'awarding-body-url': s(def.awardingBodies?.[0]?.url),
    'workload-ects': s(def.workload?.ects),
    'workload-hours': s(def.workload?.hours),
    'level-eqf': s(def.level?.eqfLevel),
    'level-qf-ehea': s(def.level?.qfEheaCycle),
    'level-nqf-name': s(def.level?.nqf?.name),
    'level-nqf-level': s(def.level?.nqf?.level),
    'assessment-type': s(def.assessmentType),
    'participation-type': s(def.participationType),
    'quality-assurance-type': s(def.qualityAssuranceType),
    'qa-policy-url': s(def.qaPolicyUrl),
    prerequisites: s(def.prerequisites),
    'supervision-type': s(def.supervisionType),
    'grade-shown': def.gradeShown ? 'on' : '',
    stackability: s(def.stackability?.kind),
    'stackable-towards': def.stackability?.kind === 'stackable' ? s(def.stackability.towards) : '',
    'further-information': s(def.furtherInformation),
    'validity-months': s(def.validityMonths),
  };
}

/** Validation errors keyed by definition path → keyed by form field name (closest field wins). */
export function errorsForForm(byPath: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(byPath)) {
    const match = [...ANNEX_FIELDS]
      .filter(([, p]) => path === p || path.startsWith(`${p}.`) || p.startsWith(`${path}.`))
      .sort((a, b) => b[1].length - a[1].length)[0];
    out[match ? match[0] : '_form'] ??= message;
  }
  return out;
}
