/**
 * Value lists for micro-credential design (EU Council Recommendation 2022, Annex I).
 *
 * Where the Dutch edubadges micro-credential schema has a list (assessment type,
 * participation type, supervision type) the stored values are its exact strings, so
 * an issued Achievement validates against edubadges' schema without translation.
 * Labels are English, for the forms.
 */

/** A stored value with the words a form shows for it. */
export interface Option<V extends string | number> {
  value: V;
  label: string;
  /** One line of help under the option, where the value alone is not obvious. */
  hint?: string;
}

/** The label for a stored value; the value itself if it is not in the list (free text). */
export function labelOf<V extends string | number>(options: readonly Option<V>[], value: V | string | number): string {
  return options.find((o) => o.value === value)?.label ?? String(value);
}

// --- Element 9: type of assessment (edubadges `assessmentType`) ----------------

export const ASSESSMENT_TYPE_VALUES = ['testing', 'application of a skill', 'portfolio', 'recognition of prior learning'] as const;
export type AssessmentType = (typeof ASSESSMENT_TYPE_VALUES)[number];

export const ASSESSMENT_TYPES: readonly Option<AssessmentType>[] = [
  { value: 'testing', label: 'Testing', hint: 'Quizzes, exams or tests.' },
  { value: 'application of a skill', label: 'Application of a skill', hint: 'Projects, practical or problem-based work.' },
  { value: 'portfolio', label: 'Portfolio', hint: 'Collected evidence: files, links and reflections.' },
  {
    value: 'recognition of prior learning',
    label: 'Recognition of prior learning',
    hint: 'The learner is assessed on evidence alone, without taking the course.',
  },
];

// --- Element 10: form of participation (edubadges `participationType`) ---------

export const PARTICIPATION_TYPE_VALUES = ['online', 'onsite or blended', 'volunteering', 'work experience', 'personalized learning activities'] as const;
export type ParticipationType = (typeof PARTICIPATION_TYPE_VALUES)[number];

export const PARTICIPATION_TYPES: readonly Option<ParticipationType>[] = [
  { value: 'online', label: 'Online' },
  { value: 'onsite or blended', label: 'On site or blended' },
  { value: 'volunteering', label: 'Volunteering' },
  { value: 'work experience', label: 'Work experience' },
  { value: 'personalized learning activities', label: 'Personalised learning activities' },
];

// --- Element 13: supervision and identity verification (edubadges `supervisionType`) --

/** The four exact strings of Annex I, kept as stored values because edubadges uses them too. */
export const SUPERVISION_TYPE_VALUES = [
  'unsupervised with no identity verification',
  'supervised with no identity verification',
  'supervised online',
  'onsite with identity verification',
] as const;
export type SupervisionType = (typeof SUPERVISION_TYPE_VALUES)[number];

export const SUPERVISION_TYPES: readonly Option<SupervisionType>[] = [
  { value: 'unsupervised with no identity verification', label: 'Unsupervised, with no identity verification' },
  { value: 'supervised with no identity verification', label: 'Supervised, with no identity verification' },
  {
    value: 'supervised online',
    label: 'Supervised online, with identity verification',
    hint: 'An online supervisor checks the learner’s identity and attests it.',
  },
  {
    value: 'onsite with identity verification',
    label: 'On site, with identity verification',
    hint: 'An identity document is checked on site.',
  },
];

/**
 * How an assessment recorded who the learner was (see docs/microcredentials.md §4).
 * The record is made per assessment; the supervision type says which ones suffice.
 */
export const IDENTITY_METHOD_VALUES = ['lms-launch', 'online-supervisor', 'onsite-id-check'] as const;
export type IdentityMethod = (typeof IDENTITY_METHOD_VALUES)[number];

export const IDENTITY_METHODS: readonly (Option<IdentityMethod> & { phrase: string })[] = [
  { value: 'lms-launch', label: 'Authenticated LMS launch', phrase: 'an authenticated LMS launch' },
  { value: 'online-supervisor', label: 'Online supervisor’s attestation', phrase: 'an online supervisor’s attestation' },
  { value: 'onsite-id-check', label: 'On-site identity-document check', phrase: 'an on-site identity-document check' },
];

/** The method as it reads inside a sentence: "an online supervisor’s attestation". */
export function identityMethodPhrase(method: IdentityMethod): string {
  return IDENTITY_METHODS.find((m) => m.value === method)?.phrase ?? method;
}

