// Drives a full OIDC launch through a TestBrowser: tool login → simulator auth → id_token POST.
import { type Page, readForm, TestBrowser } from './browser';
import { type PlatformSimulator, USERS } from './platformSimulator';
import type { TestTool } from './tool';

export interface LoginStart {
  state: string;
  nonce: string;
  authUrl: URL;
}

export function loginUrl(tool: TestTool, sim: PlatformSimulator, user: keyof typeof USERS, extra: Record<string, string> = {}) {
  const u = new URL(`${tool.base}/lti/login`);
  u.search = new URLSearchParams({
    iss: sim.issuer,
    login_hint: USERS[user].sub,
    target_link_uri: `${tool.base}/lti/launch`,
    client_id: sim.clientId,
    lti_deployment_id: sim.deploymentId,
    ...extra,
    // What the LMS would put in its login initiation for this launch (single-use on Moodle).
    lti_message_hint: sim.messageHint(extra.lti_message_hint ?? 'resource-link'),
  }).toString();
  return u.toString();
}

/** Step 1 only: the tool's answer to the login, pointing at the platform's auth endpoint. */
export async function startLogin(browser: TestBrowser, tool: TestTool, sim: PlatformSimulator, user: keyof typeof USERS = 'learner', extra: Record<string, string> = {}): Promise<LoginStart> {
  const res = await browser.get(loginUrl(tool, sim, user, extra), false);
  if (res.status !== 302) throw new Error(`login answered ${res.status}: ${res.body.slice(0, 500)}`);
  const authUrl = new URL(res.headers.get('location')!);
  return { state: authUrl.searchParams.get('state')!, nonce: authUrl.searchParams.get('nonce')!, authUrl };
}

export async function postLaunch(browser: TestBrowser, tool: TestTool, idToken: string, state: string): Promise<Page> {
  return browser.post(`${tool.base}/lti/launch`, { id_token: idToken, state });
}

/**
 * The whole launch as a browser does it. Returns the landing page. `extra` login parameters
 * choose what is launched, e.g. { lti_message_hint: 'deep-linking' } or placedLinkHint(id).
 */
export async function launch(tool: TestTool, sim: PlatformSimulator, user: keyof typeof USERS, browser = new TestBrowser(), extra: Record<string, string> = {}): Promise<{ page: Page; browser: TestBrowser }> {
  const start = await startLogin(browser, tool, sim, user, extra);
  const auth = await browser.get(start.authUrl.toString());
  if (auth.status !== 200) throw new Error(`platform auth answered ${auth.status}: ${auth.body}`);
  const form = readForm(auth.body);
  const page = await browser.post(form.action, form.fields);
  return { page, browser };
}
