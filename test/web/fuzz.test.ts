// Issue 13 item 6: bad input is a 4xx, never a 500, on every route. A seeded fuzzer walks the
// app's own route table (test/support/routeTable.ts) with the session each route is meant for
// and its valid form token, so requests get past sign-in and CSRF into the handlers, and sends
// what an attacker or a broken client sends: hostile path ids, fields that are empty, NaN,
// huge, NUL, lone surrogates, very long or repeated, and bodies as forms, JSON, multipart and
// broken multipart. It fails, listing each request with the seed to replay it, on any 500 and
// on any sign the server crashed: a request left unanswered (refused, reset, or waiting 15 s), a
// server that no longer answers /healthz, or an exception or rejection the server left unhandled
// (the server runs in this process, and jest fails the test on those).
//   Replay or widen:   FUZZ_SEED=<seed> FUZZ_REQUESTS=<n> npx jest test/web/fuzz
//   Per-route answers: FUZZ_VERBOSE=1
// Real PostgreSQL, launches from the simulated Moodle, a course with outcomes, credentials with
// a rubric, a submitted attempt, a draft attempt with evidence, and an issued badge.
import { CourseOutcomeStore, CredentialStore } from '../../src/credentials/store';
import { acceptComplete, issuingCourse, launchAs, PDF, type Person, publishCredential, submitComplete } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { hashSessionId, SESSION_COOKIE } from '../../src/web/session';
import { readForm, TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { type RouteEntry, routeTable } from '../support/routeTable';
import type { TestTool } from '../support/tool';

const SEED = Number(process.env.FUZZ_SEED ?? 1_312_2026);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 600);

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)],
    /** A shuffled copy (Fisher–Yates). */
    shuffle: <T>(list: readonly T[]): T[] => {
      const out = [...list];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}
type Rng = ReturnType<typeof prng>;

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let learner: Person;
const admin = new TestBrowser();
const ADMIN = { email: 'it@uni.example', password: 'correct horse battery staple' };
/** The values each route's params take when they are not the thing fuzzed. */
const ids: Record<string, string> = {};

