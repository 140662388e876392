// Issue 13 item 6: bad input is a 4xx that says what is wrong, never a 500, and a form refused
// for it gives back what was typed. One describe per class of input that answered 500 (found
// by the fuzzer, test/web/fuzz.test.ts). Real PostgreSQL, launches from the simulated Moodle,
// requests as a browser sends them (same-origin, with the form token).
import { CourseOutcomeStore } from '../../src/credentials/store';
import { hashSessionId, SESSION_COOKIE } from '../../src/web/session';
import { launchAs, type Person, publishCredential, submitComplete, text } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { signedInAdmin } from '../support/admin';
import { type Page, readForm, TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let learner: Person;
const admin = new TestBrowser();
let credentialId: number;
/** A second credential the learner has not started: its page has a form (and the token). */
let openCredentialId: number;
let submissionId: number;
let outcomeId: number;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  learner = await launchAs(tool, sim, 'learner');
  credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' });
  openCredentialId = await publishCredential(tool, teacher, {
    ...completeDefinition(),
    title: 'Open',
    supervisionType: 'unsupervised with no identity verification',
  });
  await launchAs(tool, sim, 'ta'); // someone who may second-mark
  submissionId = (await submitComplete(tool, learner, credentialId)).id;
  outcomeId = (await new CourseOutcomeStore(tool.database.db).create(teacher.courseId, { code: 'CO1', title: 'Planning', description: '' })).id;
  await signedInAdmin(tool, { email: 'it@uni.example', password: 'correct horse battery staple' }, admin);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

/** The reason code an error page or JSON error gives. */
const codeOf = (page: Page) => /<code>([A-Z_]+)<\/code>/.exec(page.body)?.[1] ?? (JSON.parse(page.body) as { error?: { code?: string } }).error?.code;

/** The session's form token, from a page with a form. */
const csrfOn = async (browser: TestBrowser, url: string) => /name="_csrf" value="([^"]+)"/.exec((await browser.get(url)).body)![1];

/** The session's form token, for a browser whose pages show no form any more (a submitted attempt). */
const sessionToken = async (browser: TestBrowser) =>
  (await tool.database.pool.query("SELECT data->>'csrf' AS csrf FROM web_sessions WHERE sid = $1", [hashSessionId(browser.cookie(SESSION_COOKIE)!.value)]))
    .rows[0].csrf as string;

/** A raw request from `browser` (its cookies, same-origin like its own pages): for bodies a form cannot send. */
async function raw(
  browser: TestBrowser,
  url: string,
  body: string | Buffer | undefined,
  contentType?: string,
  accept = 'text/html',
  csrf?: string,
): Promise<Page> {
  const headers = {
    cookie: browser.cookieHeader(url),
    'sec-fetch-site': 'same-origin',
    accept,
    ...(contentType ? { 'content-type': contentType } : {}),
    ...(csrf ? { 'x-csrf-token': csrf } : {}),
  };
  const res = await fetch(url, { method: body === undefined ? 'GET' : 'POST', headers, body: Buffer.isBuffer(body) ? new Uint8Array(body) : body });
  return { status: res.status, url, headers: res.headers, body: await res.text() };
}

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

