/**
 * The Open Badges 3.0 `Achievement` a micro-credential definition becomes: it goes,
 * unchanged, into every credential issued from that definition version, and is shown as
 * a preview while the definition is designed.
 *
 * Where the Annex I elements have a name in the Dutch edubadges micro-credential
 * profile, that name and its values are used (participationType, assessmentType,
 * supervisionType, identityChecked, ECTS, timeInvestment, EQF and quality assurance as
 * `ext:` alignments). The remaining elements are extension properties, which the OB 3.0
 * schema allows (`additionalProperties: true` on Achievement).
 */
import { describeCompletionRule, describeEvidence, pointsWords } from './completion';
import type { Alignment, CredentialDefinition, RubricCriterion } from './model';
import { rubricScoreRange } from './rubric';
import { openBadgesValidators, type SchemaProblem, schemaProblems } from './openBadgesSchema';
import {
  ASSESSMENT_TYPES,
  NQF_COMPARE_URL,
  QF_EHEA_CYCLES,
  QF_EHEA_URL,
  escoConceptKind,
  eqfLevelUri,
  identityChecked,
  iscedFUri,
  labelOf,
} from './vocabulary';

// --- Open Badges 3.0 shapes (the parts this module writes) ---------------------------

export interface Ob3Image {
  id: string;
  type: 'Image';
  caption?: string;
}

export interface Ob3Profile {
  id: string;
  type: string[];
  name?: string;
  url?: string;
  [property: string]: unknown;
}

export interface Ob3Alignment {
  type: ['Alignment'];
  targetName: string;
  targetUrl?: string;
  targetCode?: string;
  targetFramework?: string;
  targetType?: string;
  targetDescription?: string;
}

export interface Ob3RubricCriterionLevel {
  id: string;
  type: ['RubricCriterionLevel'];
  name: string;
  description?: string;
  level?: string;
  points?: string;
}

export interface Ob3ResultDescription {
  id: string;
  type: ['ResultDescription'];
  name: string;
  resultType: string;
  alignment?: Ob3Alignment[];
  requiredLevel?: string;
  rubricCriterionLevel?: Ob3RubricCriterionLevel[];
  valueMin?: string;
  valueMax?: string;
  [property: string]: unknown;
}

export interface Ob3Achievement {
  id: string;
  type: string[];
  achievementType: 'MicroCredential';
  name?: string;
  description: string;
  criteria: { id?: string; narrative: string };
  [property: string]: unknown;
}

// --- Constants the issuing code needs as well ------------------------------------------

/**
 * The edubadges JSON-LD context. Its published copy has a typo ("context" for
 * "@context" under supervisionType) that breaks JSON-LD processing, so issued credentials
 * use microcred's own context instead (same terms and IRIs, typo fixed; see
 * src/badges/contexts/microcred-v1.json and decision 0006).
 */
export const EDUBADGES_CONTEXT_URL = 'https://raw.githubusercontent.com/educredentials/obv3-examples/refs/heads/main/contexts/educredential.json';

/** `@context` for an OpenBadgeCredential carrying this Achievement, in this order. */
export function achievementCredentialContexts(publicUrl: string): string[] {
  return [
    'https://www.w3.org/ns/credentials/v2',
    'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    // 1EdTech's extensions context defines the credentialSchema type 1EdTechJsonSchemaValidator2019.
    'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
    `${publicUrl}/contexts/microcred-v1.json`,
  ];
}

/**
 * edubadges declares its terms in a context scoped to this type, so the Achievement
 * carries it next to "Achievement" for those terms to mean what edubadges defines.
 */
export const EDUBADGES_ACHIEVEMENT_TYPE = 'EducredentialAchievement';

/**
 * `targetType` values. The OB 3.0 schema accepts a closed list (ceasn:Competency,
 * ceterms:Credential, CFItem, CFRubric, CFRubricCriterion, CFRubricCriterionLevel, CTDL)
 * or an extension term "ext:…"; "ceterms:Skill", for instance, is rejected. The ext:
 * names below use only letters, so they also pass the schema's character class if a
 * validator anchors its pattern.
 */