beforeAll(async () => {
  ({ tool, sim, teacher, learner } = await issuingCourse());
  const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

  // The course: outcomes, a published credential with its rubric, a draft being designed.
  const outcomes = new CourseOutcomeStore(tool.database.db);
  const outcome = await outcomes.create(teacher.courseId, { code: 'CO1', title: 'Data management planning', description: 'Plans data.' });
  await outcomes.create(teacher.courseId, { code: 'CO2', title: 'Open science', description: '' });
  const definition = { ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' } as ReturnType<typeof completeDefinition>;
  const published = await publishCredential(tool, teacher, definition);
  const second = await publishCredential(tool, teacher, { ...definition, title: 'Second credential', code: 'RDM-2' });
  const third = await publishCredential(tool, teacher, { ...definition, title: 'Third credential', code: 'RDM-3' });
  const { credentialId: draft } = await new CredentialStore(tool.database.db).create(teacher.courseId, teacher.userId, definition);

  // The learner's attempts: one submitted to assess, one draft with evidence, one awarded and issued as a badge.
  const submitted = await submitComplete(tool, learner, published);
  const open = await tool.assessment.openDraft(learner.courseId, second, learner.userId);
  await tool.assessment.addEvidence(learner.courseId, learner.userId, open.id, {
    criterionId: 'crit-plan',
    kind: 'file',
    title: 'plan.pdf',
    file: { filename: 'plan.pdf', mimeType: 'application/pdf', content: PDF },
  });
  const award = await acceptComplete(tool, teacher, learner, third);
  const issued = await tool.badges.issueForAward(award.id);
  const [evidence] = await q('SELECT id, file_id FROM evidence_items WHERE submission_id = $1 AND file_id IS NOT NULL', [open.id]);
  const [heldEvidence] = await q('SELECT id FROM evidence_items WHERE submission_id = $1 ORDER BY id LIMIT 1', [award.submissionId]);
  const [list] = await q('SELECT id FROM status_lists ORDER BY id LIMIT 1');

  // The admin console: its own account, a spare platform to edit and delete (not the one the launches use), an allow-list entry.
  const token = (await tool.accounts.issueSetupToken())!;
  await tool.accounts.createFirstAdmin(token, ADMIN.email, ADMIN.password);
  await signInAdmin();
  await tool.platforms.create({
    name: 'Spare LMS',
    issuer: 'https://spare-lms.example',
    clientId: 'spare',
    authLoginUrl: 'https://spare-lms.example/auth',
    accessTokenUrl: 'https://spare-lms.example/token',
    jwksUrl: 'https://spare-lms.example/jwks',
    lmsFamily: 'moodle',
    deploymentIds: ['1'],
  });
  const [spareRow] = await q("SELECT id FROM platforms WHERE name = 'Spare LMS'");
  const outbound = await admin.get(`${tool.base}/admin/outbound`);
  await admin.post(`${tool.base}/admin/outbound`, { ...readForm(outbound.body, '/admin/outbound').fields, entry: '10.1.2.3', note: 'fuzz' });
  const [entry] = await q('SELECT id FROM outbound_allow_list ORDER BY id LIMIT 1');

  Object.assign(ids, {
    credentialId: String(published),
    secondCredentialId: String(second),
    draftCredentialId: String(draft),
    submissionId: String(submitted.id),
    draftSubmissionId: String(open.id),
    evidenceId: String(evidence.id),
    heldEvidenceId: String(heldEvidence.id),
    fileId: evidence.file_id,
    uuid: issued.id,
    // A live VC-API exchange of that badge, for the wallet endpoint to get junk bodies.
    exchangeId: (await tool.vcApi.open(award.id)).id,
    awardId: String(award.id),
    kind: 'award',
    outcomeId: String(outcome.id),
    loId: 'lo-plan',
    index: '0',
    criterionId: 'crit-plan',
    token: 'no-such-setup-token',
    id: String(spareRow.id),
    entryId: String(entry?.id ?? 1),
    listId: String(list?.id ?? 1),
    versionNo: '1',
    action: 'revoke',
  });
  await harvestForms();
}, 120_000);

afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

/** A new session for someone whose session a request ended: a new launch, or signing in again. */
async function restoreSession(who: 'teacher' | 'learner' | 'admin') {
  if (who === 'admin') return signInAdmin();
  const again = await launchAs(tool, sim, who === 'teacher' ? 'instructor' : 'learner');
  if (who === 'teacher') teacher = again;
  else learner = again;
}

async function signInAdmin() {
  const login = await admin.get(`${tool.base}/admin/login`);
  if (login.url === `${tool.base}/admin`) return; // still signed in
  const res = await admin.post(`${tool.base}/admin/login`, { ...readForm(login.body, '/admin/login').fields, ...ADMIN });
  if (res.url !== `${tool.base}/admin`) throw new Error(`the admin could not sign in: ${res.status}`);
}

// --- who sends each route, with which params -----------------------------------------

type Who = 'teacher' | 'learner' | 'admin' | 'nobody';
/** Whose session each part of the app is for; the first match wins. */
const SESSIONS: [RegExp, Who][] = [
  [/^\/app\/:launchId\/(credentials\/:credentialId\/my-work|surveys|badges\/evidence|badges\/wallet)(\/|$)/, 'learner'],
  [/^\/app\/:launchId\/badges\/?$/, 'learner'],
  [/^\/app(\/|$)/, 'teacher'],
  [/^\/admin(\/|$)/, 'admin'],
  [/^\//, 'nobody'],
];
const whoFor = (path: string): Who => SESSIONS.find(([re]) => re.test(path))![1];
const browserOf = (who: Who): TestBrowser => ({ teacher: teacher.browser, learner: learner.browser, admin, nobody: new TestBrowser() })[who];
const personOf = (who: Who): Person | undefined => ({ teacher, learner, admin: undefined, nobody: undefined })[who];

/** The valid value of each param of `route`, for the person who sends it. */
function validParams(route: RouteEntry, who: Who): Record<string, string> {
  const p = personOf(who);
  const myWork = route.path.includes('/my-work');
  return {
    ...ids,
    launchId: (p ?? teacher).base.split('/app/')[1],
    credentialId: myWork
      ? ids.secondCredentialId
      : /\/(rubric|outcomes)\b/.test(route.path) && route.path.startsWith('/app/:launchId/credentials')
        ? ids.draftCredentialId
        : ids.credentialId,
    submissionId: myWork ? ids.draftSubmissionId : ids.submissionId,
    evidenceId: myWork ? ids.evidenceId : ids.heldEvidenceId,
    id: route.path.startsWith('/admin/outbound') ? ids.entryId : ids.id,
  };
}

/** Hostile path values, as they appear in the address (already encoded where they need it). */
const PATH_VALUES = [
  '0',
  '-1',
  '2147483648',
  '9223372036854775808',
  '99999999999999999999',
  'abc',
  '%00',
  'a%00b',
  '1%00',
  '1.5',
  '1e3',
  '%20',
  '%F0%9F%98%80',
  '%ED%A0%80',
  '%25',
  '..%2F..%2Fetc',
  'x'.repeat(3000),
  '1'.repeat(400),
];

// --- forms found on the app's own pages ----------------------------------------------

interface Form {
  fields: [string, string][];
  multipart: boolean;
}
/** Forms by route (method + pattern): the names and values the app's pages send. */
const forms = new Map<string, Form[]>();
const routeKey = (method: string, path: string) => `${method} ${path}`;

function table(): RouteEntry[] {
  const seen = new Set<string>();
  return routeTable(tool.app, { '/lti': tool.lti.app })
    .flatMap((r) => (r.method === 'ALL' ? ['GET', 'POST', 'PUT', 'DELETE'].map((method) => ({ ...r, method })) : [r]))
    .filter((r) => ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))
    .filter((r) => !seen.has(routeKey(r.method, r.path)) && seen.add(routeKey(r.method, r.path)));
}

/** The route (first in express's order) that an address with this method reaches. */
function routeOf(routes: RouteEntry[], method: string, address: string): RouteEntry | undefined {
  const path = address.split(/[?#]/)[0];
  return routes.find(
    (r) => r.method === method && new RegExp(`^${r.path.replace(/:(\w+)(\((?:[^()]|\([^()]*\))*\))?\??/g, '[^/]+').replace(/\./g, '\\.')}/?$`).test(path),
  );
}

const unescape = (s: string) =>
  s
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** Every form of a page: its action, whether it uploads, and its fields (inputs, text areas, selects) with their values. */
function formsOf(html: string): { action: string; form: Form }[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].flatMap((m) => {
    const action = /action="([^"]*)"/.exec(m[1])?.[1];
    if (!action || !/method="post"/i.test(m[1])) return [];
    const fields: [string, string][] = [];
    for (const c of m[2].matchAll(/<(input|textarea|select)\b([^>]*)>([\s\S]*?<\/(?:textarea|select)>)?/g)) {
      const name = /\sname="([^"]*)"/.exec(c[2])?.[1];
      if (!name || /type="(file|submit)"/.test(c[2])) continue;
      const value =
        c[1] === 'textarea'
          ? (c[3] ?? '').replace(/<\/textarea>$/, '')
          : c[1] === 'select'
            ? (/<option\b[^>]*value="([^"]*)"/.exec(c[3] ?? '')?.[1] ?? '')
            : (/\svalue="([^"]*)"/.exec(c[2])?.[1] ?? '');
      fields.push([unescape(name), unescape(value)]);
    }
    return [{ action: unescape(action), form: { fields, multipart: /multipart\/form-data/.test(m[1]) } }];
  });
}

