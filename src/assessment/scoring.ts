// Rubric results of one assessment, the grade, and agreement between two assessors.
// Pure: definitions and level choices in, plain data out.
import type { CredentialDefinition, RubricCriterion } from '../credentials/model';
import { passLevelIndex, rubricScoreRange } from '../credentials/rubric';

export interface CriterionResult {
  criterionId: string;
  criterion: string;
  levelId: string;
  level: string;
  points: number;
  maxPoints: number;
  weight: number;
  passed: boolean;
}

export interface RubricScore {
  results: CriterionResult[];
  /** Criteria that have no level chosen (or a level that is not theirs). */
  missing: string[];
  /** Weighted points: Σ points × weight. */
  points: number;
  maxPoints: number;
  /** 0–100, from the weighted points between the lowest and the highest possible score. */
  percent: number;
  allPassed: boolean;
}

export function scoreRubric(criteria: readonly RubricCriterion[], levels: Record<string, string | undefined>): RubricScore {
  const results: CriterionResult[] = [];
  const missing: string[] = [];
  for (const c of criteria) {
    const index = c.levels.findIndex((l) => l.id === levels[c.id]);
    if (index < 0) {
      missing.push(c.id);
      continue;
    }
    const level = c.levels[index];
    const weight = c.weight ?? 1;
    results.push({
      criterionId: c.id,
      criterion: c.title,
      levelId: level.id,
      level: level.title,
      points: level.points,
      maxPoints: c.levels[c.levels.length - 1].points,
      weight,
      passed: index >= passLevelIndex(c) && passLevelIndex(c) >= 0,
    });
  }
  const points = results.reduce((sum, r) => sum + r.points * r.weight, 0);
  const range = rubricScoreRange(criteria);
  const percent = range.max > range.min ? Math.round(((points - range.min) / (range.max - range.min)) * 1000) / 10 : 100;
  return { results, missing, points, maxPoints: range.max, percent, allPassed: missing.length === 0 && results.every((r) => r.passed) };
}

export interface Grade {
  /** What the credential shows, e.g. "82.5%" */
  text: string;
  points: number;
  maxPoints: number;
  percent: number;
}

/** The grade shown on the credential (Annex I element 14), or undefined when it shows none. */
export function gradeOf(def: CredentialDefinition, score: RubricScore): Grade | undefined {
  if (!def.gradeShown) return undefined;
  return { text: `${score.percent}%`, points: score.points, maxPoints: score.maxPoints, percent: score.percent };
}

export interface CriterionAgreement {
  criterionId: string;
  criterion: string;
  first?: string;
  second?: string;
  /** Level steps between the two scores; undefined if either is missing. */
  distance?: number;
  /** exact | adjacent (within one level) | apart | incomplete */
  agreement: 'exact' | 'adjacent' | 'apart' | 'incomplete';
}

/** Per criterion, how far two assessors' levels are apart (second marking and calibration). */
export function compareAssessors(
  criteria: readonly RubricCriterion[],
  first: Record<string, string | undefined>,
  second: Record<string, string | undefined>,
): CriterionAgreement[] {
  return criteria.map((c) => {
    const a = c.levels.findIndex((l) => l.id === first[c.id]);
    const b = c.levels.findIndex((l) => l.id === second[c.id]);
    const base = { criterionId: c.id, criterion: c.title, first: c.levels[a]?.title, second: c.levels[b]?.title };
    if (a < 0 || b < 0) return { ...base, agreement: 'incomplete' as const };
    const distance = Math.abs(a - b);
    return { ...base, distance, agreement: distance === 0 ? ('exact' as const) : distance === 1 ? ('adjacent' as const) : ('apart' as const) };
  });
}
