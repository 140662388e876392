/**
 * The credential-design domain: course outcomes, and micro-credential definitions with
 * every Annex I element of the EU Council Recommendation (2022), their learning
 * outcomes, the rubric and the evidence rules.
 *
 * Plain data only (it is stored as JSON in a credential version); the behaviour lives in
 * readiness.ts, mapping.ts, completion.ts and achievement.ts.
 */
import type { AlignmentKind, AssessmentType, EqfLevel, EvidenceKind, ParticipationType, QfEheaCycle, SupervisionType } from './vocabulary';

/** Course outcomes are rows in the database, so their ids are the row's serial id. */
export type CourseOutcomeId = number;

/** An outcome of the course as the teacher wrote it; the credential's outcomes map onto these. */
export interface CourseOutcome {
  id: CourseOutcomeId;
  /** Short code unique within the course, e.g. "LO1" or "CO-2.1". */
  code: string;
  title: string;
  description: string;
  /** Display order within the course, lowest first. */
  position: number;
  /** Archived outcomes are kept (mappings may still point at them) but no longer offered. */
  archived: boolean;
}

/**
 * A link from a learning outcome to a node in an external framework. It becomes an
 * Open Badges `Alignment`. Rules per kind (see validation.ts):
 * - esco: targetUrl is the ESCO URI, http://data.europa.eu/esco/skill/… or /occupation/…
 * - eqf: targetCode is the level, "1" to "8"
 * - nqf: targetFramework is the framework's name, targetCode its level
 * - isced-f: targetCode is the ISCED-F 2013 field code (2–4 digits)
 * - custom: targetFramework, targetCode and targetUrl describe the item
 */
export interface Alignment {
  kind: AlignmentKind;
  targetName: string;
  targetUrl?: string;
  targetCode?: string;
  targetFramework?: string;
}

/** One learning outcome of the credential (Annex I element 6). */
export interface LearningOutcome {
  id: string;
  /** Written from the learner's side: "I can …" / "The learner can …". */
  statement: string;
  alignments: Alignment[];
  /** Many-to-many: the course outcomes this outcome builds on. */
  mappedCourseOutcomeIds: CourseOutcomeId[];
}

/** Annex I element 7. At least one of the two; ECTS where possible (1 ECTS = 25–30 hours). */
export interface Workload {
  ects?: number;
  hours?: number;
}

export interface NqfLevel {
  /** The framework, e.g. "Dutch NLQF". */
  name: string;
  /** The level within it, as that framework writes it, e.g. "6". */
  level: string;
  /** Official description of the level, if it has one. */
  url?: string;
}

/** Annex I element 8. At least one of the three. */
export interface Level {
  eqfLevel?: EqfLevel;
  qfEheaCycle?: QfEheaCycle;
  nqf?: NqfLevel;
}

/** Annex I element 4. Defaults to the institution's issuer profile. */
export interface AwardingBody {
  /** The body's Open Badges profile URI, when it has one. */
  id?: string;
  name: string;
  url?: string;
}

/** Annex I element 15. */
export type Stackability = { kind: 'stand-alone' } | { kind: 'stackable'; towards?: string };

/** One performance level of a rubric criterion. Levels are ordered from lowest to highest. */
export interface PerformanceLevel {
  id: string;
  title: string;
  /** What work at this level looks like. */
  descriptor: string;
  points: number;
}

export interface EvidenceRequirement {
  kind: EvidenceKind;
  /** How many items of this kind the learner must hand in (at least 1). */
  count: number;
}

/** What a learner must hand in for one criterion. */
export interface EvidenceRule {
  /** Empty when the criterion needs no evidence (e.g. an exam the assessor marks directly). */
  required: EvidenceRequirement[];
  /** MIME types accepted for file evidence, e.g. "application/pdf". */
  allowedFileTypes: string[];
  /** Largest accepted file, in bytes. */
  maxFileSizeBytes?: number;
}

export interface RubricCriterion {
  id: string;
  title: string;
  description?: string;
  /** The learning outcomes this criterion assesses (at least one). */
  learningOutcomeIds: string[];
  /** 3–7 levels, lowest first, with strictly increasing points. */
  levels: PerformanceLevel[];
  /** The lowest level that passes this criterion. */
  passLevelId: string;
  /** Relative weight in the rubric score; 1 when absent. */
  weight?: number;
  evidence: EvidenceRule;
}

export interface Rubric {
  criteria: RubricCriterion[];
}

/**
 * A micro-credential definition: one version of it, stored as JSON.
 *
 * Mandatory Annex I elements are optional here because a definition is edited as a
 * draft; `checkReadiness` reports which are still missing before it can be published.
 *
 * Annex I elements 1 (identification of the learner) and 5 (date of issuing) are not
 * fields: they are filled in when a credential is awarded to a learner.
 */
export interface CredentialDefinition {
  /** 2 – Title of the micro-credential. */
  title?: string;
  /** Short summary for the badge; not an Annex I element (built from the outcomes if absent). */
  description?: string;
  /** A human-readable code, e.g. the course code (Open Badges `humanCode`). */
  code?: string;
  /** Language of the texts, as a BCP 47 code, e.g. "en" or "nl-NL". */
  language?: string;