export const TARGET_TYPES = {
  escoSkill: 'ceasn:Competency',
  escoOccupation: 'ext:ESCOOccupation',
  /** The name edubadges uses for EQF levels. */
  eqf: 'ext:EQF',
  qfEhea: 'ext:QFEHEA',
  nqf: 'ext:NQF',
  iscedF: 'ext:ISCEDF',
  /** The name edubadges uses for the quality-assurance decision. */
  qualityAssurance: 'ext:QualityAssurance',
  learningOutcome: 'ext:LearningOutcome',
} as const;

export interface BuildAchievementOptions {
  /** The Achievement's URL: stable for this definition version. */
  id: string;
  /** The issuer's Open Badges profile (the institution). */
  creator: Ob3Profile;
  /** The badge image; edubadges requires one. */
  image?: { id: string; caption?: string };
  /** A public page that shows the criteria, if there is one. */
  criteriaUrl?: string;
  /** The definition's version, e.g. "3". */
  version?: string;
}

// --- Builder -----------------------------------------------------------------------------

/**
 * Build the Achievement from a definition. Missing parts of a draft are left out, not
 * invented, so `validateAchievement` on the result tells what the preview still lacks.
 */
export function buildAchievement(def: CredentialDefinition, options: BuildAchievementOptions): Ob3Achievement {
  const id = options.id;
  const criteria = def.rubric.criteria;

  const achievement: Ob3Achievement = {
    id,
    type: ['Achievement', EDUBADGES_ACHIEVEMENT_TYPE],
    achievementType: 'MicroCredential',
    ...(def.title?.trim() ? { name: def.title.trim() } : {}),
    description: def.description?.trim() || outcomesAsMarkdown(def),
    criteria: { ...(options.criteriaUrl ? { id: options.criteriaUrl } : {}), narrative: criteriaNarrative(def) },
    inLanguage: def.language ?? 'en',
    creator: options.creator,
  };
  if (options.image) achievement.image = { id: options.image.id, type: 'Image', ...(options.image.caption ? { caption: options.image.caption } : {}) };
  if (def.code?.trim()) achievement.humanCode = def.code.trim();
  if (options.version) achievement.version = options.version;

  const alignment = dedupeAlignments([
    ...levelAlignments(def),
    ...qualityAssuranceAlignments(def),
    ...def.learningOutcomes.flatMap((lo) => lo.alignments.map(toOb3Alignment)),
  ]);
  if (alignment.length > 0) achievement.alignment = alignment;

  const resultDescription = criteria.map((criterion) => criterionResultDescription(def, criterion, id));
  if (def.gradeShown && criteria.length > 0) resultDescription.push(gradeResultDescription(criteria, id));
  if (resultDescription.length > 0) achievement.resultDescription = resultDescription;

  // --- Annex I, element by element ---
  // 7 – workload: edubadges' `ECTS` (a number on the Achievement) and `timeInvestment` (whole hours);
  // `creditsAvailable` is the OB 3.0 core property for credits, for consumers that know no edubadges.
  if (def.workload?.ects !== undefined) {
    achievement.ECTS = def.workload.ects;
    achievement.creditsAvailable = def.workload.ects;
  }
  if (def.workload?.hours !== undefined) achievement.timeInvestment = Math.max(1, Math.round(def.workload.hours));
  // edubadges wants ECTS or SBU (study-load hours), exactly one: hours stand in when there are no ECTS.
  if (def.workload?.ects === undefined && def.workload?.hours !== undefined) achievement.SBU = Math.max(1, Math.round(def.workload.hours));
  // 9, 10, 13 – edubadges names and values, unchanged.
  if (def.assessmentType) achievement.assessmentType = def.assessmentType;
  if (def.participationType) achievement.participationType = def.participationType;
  // Element 13 is optional; left unset, the completion rule demands no supervision, which is what this says.
  achievement.supervisionType = def.supervisionType ?? 'unsupervised with no identity verification';
  achievement.identityChecked = identityChecked(def.supervisionType);
  // 3, 4 – the issuer's country/region and the awarding bodies.
  if (def.issuerCountries?.length) achievement.issuerCountry = def.issuerCountries;
  if (def.issuerRegions?.length) achievement.issuerRegion = def.issuerRegions;
  if (def.awardingBodies?.length) {
    achievement.awardingBody = def.awardingBodies.map((body) => ({
      ...(body.id ? { id: body.id } : {}),
      type: ['Profile'],
      name: body.name,
      ...(body.url ? { url: body.url } : {}),
    }));
  }
  // 6 – the learning outcomes themselves, with their alignments.
  if (def.learningOutcomes.length > 0) {
    achievement.learningOutcome = def.learningOutcomes.map((lo) => ({
      id: learningOutcomeUri(id, lo.id),
      statement: lo.statement,
      ...(lo.alignments.length > 0 ? { alignment: lo.alignments.map(toOb3Alignment) } : {}),
    }));
  }
  // 11 – the type as text; the policy, when published, is also an ext:QualityAssurance alignment.
  if (def.qualityAssuranceType?.trim()) achievement.qualityAssuranceType = def.qualityAssuranceType.trim();
  // 12, 15, 16 – optional elements.
  if (def.prerequisites?.trim()) achievement.prerequisites = def.prerequisites.trim();
  if (def.stackability) {
    achievement.stackability = def.stackability.kind;
    if (def.stackability.kind === 'stackable' && def.stackability.towards?.trim()) {
      achievement.stackableTowards = def.stackability.towards.trim();
    }
  }
  if (def.furtherInformation?.trim()) achievement.furtherInformation = def.furtherInformation.trim();

  return achievement;
}

