/**
 * The ELM 3 mapping: an award in, a European Digital Credential (unsealed) out.
 *
 * Pure, like src/badges/credentialBuilder.ts, and fed the same CredentialInputs so every kind of
 * credential the tool issues as an Open Badge can also be checked as an EDC against the
 * Commission's SHACL shapes in unit tests. Shape and names follow the Commission's Annex I sample
 * (shared/conformance/elm): Person → LearningAchievement → Qualification (the specification)
 * with learning outcomes, EQF level, credit points, volume of learning, mode and entry
 * requirements; LearningAssessment with the grade; the awarding body as an Organisation.
 *
 * Privacy: the learner appears as in the badge, by salted SHA-256 hashes of e-mail and LMS user
 * id only (no name, no address); an EDC is a public document the learner hands on.
 *
 * Status: the EDC profile allows one `credentialStatus` whose value is an xsd:anyURI literal (not a
 * VC status object). We write the award's own status-list entry URL there, so revoking the award
 * (one bit in the badge's status list) revokes the EDC too; see decision 0019.
 */
import { identityHash, type CredentialInputs } from '../badges/credentialBuilder';
import { labelOf, ASSESSMENT_TYPES, PARTICIPATION_TYPES, SUPERVISION_TYPES } from '../credentials/vocabulary';
import { EDC_CONTEXT, EDC_GENERIC_FULL } from './shacl';
import {
  BASE64,
  country,
  ECTS,
  eqfLevel,
  escoSkill,
  GENERIC_PROFILE,
  iscedField,
  language,
  MODES,
  PNG,
  UNSUPERVISED_NO_ID,
  type ElmConcept,
} from './vocabulary';

export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
const XSD_ANY_URI = 'http://www.w3.org/2001/XMLSchema#anyURI';

/** What the seal certificate says about the institution: the issuer's eIDAS legal identifier. */
export interface SealIdentity {
  /** The certificate's organizationIdentifier (e.g. "VATNL-123456789B01"), or its serial number. */
  legalIdentifier: string;
  /** The certificate's country (C), ISO alpha-2. */
  country: string;
}

export interface EdcInputs extends CredentialInputs {
  seal: SealIdentity;
  /** The badge image (PNG) shown by Europass as the credential's display. */
  imagePng: Buffer;
  /** When the EDC is sealed; its `issued` date (the award date stays `validFrom`). */
  issuedAt: Date;
}

type Json = Record<string, unknown>;

const isoSeconds = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

