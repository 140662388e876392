import { buildMappingMatrix, rubricCoverage, setMapping } from '../../src/credentials/mapping';
import { completeDefinition, courseOutcomes, planCriterion } from './fixtures';

describe('buildMappingMatrix', () => {
  it('shows course outcomes as rows and learning outcomes as columns, ticking the mapped cells', () => {
    const def = completeDefinition();
    const matrix = buildMappingMatrix(courseOutcomes(), def.learningOutcomes);
    // The archived CO5 is mapped by nothing, so it is not shown.
    expect(matrix.courseOutcomes.map((co) => co.code)).toEqual(['CO1', 'CO2', 'CO3', 'CO4']);
    expect(matrix.learningOutcomes.map((lo) => lo.id)).toEqual(['lo-plan', 'lo-fair']);
    expect(matrix.cells).toEqual([
      [true, false],
      [true, false],
      [false, true],
      [false, false],
    ]);
  });

  it('warns about course outcomes mapped to nothing and learning outcomes mapped to nothing', () => {
    const def = completeDefinition();
    const outcomes = setMapping(def.learningOutcomes, 'lo-fair', 3, false);
    const matrix = buildMappingMatrix(courseOutcomes(), outcomes);
    expect(matrix.warnings).toEqual([
      {
        kind: 'course-outcome-unmapped',
        courseOutcomeId: 3,
        message: 'Course outcome CO3 “Open science” is not mapped to any learning outcome of this credential.',
      },
      {
        kind: 'course-outcome-unmapped',
        courseOutcomeId: 4,
        message: 'Course outcome CO4 “Statistics refresher” is not mapped to any learning outcome of this credential.',
      },
      {
        kind: 'learning-outcome-unmapped',
        learningOutcomeId: 'lo-fair',
        message: 'Learning outcome “I can publish a dataset following the FAIR principles.” is not mapped to any course outcome.',
      },
    ]);
  });

  it('keeps archived course outcomes that are still mapped, last, with a warning; unknown ids are flagged', () => {
    const def = completeDefinition();
    let outcomes = setMapping(def.learningOutcomes, 'lo-fair', 5, true);
    outcomes = setMapping(outcomes, 'lo-fair', 99, true);
    const matrix = buildMappingMatrix(courseOutcomes(), outcomes);
    expect(matrix.courseOutcomes.map((co) => co.code)).toEqual(['CO1', 'CO2', 'CO3', 'CO4', 'CO5']);
    expect(matrix.cells[4]).toEqual([false, true]);
    expect(matrix.warnings.map((w) => w.kind)).toEqual(['course-outcome-unmapped', 'archived-course-outcome-mapped', 'unknown-course-outcome']);
    // Archived outcomes are never reported as "mapped to nothing".
    const unmapped = buildMappingMatrix(courseOutcomes(), def.learningOutcomes).warnings;
    expect(unmapped.some((w) => w.kind === 'course-outcome-unmapped' && w.courseOutcomeId === 5)).toBe(false);
  });

  it('has no warnings when every current outcome is mapped both ways', () => {
    const def = completeDefinition();
    const outcomes = setMapping(def.learningOutcomes, 'lo-fair', 4, true);
    expect(buildMappingMatrix(courseOutcomes(), outcomes).warnings).toEqual([]);
  });
});

describe('setMapping', () => {
  it('ticks and unticks one cell without touching the input or adding duplicates', () => {
    const def = completeDefinition();
    const before = JSON.stringify(def.learningOutcomes);
    const ticked = setMapping(def.learningOutcomes, 'lo-plan', 4, true);
    expect(ticked[0].mappedCourseOutcomeIds).toEqual([1, 2, 4]);
    expect(setMapping(ticked, 'lo-plan', 4, true)[0].mappedCourseOutcomeIds).toEqual([1, 2, 4]);
    expect(setMapping(ticked, 'lo-plan', 1, false)[0].mappedCourseOutcomeIds).toEqual([2, 4]);
    expect(ticked[1]).toBe(def.learningOutcomes[1]);
    expect(JSON.stringify(def.learningOutcomes)).toBe(before);
  });
});

describe('rubricCoverage', () => {
  it('lists the criteria that assess each learning outcome', () => {
    const def = completeDefinition();
    const coverage = rubricCoverage(def.learningOutcomes, def.rubric.criteria);
    expect(coverage.coverage).toEqual([
      { learningOutcomeId: 'lo-plan', criterionIds: ['crit-plan'] },
      { learningOutcomeId: 'lo-fair', criterionIds: ['crit-publish'] },
    ]);
    expect(coverage.uncovered).toEqual([]);
    expect(coverage.warnings).toEqual([]);
  });

  it('warns about learning outcomes no criterion assesses', () => {
    const def = completeDefinition();
    const coverage = rubricCoverage(def.learningOutcomes, [planCriterion()]);
    expect(coverage.uncovered).toEqual(['lo-fair']);
    expect(coverage.warnings).toEqual([
      {
        kind: 'learning-outcome-not-assessed',
        learningOutcomeId: 'lo-fair',
        message: 'Learning outcome “I can publish a dataset following the FAIR principles.” is not assessed by any rubric criterion.',
      },
    ]);
  });
});