export function learningOutcomeUri(achievementId: string, learningOutcomeId: string): string {
  return `${achievementId}#learning-outcome-${encodeURIComponent(learningOutcomeId)}`;
}

export function criterionUri(achievementId: string, criterionId: string): string {
  return `${achievementId}#criterion-${encodeURIComponent(criterionId)}`;
}

export function levelUri(achievementId: string, criterionId: string, levelId: string): string {
  return `${criterionUri(achievementId, criterionId)}-level-${encodeURIComponent(levelId)}`;
}

/** A learning-outcome alignment as OB 3.0 writes it, with the EU's URIs filled in where they exist. */
export function toOb3Alignment(alignment: Alignment): Ob3Alignment {
  const base = { type: ['Alignment'] as ['Alignment'], targetName: alignment.targetName };
  const optional = (key: 'targetCode' | 'targetFramework', value: string | undefined) => (value ? { [key]: value } : {});
  switch (alignment.kind) {
    case 'esco':
      return {
        ...base,
        ...(alignment.targetUrl ? { targetUrl: alignment.targetUrl } : {}),
        ...optional('targetCode', alignment.targetCode),
        targetFramework: alignment.targetFramework || 'ESCO',
        targetType: escoConceptKind(alignment.targetUrl ?? '') === 'occupation' ? TARGET_TYPES.escoOccupation : TARGET_TYPES.escoSkill,
      };
    case 'eqf': {
      const level = Number(alignment.targetCode);
      const url = alignment.targetUrl || (level >= 1 && level <= 8 ? eqfLevelUri(level) : undefined);
      return {
        ...base,
        ...(url ? { targetUrl: url } : {}),
        ...optional('targetCode', alignment.targetCode),
        targetFramework: alignment.targetFramework || 'European Qualifications Framework',
        targetType: TARGET_TYPES.eqf,
      };
    }
    case 'nqf':
      return {
        ...base,
        targetUrl: alignment.targetUrl || NQF_COMPARE_URL,
        ...optional('targetCode', alignment.targetCode),
        ...optional('targetFramework', alignment.targetFramework),
        targetType: TARGET_TYPES.nqf,
      };
    case 'isced-f':
      return {
        ...base,
        ...(alignment.targetUrl || alignment.targetCode ? { targetUrl: alignment.targetUrl || iscedFUri(alignment.targetCode ?? '') } : {}),
        ...optional('targetCode', alignment.targetCode),
        targetFramework: alignment.targetFramework || 'ISCED-F 2013',
        targetType: TARGET_TYPES.iscedF,
      };
    case 'custom':
      // No targetType: a custom framework's node type is unknown, and the property is optional.
      return {
        ...base,
        ...(alignment.targetUrl ? { targetUrl: alignment.targetUrl } : {}),
        ...optional('targetCode', alignment.targetCode),
        ...optional('targetFramework', alignment.targetFramework),
      };
  }
}

