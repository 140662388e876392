// The designer's form (pure): fields to a PathwayInput and back, one message per wrong field,
// and the cohort's CSV and credit bands.
import { cohortCsv, creditsDistribution } from '../../src/pathways/cohort';
import { evaluatePathway } from '../../src/pathways/pathwayRules';
import { formValuesOf, parsePathwayForm } from '../../src/pathways/pathwayForm';

const offered = [
  { credentialId: 3, title: 'Research Data Management' },
  { credentialId: 4, title: 'Data Publication' },
  { credentialId: 5, title: 'Statistics' },
];

const body = {
  _csrf: 'x',
  title: ' Data Steward ',
  kind: 'elective',
  comp_3: 'on',
  req_3: 'on',
  pos_3: '1',
  comp_4: 'on',
  group_4: 'Electives',
  min_4: '60',
  comp_5: 'on',
  group_5: 'Electives',
  external: 'Partner badge | did:key:z6Mkpartner | https://partner.example/achievements/1 | 2,5 | Electives',
  groups: 'Electives = 2',
  minCredits: '7.5',
  maxAgeMonths: '36',
  c_title: 'Data Steward (pathway)',
  c_outcomes: 'I can plan data.\n\nI can publish data.',
  c_ects: '7,5',
  c_eqf: '6',
  c_assessment: 'portfolio',
  c_participation: 'not a form',
};

it('reads components, required order, groups, external components and the composite', () => {
  const { input, errors } = parsePathwayForm(body, offered);
  expect(errors).toEqual({});
  expect(input!.title).toBe('Data Steward');
  expect(input!.rules).toEqual({
    components: [
      { key: 'c3', title: 'Research Data Management', ref: { type: 'internal', credentialId: 3 } },
      { key: 'c4', title: 'Data Publication', ref: { type: 'internal', credentialId: 4 }, minResultPercent: 60 },
      { key: 'c5', title: 'Statistics', ref: { type: 'internal', credentialId: 5 } },
      {
        key: 'x1',
        title: 'Partner badge',
        ref: { type: 'external', issuerId: 'did:key:z6Mkpartner', achievementId: 'https://partner.example/achievements/1' },
        credits: 2.5,
      },
    ],
    required: ['c3'],
    groups: [{ id: 'g1', title: 'Electives', min: 2, components: ['c4', 'c5', 'x1'] }],
    minCredits: 7.5,
    maxAgeMonths: 36,
  });
  expect(input!.definition.learningOutcomes.map((lo) => lo.statement)).toEqual(['I can plan data.', 'I can publish data.']);
  expect(input!.definition.workload).toEqual({ ects: 7.5 });
  expect(input!.definition.level).toEqual({ eqfLevel: 6 });
  // A value outside the vocabulary is left out, for the readiness panel to name.
  expect(input!.definition.participationType).toBeUndefined();
});

it('comes back as the same form fields, so an edit starts from what is stored', () => {
  const { input } = parsePathwayForm(body, offered);
  const again = parsePathwayForm({ ...formValuesOf(input!), c_participation: '' }, offered);
  expect(again.input!.rules).toEqual(input!.rules);
  expect(again.input!.definition).toEqual(input!.definition);
});

it('gives one message per wrong field and keeps what was typed', () => {
  const { input, errors, values } = parsePathwayForm(
    { title: '', kind: 'zigzag', groups: 'Electives two', external: 'only a title', comp_3: 'on', min_3: '140', c_eqf: '9', minCredits: 'lots' },
    offered,
  );
  expect(input).toBeUndefined();
  expect(errors).toEqual({
    title: 'Give the pathway a title.',
    kind: 'Choose open, elective or rigid.',
    min_3: 'Enter a number from 0 to 100.',
    external: 'Line 1: write “title | issuer id | achievement id | credits | group”.',
    groups: 'Line 1: write “group name = how many”.',
    minCredits: 'Enter a number from 0.5 to 300.',
    c_eqf: 'Enter a whole number from 1 to 8.',
  });
  expect(values.c_eqf).toBe('9');
  expect(values.groups).toBe('Electives two');
});

it('asks for a group’s minimum when components are put in it', () => {
  expect(parsePathwayForm({ title: 'T', kind: 'open', comp_3: 'on', group_3: 'Core' }, offered).errors.groups).toBe(
    'Components are put in the group “Core”: say how many of it count (“Core = 1”).',
  );
});

it('writes the cohort as CSV, neutralising spreadsheet formulas, and bands credits by 5', () => {
  const rules = { components: [{ key: 'a', title: 'A', ref: { type: 'internal' as const, credentialId: 1 } }], required: ['a'], groups: [], minCredits: 5 };
  const progress = evaluatePathway(
    'open',
    rules,
    [{ id: 'urn:uuid:1', ref: { type: 'internal', credentialId: 1 }, issuedAt: new Date('2026-01-01'), revoked: false, credits: 5, approval: 'approved' }],
    new Date('2026-06-01'),
  );
  const csv = cohortCsv({
    learners: [
      {
        person: { id: 1, name: '=HYPERLINK("x")', email: 'a@uni.example' },
        progress,
        following: true,
        award: { issuedAt: new Date('2026-05-01T10:00:00Z'), flaggedAt: null, revokedAt: null, decision: null },
      },
    ],
  });
  expect(csv).toBe(
    'learner,email,following,state,credits,rules met,rules,completed on\r\n' +
      `"'=HYPERLINK(""x"")",a@uni.example,yes,completed,5,2/2,required 1/1; credits 5/5,2026-05-01\r\n`,
  );
  expect(creditsDistribution([0, 4.5, 5, 12])).toEqual([
    { band: '0–4.9', count: 2 },
    { band: '5–9.9', count: 1 },
    { band: '10–14.9', count: 1 },
  ]);
});
