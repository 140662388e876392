/**
 * Rules of a well-formed rubric criterion, in one place: the form validation
 * (validation.ts) and the issuing-readiness check (readiness.ts) both use them, so a
 * criterion that saves is judged by the same words the readiness panel uses.
 */
import { MAX_LEVELS, MIN_LEVELS, fieldIds, type RubricCriterion } from './model';

export interface RubricProblem {
  criterionId: string;
  /** Path inside the criterion, for form errors (e.g. ['levels', 2, 'points']). */
  path: (string | number)[];
  /** The form control to link to. */
  fieldId: string;
  message: string;
}

const isBlank = (text: string | undefined): boolean => !text || text.trim() === '';

/** Everything wrong with one criterion on its own (links to outcomes are checked by the caller). */
export function criterionProblems(criterion: RubricCriterion): RubricProblem[] {
  const problems: RubricProblem[] = [];
  const add = (path: (string | number)[], fieldId: string, message: string) => problems.push({ criterionId: criterion.id, path, fieldId, message });
  const name = isBlank(criterion.title) ? 'This criterion' : `Criterion “${criterion.title.trim()}”`;

  if (isBlank(criterion.title)) add(['title'], fieldIds.criterion(criterion.id), 'Give the criterion a title.');

  if (criterion.learningOutcomeIds.length === 0) {
    add(['learningOutcomeIds'], fieldIds.criterionOutcomes(criterion.id), `${name} must assess at least one learning outcome.`);
  }

  const levels = criterion.levels;
  if (levels.length < MIN_LEVELS || levels.length > MAX_LEVELS) {
    add(['levels'], fieldIds.criterionLevels(criterion.id), `${name} needs ${MIN_LEVELS} to ${MAX_LEVELS} performance levels; it has ${levels.length}.`);
  }

  const seenIds = new Set<string>();
  levels.forEach((level, index) => {
    const levelField = fieldIds.criterionLevels(criterion.id);
    if (seenIds.has(level.id)) add(['levels', index, 'id'], levelField, `Level ${index + 1} repeats the id of another level.`);
    seenIds.add(level.id);
    if (isBlank(level.title)) add(['levels', index, 'title'], levelField, `Give level ${index + 1} a title.`);
    if (isBlank(level.descriptor)) {
      add(['levels', index, 'descriptor'], levelField, `Describe what work at level ${index + 1} looks like.`);
    }
    // Levels run from lowest to highest, so their points must strictly go up.
    const previous = levels[index - 1];
    if (previous && !(level.points > previous.points)) {
      add(
        ['levels', index, 'points'],
        levelField,
        `Points must go up from level to level: level ${index + 1} (${level.points}) must score more than level ${index} (${previous.points}).`,
      );
    }
  });

  if (isBlank(criterion.passLevelId)) {
    add(['passLevelId'], fieldIds.criterionPassLevel(criterion.id), `Choose the pass level of ${lowerFirst(name)}.`);
  } else if (!levels.some((level) => level.id === criterion.passLevelId)) {
    add(['passLevelId'], fieldIds.criterionPassLevel(criterion.id), `The pass level of ${lowerFirst(name)} is not one of its levels.`);
  }

  const evidence = criterion.evidence;
  const kinds = evidence.required.map((r) => r.kind);
  if (new Set(kinds).size !== kinds.length) {
    add(['evidence', 'required'], fieldIds.criterionEvidence(criterion.id), 'List each kind of evidence only once, with how many are needed.');
  }
  if (kinds.includes('file')) {
    if (evidence.allowedFileTypes.length === 0) {
      add(['evidence', 'allowedFileTypes'], fieldIds.criterionEvidence(criterion.id), 'Say which file types are accepted.');
    }
    if (evidence.maxFileSizeBytes === undefined) {
      add(['evidence', 'maxFileSizeBytes'], fieldIds.criterionEvidence(criterion.id), 'Set the largest file size accepted.');
    }
  }
  return problems;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Position of the pass level in the ordered levels; -1 if it is not one of them. */
export function passLevelIndex(criterion: RubricCriterion): number {
  return criterion.levels.findIndex((level) => level.id === criterion.passLevelId);
}

/**
 * Whether a level reached in an assessment passes the criterion: the pass level or any
 * level above it. Undefined when the level is not one of the criterion's levels.
 */
export function reachesPassLevel(criterion: RubricCriterion, levelId: string): boolean | undefined {
  const reached = criterion.levels.findIndex((level) => level.id === levelId);
  const pass = passLevelIndex(criterion);
  if (reached < 0 || pass < 0) return undefined;
  return reached >= pass;
}

/** Lowest and highest possible rubric score: each criterion's points times its weight (1 if unset). */
export function rubricScoreRange(criteria: readonly RubricCriterion[]): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (const criterion of criteria) {
    if (criterion.levels.length === 0) continue;
    const weight = criterion.weight ?? 1;
    min += weight * criterion.levels[0].points;
    max += weight * criterion.levels[criterion.levels.length - 1].points;
  }
  return { min, max };
}
