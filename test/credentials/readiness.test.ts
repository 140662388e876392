import { withIssuerDefaults, emptyDefinition } from '../../src/credentials/defaults';
import { ANNEX_I_ELEMENTS, type CredentialDefinition } from '../../src/credentials/model';
import { checkReadiness } from '../../src/credentials/readiness';
import { completeDefinition, levels, planCriterion } from './fixtures';

describe('checkReadiness', () => {
  it('is ready for a complete definition', () => {
    const report = checkReadiness(completeDefinition());
    expect(report.issues).toEqual([]);
    expect(report.ready).toBe(true);
  });

  it('lists every missing mandatory element of an empty draft, with its Annex I number and field', () => {
    const report = checkReadiness(emptyDefinition());
    expect(report.ready).toBe(false);
    const elements = report.issues.filter((i) => i.element !== undefined).map((i) => [i.element, i.fieldId]);
    expect(elements).toEqual([
      [2, 'f-title'],
      [3, 'f-issuer-countries'],
      [4, 'f-awarding-bodies'],
      [6, 'f-learning-outcomes'],
      [7, 'f-workload-ects'],
      [8, 'f-level-eqf'],
      [9, 'f-assessment-type'],
      [10, 'f-participation-type'],
      [11, 'f-quality-assurance-type'],
    ]);
    // Each issue has the element's label and a message to show.
    for (const issue of report.issues) {
      expect(issue.label).not.toBe('');
      expect(issue.message).toMatch(/\.$/);
    }
    expect(report.issues.find((i) => i.element === 2)?.label).toBe('Title of the micro-credential');
    // Elements 1 and 5 are filled in at award time, so a definition is never blamed for them.
    expect(report.issues.some((i) => i.element === 1 || i.element === 5)).toBe(false);
    // No rubric: no assessment, so no micro-credential.
    expect(report.issues).toContainEqual(expect.objectContaining({ label: 'Rubric', fieldId: 'f-rubric' }));
  });

  it.each([
    ['title', 2, (d: CredentialDefinition) => ({ ...d, title: '   ' })],
    ['issuer country', 3, (d: CredentialDefinition) => ({ ...d, issuerCountries: [] })],
    ['awarding body', 4, (d: CredentialDefinition) => ({ ...d, awardingBodies: undefined })],
    ['workload', 7, (d: CredentialDefinition) => ({ ...d, workload: {} })],
    ['level', 8, (d: CredentialDefinition) => ({ ...d, level: {} })],
    ['assessment type', 9, (d: CredentialDefinition) => ({ ...d, assessmentType: undefined })],
    ['participation type', 10, (d: CredentialDefinition) => ({ ...d, participationType: undefined })],
    ['quality assurance type', 11, (d: CredentialDefinition) => ({ ...d, qualityAssuranceType: '' })],
  ])('reports a missing %s as element %i, and only that', (_name, element, change) => {
    const report = checkReadiness(change(completeDefinition()));
    expect(report.ready).toBe(false);
    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]).toMatchObject({
      element,
      fieldId: ANNEX_I_ELEMENTS.find((e) => e.number === element)?.fieldId,
      label: ANNEX_I_ELEMENTS.find((e) => e.number === element)?.label,
    });
  });

  it('accepts any one of ECTS or hours, and any one of EQF, QF-EHEA or NQF', () => {
    const base = completeDefinition();
    expect(checkReadiness({ ...base, workload: { hours: 80 } }).ready).toBe(true);
    expect(checkReadiness({ ...base, workload: { ects: 3 } }).ready).toBe(true);
    expect(checkReadiness({ ...base, level: { qfEheaCycle: 'first-cycle' } }).ready).toBe(true);
    expect(checkReadiness({ ...base, level: { nqf: { name: 'NLQF', level: '6' } } }).ready).toBe(true);
    const halfNqf = checkReadiness({ ...base, level: { nqf: { name: 'NLQF', level: ' ' } } });
    expect(halfNqf.issues.map((i) => i.fieldId)).toEqual(['f-level-eqf', 'f-level-nqf-name']);
  });

  it('needs at least one learning outcome, each with a statement', () => {
    const none = checkReadiness({ ...completeDefinition(), learningOutcomes: [] });
    expect(none.issues).toContainEqual(expect.objectContaining({ element: 6, fieldId: 'f-learning-outcomes' }));

    const def = completeDefinition();
    def.learningOutcomes[1] = { ...def.learningOutcomes[1], statement: '' };
    const blank = checkReadiness(def);
    expect(blank.issues).toEqual([expect.objectContaining({ element: 6, fieldId: 'f-lo-lo-fair', message: 'Learning outcome 2 has no statement.' })]);
  });

  it('blocks publishing while a learning outcome is assessed by no criterion', () => {
    const def = completeDefinition();
    def.rubric.criteria = [planCriterion()];
    const report = checkReadiness(def);
    expect(report.ready).toBe(false);
    expect(report.issues).toEqual([
      expect.objectContaining({
        label: 'Rubric',
        fieldId: 'f-rubric',
        message: 'Learning outcome “I can publish a dataset following the FAIR principles.” is not assessed by any rubric criterion.',
      }),
    ]);
  });

  it('blocks publishing for criteria with too few or too many levels, falling points or no pass level', () => {
    const def = completeDefinition();
    const [plan, publish] = def.rubric.criteria;
    def.rubric.criteria = [
      { ...plan, levels: levels('plan', ['Fail', 'Pass']), passLevelId: 'plan-2' },
      { ...publish, levels: levels('pub', ['A', 'B', 'C'], [0, 3, 3]), passLevelId: '' },
    ];
    const messages = checkReadiness(def).issues.map((i) => [i.fieldId, i.message]);
    expect(messages).toEqual([
      ['f-criterion-crit-plan-levels', 'Criterion “Data management plan” needs 3 to 7 performance levels; it has 2.'],
      ['f-criterion-crit-publish-levels', 'Points must go up from level to level: level 3 (3) must score more than level 2 (3).'],
      ['f-criterion-crit-publish-pass-level', 'Choose the pass level of criterion “FAIR publication”.'],
    ]);

    def.rubric.criteria[0] = { ...plan, levels: levels('plan', ['1', '2', '3', '4', '5', '6', '7', '8']), passLevelId: 'plan-4' };
    expect(checkReadiness(def).issues[0].message).toBe('Criterion “Data management plan” needs 3 to 7 performance levels; it has 8.');
  });

  it('blocks a criterion that links to no outcome, to a removed outcome, or asks for files without limits', () => {
    const def = completeDefinition();
    const [plan, publish] = def.rubric.criteria;
    def.rubric.criteria = [
      { ...plan, learningOutcomeIds: ['lo-plan', 'lo-removed'], evidence: { ...plan.evidence, allowedFileTypes: [], maxFileSizeBytes: undefined } },
      { ...publish, learningOutcomeIds: [] },
    ];
    const report = checkReadiness(def);
    expect(report.issues.map((i) => i.message)).toEqual([
      'Say which file types are accepted.',
      'Set the largest file size accepted.',
      'Criterion “Data management plan” refers to a learning outcome that no longer exists.',
      'Criterion “FAIR publication” must assess at least one learning outcome.',
      'Learning outcome “I can publish a dataset following the FAIR principles.” is not assessed by any rubric criterion.',
    ]);
  });

  it('asks what a stackable credential stacks towards', () => {
    const report = checkReadiness({ ...completeDefinition(), stackability: { kind: 'stackable' } });
    expect(report.issues).toEqual([expect.objectContaining({ element: 15, fieldId: 'f-stackable-towards' })]);
    expect(checkReadiness({ ...completeDefinition(), stackability: { kind: 'stand-alone' } }).ready).toBe(true);
  });

  it('warns, without blocking, about unmapped outcomes, odd hours per credit, a mismatched cycle and a lowest pass level', () => {
    const def = completeDefinition();
    def.learningOutcomes[0] = { ...def.learningOutcomes[0], mappedCourseOutcomeIds: [] };
    def.workload = { ects: 3, hours: 300 };
    def.level = { eqfLevel: 6, qfEheaCycle: 'second-cycle' };
    def.rubric.criteria[0] = { ...def.rubric.criteria[0], passLevelId: 'plan-1' };
    const report = checkReadiness(def);
    expect(report.ready).toBe(true);
    expect(report.warnings.map((w) => w.message)).toEqual([
      '300 hours for 3 ECTS is 100 hours per credit; 1 ECTS is usually 25–30 hours.',
      'Second cycle (master level) corresponds to EQF level 7, not 6.',
      'The pass level of “Data management plan” is its lowest level, so any assessed work passes.',
      // Long statements are cut to 60 characters in messages.
      'Learning outcome “I can write a data management plan for a small research pro…” is not mapped to any course outcome.',
    ]);
  });

  it('takes the issuer country and awarding body from the institution’s issuer profile', () => {
    const profile = { id: 'https://example.edu/issuer', name: 'Example University', countryCode: 'BE', region: 'Flanders' };
    const filled = withIssuerDefaults(emptyDefinition(), profile);
    expect(filled.issuerCountries).toEqual(['BE']);
    expect(filled.issuerRegions).toEqual(['Flanders']);
    expect(filled.awardingBodies).toEqual([{ id: 'https://example.edu/issuer', name: 'Example University' }]);
    expect(checkReadiness(filled).issues.some((i) => i.element === 3 || i.element === 4)).toBe(false);

    // What the instructor entered wins over the profile.
    const own = withIssuerDefaults({ ...emptyDefinition(), issuerCountries: ['NL', 'DE'], awardingBodies: [{ name: 'Joint board' }] }, profile);
    expect(own.issuerCountries).toEqual(['NL', 'DE']);
    expect(own.awardingBodies).toEqual([{ name: 'Joint board' }]);
  });
});
