// The one CSRF check (src/web/csrf.ts, issue 13 item 3): where the token may travel, that no
// route reads a body (an upload least of all) before it is checked, and the defence in depth
// against requests other sites send. Real PostgreSQL, launches from the simulated Moodle,
// real HTTP; the readers of a body's first field are also tested on their own.
import http from 'node:http';
import { firstMultipartField, firstUrlencodedField } from '../../src/web/csrf';
import { launchAs, type Person } from '../assessment/support';
import { readForm, TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let token: string;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  token = readForm((await teacher.browser.get(`${teacher.base}/outcomes/import`)).body, '/import/preview').fields._csrf;
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

const CSV = 'code,title\nCS1,Write a test first\n';
const preview = () => `${teacher.base}/outcomes/import/preview`;

/** A form field, or with a file name, a file. */
type Part = [name: string, value: string, filename?: string];

/** Posts a multipart form built part by part, in this order, with the teacher's session. */
async function postMultipart(url: string, parts: Part[], headers: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, value, filename] of parts) {
    if (filename) form.append(name, new Blob([value], { type: 'text/csv' }), filename);
    else form.append(name, value);
  }
  const res = await fetch(url, {
    method: 'POST',
    body: form,
    redirect: 'manual',
    headers: { accept: 'text/html', cookie: teacher.browser.cookieHeader(url), ...headers },
  });
  return { status: res.status, body: await res.text() };
}

async function outcomeCodes(): Promise<string[]> {
  const { rows } = await tool.database.pool.query('SELECT code FROM course_outcomes WHERE course_id = $1 ORDER BY code', [teacher.courseId]);
  return rows.map((r: { code: string }) => r.code);
}

describe('where the token may travel', () => {
  it('as the first field of a multipart form: the route then gets every field and the file', async () => {
    const res = await postMultipart(preview(), [
      ['_csrf', token],
      ['csv', ''],
      ['file', CSV, 'outcomes.csv'],
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toContain('Write a test first');
  });

  it('in the X-CSRF-Token header (the upload script sends it), whatever the order of the fields', async () => {
    const res = await postMultipart(
      preview(),
      [
        ['file', CSV, 'outcomes.csv'],
        ['_csrf', token],
      ],
      { 'x-csrf-token': token },
    );
    expect(res.status).toBe(200);
    expect(res.body).toContain('Write a test first');
  });

  it('not after a file or another field: the form is refused before its route reads any of it', async () => {
    const before = await outcomeCodes();
    const orders: Part[][] = [
      [
        ['file', CSV, 'outcomes.csv'],
        ['_csrf', token],
      ],
      [
        ['code', 'CS2'],
        ['_csrf', token],
        ['title', 'Token second'],
      ],
    ];
    for (const parts of orders) {
      const res = await postMultipart(`${teacher.base}/outcomes`, parts);
      expect(res.status).toBe(403);
      expect(res.body).toContain('CSRF_TOKEN_INVALID');
    }
    const urlencoded = await fetch(`${teacher.base}/outcomes`, {
      method: 'POST',
      redirect: 'manual',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie: teacher.browser.cookieHeader(teacher.base) },
      body: new URLSearchParams({ code: 'CS3', title: 'Token last', _csrf: token }).toString(),
    });
    expect(urlencoded.status).toBe(403);
    expect(await outcomeCodes()).toEqual(before);
  });

  it('a wrong header is not rescued by a right field', async () => {
    const res = await postMultipart(
      preview(),
      [
        ['_csrf', token],
        ['file', CSV, 'outcomes.csv'],
      ],
      { 'x-csrf-token': 'x'.repeat(token.length) },
    );
    expect(res.status).toBe(403);
    expect(res.body).toContain('CSRF_TOKEN_INVALID');
  });

  it('JSON needs the header', async () => {
    const url = `${teacher.base}/outcomes`;
    const send = (headers: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        redirect: 'manual',
        headers: { accept: 'application/json', 'content-type': 'application/json', cookie: teacher.browser.cookieHeader(url), ...headers },
        body: JSON.stringify({ _csrf: token, code: 'CS4', title: 'As JSON' }),
      });
    const without = await send({});
    expect(without.status).toBe(403);
    expect((await without.json()).error.code).toBe('CSRF_TOKEN_INVALID');
    // With it, the request reaches the route (which reads forms only, so it finds no title).
    expect((await send({ 'x-csrf-token': token })).status).toBe(422);
  });
});

