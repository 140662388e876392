// Issue 12 item 4: forms keep working in every tab of one browser, across new launches and
// first page loads at once; a form whose token really is stale comes back with everything
// typed and a fresh token. Real PostgreSQL, launches from the simulated Moodle over HTTP.
// One TestBrowser is one browser (one cookie jar); its "tabs" are pages it loaded earlier.
import { hashSessionId } from '../../src/web/session';
import { launchAs, type Person, publishCredential, submitComplete, text } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { type Page, readForm, TestBrowser } from '../support/browser';
import { launch, startLogin } from '../support/launch';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let credentialId: number;

const ADMIN_EMAIL = 'it@uni.example';
const ADMIN_PASSWORD = 'correct horse battery';

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  credentialId = await publishCredential(tool, teacher, completeDefinition());
  const token = (await tool.accounts.issueSetupToken())!;
  await tool.accounts.createFirstAdmin(token, ADMIN_EMAIL, ADMIN_PASSWORD);
  await tool.issuer.save({ name: 'Example University', url: 'https://www.example.edu', countryCode: 'NL', identifiers: [], qaBodyName: 'NVAO', qaBodyUrl: 'https://www.nvao.net', qaType: 'Institutional accreditation' } as never);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);
const abs = (action: string) => new URL(action, tool.base).toString();
const tokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
const sessionHash = (b: TestBrowser) => hashSessionId(b.cookie('mc_sid')!.value);
/** The form token the server keeps for this browser. */
const storedToken = async (b: TestBrowser) => (await q(`SELECT data->>'csrf' AS csrf FROM web_sessions WHERE sid = $1`, [sessionHash(b)]))[0]?.csrf as string | undefined;
const myWork = (p: Person) => `${p.base}/credentials/${credentialId}/my-work`;

/** A learner's my-work page with an attempt started: its evidence forms are open. */
async function startedAttempt(p: Person): Promise<Page> {
  const page = await p.browser.get(myWork(p));
  const start = /action="([^"]*\/start)"/.exec(page.body);
  if (!start) return page; // already started
  return p.browser.post(abs(start[1].replace(/&amp;/g, '&')), readForm(page.body, /\/start$/).fields);
}

/** The reflection form's address and hidden fields (it posts to the same /evidence address as the upload form). */
const reflectionForm = (page: Page) => {
  const form = readForm(page.body, /\/evidence$/);
  return { action: abs(form.action), fields: { ...form.fields, kind: 'reflection' } };
};

const reflections = (learnerId: number) =>
  q(`SELECT e.title, e.body FROM evidence_items e JOIN submissions s ON s.id = e.submission_id WHERE s.learner_id = $1 AND e.kind = 'reflection' ORDER BY e.id`, [learnerId]);

describe('a form in any tab of the same browser still saves', () => {
  it('after the learner opens microcred again in another tab (a newer launch)', async () => {
    const learner = await launchAs(tool, sim, 'learner');
    const tabA = reflectionForm(await startedAttempt(learner));
    // Tab B: the same person opens the activity again from the LMS, in the same browser.
    const tabB = await launch(tool, sim, 'learner', learner.browser);
    expect(tabB.page.status).toBe(200);
    expect(tabB.page.url).not.toBe(learner.base);

    const saved = await learner.browser.post(tabA.action, { ...tabA.fields, criterionId: 'crit-plan', title: 'Week 3', body: 'Typed in tab A while tab B launched.' });
    expect(saved.status).toBe(200);
    expect(text(saved.body)).toContain('Evidence added to your draft.');
    expect(await reflections(learner.userId)).toEqual([{ title: 'Week 3', body: 'Typed in tab A while tab B launched.' }]);
  });

  it('after the assessor opens microcred again in another tab while scoring', async () => {
    const learner2 = await launchAs(tool, sim, 'learner2');
    const submission = await submitComplete(tool, learner2, credentialId);
    const scoring = await teacher.browser.get(`${teacher.base}/assessments/${submission.id}`);
    const form = readForm(scoring.body, /\/decide$/);

    const tabB = await launch(tool, sim, 'instructor', teacher.browser);
    expect(tabB.page.status).toBe(200);

    const res = await teacher.browser.post(abs(form.action), { ...form.fields, 'level_crit-plan': 'plan-2', 'level_crit-publish': 'pub-2', overallComment: 'Add the archiving section.', identityMethod: 'lms-launch', decision: 'return' });
    expect(res.status).toBe(200);
    expect(text(res.body)).toContain('Returned for resubmission by Ada Teacher');
    expect((await q('SELECT status FROM submissions WHERE id = $1', [submission.id]))[0].status).toBe('returned');
  });
});

