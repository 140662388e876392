// The rubric builder and evidence rules through real launches, and the rubric table
// learners see once the credential is published.
import { emptyDefinition } from '../../src/credentials/defaults';
import { CredentialStore } from '../../src/credentials/store';
import { readForm, type TestBrowser } from '../support/browser';
import { launch } from '../support/launch';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { completeDefinition } from './fixtures';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: { browser: TestBrowser; base: string };
let credentialId: number;
let rubric: string;
let courseId: number;
let createdBy: number;

const ADD = /\/rubric\/criteria$/;

/** Level rows as form fields: [title, descriptor, points], lowest first. */
function levelFields(levels: [string, string, string][]): Record<string, string> {
  const fields: Record<string, string> = {};
  levels.forEach(([title, descriptor, points], i) => {
    fields[`l${i + 1}_title`] = title;
    fields[`l${i + 1}_descriptor`] = descriptor;
    fields[`l${i + 1}_points`] = points;
  });
  return fields;
}

const fourLevels = levelFields([
  ['Insufficient', 'The plan misses key parts.', '0'],
  ['Developing', 'The plan covers some parts.', '1'],
  ['Competent', 'The plan covers every part.', '2'],
  ['Excellent', 'The plan is a model for others.', '3'],
]);

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  const l = await launch(tool, sim, 'instructor');
  teacher = { browser: l.browser, base: l.page.url };
  const creds = await teacher.browser.get(`${teacher.base}/credentials`);
  const created = await teacher.browser.post(`${tool.base}${readForm(creds.body, /\/credentials$/).action}`, readForm(creds.body, /\/credentials$/).fields);
  credentialId = Number(/credentials\/(\d+)/.exec(created.url)![1]);
  rubric = `${teacher.base}/credentials/${credentialId}/rubric`;
  // Learning outcomes have no page in this test: they go straight into the draft.
  const {
    rows: [row],
  } = await tool.database.pool.query('SELECT course_id, created_by FROM credentials WHERE id = $1', [credentialId]);
  courseId = row.course_id;
  createdBy = row.created_by;
  const store = new CredentialStore(tool.database.db);
  const { draft } = await store.get(courseId, credentialId);
  await store.saveDraft(
    courseId,
    credentialId,
    { versionId: draft!.id, lockVersion: draft!.lockVersion },
    {
      ...emptyDefinition(),
      title: 'Lab skills',
      learningOutcomes: [
        { id: 'lo-1', statement: 'I can plan an experiment', alignments: [], mappedCourseOutcomeIds: [] },
        { id: 'lo-2', statement: 'I can report results', alignments: [], mappedCourseOutcomeIds: [] },
      ],
    } as never,
    createdBy,
  );
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

it('adds a criterion with four levels, a learning outcome and evidence rules', async () => {
  const page = await teacher.browser.get(rubric);
  expect(page.status).toBe(200);
  expect(page.body).toContain('No criteria yet.');
  expect(page.body).toContain('Preview as learners see it');
  expect(page.body).toContain('name="lo_lo-1"');
  const form = readForm(page.body, ADD);
  const res = await teacher.browser.post(`${tool.base}${form.action}`, {
    ...form.fields,
    title: 'Experiment plan',
    description: 'The plan of the experiment.',
    'lo_lo-1': 'on',
    ...fourLevels,
    passLevel: '3',
    weight: '2',
    ev_file: '1',
    ev_reflection: '1',
    fileTypes: 'pdf',
    maxFileSizeMb: '10',
  });
  expect(res.status).toBe(200);
  expect(res.url).toBe(`${rubric}?notice=added`);
  expect(res.body).toContain('Criterion added.');
  expect(res.body).toContain('Experiment plan');
  expect(res.body).toContain('Competent — 2 points (pass level)');
  expect(res.body).toContain('I can plan an experiment');
  expect(res.body).toMatch(/1 file \(PDF, at most 10 MB each\)/);
  expect(res.body).toContain('written reflection');
  // The edit form shows what was saved, file types as extensions.
  expect(res.body).toMatch(/name="fileTypes"[^>]*value="pdf"/);
});

it('refuses a criterion with only two levels and keeps what was typed', async () => {
  const page = await teacher.browser.get(rubric);
  const form = readForm(page.body, ADD);
  const res = await teacher.browser.post(`${tool.base}${form.action}`, {
    ...form.fields,
    title: 'Too short',
    'lo_lo-2': 'on',
    ...levelFields([
      ['Low', 'Not yet.', '0'],
      ['High', 'Done.', '1'],
    ]),
    passLevel: '2',
    ev_link: '1',
  });
  expect(res.status).toBe(422);
  expect(res.body).toContain('value="Too short"');
  expect(res.body).toContain('value="High"');
  expect(res.body).toMatch(/name="lo_lo-2" value="on" checked/);
  expect(res.body).toMatch(/name="ev_link"[^>]*value="1"/);
  expect(res.body).toContain('needs 3 to 7 performance levels; it has 2.');
  expect(res.body).toMatch(/id="new-levels"[^>]*aria-describedby="new-levels-help new-levels-err"/);
});

