// Drives a full OIDC launch through a TestBrowser: tool login → simulator auth → id_token POST.
import { type Page, readForm, TestBrowser } from './browser';
import { type PlatformSimulator, USERS } from './platformSimulator';
import type { TestTool } from './tool';

export interface LoginStart {
  state: string;
  nonce: string;
  authUrl: URL;
}

/**
 * The tool's login URL with what the LMS sends in its login initiation for this launch: a
 * fresh lti_message_hint (single-use on Moodle and Canvas) and, where the LMS offers
 * platform storage, lti_storage_target. `extra.lti_message_hint` names what is launched.
 */
export function loginUrl(tool: TestTool, sim: PlatformSimulator, user: keyof typeof USERS, extra: Record<string, string> = {}) {
  const u = new URL(`${tool.base}/lti/login`);
  const { lti_message_hint: what = 'resource-link', ...rest } = extra;
  u.search = new URLSearchParams({ ...sim.loginInitiation(USERS[user], what, `${tool.base}/lti/launch`), ...rest }).toString();
  return u.toString();
}

const attr = (html: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(html)?.[1].replace(/&amp;/g, '&').replace(/&#34;/g, '"');

/**
 * What the LMS page holds for the tool's frame in this browser through LTI platform storage
 * (lti.put_data / lti.get_data): the test plays the LMS page's part.
 */
const lmsPageStorage = new WeakMap<TestBrowser, Map<string, string>>();
export function platformStorageOf(browser: TestBrowser): Map<string, string> {
  let held = lmsPageStorage.get(browser);
  if (!held) lmsPageStorage.set(browser, (held = new Map()));
  return held;
}

/** The tool's answer to a login initiation: its redirect to the LMS's auth endpoint, or first its platform-storage page. */
function afterLogin(browser: TestBrowser, res: Page): LoginStart {
  let next: string | undefined;
  if (res.status === 302) next = res.headers.get('location')!;
  else if (res.status === 200 && attr(res.body, 'data-mode') === 'put') {
    // The page's script: lti.put_data to the LMS page, then on to the auth endpoint.
    const held = platformStorageOf(browser);
    held.set(attr(res.body, 'data-state-key')!, attr(res.body, 'data-state')!);
    held.set(attr(res.body, 'data-nonce-key')!, attr(res.body, 'data-nonce')!);
    next = attr(res.body, 'data-next');
  }
  if (!next) throw new Error(`login answered ${res.status}: ${res.body.slice(0, 500)}`);
  const authUrl = new URL(next);
  return { state: authUrl.searchParams.get('state')!, nonce: authUrl.searchParams.get('nonce')!, authUrl };
}

/**
 * Step 1 only: the tool's answer to the login, pointing at the platform's auth endpoint. Where
 * the tool first keeps state and nonce in platform storage (its lti-storage page), the LMS
 * page's part is played and the page's next address followed, as its script does.
 */
export async function startLogin(
  browser: TestBrowser,
  tool: TestTool,
  sim: PlatformSimulator,
  user: keyof typeof USERS = 'learner',
  extra: Record<string, string> = {},
): Promise<LoginStart> {
  return afterLogin(browser, await browser.get(loginUrl(tool, sim, user, extra), false));
}

export async function postLaunch(browser: TestBrowser, tool: TestTool, idToken: string, state: string): Promise<Page> {
  return browser.post(`${tool.base}/lti/launch`, { id_token: idToken, state });
}

/**
 * The page that reads state and nonce back from platform storage (lti-storage "get"), as its
 * script does: the values the LMS page holds go to /lti/launch/storage with the ticket.
 */
export async function continueThroughStorage(browser: TestBrowser, tool: TestTool, page: Page): Promise<Page> {
  const held = platformStorageOf(browser);
  const { fields } = readForm(page.body, '/lti/launch/storage');
  return browser.post(`${tool.base}/lti/launch/storage`, {
    ticket: fields.ticket,
    state: held.get(attr(page.body, 'data-state-key')!) ?? '',
    nonce: held.get(attr(page.body, 'data-nonce-key')!) ?? '',
  });
}

/** Steps 2 and 3: the LMS's auth endpoint, and its id_token posted to the tool (through platform storage where the tool asks for it). */
async function finishLaunch(browser: TestBrowser, tool: TestTool, start: LoginStart): Promise<Page> {
  const auth = await browser.get(start.authUrl.toString());
  if (auth.status !== 200) throw new Error(`platform auth answered ${auth.status}: ${auth.body}`);
  const form = readForm(auth.body);
  const page = await browser.post(form.action, form.fields);
  return page.status === 200 && attr(page.body, 'data-mode') === 'get' ? continueThroughStorage(browser, tool, page) : page;
}

/**
 * The whole launch as a browser does it. Returns the landing page. `extra` login parameters
 * choose what is launched, e.g. { lti_message_hint: 'deep-linking' } or placedLinkHint(id).
 */
export async function launch(
  tool: TestTool,
  sim: PlatformSimulator,
  user: keyof typeof USERS,
  browser = new TestBrowser(),
  extra: Record<string, string> = {},
): Promise<{ page: Page; browser: TestBrowser }> {
  const start = await startLogin(browser, tool, sim, user, extra);
  return { page: await finishLaunch(browser, tool, start), browser };
}

/** A launch from an LMS page that auto-posts its login initiation (its course frame, Moodle's launch.php, Canvas's retrieve). */
export async function launchFromLmsPage(browser: TestBrowser, tool: TestTool, lmsPage: Page): Promise<Page> {
  const { action, fields } = readForm(lmsPage.body);
  const start = afterLogin(browser, await browser.post(action, fields, false));
  return finishLaunch(browser, tool, start);
}

/** The person signs in to the LMS in this browser (its course page sets the LMS's own session cookie). */
export async function signInToLms(browser: TestBrowser, sim: PlatformSimulator, user: keyof typeof USERS): Promise<void> {
  const page = await browser.get(`${sim.issuer}/course?user=${user}`);
  if (page.status !== 200) throw new Error(`the LMS course page answered ${page.status}`);
}
