// Issue 13 item 3: every state-changing route refuses a request without the form token,
// whatever its body type, except the exemptions src/web/csrf.ts lists (each with its reason).
// The routes come from the app's own router stack (test/support/routeTable.ts), so a route
// added later is probed the day it is added. Each request carries the session the route is
// meant for (a teacher's or learner's launch, the admin's sign-in), so it is the token, not a
// missing sign-in, that refuses it. Real PostgreSQL, launches from the simulated Moodle.
import { CSRF_EXEMPTIONS } from '../../src/web/csrf';
import { launchAs, type Person, publishCredential } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { FIRST_ADMIN, signedInAdmin } from '../support/admin';
import { TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { type RouteEntry, routeTable, stateChangingRoutes, withoutParamPatterns } from '../support/routeTable';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let learner: Person;
const admin = new TestBrowser();
let credentialId: number;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  learner = await launchAs(tool, sim, 'learner');
  credentialId = await publishCredential(tool, teacher, completeDefinition());
  await signedInAdmin(tool, FIRST_ADMIN, admin);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

const table = () => routeTable(tool.app, { '/lti': tool.lti.app });
const key = (method: string, path: string) => `${method} ${withoutParamPatterns(path)}`;
const exempted = new Set(CSRF_EXEMPTIONS.map((e) => key(e.method, e.path)));

type Who = 'teacher' | 'learner' | 'admin' | 'nobody';
/**
 * Whose session reaches each part of the app. A route outside all of these is not covered:
 * the test fails until it says who may use it.
 */
const SESSIONS: [RegExp, Who][] = [
  [/^\/app\/:launchId\/credentials\/:credentialId\/my-work(\/|$)/, 'learner'],
  [/^\/app\/:launchId\/surveys(\/|$)/, 'learner'],
  [/^\/app\/:launchId\/badges\/evidence(\/|$)/, 'learner'],
  [/^\/app\/:launchId\/badges\/wallet(\/|$)/, 'learner'],
  [/^\/app\/:launchId\/openid4vci(\/|$)/, 'learner'],
  [/^\/app\/:launchId\/mail(\/|$)/, 'learner'],
  [/^\/app(\/|$)/, 'teacher'],
  [/^\/admin(\/|$)/, 'admin'],
  // Public pages and the LTI endpoints: no session of ours.
  [/^\/(lti|verify|api\/verify|credentials|workflows|mail)(\/|$)/, 'nobody'],
  // OpenID4VCI: called by wallet apps, which have no session.
  [/^\/oid4vci(\/|$)/, 'nobody'],
];
const whoFor = (path: string): Who | undefined => SESSIONS.find(([re]) => re.test(path))?.[1];

function browserOf(who: Who): TestBrowser {
  return { teacher: teacher.browser, learner: learner.browser, admin, nobody: new TestBrowser() }[who];
}

const launchIdOf = (who: Who) => (who === 'learner' ? learner : teacher).base.split('/app/')[1];

/** Bodies without a token, one per type a browser or a script can send. */
const BODIES: Record<string, () => { body: string | FormData; type?: string }> = {
  urlencoded: () => ({ body: 'title=Forged&lockVersion=1&direction=up&archived=true', type: 'application/x-www-form-urlencoded' }),
  json: () => ({ body: JSON.stringify({ title: 'Forged', lockVersion: 1, direction: 'up', archived: 'true' }), type: 'application/json' }),
  multipart: () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ title: 'Forged', lockVersion: '1', direction: 'up', archived: 'true', csv: 'code,title\nF1,Forged' }))
      form.append(k, v);
    form.append('file', new Blob(['code,title\nF2,Forged too\n'], { type: 'text/csv' }), 'forged.csv');
    return { body: form };
  },
};

/** Sends `route` with the session meant for it, no token, as a page of this site would (same-origin). */
async function sendWithoutToken(route: RouteEntry, encoding: keyof typeof BODIES) {
  const who = whoFor(route.path)!;
  const url = `${tool.base}${route.fill({ launchId: launchIdOf(who), credentialId })}`;
  const { body, type } = BODIES[encoding]();
  const headers: Record<string, string> = { accept: 'text/html', 'sec-fetch-site': 'same-origin' };
  if (type) headers['content-type'] = type;
  const cookie = browserOf(who).cookieHeader(url);
  if (cookie) headers.cookie = cookie;
  const res = await fetch(url, { method: route.method, headers, body, redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}

describe('the route table', () => {
  it('is read in full: every state-changing route says whose session reaches it', () => {
    const routes = stateChangingRoutes(table());
    // The app has far more than this; a walker that lost a router would see fewer.
    expect(routes.length).toBeGreaterThan(50);
    expect(routes.filter((r) => !whoFor(r.path)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('still has every exemption src/web/csrf.ts lists, so the list stays true', () => {
    const present = new Set(stateChangingRoutes(table()).map((r) => key(r.method, r.path)));
    expect(CSRF_EXEMPTIONS.filter((e) => !present.has(key(e.method, e.path))).map((e) => `${e.method} ${e.path}`)).toEqual([]);
    for (const e of CSRF_EXEMPTIONS) expect(e.reason.length).toBeGreaterThan(40);
  });
});

describe.each(Object.keys(BODIES))('every state-changing route, sent %s without a token', (encoding) => {
  it('is refused with CSRF_TOKEN_INVALID before anything is done, except the listed exemptions', async () => {
    const wrong: string[] = [];
    for (const route of stateChangingRoutes(table())) {
      const res = await sendWithoutToken(route, encoding);
      const refused = res.status === 403 && res.text.includes('CSRF_TOKEN_INVALID');
      const exempt = exempted.has(key(route.method, route.path));
      if (refused === exempt) wrong.push(`${route.method} ${route.path}: ${res.status}${exempt ? ' (listed as an exemption, but refused)' : ''}`);
    }
    expect(wrong).toEqual([]);
  });
});

it('a state-changing request to an address no route has is refused the same way', async () => {
  for (const [method, path] of [
    ['POST', '/no-such-page'],
    ['DELETE', '/admin'],
    ['PUT', `/app/${launchIdOf('teacher')}/outcomes`],
    ['PROPFIND', '/lti/login'],
  ]) {
    const url = `${tool.base}${path}`;
    const res = await fetch(url, {
      method,
      headers: { accept: 'text/html', cookie: teacher.browser.cookieHeader(url), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
      redirect: 'manual',
    });
    expect({ method, path, status: res.status, refused: (await res.text()).includes('CSRF_TOKEN_INVALID') }).toEqual({
      method,
      path,
      status: 403,
      refused: true,
    });
  }
});
