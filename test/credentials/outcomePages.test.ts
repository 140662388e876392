// Course outcome pages through real launches: forms keep what was typed, stale edits
// are refused, and learners or other courses cannot reach them.
import { readForm, type TestBrowser } from '../support/browser';
import { launch } from '../support/launch';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let otherLms: PlatformSimulator;
let teacher: { browser: TestBrowser; base: string };

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  otherLms = await connectLms(tool, 'canvas');
  const { page, browser } = await launch(tool, sim, 'instructor');
  teacher = { browser, base: page.url };
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
  await otherLms?.stop();
});

async function addOutcome(code: string, title: string) {
  const page = await teacher.browser.get(`${teacher.base}/outcomes`);
  const form = readForm(page.body, /\/outcomes$/);
  return teacher.browser.post(`${teacher.base}/outcomes`, { ...form.fields, code, title, description: '' });
}

it('is reachable from the course dashboard', async () => {
  const dash = await teacher.browser.get(teacher.base);
  expect(dash.body).toContain(`href="${new URL(teacher.base).pathname}/outcomes"`);
});

it('adds outcomes, and keeps typed input with the error when something is wrong', async () => {
  const ok = await addOutcome('LO1', 'Plan and run a lab experiment safely');
  expect(ok.status).toBe(200);
  expect(ok.body).toContain('Outcome added.');
  expect(ok.body).toContain('Plan and run a lab experiment safely');

  const missing = await addOutcome('LO2', '');
  expect(missing.status).toBe(422);
  expect(missing.body).toContain('value="LO2"');
  expect(missing.body).toContain('Give the outcome a title.');

  const dup = await addOutcome('LO1', 'Keep a lab notebook');
  expect(dup.status).toBe(409);
  expect(dup.body).toContain('already used');
  expect(dup.body).toContain('value="Keep a lab notebook"');
});

it('refuses a stale edit and keeps what the second person typed', async () => {
  await addOutcome('LO2', 'Keep a lab notebook');
  const list = await teacher.browser.get(`${teacher.base}/outcomes`);
  const editUrl = /href="([^"]*\/outcomes\/\d+\/edit)" aria-label="Edit LO2"/.exec(list.body)![1];
  const a = readForm((await teacher.browser.get(`${tool.base}${editUrl}`)).body, '/outcomes/');
  const b = readForm((await teacher.browser.get(`${tool.base}${editUrl}`)).body, '/outcomes/');
  const first = await teacher.browser.post(`${tool.base}${a.action}`, { ...a.fields, title: 'Keep a complete lab notebook' });
  expect(first.body).toContain('Outcome saved.');
  const second = await teacher.browser.post(`${tool.base}${b.action}`, { ...b.fields, title: 'Keep a tidy lab notebook' });
  expect(second.status).toBe(409);
  expect(second.body).toContain('Someone else changed this outcome');
  expect(second.body).toContain('value="Keep a tidy lab notebook"');
  const after = await teacher.browser.get(`${teacher.base}/outcomes`);
  expect(after.body).toContain('Keep a complete lab notebook');
});

it('reorders with Up/Down and archives and restores', async () => {
  let list = await teacher.browser.get(`${teacher.base}/outcomes`);
  const order = () => [...list.body.matchAll(/<strong>(LO\d)<\/strong>/g)].map((m) => m[1]);
  expect(order()).toEqual(['LO1', 'LO2']);
  const down = readForm(list.body, '/move');
  list = await teacher.browser.post(`${tool.base}${down.action}`, { ...down.fields, direction: 'down' });
  expect(order()).toEqual(['LO2', 'LO1']);

  const archive = readForm(list.body, '/archive');
  list = await teacher.browser.post(`${tool.base}${archive.action}`, archive.fields);
  expect(list.body).toContain('Outcome archived.');
  expect(list.body).toMatch(/<h2>Archived<\/h2>[\s\S]*LO2/);
  const restore = readForm(list.body.slice(list.body.indexOf('<h2>Archived</h2>')), '/archive');
  list = await teacher.browser.post(`${tool.base}${restore.action}`, restore.fields);
  expect(list.body).toContain('Outcome restored.');
});

it('needs the CSRF token', async () => {
  const res = await teacher.browser.post(`${teacher.base}/outcomes`, { code: 'LO9', title: 'Forged' });
  expect(res.status).toBe(403);
  expect(res.body).toContain('CSRF_TOKEN_INVALID');
});

