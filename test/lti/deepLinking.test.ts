// Deep linking end to end over real HTTP with the simulated LMS: a teacher's
// LtiDeepLinkingRequest opens the picker, the choice goes back as a signed
// LtiDeepLinkingResponse the LMS verifies and turns into a link with a gradebook column,
// and launches of that link open the credential and remember the column once.
import { decodeJwt } from 'jose';
import { scoreMaximum } from '../../src/grades/gradebook';
import { contentItemFor } from '../../src/lti/deepLinking';
import { CredentialStore } from '../../src/credentials/store';
import { launchAs, type Person, publishCredential, submitForm, text } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { readableText, readForm, type Page, TestBrowser } from '../support/browser';
import { launch, startLogin } from '../support/launch';
import { placedLinkHint, type PlatformSimulator, USERS } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';
const DEEP_LINKING = { lti_message_hint: 'deep-linking' };

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let graded: number;
let passFail: number;
let draftOnly: number;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  graded = await publishCredential(tool, teacher, completeDefinition());
  passFail = await publishCredential(tool, teacher, {
    ...completeDefinition(),
    title: 'Lab Safety',
    gradeShown: false,
    workload: { hours: 10 },
    level: { qfEheaCycle: 'first-cycle' },
  });
  const draft = await new CredentialStore(tool.database.db).create(teacher.courseId, teacher.userId, {
    ...completeDefinition(),
    title: 'Unpublished Draft Credential',
  });
  draftOnly = draft.credentialId;
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});
afterEach(() => {
  sim.deepLinkingSettings = {};
});

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

/** The links in the page header's navigation, with aria-current="page" as `current`. */
function headerLinks(html: string): { href: string; label: string; current?: true }[] {
  const header = /<header class="top">([\s\S]*?)<\/header>/.exec(html)?.[1] ?? '';
  const nav = /<nav\b[^>]*>([\s\S]*?)<\/nav>/.exec(header)?.[1] ?? '';
  return [...nav.matchAll(/<a href="([^"]+)"([^>]*)>([\s\S]*?)<\/a>/g)].map((m) => ({
    href: m[1],
    label: text(m[3]).trim(),
    ...(/aria-current="page"/.test(m[2]) ? { current: true as const } : {}),
  }));
}

/** The "← …" link at the top of a page's content, back to where the person started. */
function backLink(html: string): string | undefined {
  const main = html.split('<main id="main">')[1] ?? '';
  return /<a href="([^"]+)">←/.exec(main)?.[1];
}

async function deepLinkLaunch(who: keyof typeof USERS = 'instructor'): Promise<{ page: Page; browser: TestBrowser }> {
  return launch(tool, sim, who, undefined, DEEP_LINKING);
}

/** Chooses a credential on the picker (its CSRF token from the page). */
async function pick(browser: TestBrowser, picker: Page, credentialId: number, fields: Record<string, string> = {}): Promise<Page> {
  const form = readForm(picker.body, /\/deep-linking$/);
  return browser.post(new URL(form.action, tool.base).toString(), { ...form.fields, credentialId: String(credentialId), ...fields });
}

const launchPlaced = (who: keyof typeof USERS, linkId: string) => launch(tool, sim, who, undefined, { lti_message_hint: placedLinkHint(linkId) });