it('answers a tokenless upload without reading it: its body need never end', async () => {
  const url = new URL(preview());
  const boundary = 'xBoundaryx';
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: {
        cookie: teacher.browser.cookieHeader(url.toString()),
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'transfer-encoding': 'chunked',
      },
    });
    req.on('response', (res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    // A file first, then more of it, and never the end: a server that read the body first would never answer.
    req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`);
    req.write('x'.repeat(64 * 1024));
  });
  expect(status).toBe(403);
});

describe('requests another site sent, with a valid token all the same', () => {
  const post = (headers: Record<string, string>) =>
    postMultipart(
      preview(),
      [
        ['_csrf', token],
        ['file', CSV, 'outcomes.csv'],
      ],
      headers,
    );

  it('are refused when the browser says so (Sec-Fetch-Site) or names another origin', async () => {
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://attacker.example' }] as Record<
      string,
      string
    >[]) {
      const res = await post(headers);
      expect({ headers, status: res.status, cross: res.body.includes('CROSS_SITE_FORM') }).toEqual({ headers, status: 403, cross: true });
    }
  });

  it('pass from our own pages, framed by the LMS or not: same-origin, typed in, or Origin "null" (Referrer-Policy: no-referrer)', async () => {
    for (const headers of [
      { 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
      { 'sec-fetch-site': 'same-origin', origin: 'null' },
      { origin: new URL(tool.base).origin },
      {},
    ] as Record<string, string>[]) {
      expect({ headers, status: (await post(headers)).status }).toEqual({ headers, status: 200 });
    }
  });

  it('are refused on the exemptions only our own pages post (the holder survey here; the storage continuation refuses them itself)', async () => {
    for (const [path, code] of [
      ['/credentials/00000000-0000-4000-8000-000000000000/follow-up', 'CROSS_SITE_FORM'],
      // Stricter in src/lti/launchPages.ts: only a post marked same-origin redeems a ticket.
      ['/lti/launch/storage', 'STORAGE_TICKET_NOT_FROM_FRAME'],
    ]) {
      const cross = await new TestBrowser().request(`${tool.base}${path}`, { form: { code: 'x', ticket: 'x' }, headers: { 'sec-fetch-site': 'cross-site' } });
      expect({ path, status: cross.status, refusedAs: cross.body.includes(code) }).toEqual({ path, status: 403, refusedAs: true });
      // From a page of this site it reaches its route, which judges the code or ticket.
      const own = await new TestBrowser().request(`${tool.base}${path}`, { form: { code: 'x', ticket: 'x' }, headers: { 'sec-fetch-site': 'same-origin' } });
      expect(own.body).not.toContain('CROSS_SITE_FORM');
      expect(own.body).not.toContain('CSRF_TOKEN_INVALID');
    }
  });
});

describe('reading the first field of a body (pure)', () => {
  const tokenValue = 'AbC-_123';
  it('urlencoded: only when it comes first, and only once it has ended', () => {
    expect(firstUrlencodedField(Buffer.from(`_csrf=${tokenValue}&a=1`), false, '_csrf')).toBe(tokenValue);
    expect(firstUrlencodedField(Buffer.from(`_csrf=${tokenValue}`), true, '_csrf')).toBe(tokenValue);
    expect(firstUrlencodedField(Buffer.from(`_csrf=${tokenValue}`), false, '_csrf')).toBeUndefined();
    expect(firstUrlencodedField(Buffer.from(`a=1&_csrf=${tokenValue}`), true, '_csrf')).toBeUndefined();
    expect(firstUrlencodedField(Buffer.from(`%5Fcsrf=${tokenValue}&a=1`), false, '_csrf')).toBe(tokenValue);
    expect(firstUrlencodedField(Buffer.from('_csrf=%E0%A4%A&a=1'), false, '_csrf')).toBeUndefined();
  });

  it('multipart: only a first part that is a field of that name, and only once it has ended', () => {
    const d = '--b0undary';
    const part = (disposition: string, value: string) => `${d}\r\nContent-Disposition: form-data; ${disposition}\r\n\r\n${value}\r\n`;
    expect(firstMultipartField(Buffer.from(`${part('name="_csrf"', tokenValue)}${d}`), d, '_csrf')).toBe(tokenValue);
    expect(firstMultipartField(Buffer.from(`${part('name=_csrf', tokenValue)}${d}--\r\n`), d, '_csrf')).toBe(tokenValue);
    expect(firstMultipartField(Buffer.from(`preamble\r\n${part('name="_csrf"', tokenValue)}${d}`), d, '_csrf')).toBe(tokenValue);
    expect(firstMultipartField(Buffer.from(`${part('name="_csrf"', tokenValue)}`), d, '_csrf')).toBeUndefined();
    expect(firstMultipartField(Buffer.from(`${part('name="_csrf"; filename="t.txt"', tokenValue)}${d}`), d, '_csrf')).toBeUndefined();
    expect(firstMultipartField(Buffer.from(`${part('name="title"', 'x')}${part('name="_csrf"', tokenValue)}${d}`), d, '_csrf')).toBeUndefined();
    expect(firstMultipartField(Buffer.from(`junk${part('name="_csrf"', tokenValue)}${d}`), d, '_csrf')).toBeUndefined();
  });
});
