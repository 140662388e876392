import { definitionFromForm, errorsForForm, formFromDefinition } from '../../src/credentials/definitionForm';
import type { CredentialDefinition } from '../../src/credentials/model';
import { parseDraft } from '../../src/credentials/validation';

const base: CredentialDefinition = {
  learningOutcomes: [{ id: 'lo1', statement: 'I can pipette', alignments: [], mappedCourseOutcomeIds: [1] }],
  rubric: { criteria: [] },
};

describe('the Annex I form', () => {
  it('turns a filled form into a definition that keeps outcomes and rubric, and back', () => {
    const body = {
      title: ' Lab skills ',
      'issuer-countries': 'nl, be',
      'awarding-bodies': 'Example University',
      'workload-ects': '3,5',
      'workload-hours': '',
      'level-eqf': '6',
      'assessment-type': 'portfolio',
      'participation-type': 'online',
      'quality-assurance-type': 'internal quality assurance',
      'supervision-type': 'supervised online',
      'grade-shown': 'on',
      stackability: 'stackable',
      'stackable-towards': 'BSc Biology',
    };
    const def = definitionFromForm(body, base);
    expect(def).toMatchObject({
      title: 'Lab skills',
      issuerCountries: ['NL', 'BE'],
      awardingBodies: [{ name: 'Example University' }],
      workload: { ects: 3.5 },
      level: { eqfLevel: 6 },
      gradeShown: true,
      stackability: { kind: 'stackable', towards: 'BSc Biology' },
      learningOutcomes: base.learningOutcomes,
    });
    const parsed = parseDraft(def);
    expect(parsed.ok).toBe(true);
    const values = formFromDefinition(parsed.ok ? parsed.value : base);
    expect(values).toMatchObject({
      title: 'Lab skills',
      'issuer-countries': 'NL, BE',
      'workload-ects': '3.5',
      'level-eqf': '6',
      'grade-shown': 'on',
      'stackable-towards': 'BSc Biology',
    });
  });

  it('puts each validation error on the field that caused it', () => {
    const parsed = parseDraft(definitionFromForm({ 'workload-ects': 'lots', 'assessment-type': 'vibes', 'qa-policy-url': 'not a url' }, base));
    expect(parsed.ok).toBe(false);
    const errors = errorsForForm(parsed.ok ? {} : parsed.errors);
    expect(Object.keys(errors).sort()).toEqual(['assessment-type', 'qa-policy-url', 'workload-ects']);
  });
});