/** Element 8 as alignments, the way edubadges writes EQF (targetType ext:EQF, targetCode the level). */
function levelAlignments(def: CredentialDefinition): Ob3Alignment[] {
  const level = def.level;
  const alignments: Ob3Alignment[] = [];
  if (level?.eqfLevel !== undefined) {
    alignments.push({
      type: ['Alignment'],
      targetType: TARGET_TYPES.eqf,
      targetName: `EQF level ${level.eqfLevel}`,
      targetCode: String(level.eqfLevel),
      targetFramework: 'European Qualifications Framework',
      targetUrl: eqfLevelUri(level.eqfLevel),
    });
  }
  const cycle = QF_EHEA_CYCLES.find((c) => c.value === level?.qfEheaCycle);
  if (cycle) {
    alignments.push({
      type: ['Alignment'],
      targetType: TARGET_TYPES.qfEhea,
      targetName: cycle.label,
      targetCode: cycle.value,
      targetFramework: 'Qualifications Framework of the European Higher Education Area',
      targetUrl: QF_EHEA_URL,
    });
  }
  if (level?.nqf?.name.trim() && level.nqf.level.trim()) {
    alignments.push({
      type: ['Alignment'],
      targetType: TARGET_TYPES.nqf,
      targetName: `${level.nqf.name.trim()} level ${level.nqf.level.trim()}`,
      targetCode: level.nqf.level.trim(),
      targetFramework: level.nqf.name.trim(),
      targetUrl: level.nqf.url || NQF_COMPARE_URL,
    });
  }
  return alignments;
}

/** Element 11 as edubadges writes it; only with a policy URL, since OB 3.0 requires targetUrl. */
function qualityAssuranceAlignments(def: CredentialDefinition): Ob3Alignment[] {
  if (!def.qualityAssuranceType?.trim() || !def.qaPolicyUrl) return [];
  return [
    {
      type: ['Alignment'],
      targetType: TARGET_TYPES.qualityAssurance,
      targetName: def.qualityAssuranceType.trim(),
      targetUrl: def.qaPolicyUrl,
    },
  ];
}