describe('text PostgreSQL cannot store (NUL, a lone surrogate)', () => {
  it('is a 400 naming the form field, and the course outcome form gives back what was typed', async () => {
    const list = await teacher.browser.get(`${teacher.base}/outcomes`);
    const form = readForm(list.body, /\/outcomes$/);
    const res = await teacher.browser.post(`${tool.base}${form.action}`, {
      ...form.fields,
      code: 'CO9',
      title: 'Null\u0000byte',
      description: 'Kept description',
    });
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('TEXT_UNSTORABLE');
    expect(text(res.body)).toContain('“title” contains a character that cannot be stored');
    expect(text(res.body)).toContain('Kept description');
  });

  it('is a 400 for the admin’s QA policy text', async () => {
    const page = await admin.get(`${tool.base}/admin/quality-policy`);
    const form = readForm(page.body, '/admin/quality-policy');
    const res = await admin.post(`${tool.base}${form.action}`, { ...form.fields, title: 'Policy', text: 'Line one\u0000line two' });
    expect(res.status).toBe(400);
    expect(text(res.body)).toContain('“text” contains a character that cannot be stored');
  });

  it('is a 400 in a path or query parameter', async () => {
    expect((await raw(teacher.browser, `${tool.base}/app/%00`, undefined)).status).toBe(400);
    expect((await raw(teacher.browser, `${teacher.base}/credentials/1%00`, undefined)).status).toBe(400);
    const query = await raw(teacher.browser, `${teacher.base}/assessments?learner=a%00b`, undefined);
    expect(query.status).toBe(400);
    expect(text(query.body)).toContain('“learner” contains a character that cannot be stored');
    // Percent-encoding that is not UTF-8 (a lone surrogate's bytes) cannot be read at all.
    expect(codeOf(await raw(teacher.browser, `${tool.base}/app/%ED%A0%80/dashboard`, undefined))).toBe('ADDRESS_UNREADABLE');
  });

  it('is a 400 in a multipart field and in JSON, lone surrogates too', async () => {
    const csrf = await csrfOn(learner.browser, `${learner.base}/credentials/${openCredentialId}/my-work`);
    const form = new FormData();
    form.append('_csrf', csrf);
    form.append('title', 'a\u0000b');
    const multipart = await learner.browser.request(`${learner.base}/credentials/${openCredentialId}/my-work/start`, { multipart: form });
    expect(multipart.status).toBe(400);
    expect(codeOf(multipart)).toBe('TEXT_UNSTORABLE');
    const json = await raw(
      new TestBrowser(),
      `${tool.base}/api/verify`,
      '{"credential": {"name": "half \\ud83d emoji"}}',
      'application/json',
      'application/json',
    );
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body).error).toMatchObject({ code: 'TEXT_UNSTORABLE', message: expect.stringContaining('“credential.name”') });
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
    for (const path of [
      `${teacher.base}/credentials/2147483648`,
      `${tool.base}/catalogue/9223372036854775808`,
      `${tool.base}/achievements/1/versions/99999999999`,
    ]) {
      expect((await teacher.browser.get(path)).status).toBe(404);
    }
    const [issued] = (await tool.database.pool.query('SELECT id FROM issued_credentials LIMIT 1')).rows;
    if (issued) expect((await teacher.browser.get(`${tool.base}/credentials/${issued.id}/evidence/99999999999`)).status).toBe(404);
    expect((await teacher.browser.get(`${teacher.base}/assessments?credential=99999999999`)).status).toBe(200);
    const res = await teacher.browser.post(`${teacher.base}/outcomes/copy`, {
      _csrf: await csrfOn(teacher.browser, `${teacher.base}/outcomes`),
      sourceCourseId: '2147483648',
    });
    expect(res.status).toBe(400);
    expect(text(res.body)).toContain('Choose the course to copy from.');
  });
});

describe('broken bodies', () => {
  const boundary = 'brokenboundary';
  const cutShort = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nhalf a for`);

  it('a multipart body cut short or without a boundary is a 400 on my-work, the issuer form and /verify', async () => {
    // With the browser's form token (in the header, as public/js/upload.js sends it), so the body
    // gets past the one CSRF check to its route's parser; /verify is exempt and has none.
    const cases: [TestBrowser, string, string | undefined][] = [
      [learner.browser, `${learner.base}/credentials/${credentialId}/my-work/${submissionId}/evidence`, await sessionToken(learner.browser)],
      [admin, `${tool.base}/admin/issuer`, await csrfOn(admin, `${tool.base}/admin/issuer`)],
      [new TestBrowser(), `${tool.base}/verify`, undefined],
    ];
    for (const [browser, url, csrf] of cases) {
      for (const contentType of [`multipart/form-data; boundary=${boundary}`, 'multipart/form-data']) {
        const res = await raw(browser, url, cutShort, contentType, 'text/html', csrf);
        expect({ url, contentType, status: res.status }).toEqual({ url, contentType, status: 400 });
        expect(codeOf(res)).toBe('BODY_UNREADABLE');
      }
    }
  });

  it('malformed JSON is a 400 in JSON for the API', async () => {
    for (const body of ['{"credential": {"broken', '[1,', '{"a":1}}']) {
      const res = await raw(new TestBrowser(), `${tool.base}/api/verify`, body, 'application/json', 'application/json');
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).error.code).toBe('BODY_UNREADABLE');
    }
  });
});

describe('a handler whose promise fails outside its own try', () => {
  // `return render(…)` without await: the learning-outcome form of a credential id that does not
  // exist rejects after the handler's try/catch. express 4 ignores the promise, so the request
  // went unanswered and Node, on the unhandled rejection, would end the server process.
  it('is answered with its error page, and the server keeps running', async () => {
    const csrf = await csrfOn(teacher.browser, `${teacher.base}/outcomes`);
    for (const id of ['2147483648', 'abc']) {
      const res = await fetch(`${teacher.base}/credentials/${id}/outcomes/lo-plan`, {
        method: 'POST',
        headers: { cookie: teacher.browser.cookieHeader(tool.base), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: new URLSearchParams({ _csrf: csrf, statement: '' }).toString(),
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('That credential does not exist in this course.');
    }
    expect((await fetch(`${tool.base}/healthz`)).status).toBe(200);
  });
});
