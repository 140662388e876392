// Issue 13 item 6: bad input is a 4xx that says what is wrong, never a 500, and a form refused
// for it gives back what was typed. One describe per class of input that answered 500 (found
// by the fuzzer, test/web/fuzz.test.ts). Real PostgreSQL, launches from the simulated Moodle,
// requests as a browser sends them (same-origin, with the form token).
import { CourseOutcomeStore } from '../../src/credentials/store';
import { launchAs, type Person, publishCredential, submitComplete, text } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { type Page, readForm, TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let learner: Person;
const admin = new TestBrowser();
let credentialId: number;
let submissionId: number;
let outcomeId: number;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  learner = await launchAs(tool, sim, 'learner');
  credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' });
  await launchAs(tool, sim, 'ta'); // someone who may second-mark
  submissionId = (await submitComplete(tool, learner, credentialId)).id;
  outcomeId = (await new CourseOutcomeStore(tool.database.db).create(teacher.courseId, { code: 'CO1', title: 'Planning', description: '' })).id;
  const token = (await tool.accounts.issueSetupToken())!;
  await tool.accounts.createFirstAdmin(token, 'it@uni.example', 'correct horse battery staple');
  const login = await admin.get(`${tool.base}/admin/login`);
  await admin.post(`${tool.base}/admin/login`, { ...readForm(login.body, '/admin/login').fields, email: 'it@uni.example', password: 'correct horse battery staple' });
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

/** The reason code an error page or JSON error gives. */
const codeOf = (page: Page) => /<code>([A-Z_]+)<\/code>/.exec(page.body)?.[1] ?? (JSON.parse(page.body) as { error?: { code?: string } }).error?.code;

/** The session's form token, from a page with a form. */
const csrfOn = async (browser: TestBrowser, url: string) => /name="_csrf" value="([^"]+)"/.exec((await browser.get(url)).body)![1];

describe('a form without a usable version', () => {
  it('is a 400 that says so, and gives back what was typed on the credential form', async () => {
    const edit = await teacher.browser.get(`${teacher.base}/credentials/${credentialId}/edit`);
    const form = readForm(edit.body, new RegExp(`/credentials/${credentialId}$`));
    for (const broken of <Record<string, string>[]>[{ versionId: '' }, { versionId: 'NaN' }, { lockVersion: '' }, { lockVersion: '2147483648' }]) {
      const res = await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, ...broken, title: 'Data stewardship, typed with care' });
      expect(res.status).toBe(400);
      expect(codeOf(res)).toBe('FORM_VERSION_MISSING');
      expect(text(res.body)).toContain('The form is missing its version.');
      expect(text(res.body)).toContain('Data stewardship, typed with care');
    }
  });

  it('is a 400 when archiving a course outcome with an empty or NaN form', async () => {
    const list = await teacher.browser.get(`${teacher.base}/outcomes`);
    const { action, fields } = readForm(list.body, `/outcomes/${outcomeId}/archive`);
    for (const body of <Record<string, string>[]>[{ _csrf: fields._csrf }, { ...fields, lockVersion: 'NaN' }, { ...fields, lockVersion: '-1' }]) {
      const res = await teacher.browser.post(`${tool.base}${action}`, body);
      expect(res.status).toBe(400);
      expect(codeOf(res)).toBe('FORM_VERSION_MISSING');
    }
  });

  it('is a 400 when publishing without one', async () => {
    const csrf = await csrfOn(teacher.browser, `${teacher.base}/outcomes`);
    const res = await teacher.browser.post(`${teacher.base}/credentials/${credentialId}/publish`, { _csrf: csrf });
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('FORM_VERSION_MISSING');
  });
});

describe('ids beyond PostgreSQL’s integer columns', () => {
  it('in a form field is the form again with its message, not a database error', async () => {
    const page = await teacher.browser.get(`${teacher.base}/assessments/${submissionId}`);
    const form = readForm(page.body, '/second-marking');
    for (const assessorId of ['2147483648', '9223372036854775808', '1e3', '']) {
      const res = await teacher.browser.post(`${tool.base}${form.action}`, { ...form.fields, assessorId });
      expect(res.status).toBe(422);
      expect(text(res.body)).toContain('Choose who should second-mark.');
    }
  });

  it('in a path or query parameter is a 404, or ignored where it only filters', async () => {
    for (const path of [`${teacher.base}/credentials/2147483648`, `${tool.base}/catalogue/9223372036854775808`, `${tool.base}/achievements/1/versions/99999999999`]) {
      expect((await teacher.browser.get(path)).status).toBe(404);
    }
    const [issued] = (await tool.database.pool.query('SELECT id FROM issued_credentials LIMIT 1')).rows;
    if (issued) expect((await teacher.browser.get(`${tool.base}/credentials/${issued.id}/evidence/99999999999`)).status).toBe(404);
    expect((await teacher.browser.get(`${teacher.base}/assessments?credential=99999999999`)).status).toBe(200);
    const res = await teacher.browser.post(`${teacher.base}/outcomes/copy`, { _csrf: await csrfOn(teacher.browser, `${teacher.base}/outcomes`), sourceCourseId: '2147483648' });
    expect(res.status).toBe(400);
    expect(text(res.body)).toContain('Choose the course to copy from.');
  });
});