describe('pages opened at once share one working token', () => {
  const teacherPages = (base: string) => [base, `${base}/credentials`, `${base}/assessments/settings`, `${base}/grades`, `${base}/outcomes`, `${base}/quality/${credentialId}`];

  /** A teacher's launch up to the tool's redirect to its landing page, which is not loaded yet. */
  async function launchedNotLoaded(): Promise<{ browser: TestBrowser; base: string }> {
    const browser = new TestBrowser();
    const start = await startLogin(browser, tool, sim, 'instructor');
    const form = readForm((await browser.get(start.authUrl.toString())).body);
    const res = await browser.post(form.action, form.fields, false);
    expect(res.status).toBe(303);
    return { browser, base: abs(res.headers.get('location')!) };
  }

  async function sixAtOnce(b: TestBrowser, urls: string[]) {
    const pages = await Promise.all(urls.map((u) => b.get(u)));
    for (const p of pages) expect(p.status).toBe(200);
    const tokens = pages.map((p) => tokenOf(p.body));
    expect(tokens.every(Boolean)).toBe(true);
    return { pages, tokens };
  }

  it('right after a launch, the landing page among them', async () => {
    const fresh = await launchedNotLoaded();
    const { pages, tokens } = await sixAtOnce(fresh.browser, teacherPages(fresh.base));
    expect(new Set(tokens).size).toBe(1);
    expect(await storedToken(fresh.browser)).toBe(tokens[0]);
    // Forms from the first and the last page both save.
    const settings = readForm(pages[2].body, /\/settings$/);
    const saved = await fresh.browser.post(abs(settings.action), { ...settings.fields, _csrf: tokens[5]!, maxAttempts: '4', followUpMonths: '6' });
    expect(text(saved.body)).toContain('Settings saved.');
    const sync = readForm(pages[0].body, /\/roster\/sync$/);
    const synced = await fresh.browser.post(abs(sync.action), { ...sync.fields, _csrf: tokens[0]! });
    expect(synced.status).toBe(200);
  });

  it('for a stored session that has no token yet (one kept from before this version)', async () => {
    const fresh = await launchedNotLoaded();
    await q(`UPDATE web_sessions SET data = data - 'csrf' WHERE sid = $1`, [sessionHash(fresh.browser)]);
    const { tokens } = await sixAtOnce(fresh.browser, teacherPages(fresh.base));
    expect(new Set(tokens).size).toBe(1);
    expect(await storedToken(fresh.browser)).toBe(tokens[0]);
  });
});

describe('the admin console', () => {
  /** Signs in; with `follow` false, the console's first page is not loaded yet. */
  async function signIn(b: TestBrowser, follow = true) {
    const login = await b.get(`${tool.base}/admin/login`);
    const res = await b.post(`${tool.base}/admin/login`, { ...readForm(login.body, '/admin/login').fields, email: ADMIN_EMAIL, password: ADMIN_PASSWORD }, follow);
    if (follow) expect(res.url).toBe(`${tool.base}/admin`);
    else expect(res.headers.get('location')).toBe('/admin');
  }

  it('gives pages opened at once right after signing in one working token', async () => {
    const b = new TestBrowser();
    await signIn(b, false);
    const urls = ['/admin', '/admin/issuer', '/admin/platforms/new', '/admin/keys', '/admin/quality-policy', '/admin/credentials'].map((p) => `${tool.base}${p}`);
    const pages = await Promise.all(urls.map((u) => b.get(u)));
    const tokens = pages.map((p) => tokenOf(p.body));
    expect(tokens.every(Boolean)).toBe(true);
    expect(new Set(tokens).size).toBe(1);
    const policy = readForm(pages[4].body, '/admin/quality-policy');
    const saved = await b.post(`${tool.base}/admin/quality-policy`, { ...policy.fields, _csrf: tokens[0]!, title: 'Our QA policy', text: 'Every credential is reviewed yearly.' });
    expect(saved.url).toBe(`${tool.base}/admin/quality-policy?notice=saved`);
    expect((await tool.issuer.qaPolicy())?.title).toBe('Our QA policy');
  });
});