describe('a teacher adds a micro-credential from the LMS', () => {
  let linkId: string;

  it('lists published credentials only, and the LMS verifies and keeps the chosen content item with its gradebook column', async () => {
    sim.deepLinkingSettings = { data: 'moodle-section-3' };
    const { page: picker, browser } = await deepLinkLaunch();
    expect(picker.status).toBe(200);
    expect(picker.url).toMatch(/\/app\/[^/]+\/deep-linking$/);
    // A tool added to Moodle by hand shares names and e-mail by "Delegate to teacher", which a
    // deep-linking request (no activity yet) does not follow: the teacher's, known from the
    // earlier launch, stay.
    expect(sim.launchClaims(USERS.instructor, 'n', 'LtiDeepLinkingRequest')).not.toHaveProperty('email');
    expect(await q('SELECT name, email FROM lti_users WHERE id = $1', [teacher.userId])).toEqual([
      { name: USERS.instructor.name, email: USERS.instructor.email },
    ]);
    const body = text(picker.body);
    expect(body).toContain('Research Data Management · version 1 · 3 ECTS · EQF level 7');
    expect(body).toContain('Lab Safety · version 1 · 10 hours · First cycle (bachelor level)');
    expect(body).not.toContain('Unpublished Draft Credential');
    expect(body).toContain('1 micro-credential is still a draft');
    expect(body).toContain('Create a new micro-credential');

    const ret = await pick(browser, picker, graded);
    expect(ret.status).toBe(200);
    expect(ret.body).toContain('src="/public/js/auto-submit.js"');
    expect(ret.body).toMatch(/<button type="submit">Continue<\/button>/);
    // The form posts to the LMS, so the CSP must allow that origin as a form target.
    expect(ret.headers.get('content-security-policy')).toMatch(new RegExp(`form-action [^;]*${sim.issuer.replace(/[.]/g, '\\.')}`));
    const form = readForm(ret.body, '/deeplink/return');
    expect(form.action).toBe(`${sim.issuer}/deeplink/return`);
    expect(Object.keys(form.fields)).toEqual(['JWT']);

    const payload = decodeJwt(form.fields.JWT);
    expect(payload[`${DL}data`]).toBe('moodle-section-3');
    expect(String(payload.nonce)).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const lms = await browser.post(form.action, form.fields);
    expect(lms.status).toBe(200);
    expect(sim.deepLinks).toHaveLength(1);
    expect(sim.deepLinks[0].items).toEqual([
      {
        type: 'ltiResourceLink',
        title: 'Research Data Management',
        text: expect.stringContaining('Plan, document and publish research data'),
        url: `${tool.base}/lti/launch`,
        custom: { microcred_credential: String(graded) },
        // rubricScoreRange: plan 0–3 (weight 1) + publish 0–4 (weight 2) = 11.
        lineItem: { scoreMaximum: 11, label: 'Research Data Management', resourceId: `microcred-credential-${graded}`, tag: 'microcred' },
        iframe: { height: 900 },
        window: { targetName: 'microcred' },
      },
    ]);
    const [placed] = [...sim.placedLinks.values()];
    linkId = placed.id;
    expect(sim.lineItems.get(placed.lineItemId!)).toEqual({
      id: placed.lineItemId,
      label: 'Research Data Management',
      scoreMaximum: 11,
      resourceId: `microcred-credential-${graded}`,
      tag: 'microcred',
      resourceLinkId: placed.id,
    });
  });

  it('signs each answer with a fresh random nonce, without data the LMS did not send; pass/fail credentials score out of 1', async () => {
    const { page: picker, browser } = await deepLinkLaunch();
    const nonces = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const payload = decodeJwt(readForm((await pick(browser, picker, passFail)).body, '/deeplink/return').fields.JWT);
      expect(String(payload.nonce)).toMatch(/^[A-Za-z0-9_-]{22}$/);
      nonces.add(String(payload.nonce));
      expect(payload).not.toHaveProperty(`${DL}data`);
      const [item] = payload[`${DL}content_items`] as { lineItem: { scoreMaximum: number } }[];
      expect(item.lineItem.scoreMaximum).toBe(1);
    }
    expect(nonces.size).toBe(2);
  });

  it('launching the placed link opens the learner’s work and the teacher’s credential page, and remembers the gradebook column once', async () => {
    const link = sim.placedLinks.get(linkId)!;
    const learner = await launchPlaced('learner', linkId);
    expect(learner.page.status).toBe(200);
    expect(learner.page.url).toMatch(new RegExp(`/app/[^/]+/credentials/${graded}/my-work$`));
    const staff = await launchPlaced('instructor', linkId);
    expect(staff.page.status).toBe(200);
    expect(staff.page.url).toMatch(new RegExp(`/app/[^/]+/credentials/${graded}$`));
    await launchPlaced('learner', linkId);

    const rows = await q('SELECT course_id, credential_id, url, source FROM line_items');
    expect(rows).toEqual([{ course_id: teacher.courseId, credential_id: graded, url: link.lineItemId, source: 'launch' }]);
    const [session] = await q(`SELECT claims->'custom' AS custom FROM launch_sessions ORDER BY created_at DESC LIMIT 1`);
    expect(session.custom).toEqual({ microcred_credential: String(graded) });
  });
});

