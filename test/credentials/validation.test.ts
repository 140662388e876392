import {
  alignmentSchema,
  courseOutcomeInputSchema,
  credentialDraftSchema,
  learningOutcomeSchema,
  parseDraft,
  rubricCriterionSchema,
  validate,
} from '../../src/credentials/validation';
import { completeDefinition, levels, planCriterion } from './fixtures';

describe('credential draft', () => {
  it('accepts a draft with nothing but a title', () => {
    const result = parseDraft({ title: 'Research Data Management' });
    expect(result).toEqual({
      ok: true,
      value: { title: 'Research Data Management', learningOutcomes: [], rubric: { criteria: [] } },
    });
  });

  it('accepts an empty draft, treating blank text fields as not given', () => {
    const result = parseDraft({ title: '  ', prerequisites: '', qaPolicyUrl: '' });
    expect(result).toEqual({ ok: true, value: { learningOutcomes: [], rubric: { criteria: [] } } });
  });

  it('accepts the complete fixture unchanged', () => {
    const result = parseDraft(completeDefinition());
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value).toEqual(completeDefinition());
  });

  it('checks shapes with messages meant for the form fields', () => {
    const result = parseDraft({
      title: 'x'.repeat(201),
      issuerCountries: ['Netherlands'],
      workload: { ects: 0, hours: 12.5 },
      level: { eqfLevel: 9 },
      assessmentType: 'exam',
      participationType: 'hybrid',
      supervisionType: 'proctored',
      qaPolicyUrl: 'our website',
      language: 'English',
      stackability: { kind: 'sometimes' },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual({
      title: 'Keep the title to 200 characters or fewer.',
      'issuerCountries.0': 'Use the two-letter country code, e.g. NL.',
      'workload.ects': 'ECTS credits must be more than 0.',
      'workload.hours': 'Give whole hours.',
      'level.eqfLevel': 'Choose an EQF level from 1 to 8.',
      assessmentType: 'Choose a type of assessment from the list.',
      participationType: 'Choose a form of participation from the list.',
      supervisionType: 'Choose one of the four supervision options.',
      qaPolicyUrl: 'Give the full web address of the quality-assurance policy, starting with https://',
      language: 'Use a language code such as en or nl-NL.',
      'stackability.kind': 'Choose stand-alone or stackable.',
    });
  });

  it('stores the four supervision values exactly as Annex I and edubadges write them', () => {
    for (const supervisionType of [
      'unsupervised with no identity verification',
      'supervised with no identity verification',
      'supervised online',
      'onsite with identity verification',
    ]) {
      expect(credentialDraftSchema.safeParse({ supervisionType }).success).toBe(true);
    }
    expect(credentialDraftSchema.safeParse({ supervisionType: 'Supervised online' }).success).toBe(false);
  });

  it('upper-cases country codes and accepts free text for the type of quality assurance', () => {
    const result = validate(credentialDraftSchema, { issuerCountries: ['nl'], qualityAssuranceType: 'Reviewed by the Open Science board' });
    expect(result).toMatchObject({ ok: true, value: { issuerCountries: ['NL'], qualityAssuranceType: 'Reviewed by the Open Science board' } });
  });
});

describe('rubric criterion', () => {
  it('accepts a well-formed criterion', () => {
    expect(rubricCriterionSchema.safeParse(planCriterion()).success).toBe(true);
  });

  it.each([
    [2, 'Criterion “Data management plan” needs 3 to 7 performance levels; it has 2.'],
    [8, 'Criterion “Data management plan” needs 3 to 7 performance levels; it has 8.'],
  ])('rejects %i levels', (count, message) => {
    const titles = Array.from({ length: count }, (_, i) => `Level ${i + 1}`);
    const result = validate(rubricCriterionSchema, { ...planCriterion(), levels: levels('plan', titles), passLevelId: 'plan-2' });
    expect(result).toEqual({ ok: false, errors: { levels: message } });
  });

  it('accepts 3 and 7 levels', () => {
    for (const count of [3, 7]) {
      const titles = Array.from({ length: count }, (_, i) => `Level ${i + 1}`);
      expect(rubricCriterionSchema.safeParse({ ...planCriterion(), levels: levels('plan', titles), passLevelId: 'plan-2' }).success).toBe(true);
    }
  });

  it('rejects points that do not go up from level to level', () => {
    const result = validate(rubricCriterionSchema, {
      ...planCriterion(),
      levels: levels('plan', ['Weak', 'Fair', 'Good', 'Great'], [0, 2, 2, 1]),
    });
    expect(result).toEqual({
      ok: false,
      errors: {
        'levels.2.points': 'Points must go up from level to level: level 3 (2) must score more than level 2 (2).',
        'levels.3.points': 'Points must go up from level to level: level 4 (1) must score more than level 3 (2).',
      },
    });
  });

  it('rejects a pass level that is not one of the levels, and a criterion linked to no outcome', () => {
    const result = validate(rubricCriterionSchema, { ...planCriterion(), passLevelId: 'nope', learningOutcomeIds: [] });
    expect(result).toEqual({
      ok: false,
      errors: {
        learningOutcomeIds: 'Criterion “Data management plan” must assess at least one learning outcome.',
        passLevelId: 'The pass level of criterion “Data management plan” is not one of its levels.',
      },
    });
  });

  it('rejects blank level texts, negative points and bad evidence rules', () => {
    const criterion = planCriterion();
    const result = validate(rubricCriterionSchema, {
      ...criterion,
      levels: [{ ...criterion.levels[0], title: '', points: -1 }, ...criterion.levels.slice(1)],
      evidence: { required: [{ kind: 'video', count: 0 }], allowedFileTypes: ['pdf'], maxFileSizeBytes: 10 ** 12 },
    });
    expect(result).toEqual({
      ok: false,
      errors: {
        'levels.0.title': 'Give the level a title.',
        'levels.0.points': 'Points cannot be negative.',
        'evidence.required.0.kind': 'Choose a file, a link, a written reflection or an existing Open Badge.',
        'evidence.required.0.count': 'At least 1 is needed; remove the row if none is.',
        'evidence.allowedFileTypes.0': 'Use a file type such as application/pdf.',
        'evidence.maxFileSizeBytes': 'Files can be at most 500 MB.',
      },
    });
  });

  it('asks for file types and a size limit when files are required', () => {
    const criterion = planCriterion();
    const result = validate(rubricCriterionSchema, { ...criterion, evidence: { required: [{ kind: 'file', count: 2 }] } });
    expect(result).toEqual({
      ok: false,
      errors: {
        'evidence.allowedFileTypes': 'Say which file types are accepted.',
        'evidence.maxFileSizeBytes': 'Set the largest file size accepted.',
      },
    });
  });

  it('accepts an optional weight but not a zero one', () => {
    expect(validate(rubricCriterionSchema, { ...planCriterion(), weight: 0 })).toEqual({
      ok: false,
      errors: { weight: 'The weight must be more than 0.' },
    });
  });
});

describe('learning outcome and alignments', () => {
  const outcome = { id: 'lo-1', statement: 'I can plan a small research project.' };

  it('needs a statement; alignments and mappings default to empty', () => {
    expect(validate(learningOutcomeSchema, outcome)).toEqual({
      ok: true,
      value: { ...outcome, alignments: [], mappedCourseOutcomeIds: [] },
    });
    expect(validate(learningOutcomeSchema, { ...outcome, statement: ' ' })).toEqual({
      ok: false,
      errors: { statement: 'Write the outcome from the learner’s side, e.g. “I can plan a small research project”.' },
    });
  });

  it('accepts ESCO skill and occupation URIs, and cleans up links copied from the ESCO portal', () => {
    const skill = 'http://data.europa.eu/esco/skill/bfe4f330-d595-48c7-ab3c-f309471d6953';
    expect(validate(alignmentSchema, { kind: 'esco', targetName: 'A skill', targetUrl: skill })).toMatchObject({ ok: true });
    expect(
      validate(alignmentSchema, {
        kind: 'esco',
        targetName: 'An occupation',
        targetUrl: 'http://data.europa.eu/esco/occupation/528f90ed-e250-48bd-aacc-ffb7b1de5654',
      }),
    ).toMatchObject({ ok: true });
    const fromPortal = `https://esco.ec.europa.eu/en/classification/skill?uri=${encodeURIComponent(skill)}`;
    expect(validate(alignmentSchema, { kind: 'esco', targetName: 'A skill', targetUrl: fromPortal })).toMatchObject({
      ok: true,
      value: { targetUrl: skill },
    });
    expect(validate(alignmentSchema, { kind: 'esco', targetName: 'A skill', targetUrl: 'https://data.europa.eu/esco/skill/abc-1' })).toMatchObject({
      ok: true,
      value: { targetUrl: 'http://data.europa.eu/esco/skill/abc-1' },
    });
  });

  it('rejects what is not an ESCO skill or occupation URI', () => {
    for (const targetUrl of ['http://data.europa.eu/esco/isco/C2512', 'https://example.com/skill/1', 'python']) {
      const result = validate(alignmentSchema, { kind: 'esco', targetName: 'A skill', targetUrl });
      expect(result).toEqual({
        ok: false,
        errors: {
          targetUrl: 'Paste an ESCO URI such as http://data.europa.eu/esco/skill/… or http://data.europa.eu/esco/occupation/…',
        },
      });
    }
  });

  it('applies the rules of each framework kind', () => {
    expect(validate(alignmentSchema, { kind: 'eqf', targetName: 'EQF 9', targetCode: '9' })).toEqual({
      ok: false,
      errors: { targetCode: 'Choose an EQF level from 1 to 8.' },
    });
    expect(validate(alignmentSchema, { kind: 'isced-f', targetName: 'ICT', targetCode: '06A' })).toEqual({
      ok: false,
      errors: { targetCode: 'Give the ISCED-F field code: 2 to 4 digits, e.g. 0613.' },
    });
    expect(validate(alignmentSchema, { kind: 'nqf', targetName: 'NLQF 6', targetCode: '6' })).toEqual({
      ok: false,
      errors: { targetFramework: 'Name the national framework, e.g. NLQF.' },
    });
    expect(validate(alignmentSchema, { kind: 'custom', targetName: 'F1', targetFramework: 'FAIR', targetCode: 'F1' })).toEqual({
      ok: false,
      errors: { targetUrl: 'Give the web address where this framework item is described.' },
    });
    expect(validate(alignmentSchema, { kind: 'unesco', targetName: 'x' })).toEqual({
      ok: false,
      errors: { kind: 'Choose what kind of framework the outcome is aligned to.' },
    });
  });
});

describe('course outcome', () => {
  it('needs a code and a title; the description is optional', () => {
    expect(validate(courseOutcomeInputSchema, { code: ' LO1 ', title: ' Plan ' })).toEqual({
      ok: true,
      value: { code: 'LO1', title: 'Plan', description: '' },
    });
    expect(validate(courseOutcomeInputSchema, { code: '', title: '' })).toEqual({
      ok: false,
      errors: { code: 'Give the outcome a code, e.g. LO1.', title: 'Give the outcome a title.' },
    });
  });
});