it('refuses points that go down, next to the level', async () => {
  const page = await teacher.browser.get(rubric);
  const form = readForm(page.body, ADD);
  const res = await teacher.browser.post(`${tool.base}${form.action}`, {
    ...form.fields,
    title: 'Falling',
    'lo_lo-1': 'on',
    ...levelFields([
      ['A', 'a', '3'],
      ['B', 'b', '2'],
      ['C', 'c', '1'],
    ]),
    passLevel: '2',
  });
  expect(res.status).toBe(422);
  expect(res.body).toContain('Points must go up from level to level');
  expect(res.body).toMatch(/id="new-l2_points"[^>]*aria-invalid=true/);
  expect(res.body).toContain('value="Falling"');
});

it('refuses an edit from a stale form, keeping what was typed', async () => {
  const page = await teacher.browser.get(rubric);
  const form = readForm(page.body, /\/rubric\/criteria\/c-[a-f0-9]+$/);
  const keep = {
    description: 'The plan of the experiment.',
    l1_descriptor: 'The plan misses key parts.',
    l2_descriptor: 'The plan covers some parts.',
    l3_descriptor: 'The plan covers every part.',
    l4_descriptor: 'The plan is a model for others.',
    passLevel: '3',
  };
  const saved = await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, ...keep, title: 'Experiment plan (v2)' });
  expect(saved.url).toBe(`${rubric}?notice=saved`);
  expect(saved.body).toContain('Experiment plan (v2)');
  const stale = await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, ...keep, title: 'Competing edit' });
  expect(stale.status).toBe(409);
  expect(stale.body).toContain('value="Competing edit"');
});

it('moves and removes criteria', async () => {
  let page = await teacher.browser.get(rubric);
  let form = readForm(page.body, ADD);
  page = await teacher.browser.post(`${tool.base}${form.action}`, {
    ...form.fields,
    title: 'Lab report',
    'lo_lo-2': 'on',
    ...fourLevels,
    passLevel: '2',
  });
  expect(page.body).toContain('Criterion added.');
  expect(page.body.indexOf('Experiment plan (v2)')).toBeLessThan(page.body.indexOf('Lab report'));
  const reportId = /id="f-criterion-(c-[a-f0-9]+)"/g;
  const ids = [...page.body.matchAll(reportId)].map((m) => m[1]);
  expect(ids).toHaveLength(2);
  form = readForm(page.body, `/criteria/${ids[1]}/move`);
  const up = await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, direction: 'up' });
  expect(up.body).toContain('Order saved.');
  expect(up.body.indexOf('<h3>1. Lab report')).toBeGreaterThan(-1);
  const del = readForm(up.body, `/criteria/${ids[0]}/delete`);
  const removed = await teacher.browser.post(`${tool.base}${del.action}`, del.fields);
  expect(removed.body).toContain('Criterion removed.');
  expect(removed.body).not.toContain('Experiment plan (v2)');
});

it('shows staff the draft in the preview as a table', async () => {
  const res = await teacher.browser.get(`${rubric}/preview`);
  expect(res.status).toBe(200);
  expect(res.body).toContain('<caption>');
  expect(res.body).toContain('<th scope="row">');
  expect(res.body).toContain('Pass level (minimum to pass)');
  expect(res.body).toContain('Lab report');
});

it('refuses a write without the CSRF token', async () => {
  const page = await teacher.browser.get(rubric);
  const { _csrf: _omit, ...fields } = readForm(page.body, ADD).fields;
  const res = await teacher.browser.post(`${rubric}/criteria`, { ...fields, title: 'No token', ...fourLevels, passLevel: '1', 'lo_lo-1': 'on' });
  expect(res.status).toBe(403);
  expect(res.body).toContain('CSRF_TOKEN_INVALID');
});

it('keeps the builder from learners and shows them the rubric only once published', async () => {
  const learner = await launch(tool, sim, 'learner');
  const url = `${learner.page.url}/credentials/${credentialId}/rubric`;
  expect((await learner.browser.get(url)).status).toBe(403);
  expect((await learner.browser.get(`${url}/preview`)).status).toBe(404);

  const store = new CredentialStore(tool.database.db);
  const { draft } = await store.get(courseId, credentialId);
  await store.saveDraft(courseId, credentialId, { versionId: draft!.id, lockVersion: draft!.lockVersion }, completeDefinition() as never, createdBy);
  const show = await teacher.browser.get(`${teacher.base}/credentials/${credentialId}`);
  const published = await teacher.browser.post(`${tool.base}${readForm(show.body, '/publish').action}`, readForm(show.body, '/publish').fields);
  expect(published.body).toContain('Published.');

  const preview = await learner.browser.get(`${url}/preview`);
  expect(preview.status).toBe(200);
  expect(preview.body).toContain('Data management plan');
  expect(preview.body).toContain('Pass level (minimum to pass)');
  expect(preview.body).toContain('Level 1 (lowest)');
  expect(preview.body).toContain('<div class="table-wrap">');
  expect(preview.body).not.toContain('rubric/criteria');
});

it('editing a published rubric starts a new draft version', async () => {
  const page = await teacher.browser.get(rubric);
  expect(page.body).toContain('Saving here starts version 2 as a draft');
  const form = readForm(page.body, /\/rubric\/criteria\/crit-publish\/move$/);
  const res = await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, direction: 'up' });
  expect(res.body).toContain('Order saved.');
  expect(res.body).toContain('<h3>1. FAIR publication');
});