function addMonths(date: Date, months: number): Date {
  const d = new Date(date.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

/** The status entry URL the EDC carries, the same entry as the award's Open Badge. */
export function edcStatusUrl(publicUrl: string, status: { listId: number; index: number }): string {
  return `${publicUrl}/status/${status.listId}#${status.index}`;
}

/** The sentence Europass shows under the title. */
const DISPLAY_DESCRIPTION = 'has been awarded this micro-credential';

export function buildEuropeanDigitalCredential(input: EdcInputs): Json {
  const def = input.definition;
  const { tag, concept: languageConcept } = language(def.language);
  const text = (value: string) => ({ [tag]: value });
  const note = (id: string, value: string) => ({ id, type: 'Note', noteLiteral: text(value) });
  // Sentences microcred writes (labels, notes) are English, whatever the definition's language.
  const en = (value: string) => ({ en: value });
  const noteEn = (id: string, value: string) => ({ id, type: 'Note', noteLiteral: en(value) });
  const base = `urn:epass:${input.uuid}`;
  const title = def.title ?? 'Micro-credential';
  const achievementPage = `${input.publicUrl}/achievements/${input.credentialId}/versions/${input.versionNo}`;

  // --- Element 3 and 4: the issuer and awarding body, with country and location ---------
  const issuerProfile = input.issuer as Json & {
    name?: string;
    url?: string;
    email?: string;
    address?: { addressCountryCode?: string; addressRegion?: string };
  };
  const countryCodes = [
    ...new Set([...(def.issuerCountries ?? []), issuerProfile.address?.addressCountryCode, input.seal.country].filter((c): c is string => !!c)),
  ];
  const locations: Json[] = countryCodes
    .map((code, i) => ({ code, c: country(code), i }))
    .filter((x): x is { code: string; c: ElmConcept; i: number } => !!x.c)
    .map(({ c, i }) => ({
      id: `${base}:location:${i + 1}`,
      type: 'Location',
      address: { id: `${base}:address:${i + 1}`, type: 'Address', countryCode: c },
      ...(i === 0 && def.issuerRegions?.length ? { geographicName: text(def.issuerRegions.join(', ')) } : {}),
    }));
  const sealCountry = country(input.seal.country);
  if (!sealCountry) throw new Error(`The seal certificate's country ${input.seal.country} has no EU country code here.`);
  const issuerName = issuerProfile.name ?? def.awardingBodies?.[0]?.name ?? 'Issuer';
  const institution: Json = {
    id: `${base}:org:issuer`,
    type: 'Organisation',
    legalName: text(issuerName),
    eIDASIdentifier: { id: `${base}:legalIdentifier:seal`, type: 'LegalIdentifier', notation: input.seal.legalIdentifier, spatial: sealCountry },
    location: locations,
    ...(issuerProfile.url ? { homepage: { id: `${base}:webResource:issuer`, type: 'WebResource', contentURL: issuerProfile.url } } : {}),
    ...(issuerProfile.email
      ? { contactPoint: { id: `${base}:contactPoint:issuer`, type: 'ContactPoint', emailAddress: { id: `mailto:${issuerProfile.email}`, type: 'Mailbox' } } }
      : {}),
  };
  // Awarding bodies other than the institution itself (same id or same name) become Organisations
  // of their own, located like the issuer (Annex I gives a body a name and a URL only).
  const otherBodies = (def.awardingBodies ?? [])
    .filter((b) => b.id !== issuerProfile.id && b.name !== issuerName)
    .map((b, i) => ({
      id: `${base}:org:${i + 1}`,
      type: 'Organisation',
      legalName: text(b.name),
      location: locations,
      ...(b.url ? { homepage: { id: `${base}:webResource:body-${i + 1}`, type: 'WebResource', contentURL: b.url } } : {}),
    }));
  const awardingProcess = {
    id: `${base}:awardingProcess:1`,
    type: 'AwardingProcess',
    awardingBody: [institution, ...otherBodies],
    awardingDate: isoSeconds(input.awardedAt),
  };

  // --- Element 6: learning outcomes with ESCO / EQF / ISCED alignments -----------------
  const thematicAreas = new Map<string, ElmConcept>();
  const learningOutcome = def.learningOutcomes.map((lo, i) => {
    const esco = lo.alignments.filter((a) => a.kind === 'esco' && a.targetUrl?.includes('/esco/skill/'));
    const notes = lo.alignments
      .filter((a) => a.kind === 'nqf' || a.kind === 'custom' || (a.kind === 'esco' && !a.targetUrl?.includes('/esco/skill/')))
      .map((a) =>
        [a.targetFramework ?? (a.kind === 'esco' ? 'ESCO' : a.kind.toUpperCase()), a.targetCode, a.targetName, a.targetUrl].filter(Boolean).join(' · '),
      );
    for (const a of lo.alignments) if (a.kind === 'isced-f' && a.targetCode) thematicAreas.set(a.targetCode, iscedField(a.targetCode, a.targetName));
    const eqf = lo.alignments.find((a) => a.kind === 'eqf' && a.targetCode);
    if (eqf) notes.push(`EQF level ${eqf.targetCode}`);
    return {
      id: `${base}:learningOutcome:${i + 1}`,
      type: 'LearningOutcome',
      title: text(lo.statement),
      ...(esco.length ? { relatedESCOSkill: esco.map((a) => escoSkill(a.targetUrl as string, a.targetName)) } : {}),
      ...(notes.length ? { additionalNote: notes.map((n, j) => noteEn(`${base}:note:lo-${i + 1}-${j + 1}`, `Aligned to ${n}`)) } : {}),
    };
  });

  // --- Elements 7–16 on the specification (a Qualification, as in the sample) ---------
  const additional: string[] = [];
  if (def.assessmentType) additional.push(`Type of assessment: ${labelOf(ASSESSMENT_TYPES, def.assessmentType)}.`);
  if (def.participationType) additional.push(`Form of participation: ${labelOf(PARTICIPATION_TYPES, def.participationType)}.`);
  const qa = def.qualityAssuranceType ?? input.qaPolicy?.name;
  if (qa) additional.push(`Quality assurance: ${qa}.`);
  if (def.level?.qfEheaCycle) additional.push(`QF-EHEA cycle: ${def.level.qfEheaCycle}.`);
  if (def.level?.nqf) additional.push(`National qualifications framework: ${def.level.nqf.name}, level ${def.level.nqf.level}.`);
  if (def.stackability) {
    additional.push(
      def.stackability.kind === 'stand-alone'
        ? 'Integration/stackability: stand-alone (independent).'
        : `Integration/stackability: stackable${def.stackability.towards ? ` towards ${def.stackability.towards}` : ''}.`,
    );
  }
  if (def.workload?.hours !== undefined && def.workload.ects === undefined) additional.push(`Notional workload: ${def.workload.hours} hours.`);
  const qaUrl = def.qaPolicyUrl ?? input.qaPolicy?.url;
  const mode = def.participationType === 'online' ? MODES.online : def.participationType === 'onsite or blended' ? MODES.blended : undefined;
  const eqf = def.level?.eqfLevel;
  const volumeHours = def.workload?.hours;

  const qualification: Json = {
    id: `${base}:qualification:1`,
    type: 'Qualification',
    title: text(title),
    ...(def.description ? { description: text(def.description) } : {}),
    ...(def.code ? { identifier: { id: `${base}:identifier:code`, type: 'Identifier', notation: def.code, schemeName: 'Course code' } } : {}),
    language: languageConcept,
    ...(eqf ? { eqfLevel: eqfLevel(Number(eqf)) } : {}),
    ...(thematicAreas.size ? { thematicArea: [...thematicAreas.values()] } : {}),
    ...(def.workload?.ects !== undefined
      ? { creditPoint: { id: `${base}:creditPoint:1`, type: 'CreditPoint', framework: ECTS, point: String(def.workload.ects) } }
      : {}),
    ...(volumeHours !== undefined ? { volumeOfLearning: `PT${volumeHours}H` } : {}),
    ...(mode ? { mode } : {}),
    ...(def.prerequisites ? { entryRequirement: note(`${base}:note:entry`, def.prerequisites) } : {}),
    learningOutcome,
    isPartialQualification: def.stackability?.kind === 'stackable',
    ...(def.stackability?.kind === 'stackable' && def.stackability.towards
      ? { isPartOf: { id: `${base}:qualification:towards`, type: 'Qualification', title: text(def.stackability.towards) } }
      : {}),
    ...(additional.length || def.furtherInformation
      ? {
          additionalNote: [
            ...additional.map((n, i) => noteEn(`${base}:note:spec-${i + 1}`, n)),
            // Element 16, in the definition's own words and language.
            ...(def.furtherInformation ? [note(`${base}:note:further-information`, def.furtherInformation)] : []),
          ],
        }
      : {}),
    ...(qaUrl
      ? { supplementaryDocument: { id: `${base}:webResource:qa`, type: 'WebResource', contentURL: qaUrl, title: en('Quality assurance policy') } }
      : {}),
    homepage: { id: `${base}:webResource:achievement`, type: 'WebResource', contentURL: achievementPage },
  };

  // --- Elements 9, 13, 14: the assessment, its grade and the identity check -------------
  const supervision = def.supervisionType;
  const assessmentNotes = [
    ...(supervision ? [`Supervision and identity verification: ${labelOf(SUPERVISION_TYPES, supervision)} (${supervision}).`] : []),
    ...input.rubricResults.map((r) => `${r.criterion}: ${r.level} (${r.points} of ${r.maxPoints} points).`),
  ];
  const assessment: Json = {
    id: `${base}:learningAssessment:1`,
    type: 'LearningAssessment',
    title: en(`Assessment for ${title}`),
    grade: input.grade ? note(`${base}:note:grade`, input.grade.text) : noteEn(`${base}:note:grade`, 'Passed'),
    awardedBy: awardingProcess,
    assessedBy: institution,
    dateIssued: isoSeconds(input.awardedAt),
    ...(supervision === 'unsupervised with no identity verification' ? { idVerification: UNSUPERVISED_NO_ID } : {}),
    ...(assessmentNotes.length ? { additionalNote: assessmentNotes.map((n, i) => noteEn(`${base}:note:assessment-${i + 1}`, n)) } : {}),
    specifiedBy: {
      id: `${base}:learningAssessmentSpec:1`,
      type: 'LearningAssessmentSpecification',
      title: en(def.assessmentType ? labelOf(ASSESSMENT_TYPES, def.assessmentType) : 'Assessment'),
      ...(mode ? { mode } : {}),
      language: languageConcept,
      gradingScheme: {
        id: `${base}:gradingScheme:1`,
        type: 'GradingScheme',
        title: en('Rubric'),
        description: en('Every criterion of the published rubric at or above its pass level.'),
      },
    },
  };

  const learner: Json = {
    id: `${base}:person:1`,
    type: 'Person',
    identifier: [
      ...(input.learner.email
        ? [
            {
              id: `${base}:identifier:email`,
              type: 'Identifier',
              notation: identityHash(input.learner.email.trim().toLowerCase(), input.salt),
              schemeName: `sha256(email address + salt ${input.salt})`,
            },
          ]
        : []),
      {
        id: `${base}:identifier:lti`,
        type: 'Identifier',
        notation: identityHash(input.learner.ltiUserId, input.salt),
        schemeName: `sha256(LMS user id + salt ${input.salt})`,
      },
    ],
    hasClaim: {
      id: `${base}:learningAchievement:1`,
      type: 'LearningAchievement',
      title: text(title),
      awardedBy: awardingProcess,
      provenBy: assessment,
      specifiedBy: qualification,
      ...(def.workload?.ects !== undefined
        ? { creditReceived: { id: `${base}:creditPoint:received`, type: 'CreditPoint', framework: ECTS, point: String(def.workload.ects) } }
        : {}),
    },
  };

  const image = {
    id: `${base}:mediaObject:display`,
    type: 'MediaObject',
    content: input.imagePng.toString('base64'),
    contentEncoding: BASE64,
    contentType: PNG,
  };
  const credential: Json = {
    '@context': [VC_V1_CONTEXT, EDC_CONTEXT],
    id: `urn:credential:${input.uuid}`,
    type: ['VerifiableCredential', 'EuropeanDigitalCredential'],
    credentialProfiles: GENERIC_PROFILE,
    credentialSchema: { id: EDC_GENERIC_FULL, type: 'ShaclValidator2017' },
    identifier: { id: `${base}:identifier:credential`, type: 'Identifier', schemeName: 'microcred credential', notation: input.uuid },
    displayParameter: {
      id: `${base}:displayParameter:1`,
      type: 'DisplayParameter',
      title: text(title),
      description: en(DISPLAY_DESCRIPTION),
      language: languageConcept,
      primaryLanguage: languageConcept,
      individualDisplay: {
        id: `${base}:individualDisplay:1`,
        type: 'IndividualDisplay',
        language: languageConcept,
        displayDetail: { id: `${base}:displayDetail:1`, type: 'DisplayDetail', image, page: 1 },
      },
    },
    issuer: institution,
    issuanceDate: isoSeconds(input.issuedAt),
    issued: isoSeconds(input.issuedAt),
    validFrom: isoSeconds(input.awardedAt),
    ...(def.validityMonths
      ? { validUntil: isoSeconds(addMonths(input.awardedAt, def.validityMonths)), expirationDate: isoSeconds(addMonths(input.awardedAt, def.validityMonths)) }
      : {}),
    credentialStatus: { '@value': edcStatusUrl(input.publicUrl, input.status), '@type': XSD_ANY_URI },
    credentialSubject: learner,
  };
  return credential;
}

/** The status entry URL an EDC carries, whichever way it is written. */
export function statusUrlOf(credential: Json): string | undefined {
  const status = credential.credentialStatus;
  if (typeof status === 'string') return status;
  if (status && typeof status === 'object') {
    const v = (status as Json)['@value'] ?? (status as Json).id;
    if (typeof v === 'string') return v;
  }
  return undefined;
}
