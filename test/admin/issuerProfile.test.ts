// The institution's issuer profile, and how new credentials take their defaults from it.
import { readForm, TestBrowser } from '../support/browser';
import { launch } from '../support/launch';
import { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let admin: TestBrowser;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle');
  const token = (await tool.accounts.issueSetupToken())!;
  await tool.accounts.createFirstAdmin(token, 'it@uni.example', 'correct horse battery');
  admin = new TestBrowser();
  const login = await admin.get(`${tool.base}/admin/login`);
  await admin.post(`${tool.base}/admin/login`, { ...readForm(login.body, '/admin/login').fields, email: 'it@uni.example', password: 'correct horse battery' });
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

it('is edited from the console, keeping typed values when something is wrong', async () => {
  const dash = await admin.get(`${tool.base}/admin`);
  expect(dash.body).toContain('href="/admin/issuer"');
  const page = await admin.get(`${tool.base}/admin/issuer`);
  const form = readForm(page.body, '/admin/issuer');
  const bad = await admin.post(`${tool.base}/admin/issuer`, { ...form.fields, name: 'Example University', countryCode: 'Netherlands', url: 'uni' });
  expect(bad.status).toBe(422);
  expect(bad.body).toContain('value="Example University"');
  expect(bad.body).toContain('two-letter country code');
  expect(bad.body).toContain('full web address');
  const ok = await admin.post(`${tool.base}/admin/issuer`, { ...form.fields, name: 'Example University', countryCode: 'nl', url: 'https://www.uni.example', region: '' });
  expect(ok.body).toContain('Issuer profile saved.');
  expect(ok.body).toContain('value="NL"');
  const noCsrf = await admin.post(`${tool.base}/admin/issuer`, { name: 'Hijack', countryCode: 'XX' });
  expect(noCsrf.status).toBe(403);
});

it('gives new micro-credentials their issuer country and awarding body', async () => {
  const { browser, page } = await launch(tool, sim, 'instructor');
  const list = await browser.get(`${page.url}/credentials`);
  const created = await browser.post(`${tool.base}${readForm(list.body, /\/credentials$/).action}`, readForm(list.body, /\/credentials$/).fields);
  expect(created.body).toMatch(/id="f-issuer-countries"[^>]*value="NL"/);
  expect(created.body).toMatch(/id="f-awarding-bodies"[^>]*value="Example University"/);
  expect(created.body).toMatch(/id="f-awarding-body-url"[^>]*value="https:\/\/www.uni.example"/);
});