it('refuses learners a deep-linking launch with a 403 that says why', async () => {
  const { page } = await deepLinkLaunch('learner');
  expect(page.status).toBe(403);
  expect(text(page.body)).toContain('Only the course’s teachers can add micro-credentials to the course in the LMS.');
  expect(page.body).not.toContain('name="credentialId"');
});

it('needs the CSRF token to choose, and refuses drafts and unknown credentials', async () => {
  const before = sim.deepLinks.length;
  const { page: picker, browser } = await deepLinkLaunch();
  const noToken = await pick(browser, picker, graded, { _csrf: '' });
  expect(noToken.status).toBe(403);
  expect(text(noToken.body)).toContain('This form has expired or did not come from this site.');
  expect(noToken.body).not.toContain('name="JWT"');
  expect((await pick(browser, picker, draftOnly)).status).toBe(404);
  expect((await pick(browser, picker, 999999)).status).toBe(404);
  expect((await pick(browser, picker, Number.NaN)).status).toBe(404);
  expect(sim.deepLinks).toHaveLength(before);
});

it('says clearly when the LMS does not accept tool links here, and sends nothing', async () => {
  sim.deepLinkingSettings = { accept_types: ['link', 'file'] };
  const { page: picker, browser } = await deepLinkLaunch();
  expect(picker.status).toBe(200);
  expect(text(picker.body)).toContain('Your LMS does not accept tool links here');
  expect(text(picker.body)).toContain('It accepts: link, file.');
  expect(picker.body).not.toContain('name="credentialId"');
  // A crafted post is refused as well.
  const csrf = readForm(picker.body, /\/credentials$/).fields._csrf;
  const res = await browser.post(`${picker.url}`, { _csrf: csrf, credentialId: String(graded) });
  expect(res.status).toBe(422);
  expect(res.body).not.toContain('name="JWT"');
});

it('"Create a new micro-credential" starts a draft through the usual credential page', async () => {
  const { page: picker, browser } = await deepLinkLaunch();
  const form = readForm(picker.body, /\/credentials$/);
  const created = await browser.post(new URL(form.action, tool.base).toString(), form.fields);
  expect(created.status).toBe(200);
  expect(created.url).toMatch(/\/credentials\/\d+\/edit$/);
  // Back to the picker from the page header, however often: it is what this launch is for.
  const launchPath = new URL(created.url).pathname.replace(/\/credentials\/.*$/, '');
  expect(headerLinks(created.body)).toEqual([
    { href: `${launchPath}/deep-linking`, label: 'Add to the course' },
    { href: `${launchPath}/dashboard`, label: 'Course dashboard' },
  ]);
  for (let i = 0; i < 2; i++) expect((await browser.get(`${tool.base}${launchPath}`)).url).toMatch(/\/deep-linking$/);
  const picker2 = await browser.get(`${tool.base}${launchPath}/deep-linking`);
  expect(headerLinks(picker2.body)[0]).toEqual({ href: `${launchPath}/deep-linking`, label: 'Add to the course', current: true });
  // And the course dashboard has its own address, for the roster and the rest.
  const dashboard = await browser.get(`${tool.base}${launchPath}/dashboard`);
  expect(dashboard.status).toBe(200);
  expect(text(dashboard.body)).toContain('Learners and their progress');
});

