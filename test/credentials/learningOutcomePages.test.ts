// Learning outcomes, alignments and the mapping matrix through real launches.
import { readForm, type TestBrowser } from '../support/browser';
import { launch } from '../support/launch';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: { browser: TestBrowser; base: string };
let page: string;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  const l = await launch(tool, sim, 'instructor');
  teacher = { browser: l.browser, base: l.page.url };
  // Two course outcomes, one credential.
  for (const [code, title] of [
    ['CO1', 'Handle lab equipment'],
    ['CO2', 'Report results'],
  ]) {
    const list = await teacher.browser.get(`${teacher.base}/outcomes`);
    await teacher.browser.post(`${tool.base}${readForm(list.body, /\/outcomes$/).action}`, {
      ...readForm(list.body, /\/outcomes$/).fields,
      code,
      title,
      description: '',
    });
  }
  const creds = await teacher.browser.get(`${teacher.base}/credentials`);
  const created = await teacher.browser.post(`${tool.base}${readForm(creds.body, /\/credentials$/).action}`, readForm(creds.body, /\/credentials$/).fields);
  page = created.url.replace(/\/edit$/, '/outcomes');
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

it('is linked from the credential page', async () => {
  const show = await teacher.browser.get(page.replace(/\/outcomes$/, ''));
  expect(show.body).toContain(`href="${new URL(page).pathname}"`);
});

it('adds learning outcomes mapped to course outcomes, and warns about gaps', async () => {
  let res = await teacher.browser.get(page);
  let form = readForm(res.body, /\/outcomes$/);
  const co1 = /name="courseOutcomeIds" value="(\d+)"/.exec(res.body)![1];
  res = await teacher.browser.request(page, { form: { ...form.fields, statement: 'I can calibrate and use a micropipette', courseOutcomeIds: co1 } });
  expect(res.body).toContain('Learning outcome added.');
  expect(res.body).toContain('I can calibrate and use a micropipette');
  // CO2 is mapped to nothing: the matrix says so.
  expect(res.body).toMatch(/Course outcome CO2 “Report results” is not mapped/);

  form = readForm(res.body, /\/outcomes$/);
  const empty = await teacher.browser.post(page, { ...form.fields, statement: '  ' });
  expect(empty.status).toBe(422);
  expect(empty.body).toContain('Write the outcome from the learner’s side');

  res = await teacher.browser.post(page, { ...form.fields, statement: 'I can write a structured lab report' });
  expect(res.body).toMatch(/Learning outcome “I can write a structured lab report” is not mapped to any course outcome/);
});

it('saves the mapping matrix', async () => {
  let res = await teacher.browser.get(page);
  const form = readForm(res.body, '/mapping');
  const boxes = [...res.body.matchAll(/name="(m\|\d+\|lo-[a-z0-9]+)"/g)].map((m) => m[1]);
  expect(boxes).toHaveLength(4); // 2 course outcomes × 2 learning outcomes
  // Map CO2 → LO2 as well as CO1 → LO1 (each row's own column).
  const wanted = [boxes[0], boxes[3]];
  res = await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, ...Object.fromEntries(wanted.map((b) => [b, 'on'])) });
  expect(res.body).toContain('Mapping saved.');
  expect(res.body).not.toContain('is not mapped');
});

it('validates alignments per framework and keeps what was typed', async () => {
  let res = await teacher.browser.get(page);
  const form = readForm(res.body, '/alignments');
  const bad = await teacher.browser.post(`${tool.base}${form.action}`, {
    ...form.fields,
    kind: 'esco',
    targetName: 'use laboratory equipment',
    targetUrl: 'https://example.com/not-esco',
  });
  expect(bad.status).toBe(422);
  expect(bad.body).toContain('Paste an ESCO URI');
  expect(bad.body).toContain('value="use laboratory equipment"');
  res = await teacher.browser.post(`${tool.base}${form.action}`, {
    ...form.fields,
    kind: 'esco',
    targetName: 'use laboratory equipment',
    targetUrl: 'https://esco.ec.europa.eu/en/classification/skill?uri=http://data.europa.eu/esco/skill/0c2a3c8f-9a4b-4f0e-9f5c-1a2b3c4d5e6f',
  });
  expect(res.body).toContain('Alignment added.');
  expect(res.body).toContain('http://data.europa.eu/esco/skill/0c2a3c8f-9a4b-4f0e-9f5c-1a2b3c4d5e6f');
});

it('refuses a stale form instead of overwriting', async () => {
  const res = await teacher.browser.get(page);
  const form = readForm(res.body, /\/outcomes$/);
  await teacher.browser.post(page, { ...form.fields, statement: 'I can keep a lab notebook' });
  const stale = await teacher.browser.post(page, { ...form.fields, statement: 'I can present findings' });
  expect(stale.status).toBe(409);
  expect(stale.body).toContain('I can present findings');
});

it('is closed to learners', async () => {
  const learner = await launch(tool, sim, 'learner');
  const id = /credentials\/(\d+)/.exec(page)![1];
  expect((await learner.browser.get(`${learner.page.url}/credentials/${id}/outcomes`)).status).toBe(403);
});
