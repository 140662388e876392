// Credential definition pages through real launches: drafts, the readiness panel,
// publishing, what learners see, and the Achievement preview.
import { CredentialStore } from '../../src/credentials/store';
import { readForm, type TestBrowser } from '../support/browser';
import { launch } from '../support/launch';
import { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { completeDefinition } from './fixtures';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: { browser: TestBrowser; base: string };
let credentialUrl: string;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  const { page, browser } = await launch(tool, sim, 'instructor');
  teacher = { browser, base: page.url };
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

const credentialId = () => Number(/credentials\/(\d+)/.exec(credentialUrl)![1]);

it('creates a draft from the dashboard and shows what is missing, with links to the fields', async () => {
  const list = await teacher.browser.get(`${teacher.base}/credentials`);
  expect(list.body).toContain('No micro-credentials yet.');
  const created = await teacher.browser.post(`${tool.base}${readForm(list.body, /\/credentials$/).action}`, readForm(list.body, /\/credentials$/).fields);
  expect(created.url).toMatch(/\/credentials\/\d+\/edit$/);
  credentialUrl = created.url.replace(/\/edit$/, '');
  const form = readForm(created.body, /\/credentials\/\d+$/);
  const saved = await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, title: 'Lab skills', 'issuer-countries': 'nl' });
  expect(saved.url).toBe(`${credentialUrl}?notice=saved`);
  expect(saved.body).toContain('Draft saved.');
  expect(saved.body).toContain('things to complete before publishing');
  for (const field of ['f-awarding-bodies', 'f-workload-ects', 'f-level-eqf', 'f-assessment-type', 'f-participation-type', 'f-quality-assurance-type']) {
    expect(saved.body).toContain(`/edit#${field}"`);
  }
  // Outcomes and the rubric live on their own pages; the panel links there.
  expect(saved.body).toContain('/outcomes#f-learning-outcomes"');
  expect(saved.body).toContain('/rubric#f-rubric"');
  expect(saved.body).not.toContain('/edit#f-title"');
  expect(saved.body).toMatch(/<button type="submit" disabled>Publish version 1<\/button>/);
});

it('keeps typed input and marks the field when a value is wrong', async () => {
  const edit = await teacher.browser.get(`${credentialUrl}/edit`);
  const form = readForm(edit.body, /\/credentials\/\d+$/);
  const res = await teacher.browser.post(`${tool.base}${form.action}`, {
    ...form.fields,
    title: 'Lab skills II',
    'workload-ects': 'lots',
    'assessment-type': 'vibes',
  });
  expect(res.status).toBe(422);
  expect(res.body).toContain('value="Lab skills II"');
  expect(res.body).toContain('value="lots"');
  expect(res.body).toMatch(/id="f-workload-ects"[^>]*aria-invalid=true/);
  expect(res.body).toMatch(/id="f-assessment-type"[^>]*aria-invalid=true/);
});

it('refuses publishing while anything is missing, even when the button is bypassed', async () => {
  const show = await teacher.browser.get(credentialUrl);
  const res = await teacher.browser.post(`${tool.base}${readForm(show.body, '/publish').action}`, readForm(show.body, '/publish').fields);
  expect(res.status).toBe(422);
  expect(res.body).toContain('NOT_READY');
});

it('hides drafts from learners', async () => {
  const learner = await launch(tool, sim, 'learner');
  expect((await learner.browser.get(`${learner.page.url}/credentials`)).body).toContain('No micro-credentials are published');
  expect((await learner.browser.get(`${learner.page.url}/credentials/${credentialId()}`)).status).toBe(404);
  expect((await learner.browser.get(`${learner.page.url}/credentials/${credentialId()}/edit`)).status).toBe(403);
});

it('turns the panel green when complete, publishes, and learners then see it with its rule', async () => {
  // Learning outcomes and the rubric have their own pages; here they come from the fixture.
  const store = new CredentialStore(tool.database.db);
  const {
    rows: [row],
  } = await tool.database.pool.query('SELECT course_id, created_by FROM credentials WHERE id = $1', [credentialId()]);
  const { draft } = await store.get(row.course_id, credentialId());
  await store.saveDraft(
    row.course_id,
    credentialId(),
    { versionId: draft!.id, lockVersion: draft!.lockVersion },
    completeDefinition() as never,
    row.created_by,
  );
  const show = await teacher.browser.get(credentialUrl);
  expect(show.body).toContain('Every mandatory element is present');
  const preview = await teacher.browser.get(`${credentialUrl}/achievement.json`);
  expect(preview.headers.get('x-schema-valid')).toBe('true');
  expect(JSON.parse(preview.body)).toMatchObject({ achievementType: 'MicroCredential', type: expect.arrayContaining(['Achievement']) });

  const published = await teacher.browser.post(`${tool.base}${readForm(show.body, '/publish').action}`, readForm(show.body, '/publish').fields);
  expect(published.body).toContain('Published.');

  const learner = await launch(tool, sim, 'learner');
  const list = await learner.browser.get(`${learner.page.url}/credentials`);
  expect(list.body).toContain(completeDefinition().title!);
  const page = await learner.browser.get(`${learner.page.url}/credentials/${credentialId()}`);
  expect(page.status).toBe(200);
  expect(page.body).toContain('How to earn it');
  expect(page.body).not.toContain('Issuing readiness');
});

it('editing the published version starts version 2 and leaves version 1 published; a stale form is a conflict', async () => {
  const edit = await teacher.browser.get(`${credentialUrl}/edit`);
  expect(edit.body).toContain('Saving starts version 2 as a draft');
  const form = readForm(edit.body, /\/credentials\/\d+$/);
  const saved = await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, title: 'Lab skills (2027)' });
  expect(saved.body).toContain('Version 1 stays published until this draft is published.');
  const stale = await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, title: 'Competing edit' });
  expect(stale.status).toBe(409);
  expect(stale.body).toContain('value="Competing edit"');
  expect(saved.body).toMatch(/Version 2 started from version 1/);
});

it('is unreachable from another course, even with the id', async () => {
  const other = await new PlatformSimulator('canvas').start();
  try {
    other.toolLaunchUrl = `${tool.base}/lti/launch`;
    await tool.platforms.create(other.registration());
    const t = await launch(tool, other, 'instructor');
    expect((await t.browser.get(`${t.page.url}/credentials/${credentialId()}`)).status).toBe(404);
    expect((await t.browser.get(`${t.page.url}/credentials/${credentialId()}/edit`)).status).toBe(404);
  } finally {
    await other.stop();
  }
});