it('is closed to learners, and to teachers of another course even with a guessed id', async () => {
  const learner = await launch(tool, sim, 'learner');
  expect((await learner.browser.get(`${learner.page.url}/outcomes`)).status).toBe(403);
  expect((await learner.browser.post(`${learner.page.url}/outcomes`, { code: 'X', title: 'Y' })).status).toBe(403);

  const { rows } = await tool.database.pool.query(`SELECT id FROM course_outcomes ORDER BY id LIMIT 1`);
  const otherTeacher = await launch(tool, otherLms, 'instructor');
  const guessed = await otherTeacher.browser.get(`${otherTeacher.page.url}/outcomes/${rows[0].id}/edit`);
  expect(guessed.status).toBe(404);
  const page = await otherTeacher.browser.get(`${otherTeacher.page.url}/outcomes`);
  expect(page.body).not.toContain('lab notebook');
  const form = readForm(page.body, /\/outcomes$/);
  const hijack = await otherTeacher.browser.post(`${otherTeacher.page.url}/outcomes/${rows[0].id}`, {
    ...form.fields,
    code: 'LO1',
    title: 'Hijacked',
    lockVersion: '1',
  });
  expect(hijack.status).toBe(404);
});

describe('importing from CSV', () => {
  const importUrl = () => `${teacher.base}/outcomes/import`;

  it('previews with row-level errors and saves nothing until confirmed', async () => {
    const before = (await tool.database.pool.query('SELECT count(*)::int AS n FROM course_outcomes')).rows[0].n;
    const page = await teacher.browser.get(importUrl());
    const form = readForm(page.body, '/import/preview');
    const csv = '\uFEFFcode;title;description\r\nLO10;"Analyse data; draw conclusions";\r\nLO1;Duplicate of an existing code;\r\nLO11;;missing title\r\n';
    const preview = await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, csv });
    expect(preview.status).toBe(200);
    expect(preview.body).toContain('Nothing has been saved');
    expect(preview.body).toMatch(/Row 3[^<]*code/);
    expect(preview.body).toMatch(/Row 4[^<]*title/);
    expect(preview.body).toContain('Analyse data; draw conclusions');
    expect(preview.body).not.toContain('/outcomes/import"'); // no confirm button while errors remain
    expect((await tool.database.pool.query('SELECT count(*)::int AS n FROM course_outcomes')).rows[0].n).toBe(before);
  });

  it('imports the rows after a clean preview, and re-checks what is confirmed', async () => {
    const page = await teacher.browser.get(importUrl());
    const form = readForm(page.body, '/import/preview');
    const csv = 'code,title,description\nLO20,Design an experiment,"With controls, replicates"\nLO21,Report results,\n';
    const preview = await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, csv });
    const confirm = readForm(preview.body, /\/outcomes\/import$/);
    expect(confirm.fields.csv).toBe(csv);
    // A tampered confirmation is parsed again and refused.
    const tampered = await teacher.browser.post(`${tool.base}${confirm.action}`, { ...confirm.fields, csv: `${csv}LO20,Again,\n` });
    expect(tampered.status).toBe(422);
    const done = await teacher.browser.post(`${tool.base}${confirm.action}`, confirm.fields);
    expect(done.body).toContain('Outcomes imported.');
    expect(done.body).toContain('With controls, replicates');
  });

  it('accepts an uploaded file, and refuses one over 1 MB with a clear message', async () => {
    const page = await teacher.browser.get(importUrl());
    const { fields } = readForm(page.body, '/import/preview');
    const upload = async (content: string) => {
      const body = new FormData();
      body.set('_csrf', fields._csrf);
      body.set('file', new Blob([content], { type: 'text/csv' }), 'outcomes.csv');
      const res = await fetch(`${teacher.base}/outcomes/import/preview`, {
        method: 'POST',
        body,
        headers: { cookie: teacher.browser.cookieHeader(teacher.base) },
      });
      return { status: res.status, body: await res.text() };
    };
    const ok = await upload('code,title\nLO30,Present findings to peers\n');
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('Present findings to peers');
    expect(ok.body).toContain('Import 1 outcome');
    const big = await upload(`code,title\n${'LO31,x\n'.repeat(200_000)}`);
    expect(big.status).toBe(413);
    expect(big.body).toContain('larger than 1 MB');
  });
});

describe('copying from another course', () => {
  it('copies from a course the teacher also teaches, skipping codes already there', async () => {
    const original = { ...sim.context };
    Object.assign(sim.context, { id: 'course-202', label: 'BIO202', title: 'Biology 202' });
    try {
      const second = await launch(tool, sim, 'instructor', teacher.browser);
      const page = await teacher.browser.get(`${second.page.url}/outcomes/copy`);
      expect(page.body).toContain('Biology 101');
      const form = readForm(page.body, '/outcomes/copy');
      const done = await teacher.browser.post(`${tool.base}${form.action}`, form.fields);
      expect(done.body).toMatch(/Copied \d+ outcomes/);
      expect(done.body).toContain('Plan and run a lab experiment safely');
      const again = await teacher.browser.post(`${tool.base}${form.action}`, form.fields);
      expect(again.body).toMatch(/Copied 0 outcomes; skipped \d+ whose code already exists here/);
    } finally {
      Object.assign(sim.context, original);
    }
  });
});