/** Opens every GET page as the person it is for and keeps the forms on it, by the route each posts to. */
async function harvestForms() {
  const routes = table();
  for (const route of routes.filter((r) => r.method === 'GET' && !r.path.startsWith('/lti'))) {
    const who = whoFor(route.path);
    const page = await browserOf(who).get(`${tool.base}${route.fill(validParams(route, who))}`);
    for (const { action, form } of formsOf(page.body)) {
      const target = routeOf(routes, 'POST', new URL(action, tool.base).pathname);
      if (!target) continue;
      const key = routeKey('POST', target.path);
      if (!forms.has(key)) forms.set(key, []);
      forms.get(key)!.push(form);
    }
  }
}

// --- hostile values and bodies -------------------------------------------------------

const FIELD_NAMES = [
  '_csrf',
  'lockVersion',
  'versionId',
  'assessorId',
  'credentialId',
  'learnerId',
  'sourceCourseId',
  'title',
  'code',
  'description',
  'statement',
  'kind',
  'criterionId',
  'url',
  'body',
  'badge',
  'decision',
  'direction',
  'archived',
  'active',
  'shared',
  'reason',
  'csv',
  'credential',
  'email',
  'password',
  'confirm',
  'next',
  'entry',
  'note',
  'text',
  'maxAttempts',
  'followUpMonths',
  'courseOutcomeIds',
  'passLevel',
  'weight',
  'ticket',
  'state',
  'nonce',
  'id_token',
  'code',
  'comment',
];