function dedupeAlignments(alignments: Ob3Alignment[]): Ob3Alignment[] {
  const seen = new Set<string>();
  return alignments.filter((a) => {
    const key = JSON.stringify([a.targetType, a.targetUrl, a.targetCode, a.targetFramework]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One rubric criterion as a RubricCriterionLevel result description; requiredLevel is its pass level. */
function criterionResultDescription(def: CredentialDefinition, criterion: RubricCriterion, achievementId: string): Ob3ResultDescription {
  const count = criterion.levels.length;
  const description: Ob3ResultDescription = {
    id: criterionUri(achievementId, criterion.id),
    type: ['ResultDescription'],
    name: criterion.title,
    resultType: 'RubricCriterionLevel',
    rubricCriterionLevel: criterion.levels.map((level, index) => ({
      id: levelUri(achievementId, criterion.id, level.id),
      type: ['RubricCriterionLevel'],
      name: level.title,
      description: level.descriptor,
      level: `${index + 1} of ${count}`,
      // The schema types points as a string.
      points: String(level.points),
    })),
  };
  if (criterion.levels.some((level) => level.id === criterion.passLevelId)) {
    description.requiredLevel = levelUri(achievementId, criterion.id, criterion.passLevelId);
  }
  // The outcomes this criterion assesses, as links to the Achievement's own learning outcomes.
  const outcomes = def.learningOutcomes.filter((lo) => criterion.learningOutcomeIds.includes(lo.id));
  if (outcomes.length > 0) {
    description.alignment = outcomes.map((lo) => ({
      type: ['Alignment'],
      targetType: TARGET_TYPES.learningOutcome,
      targetName: lo.statement,
      targetUrl: learningOutcomeUri(achievementId, lo.id),
    }));
  }
  if (criterion.weight !== undefined) description.weight = criterion.weight;
  return description;
}

/** Element 14: the grade is the weighted rubric score. */
function gradeResultDescription(criteria: RubricCriterion[], achievementId: string): Ob3ResultDescription {
  const { min, max } = rubricScoreRange(criteria);
  return {
    id: `${achievementId}#grade`,
    type: ['ResultDescription'],
    name: 'Grade (rubric score)',
    resultType: 'RubricScore',
    valueMin: String(min),
    valueMax: String(max),
  };
}

function outcomesAsMarkdown(def: CredentialDefinition): string {
  const outcomes = def.learningOutcomes.filter((lo) => lo.statement.trim());
  if (outcomes.length === 0) return def.title?.trim() ?? '';
  return ['Learning outcomes:', ...outcomes.map((lo) => `- ${lo.statement.trim()}`)].join('\n');
}

/** Markdown: what is learned, how it is assessed (rubric and pass levels), and the completion rule. */
export function criteriaNarrative(def: CredentialDefinition): string {
  const lines: string[] = [];
  const outcomes = def.learningOutcomes;
  if (outcomes.length > 0) {
    lines.push('## Learning outcomes', '', ...outcomes.map((lo, i) => `${i + 1}. ${lo.statement.trim()}`), '');
  }
  lines.push('## Assessment', '');
  if (def.assessmentType) lines.push(`Type of assessment: ${labelOf(ASSESSMENT_TYPES, def.assessmentType)}.`, '');
  const criteria = def.rubric.criteria;
  if (criteria.length > 0) {
    lines.push('Each rubric criterion must reach its pass level. Levels are listed from lowest to highest.', '');
  }
  for (const criterion of criteria) {
    lines.push(`### ${criterion.title.trim()}`, '');
    if (criterion.description?.trim()) lines.push(criterion.description.trim(), '');
    const assessed = outcomes
      .map((lo, i) => (criterion.learningOutcomeIds.includes(lo.id) ? String(i + 1) : undefined))
      .filter((n): n is string => n !== undefined);
    if (assessed.length > 0) lines.push(`Assesses learning outcome${assessed.length > 1 ? 's' : ''} ${assessed.join(', ')}.`, '');
    for (const level of criterion.levels) {
      const pass = level.id === criterion.passLevelId ? ' **(pass level)**' : '';
      lines.push(`- ${level.title.trim()} (${pointsWords(level.points)})${pass}: ${level.descriptor.trim()}`);
    }
    const evidence = describeEvidence(criterion);
    lines.push('', evidence ? `Evidence: ${evidence}.` : 'No evidence needs to be handed in.', '');
  }
  lines.push('## Completion rule', '', ...describeCompletionRule(def));
  return lines.join('\n').trim();
}

// --- Validation against the official schema ------------------------------------------------

/** Where ("achievement", "achievement.alignment[0].targetType") and what is wrong. */
export type AchievementValidationError = SchemaProblem;

const achievementValidator = () => openBadgesValidators().achievement;

export function validateAchievement(json: unknown): { valid: boolean; errors: AchievementValidationError[] } {
  const errors = schemaProblems(achievementValidator(), json, { root: 'achievement', wholeDocument: 'The achievement' });
  return { valid: errors.length === 0, errors };
}