it('a link to a credential that is not published, or not of this course, shows the normal landing page', async () => {
  sim.placedLinks.set('rl-draft', {
    id: 'rl-draft',
    title: 'Draft',
    custom: { microcred_credential: String(draftOnly) },
    lineItemId: `${sim.issuer}/ags/${sim.context.id}/lineitems/98`,
  });
  sim.placedLinks.set('rl-other', {
    id: 'rl-other',
    title: 'Other course',
    custom: { microcred_credential: '999999' },
    lineItemId: `${sim.issuer}/ags/${sim.context.id}/lineitems/99`,
  });
  const learnerDraft = await launchPlaced('learner', 'rl-draft');
  expect(learnerDraft.page.status).toBe(200);
  expect(learnerDraft.page.url).toMatch(/\/app\/[^/]+$/);
  expect(text(learnerDraft.page.body)).toContain('My credentials');
  // Teachers see drafts, so they still go to its page.
  expect((await launchPlaced('instructor', 'rl-draft')).page.url).toMatch(new RegExp(`/credentials/${draftOnly}$`));
  const other = await launchPlaced('instructor', 'rl-other');
  expect(other.page.url).toMatch(/\/app\/[^/]+$/);
  // Only credentials of this course get a line item row: the draft's does (it is one), 999999 not.
  const rows = await q('SELECT credential_id FROM line_items ORDER BY credential_id');
  expect(rows.map((r) => r.credential_id)).toEqual([graded, draftOnly].sort((a, b) => a - b));
});

it('builds the content item from the settings: presentation only where accepted, pass/fail without a shown grade', () => {
  const def = completeDefinition();
  const settings = { deep_link_return_url: 'https://lms.example/return', accept_types: ['ltiResourceLink'] };
  const item = contentItemFor(7, def, settings, 'https://microcred.example.edu');
  expect(item).not.toHaveProperty('iframe');
  expect(item).not.toHaveProperty('window');
  expect(item.url).toBe('https://microcred.example.edu/lti/launch');
  expect(item.custom).toEqual({ microcred_credential: '7' });
  expect(item.lineItem).toEqual({ scoreMaximum: 11, label: 'Research Data Management', resourceId: 'microcred-credential-7', tag: 'microcred' });
  expect(item.text.length).toBeLessThanOrEqual(280);
  expect(scoreMaximum({ ...def, gradeShown: false })).toBe(1);
  expect(scoreMaximum({ ...def, rubric: { criteria: [] } })).toBe(1);
});