function hostileValue(rng: Rng): string | string[] {
  const v = rng.pick<() => string | string[]>([
    () => '',
    () => ' ',
    () => 'NaN',
    () => '-1',
    () => '0',
    () => '1.5',
    () => '1e309',
    () => '2147483648',
    () => '9223372036854775808',
    () => '99999999999999999999999',
    () => '\u0000',
    () => `before\u0000after`,
    () => '\ud800',
    () => 'a\udc00b',
    () => '😀 ünïcödé ‮ RTL',
    () => '<script>alert(1)</script>',
    () => 'x'.repeat(5000 + rng.int(60000)),
    () => 'true',
    () => 'null',
    () => '[object Object]',
    () => '__proto__',
    () => ['1', '2'],
    () => ['', '\u0000'],
    () => String(rng.int(10)),
  ]);
  return v();
}

interface Body {
  label: string;
  payload?: string | Buffer;
  contentType?: string;
}

/** Percent-encoding as a form sends it; a lone surrogate (which UTF-8 cannot hold) goes as the bytes a careless client would send. */
const encodeField = (s: string) =>
  s
    .split(/([\ud800-\udfff])/)
    .map((part) =>
      /^[\ud800-\udfff]$/.test(part) ? `%ED%${(0xa0 + ((part.charCodeAt(0) >> 6) & 0x1f)).toString(16).toUpperCase()}%80` : encodeURIComponent(part),
    )
    .join('');
const encodeForm = (fields: [string, string][]) => fields.map(([k, v]) => `${encodeField(k)}=${encodeField(v)}`).join('&');

