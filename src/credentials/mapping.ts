/**
 * The documented link from teaching to assessment: course outcomes → the credential's
 * learning outcomes (a many-to-many matrix) → rubric criteria. Gaps are warnings here;
 * readiness.ts decides which of them block publishing.
 */
import type { CourseOutcome, CourseOutcomeId, LearningOutcome, RubricCriterion } from './model';

export type MappingWarning =
  | { kind: 'course-outcome-unmapped'; courseOutcomeId: CourseOutcomeId; message: string }
  | { kind: 'learning-outcome-unmapped'; learningOutcomeId: string; message: string }
  | { kind: 'archived-course-outcome-mapped'; courseOutcomeId: CourseOutcomeId; learningOutcomeId: string; message: string }
  | { kind: 'unknown-course-outcome'; courseOutcomeId: CourseOutcomeId; learningOutcomeId: string; message: string };

export interface MappingMatrix {
  /** Rows: the course's current outcomes in order, then archived ones still mapped. */
  courseOutcomes: CourseOutcome[];
  /** Columns: the credential's learning outcomes in order. */
  learningOutcomes: LearningOutcome[];
  /** cells[row][column] is true when that course outcome is mapped to that learning outcome. */
  cells: boolean[][];
  warnings: MappingWarning[];
}

/** Short name of a learning outcome for messages: its statement, cut at 60 characters. */
export function learningOutcomeName(outcome: LearningOutcome, index: number): string {
  const statement = outcome.statement.trim();
  if (!statement) return `learning outcome ${index + 1}`;
  return `“${statement.length > 60 ? `${statement.slice(0, 59).trimEnd()}…` : statement}”`;
}

function courseOutcomeName(outcome: CourseOutcome): string {
  return `${outcome.code} “${outcome.title}”`;
}

export function buildMappingMatrix(courseOutcomes: readonly CourseOutcome[], learningOutcomes: readonly LearningOutcome[]): MappingMatrix {
  const mapped = new Set(learningOutcomes.flatMap((lo) => lo.mappedCourseOutcomeIds));
  const byId = new Map(courseOutcomes.map((co) => [co.id, co]));
  const rows = [...courseOutcomes]
    // Archived outcomes stay visible only while something still points at them.
    .filter((co) => !co.archived || mapped.has(co.id))
    .sort((a, b) => Number(a.archived) - Number(b.archived) || a.position - b.position);

  const cells = rows.map((co) => learningOutcomes.map((lo) => lo.mappedCourseOutcomeIds.includes(co.id)));

  const warnings: MappingWarning[] = [];
  for (const co of rows) {
    if (!co.archived && !mapped.has(co.id)) {
      warnings.push({
        kind: 'course-outcome-unmapped',
        courseOutcomeId: co.id,
        message: `Course outcome ${courseOutcomeName(co)} is not mapped to any learning outcome of this credential.`,
      });
    }
  }
  learningOutcomes.forEach((lo, index) => {
    if (lo.mappedCourseOutcomeIds.length === 0) {
      warnings.push({
        kind: 'learning-outcome-unmapped',
        learningOutcomeId: lo.id,
        message: `Learning outcome ${learningOutcomeName(lo, index)} is not mapped to any course outcome.`,
      });
    }
    for (const coId of lo.mappedCourseOutcomeIds) {
      const co = byId.get(coId);
      if (!co) {
        warnings.push({
          kind: 'unknown-course-outcome',
          courseOutcomeId: coId,
          learningOutcomeId: lo.id,
          message: `Learning outcome ${learningOutcomeName(lo, index)} is mapped to a course outcome that no longer exists.`,
        });
      } else if (co.archived) {
        warnings.push({
          kind: 'archived-course-outcome-mapped',
          courseOutcomeId: coId,
          learningOutcomeId: lo.id,
          message: `Learning outcome ${learningOutcomeName(lo, index)} is mapped to archived course outcome ${courseOutcomeName(co)}.`,
        });
      }
    }
  });

  return { courseOutcomes: rows, learningOutcomes: [...learningOutcomes], cells, warnings };
}

/** Tick or untick one cell of the matrix; returns new learning outcomes, leaving the input unchanged. */
export function setMapping(
  learningOutcomes: readonly LearningOutcome[],
  learningOutcomeId: string,
  courseOutcomeId: CourseOutcomeId,
  mapped: boolean,
): LearningOutcome[] {
  return learningOutcomes.map((lo) => {
    if (lo.id !== learningOutcomeId) return lo;
    const others = lo.mappedCourseOutcomeIds.filter((id) => id !== courseOutcomeId);
    return { ...lo, mappedCourseOutcomeIds: mapped ? [...others, courseOutcomeId] : others };
  });
}

export interface RubricCoverage {
  /** For each learning outcome, in order, the criteria that assess it. */
  coverage: { learningOutcomeId: string; criterionIds: string[] }[];
  /** Learning outcomes no criterion assesses. */
  uncovered: string[];
  warnings: { kind: 'learning-outcome-not-assessed'; learningOutcomeId: string; message: string }[];
}

/** Which rubric criteria assess each learning outcome. Every outcome needs one before publishing. */
export function rubricCoverage(learningOutcomes: readonly LearningOutcome[], criteria: readonly RubricCriterion[]): RubricCoverage {
  const coverage = learningOutcomes.map((lo) => ({
    learningOutcomeId: lo.id,
    criterionIds: criteria.filter((c) => c.learningOutcomeIds.includes(lo.id)).map((c) => c.id),
  }));
  const uncovered = coverage.filter((c) => c.criterionIds.length === 0).map((c) => c.learningOutcomeId);
  const warnings = learningOutcomes.flatMap((lo, index) =>
    uncovered.includes(lo.id)
      ? [
          {
            kind: 'learning-outcome-not-assessed' as const,
            learningOutcomeId: lo.id,
            message: `Learning outcome ${learningOutcomeName(lo, index)} is not assessed by any rubric criterion.`,
          },
        ]
      : [],
  );
  return { coverage, uncovered, warnings };
}