  /** 3 – Country(ies) of the issuer, ISO 3166-1 alpha-2 codes ("NL"). Prefilled from the issuer profile. */
  issuerCountries?: string[];
  /** 3 – Region(s) of the issuer, where relevant ("Flanders"). Prefilled from the issuer profile. */
  issuerRegions?: string[];
  /** 4 – Awarding body(ies). Prefilled from the issuer profile. */
  awardingBodies?: AwardingBody[];
  /** 6 – Learning outcomes. */
  learningOutcomes: LearningOutcome[];
  /** 7 – Notional workload. */
  workload?: Workload;
  /** 8 – Level (and cycle, if applicable). */
  level?: Level;
  /** 9 – Type of assessment. */
  assessmentType?: AssessmentType;
  /** 10 – Form of participation in the learning activity. */
  participationType?: ParticipationType;
  /** 11 – Type of quality assurance. Free text; vocabulary.ts offers suggestions. */
  qualityAssuranceType?: string;
  /** 11 – Where the QA policy is published. */
  qaPolicyUrl?: string;

  /** 12 – Prerequisites needed to enrol (optional). */
  prerequisites?: string;
  /** 13 – Supervision and identity verification during assessment (optional). */
  supervisionType?: SupervisionType;
  /** 14 – Whether the grade achieved is shown on the credential (optional). */
  gradeShown?: boolean;
  /** 15 – Integration/stackability options (optional). */
  stackability?: Stackability;
  /** 16 – Further information (optional). */
  furtherInformation?: string;
  /** How long an issued credential stays valid, in months (its validUntil); absent: it does not expire. */
  validityMonths?: number;

  /** How learners are assessed against the learning outcomes. */
  rubric: Rubric;
}

/** The institution's issuer profile, the source of the defaults for elements 3 and 4. */
export interface InstitutionIssuerProfile {
  /** The Open Badges profile URI of the institution. */
  id: string;
  name: string;
  url?: string;
  countryCode: string;
  region?: string;
}

/**
 * The completion rule is the same for every micro-credential: all three conditions must
 * hold. It is data so the interface and the badge criteria can render it.
 */
export const COMPLETION_CONDITIONS = ['every-criterion-at-pass-level', 'required-evidence-present', 'identity-requirement-met'] as const;
export type CompletionCondition = (typeof COMPLETION_CONDITIONS)[number];

export const COMPLETION_RULE: { readonly allOf: readonly CompletionCondition[] } = { allOf: COMPLETION_CONDITIONS };

/** One element of Annex I, with the HTML id of the form field that holds it. */
export interface AnnexIElement {
  number: number;
  label: string;
  mandatory: boolean;
  /** Filled in per learner when the credential is awarded, not in the definition. */
  filledAtAward: boolean;
  /** The form control to link to; undefined for elements filled at award time. */
  fieldId?: string;
}

/** Annex I in the Recommendation's own numbering. */
export const ANNEX_I_ELEMENTS: readonly AnnexIElement[] = [
  { number: 1, label: 'Identification of the learner', mandatory: true, filledAtAward: true },
  { number: 2, label: 'Title of the micro-credential', mandatory: true, filledAtAward: false, fieldId: 'f-title' },
  { number: 3, label: 'Country(ies)/region(s) of the issuer', mandatory: true, filledAtAward: false, fieldId: 'f-issuer-countries' },
  { number: 4, label: 'Awarding body(ies)', mandatory: true, filledAtAward: false, fieldId: 'f-awarding-bodies' },
  { number: 5, label: 'Date of issuing', mandatory: true, filledAtAward: true },
  { number: 6, label: 'Learning outcomes', mandatory: true, filledAtAward: false, fieldId: 'f-learning-outcomes' },
  { number: 7, label: 'Notional workload', mandatory: true, filledAtAward: false, fieldId: 'f-workload-ects' },
  { number: 8, label: 'Level (and cycle, if applicable)', mandatory: true, filledAtAward: false, fieldId: 'f-level-eqf' },
  { number: 9, label: 'Type of assessment', mandatory: true, filledAtAward: false, fieldId: 'f-assessment-type' },
  { number: 10, label: 'Form of participation', mandatory: true, filledAtAward: false, fieldId: 'f-participation-type' },
  { number: 11, label: 'Type of quality assurance', mandatory: true, filledAtAward: false, fieldId: 'f-quality-assurance-type' },
  { number: 12, label: 'Prerequisites needed to enrol', mandatory: false, filledAtAward: false, fieldId: 'f-prerequisites' },
  { number: 13, label: 'Supervision and identity verification', mandatory: false, filledAtAward: false, fieldId: 'f-supervision-type' },
  { number: 14, label: 'Grade achieved', mandatory: false, filledAtAward: false, fieldId: 'f-grade-shown' },
  { number: 15, label: 'Integration/stackability options', mandatory: false, filledAtAward: false, fieldId: 'f-stackability' },
  { number: 16, label: 'Further information', mandatory: false, filledAtAward: false, fieldId: 'f-further-information' },
];

export function annexIElement(number: number): AnnexIElement {
  const element = ANNEX_I_ELEMENTS.find((e) => e.number === number);
  if (!element) throw new Error(`Annex I has no element ${number}`);
  return element;
}

/**
 * HTML ids for the parts of the form that are lists (outcomes, criteria), so the
 * readiness panel and the form agree on where to link.
 */
export const fieldIds = {
  stackableTowards: 'f-stackable-towards',
  nqfName: 'f-level-nqf-name',
  learningOutcome: (id: string) => `f-lo-${id}`,
  criterion: (id: string) => `f-criterion-${id}`,
  criterionOutcomes: (id: string) => `f-criterion-${id}-outcomes`,
  criterionLevels: (id: string) => `f-criterion-${id}-levels`,
  criterionPassLevel: (id: string) => `f-criterion-${id}-pass-level`,
  criterionEvidence: (id: string) => `f-criterion-${id}-evidence`,
  rubric: 'f-rubric',
} as const;

/** Rubric bounds from the issue: 3–7 ordered performance levels per criterion. */
export const MIN_LEVELS = 3;
export const MAX_LEVELS = 7;