function multipart(fields: [string, string][], withFile: boolean, boundary = `----fuzz${Date.now().toString(36)}`): Buffer {
  const parts = fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  if (withFile)
    parts.push(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="plan.pdf"\r\nContent-Type: application/pdf\r\n\r\n${PDF.toString('latin1')}\r\n`,
    );
  return Buffer.concat([Buffer.from(parts.join(''), 'utf8'), Buffer.from(`--${boundary}--\r\n`)]);
}

/** A body for `route`: the app's own form for it (or a guess), with one to three fields made hostile, in one of the encodings. */
function bodyFor(rng: Rng, route: RouteEntry, csrf: string | undefined): Body {
  const known = forms.get(routeKey(route.method, route.path));
  const base = known ? rng.pick(known) : { fields: [] as [string, string][], multipart: false };
  const fields: [string, string][] = base.fields.filter(([k]) => k !== '_csrf');
  const mutated: string[] = [];
  for (let i = 1 + rng.int(3); i > 0; i--) {
    const name = fields.length && rng.chance(0.7) ? rng.pick(fields)[0] : rng.pick(FIELD_NAMES);
    const value = hostileValue(rng);
    const rest = fields.filter(([k]) => k !== name);
    fields.length = 0;
    fields.push(...rest, ...(Array.isArray(value) ? value.map((v) => [name, v] as [string, string]) : [[name, value] as [string, string]]));
    mutated.push(`${name}=${JSON.stringify(value).slice(0, 40)}`);
  }
  if (csrf && rng.chance(0.9)) fields.unshift(['_csrf', csrf]);
  const label = mutated.join(' ');
  const kind = rng.pick(
    base.multipart
      ? ['multipart', 'multipart', 'broken-multipart', 'urlencoded', 'json']
      : ['urlencoded', 'urlencoded', 'urlencoded', 'json', 'malformed-json', 'multipart', 'broken-multipart', 'none'],
  );
  switch (kind) {
    case 'urlencoded':
      return { label: `form ${label}`, payload: encodeForm(fields), contentType: 'application/x-www-form-urlencoded' };
    case 'json': {
      const obj: Record<string, unknown> = {};
      for (const [k, v] of fields) obj[k] = rng.chance(0.2) ? { nested: [v, 1, null] } : k in obj ? [obj[k], v].flat() : v;
      return { label: `json ${label}`, payload: JSON.stringify(obj), contentType: 'application/json' };
    }
    case 'malformed-json':
      return {
        label: 'malformed json',
        payload: rng.pick(['{"credential": {"broken', '{', '[1,2', '"\\u0000"', 'nul\u0000l', '{"a":"\\ud800"}', '{"__proto__": {"x": 1}}']),
        contentType: 'application/json',
      };
    case 'multipart': {
      const boundary = 'fuzzboundary7MA4YWxkTrZu0gW';
      return { label: `multipart ${label}`, payload: multipart(fields, rng.chance(0.5), boundary), contentType: `multipart/form-data; boundary=${boundary}` };
    }
    case 'broken-multipart': {
      const boundary = 'fuzzboundary7MA4YWxkTrZu0gW';
      const whole = multipart(fields, rng.chance(0.5), boundary);
      return rng.pick<() => Body>([
        () => ({
          label: `multipart cut short ${label}`,
          payload: whole.subarray(0, Math.max(1, Math.floor(whole.length * rng.next()))),
          contentType: `multipart/form-data; boundary=${boundary}`,
        }),
        () => ({ label: 'multipart without a boundary', payload: whole, contentType: 'multipart/form-data' }),
        () => ({ label: 'multipart with another boundary', payload: whole, contentType: 'multipart/form-data; boundary=not-the-one' }),
        () => ({
          label: 'multipart with a broken part header',
          payload: Buffer.from(`--${boundary}\r\nContent-Disposition form-data name\r\n\r\nx\r\n--${boundary}--\r\n`),
          contentType: `multipart/form-data; boundary=${boundary}`,
        }),
        () => ({ label: 'multipart, empty', payload: Buffer.alloc(0), contentType: `multipart/form-data; boundary=${boundary}` }),
      ])();
    }
    default:
      return { label: 'no body' };
  }
}

/** The form token of the person's session, as its pages carry it (read where the session keeps it: any page may have lost its forms by now). */
async function csrfOf(who: Who): Promise<string | undefined> {
  const sid = browserOf(who).cookie(SESSION_COOKIE)?.value;
  if (!sid) return undefined;
  const { rows } = await tool.database.pool.query("SELECT data->>'csrf' AS csrf FROM web_sessions WHERE sid = $1", [hashSessionId(sid)]);
  return rows[0]?.csrf ?? undefined;
}

// --- the walk ------------------------------------------------------------------------

it(
  `answers no request with a 500 (seed ${SEED}, ${REQUESTS} requests)`,
  async () => {
    console.log(`fuzz: seed ${SEED} (FUZZ_SEED), ${REQUESTS} requests (FUZZ_REQUESTS)`);
    const rng = prng(SEED);
    const routes = table();
    const order = rng.shuffle(routes);
    const tokens = new Map<Who, string | undefined>();
    const failures: string[] = [];
    /** Requests the server did not answer: refused, reset, or still waiting after 15 s. */
    const unanswered: string[] = [];
    const counts = new Map<number, number>();
    const perRoute = new Map<string, number[]>();
    for (let i = 0; i < REQUESTS; i++) {
      // Every route in turn, so each is reached about REQUESTS / routes times.
      const route = order[i % order.length];
      let who = whoFor(route.path);
      // Now and then someone else's session, or none: authorisation paths must not 500 either.
      if (rng.chance(0.1)) who = rng.pick<Who>(['teacher', 'learner', 'admin', 'nobody']);
      if (!tokens.has(who)) tokens.set(who, await csrfOf(who));
      const csrf = tokens.get(who);

      const params = validParams(route, who);
      const raw: Record<string, string> = {};
      if (route.params.length && rng.chance(0.35)) {
        const p = rng.pick(route.params);
        raw[p.name] = rng.pick(PATH_VALUES);
        params[p.name] = `\u0001${p.name}\u0001`;
      }
      let path = route.fill(params).replace(/%01(\w+)%01/g, (_m, name: string) => raw[name]);
      if (rng.chance(0.15))
        path += `?${rng.pick(['notice', 'status', 'credential', 'learner', 'q', 'next', 'copied', 'code', 'download', 'survey'])}=${encodeField(rng.pick(['%00', '\u0000', '\ud800', '99999999999', '-1', 'NaN', 'x'.repeat(3000), '😀']))}${rng.chance(0.3) ? '&notice=a&notice=b' : ''}`;

      const body: Body = route.method === 'GET' ? { label: '' } : bodyFor(rng, route, csrf);
      const headers: Record<string, string> = { accept: rng.chance(0.15) ? 'application/json' : 'text/html', 'sec-fetch-site': 'same-origin' };
      const cookie = browserOf(who).cookieHeader(tool.base);
      if (cookie) headers.cookie = cookie;
      if (body.contentType) headers['content-type'] = body.contentType;
      // Scripts send the token as a header: most of the time with bodies that carry no form field.
      if (csrf && route.method !== 'GET' && rng.chance(body.contentType === 'application/x-www-form-urlencoded' ? 0.1 : 0.6)) headers['x-csrf-token'] = csrf;
      const what = `${route.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}${body.label ? ` [${body.label}]` : ''} as ${who}`;
      let status: number;
      let sessionChanged = false;
      try {
        const res = await fetch(`${tool.base}${path}`, {
          method: route.method,
          headers,
          body:
            route.method === 'GET' || body.payload === undefined ? undefined : typeof body.payload === 'string' ? body.payload : new Uint8Array(body.payload),
          redirect: 'manual',
          signal: AbortSignal.timeout(15_000),
        });
        status = res.status;
        // Ended or replaced: a session cookie other than the one sent (a cookie re-sent unchanged only renews it).
        const sent = browserOf(who).cookie(SESSION_COOKIE)?.value;
        sessionChanged = res.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`) && !c.startsWith(`${SESSION_COOKIE}=${sent};`));
        await res.arrayBuffer();
      } catch (e) {
        unanswered.push(`no answer to ${what}: ${String((e as Error).cause ?? e)}`);
        continue;
      }
      counts.set(status, (counts.get(status) ?? 0) + 1);
      const k = routeKey(route.method, route.path);
      if (!perRoute.has(k)) perRoute.set(k, []);
      perRoute.get(k)!.push(status);
      if (status >= 500) failures.push(`${status} ${what}`);
      // A sign-out (anyone's session can be sent to /admin/logout) ends the session: start it again,
      // so later requests still reach the handlers.
      if (sessionChanged && who !== 'nobody') {
        await restoreSession(who);
        tokens.delete(who);
      }
    }
    const health = await fetch(`${tool.base}/healthz`).then(
      (r) => r.status,
      (e: unknown) => `unreachable (${String(e)})`,
    );
    if (health !== 200) unanswered.push(`the server no longer answers /healthz: ${health}`);

    const pastSignInAndCsrf = [...counts].filter(([s]) => s !== 401 && s !== 403).reduce((n, [, c]) => n + c, 0);
    console.log(
      `fuzz: ${REQUESTS} requests over ${routes.length} routes (${pastSignInAndCsrf} past sign-in and CSRF); answers: ${[...counts]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}; 500s: ${failures.length}; no answer: ${unanswered.length}`,
    );
    if (process.env.FUZZ_VERBOSE) console.log([...perRoute].map(([k, v]) => `${k}: ${v.sort().join(' ')}`).join('\n'));
    expect({ seed: SEED, serverErrors: failures, unanswered }).toEqual({ seed: SEED, serverErrors: [], unanswered: [] });
  },
  60_000 + 150 * REQUESTS,
);
