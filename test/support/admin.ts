// The admin console in tests: its first administrator, created with a one-time set-up token as
// `npm start` prints it, and a browser signed in through the console's own login form.
import { readForm, TestBrowser } from './browser';
import type { TestTool } from './tool';

export const FIRST_ADMIN = { email: 'it@uni.example', password: 'correct horse battery' };

/** Creates the first administrator and signs `browser` (a new one by default) in as them. */
export async function signedInAdmin(tool: TestTool, admin = FIRST_ADMIN, browser = new TestBrowser()): Promise<TestBrowser> {
  await tool.accounts.createFirstAdmin((await tool.accounts.issueSetupToken())!, admin.email, admin.password);
  const login = await browser.get(`${tool.base}/admin/login`);
  const console = await browser.post(`${tool.base}/admin/login`, {
    ...readForm(login.body, '/admin/login').fields,
    email: admin.email,
    password: admin.password,
  });
  if (console.url !== `${tool.base}/admin`) throw new Error(`The admin console did not sign ${admin.email} in: ${console.status} at ${console.url}`);
  return browser;
}