describe('from a deep-linked activity (Moodle 4.5), the course dashboard stays reachable', () => {
  let activity: string;
  beforeAll(async () => {
    // The teacher places the activity through deep linking, as in Moodle's activity chooser.
    const { page: picker, browser } = await deepLinkLaunch();
    const form = readForm((await pick(browser, picker, graded)).body, '/deeplink/return');
    expect((await browser.post(form.action, form.fields)).status).toBe(200);
    activity = [...sim.placedLinks.values()].at(-1)!.id;
  });

  it('the teacher lands on the credential, then the header reaches the dashboard: roster sync with its confirmation, grades, quality, and back', async () => {
    expect(sim.profile.name).toBe('moodle-4.5');
    const { page: first, browser } = await launchPlaced('instructor', activity);
    expect(first.status).toBe(200);
    expect(first.url).toMatch(new RegExp(`/app/[^/]+/credentials/${graded}$`));
    const launchPath = new URL(first.url).pathname.replace(/\/credentials\/.*$/, '');
    const dashboardPath = `${launchPath}/dashboard`;
    expect(headerLinks(first.body)).toEqual([{ href: dashboardPath, label: 'Course dashboard' }]);

    const dashboard = await browser.get(`${tool.base}${dashboardPath}`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.url).toBe(`${tool.base}${dashboardPath}`);
    expect(text(dashboard.body)).toContain('Micro-credentials in this course');
    expect(headerLinks(dashboard.body)).toEqual([{ href: dashboardPath, label: 'Course dashboard', current: true }]);

    // The roster sync from there, and its confirmation on the dashboard.
    const synced = await submitForm(tool, browser, dashboard, '/roster/sync');
    expect(synced.status).toBe(200);
    expect(new URL(synced.url).pathname).toBe(dashboardPath);
    expect(text(synced.body)).toMatch(/Roster synced from the LMS: \d+ people in the course/);

    // Every page the dashboard links to is reachable, and its "back" link returns to the dashboard.
    for (const [page, back] of [
      ['/grades', 'Course dashboard'],
      ['/quality', 'Course dashboard'],
      ['/credentials', 'Course dashboard'],
      ['/outcomes', 'Course dashboard'],
      ['/assessments', 'Course dashboard'],
      ['/badges/issued', 'Course dashboard'],
    ]) {
      expect(dashboard.body).toContain(`href="${launchPath}${page}"`);
      const res = await browser.get(`${tool.base}${launchPath}${page}`);
      expect({ page, status: res.status, url: res.url }).toEqual({ page, status: 200, url: `${tool.base}${launchPath}${page}` });
      expect({ page, back: backLink(res.body) }).toEqual({ page, back: dashboardPath });
      expect(readableText(res.body)).toContain(`← ${back}`);
      expect(res.body).not.toContain(`href="${launchPath}"`);
    }

    // The launch's own address no longer sends the teacher back to the credential.
    const again = await browser.get(`${tool.base}${launchPath}`, false);
    expect(again.status).toBe(200);
    expect(text(again.body)).toContain('Micro-credentials in this course');
  });

  it('a learner lands on their work, then the header’s "My credentials" is their dashboard', async () => {
    const { page: first, browser } = await launchPlaced('learner', activity);
    expect(first.url).toMatch(new RegExp(`/app/[^/]+/credentials/${graded}/my-work$`));
    const launchPath = new URL(first.url).pathname.replace(/\/credentials\/.*$/, '');
    // Learners' header: their dashboard, and My pathways (issue 18).
    expect(headerLinks(first.body)).toEqual([
      { href: `${launchPath}/dashboard`, label: 'My credentials' },
      { href: `${launchPath}/pathways`, label: 'My pathways' },
    ]);
    const mine = await browser.get(`${tool.base}${launchPath}/dashboard`);
    expect(mine.status).toBe(200);
    expect(mine.body).toContain('<h1>My credentials</h1>');
    expect(text(mine.body)).toContain('Research Data Management');
    const badges = await browser.get(`${tool.base}${launchPath}/badges`);
    expect(backLink(badges.body)).toBe(`${launchPath}/dashboard`);
    const again = await browser.get(`${tool.base}${launchPath}`, false);
    expect(again.status).toBe(200);
    expect(again.body).toContain('<h1>My credentials</h1>');
  });

  it('two first requests of the landing at once (two tabs, two processes) redirect exactly once', async () => {
    const browser = new TestBrowser();
    const start = await startLogin(browser, tool, sim, 'instructor', { lti_message_hint: placedLinkHint(activity) });
    const form = readForm((await browser.get(start.authUrl.toString())).body);
    const launched = await browser.post(form.action, form.fields, false);
    expect(launched.status).toBe(303);
    const landing = new URL(launched.headers.get('location')!, tool.base).toString();
    const both = await Promise.all([browser.get(landing, false), browser.get(landing, false)]);
    const [redirected, rendered] = [...both].sort((a, b) => b.status - a.status);
    expect([redirected.status, rendered.status]).toEqual([303, 200]);
    expect(redirected.headers.get('location')).toMatch(new RegExp(`/credentials/${graded}$`));
    expect(text(rendered.body)).toContain('Micro-credentials in this course');
    // Reloading the credential page the first landing opened shows it again; the landing stays the dashboard.
    expect((await browser.get(new URL(redirected.headers.get('location')!, tool.base).toString(), false)).status).toBe(200);
    expect((await browser.get(landing, false)).status).toBe(200);
  });
});