/** What each supervision type demands of an assessment's identity record. */
export interface IdentityRequirement {
  /** Someone supervised the assessment and attested it (name and time recorded). */
  supervised: boolean;
  /** The supervisor checked the learner's identity. */
  identityVerified: boolean;
  /** Methods that satisfy the requirement; stronger methods are accepted too. */
  acceptedMethods: readonly IdentityMethod[];
  /** Plain-words requirement, used in the completion rule. */
  sentence: string;
}

export const IDENTITY_REQUIREMENTS: Readonly<Record<SupervisionType, IdentityRequirement>> = {
  'unsupervised with no identity verification': {
    supervised: false,
    identityVerified: false,
    acceptedMethods: IDENTITY_METHOD_VALUES,
    sentence: 'The assessment is unsupervised and no identity verification is required.',
  },
  'supervised with no identity verification': {
    supervised: true,
    identityVerified: false,
    acceptedMethods: ['online-supervisor', 'onsite-id-check'],
    sentence: 'The assessment must be supervised, online or on site, and the supervisor must attest it; the learner’s identity is not checked.',
  },
  'supervised online': {
    supervised: true,
    identityVerified: true,
    acceptedMethods: ['online-supervisor', 'onsite-id-check'],
    sentence: 'The assessment must be supervised online (or on site), and the supervisor must verify the learner’s identity and attest it.',
  },
  'onsite with identity verification': {
    supervised: true,
    identityVerified: true,
    acceptedMethods: ['onsite-id-check'],
    sentence: 'The assessment must take place on site, where the learner’s identity document is checked and attested.',
  },
};

/** edubadges' `identityChecked`: true when the supervision type includes an identity check. */
export function identityChecked(supervisionType: SupervisionType | undefined): boolean {
  return supervisionType ? IDENTITY_REQUIREMENTS[supervisionType].identityVerified : false;
}

// --- Element 8: level ----------------------------------------------------------

export const EQF_LEVEL_VALUES = [1, 2, 3, 4, 5, 6, 7, 8] as const;
export type EqfLevel = (typeof EQF_LEVEL_VALUES)[number];

export const EQF_LEVELS: readonly Option<EqfLevel>[] = EQF_LEVEL_VALUES.map((level) => ({
  value: level,
  label: `EQF level ${level}`,
}));

/** The EU's own URI for an EQF level (Europass / European Learning Model vocabulary). */
export function eqfLevelUri(level: EqfLevel | number): string {
  return `http://data.europa.eu/snb/eqf/${level}`;
}

export const QF_EHEA_CYCLE_VALUES = ['short-cycle', 'first-cycle', 'second-cycle', 'third-cycle'] as const;
export type QfEheaCycle = (typeof QF_EHEA_CYCLE_VALUES)[number];

export const QF_EHEA_CYCLES: readonly (Option<QfEheaCycle> & { eqfLevel: EqfLevel })[] = [
  { value: 'short-cycle', label: 'Short cycle (within or linked to the first cycle)', eqfLevel: 5 },
  { value: 'first-cycle', label: 'First cycle (bachelor level)', eqfLevel: 6 },
  { value: 'second-cycle', label: 'Second cycle (master level)', eqfLevel: 7 },
  { value: 'third-cycle', label: 'Third cycle (doctoral level)', eqfLevel: 8 },
];

export const QF_EHEA_URL = 'https://www.ehea.info/page-qualifications';
/** Where national frameworks can be looked up, when the NQF has no URL of its own. */
export const NQF_COMPARE_URL = 'https://europa.eu/europass/en/compare-qualifications';

// --- Element 15: stackability --------------------------------------------------

export const STACKABILITY_VALUES = ['stand-alone', 'stackable'] as const;
export type StackabilityKind = (typeof STACKABILITY_VALUES)[number];

export const STACKABILITY_OPTIONS: readonly Option<StackabilityKind>[] = [
  { value: 'stand-alone', label: 'Stand-alone (independent)' },
  { value: 'stackable', label: 'Integrated or stackable towards another credential' },
];

// --- Element 11: type of quality assurance ---------------------------------------

/**
 * Suggestions only: the Recommendation does not fix a list, so any text is accepted.
 */
export const QUALITY_ASSURANCE_SUGGESTIONS: readonly Option<string>[] = [
  {
    value: 'internal quality assurance',
    label: 'Internal quality assurance',
    hint: 'Designed, approved and reviewed under the institution’s own QA procedures.',
  },
  {
    value: 'institutional accreditation',
    label: 'Institutional accreditation',
    hint: 'The institution is accredited or reviewed by an ESG-compliant (EQAR-registered) agency.',
  },
  {
    value: 'programme accreditation',
    label: 'Programme accreditation',
    hint: 'The programme the credential belongs to is accredited.',
  },
  {
    value: 'external review',
    label: 'External review',
    hint: 'Reviewed by an external body, such as a professional or industry panel.',
  },
];

// --- Evidence --------------------------------------------------------------------

export const EVIDENCE_KIND_VALUES = ['file', 'link', 'reflection', 'open-badge'] as const;
export type EvidenceKind = (typeof EVIDENCE_KIND_VALUES)[number];

export const EVIDENCE_KINDS: readonly (Option<EvidenceKind> & { singular: string; plural: string })[] = [
  { value: 'file', label: 'File upload', singular: 'file', plural: 'files' },
  { value: 'link', label: 'Link', singular: 'link', plural: 'links' },
  { value: 'reflection', label: 'Written reflection', singular: 'written reflection', plural: 'written reflections' },
  {
    value: 'open-badge',
    label: 'Existing Open Badge (recognition of prior learning)',
    singular: 'existing Open Badge',
    plural: 'existing Open Badges',
  },
];

/** Common upload types with the names people know them by. Other MIME types are allowed. */
export const FILE_TYPE_LABELS: Readonly<Record<string, string>> = {
  'application/pdf': 'PDF',
  'application/msword': 'Word',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word',
  'application/vnd.oasis.opendocument.text': 'OpenDocument text',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PowerPoint',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel',
  'application/zip': 'ZIP',
  'text/plain': 'plain text',
  'image/png': 'PNG',
  'image/jpeg': 'JPEG',
  'video/mp4': 'MP4 video',
  'audio/mpeg': 'MP3 audio',
};

export function fileTypeLabel(mime: string): string {
  return FILE_TYPE_LABELS[mime] ?? mime;
}

/** "10 MB", "512 KB": sizes as people read them (1 MB = 1024 × 1024 bytes). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const rounded = Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
  return `${rounded} ${units[unit]}`;
}

// --- Alignments of learning outcomes ---------------------------------------------

export const ALIGNMENT_KIND_VALUES = ['esco', 'eqf', 'nqf', 'isced-f', 'custom'] as const;
export type AlignmentKind = (typeof ALIGNMENT_KIND_VALUES)[number];

export const ALIGNMENT_KINDS: readonly Option<AlignmentKind>[] = [
  { value: 'esco', label: 'ESCO skill or occupation', hint: 'Paste the ESCO URI, e.g. http://data.europa.eu/esco/skill/…' },
  { value: 'eqf', label: 'EQF level descriptor' },
  { value: 'nqf', label: 'National qualifications framework level' },
  { value: 'isced-f', label: 'ISCED-F field of education', hint: 'Two to four digits, e.g. 0613.' },
  { value: 'custom', label: 'Other framework', hint: 'Give the framework’s name, the item’s code and a URL.' },
];

/**
 * ESCO concept URIs: http://data.europa.eu/esco/skill/<id> or /occupation/<id>. Ids are
 * UUIDs, or dotted codes for skill groups (…/skill/S2.4.1).
 */
export const ESCO_URI_PATTERN = /^http:\/\/data\.europa\.eu\/esco\/(skill|occupation)\/[A-Za-z0-9][A-Za-z0-9.-]*$/;

/**
 * People copy ESCO links from the portal, whose address carries the URI as `?uri=…`;
 * they also type https. Both are turned into the canonical http URI; anything else is
 * returned trimmed and left for validation to judge.
 */
export function normalizeEscoUri(input: string): string {
  let text = input.trim();
  const fromPortal = /[?&]uri=([^&#]+)/.exec(text);
  if (fromPortal) text = decodeURIComponent(fromPortal[1]);
  return text.replace(/^https:\/\/data\.europa\.eu\/esco\//, 'http://data.europa.eu/esco/');
}

/** The ESCO concept kind of a valid ESCO URI. */
export function escoConceptKind(uri: string): 'skill' | 'occupation' | undefined {
  const match = ESCO_URI_PATTERN.exec(uri);
  return match ? (match[1] as 'skill' | 'occupation') : undefined;
}

/** ISCED-F 2013 codes: broad (2 digits), narrow (3) or detailed (4) fields. */
export const ISCED_F_CODE_PATTERN = /^\d{2,4}$/;

export function iscedFUri(code: string): string {
  return `http://data.europa.eu/snb/isced-f/${code}`;
}
