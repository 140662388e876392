// Issue 12 item 4: forms keep working in every tab of one browser, across new launches and
// first page loads at once; a form whose token really is stale comes back with everything
// typed and a fresh token. Real PostgreSQL, launches from the simulated Moodle over HTTP.
// One TestBrowser is one browser (one cookie jar); its "tabs" are pages it loaded earlier.
import { hashSessionId } from '../../src/web/session';
import { launchAs, PDF, type Person, publishCredential, submitComplete, text } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { type Page, readableText, readForm, TestBrowser } from '../support/browser';
import { launch, startLogin } from '../support/launch';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { ISSUER_WITH_QA_BODY } from '../support/issuerProfiles';

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
  await tool.issuer.save(ISSUER_WITH_QA_BODY);
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
const storedToken = async (b: TestBrowser) =>
  (await q(`SELECT data->>'csrf' AS csrf FROM web_sessions WHERE sid = $1`, [sessionHash(b)]))[0]?.csrf as string | undefined;
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
  q(
    `SELECT e.title, e.body FROM evidence_items e JOIN submissions s ON s.id = e.submission_id WHERE s.learner_id = $1 AND e.kind = 'reflection' ORDER BY e.id`,
    [learnerId],
  );

describe('a form in any tab of the same browser still saves', () => {
  it('after the learner opens microcred again in another tab (a newer launch)', async () => {
    const learner = await launchAs(tool, sim, 'learner');
    const tabA = reflectionForm(await startedAttempt(learner));
    // Tab B: the same person opens the activity again from the LMS, in the same browser.
    const tabB = await launch(tool, sim, 'learner', learner.browser);
    expect(tabB.page.status).toBe(200);
    expect(tabB.page.url).not.toBe(learner.base);

    const saved = await learner.browser.post(tabA.action, {
      ...tabA.fields,
      criterionId: 'crit-plan',
      title: 'Week 3',
      body: 'Typed in tab A while tab B launched.',
    });
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

    const res = await teacher.browser.post(abs(form.action), {
      ...form.fields,
      'level_crit-plan': 'plan-2',
      'level_crit-publish': 'pub-2',
      overallComment: 'Add the archiving section.',
      identityMethod: 'lms-launch',
      decision: 'return',
    });
    expect(res.status).toBe(200);
    expect(text(res.body)).toContain('Returned for resubmission by Ada Teacher');
    expect((await q('SELECT status FROM submissions WHERE id = $1', [submission.id]))[0].status).toBe('returned');
  });
});

describe('pages opened at once share one working token', () => {
  const teacherPages = (base: string) => [
    base,
    `${base}/credentials`,
    `${base}/assessments/settings`,
    `${base}/grades`,
    `${base}/outcomes`,
    `${base}/quality/${credentialId}`,
  ];

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

describe('a form whose token really is stale', () => {
  let learner: Person;
  beforeAll(async () => {
    learner = await launchAs(tool, sim, 'learner');
  });

  // The server no longer accepts the token this page carries (as after a session the server lost).
  const forgetToken = (b: TestBrowser) =>
    q(`UPDATE web_sessions SET data = jsonb_set(data, '{csrf}', to_jsonb('replaced-' || md5(random()::text))) WHERE sid = $1`, [sessionHash(b)]);

  it('comes back with everything typed and a fresh token; sending it again saves', async () => {
    const form = reflectionForm(await startedAttempt(learner));
    const before = await reflections(learner.userId);
    await forgetToken(learner.browser);
    const body = 'Line one with <b>markup</b> & "quotes".\r\nLine two, after a line break.';
    const refused = await learner.browser.post(form.action, { ...form.fields, criterionId: 'crit-plan', title: 'Stale but kept', body });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('CSRF_TOKEN_INVALID');
    const shown = readableText(refused.body);
    expect(shown).toContain('Nothing was saved yet');
    expect(shown).toContain('Stale but kept');
    expect(shown).toContain('Line one with <b>markup</b> & "quotes".');
    expect(refused.body).not.toContain('<b>markup</b>'); // shown as text, never as markup
    expect(await reflections(learner.userId)).toEqual(before);

    // The page's own form re-posts every value to the same address, with the session's token.
    const again = readForm(refused.body, form.action.replace(tool.base, ''));
    expect(abs(again.action)).toBe(form.action);
    expect(again.fields).toEqual({ ...form.fields, _csrf: await storedToken(learner.browser), criterionId: 'crit-plan', title: 'Stale but kept', body });
    // Never sent by itself: no script on the page submits it.
    expect(refused.body).not.toMatch(/<script/);

    const saved = await learner.browser.post(abs(again.action), again.fields);
    expect(saved.status).toBe(200);
    expect(text(saved.body)).toContain('Evidence added to your draft.');
    expect(await reflections(learner.userId)).toEqual([...before, { title: 'Stale but kept', body }]);
  });

  it('with a file: says to choose the file again, and offers the field for it', async () => {
    const page = await startedAttempt(learner);
    const upload = readForm(page.body, /\/evidence$/);
    await forgetToken(learner.browser);
    const refused = await learner.browser.upload(
      abs(upload.action),
      { ...upload.fields, criterionId: 'crit-plan', title: 'My plan (PDF)' },
      { filename: 'dmp.pdf', content: PDF, type: 'application/pdf' },
    );
    expect(refused.status).toBe(403);
    const shown = text(refused.body);
    expect(shown).toContain('My plan (PDF)');
    expect(shown).toContain('Files are not kept on this page');
    expect(shown).toContain('dmp.pdf');
    expect(refused.body).toMatch(/<form method="post" action="[^"]*\/evidence" enctype="multipart\/form-data"/);
    expect(refused.body).toMatch(/<input[^>]*type="file"[^>]*name="file"/);

    const again = readForm(refused.body, /\/evidence$/);
    expect(again.fields).toMatchObject({ kind: 'file', criterionId: 'crit-plan', title: 'My plan (PDF)', _csrf: await storedToken(learner.browser) });
    const saved = await learner.browser.upload(abs(again.action), again.fields, { filename: 'dmp.pdf', content: PDF, type: 'application/pdf' });
    expect(saved.status).toBe(200);
    expect(text(saved.body)).toContain('Evidence added to your draft.');
    expect(
      (
        await q(
          `SELECT count(*)::int AS n FROM evidence_items e JOIN submissions s ON s.id = e.submission_id WHERE s.learner_id = $1 AND e.title = 'My plan (PDF)'`,
          [learner.userId],
        )
      )[0].n,
    ).toBe(1);
  });

  it('sent from another site: refused, and nothing is echoed or offered to send again', async () => {
    const form = reflectionForm(await startedAttempt(learner));
    await forgetToken(learner.browser);
    const forged = await learner.browser.request(form.action, {
      form: { ...form.fields, criterionId: 'crit-plan', title: 'Forged', body: 'Forged by another site' },
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('CSRF_TOKEN_INVALID');
    expect(forged.body).not.toContain('Forged by another site');
    expect(forged.body).not.toMatch(/<form[^>]*\/evidence"/);
  });

  it('when the launch itself has ended: refused, with what was typed to copy', async () => {
    const other = await launchAs(tool, sim, 'learner');
    const form = reflectionForm(await startedAttempt(other));
    await q(`UPDATE launch_sessions SET expires_at = now() - interval '1 minute' WHERE id = $1`, [other.base.split('/app/')[1]]);
    const refused = await other.browser.post(form.action, { ...form.fields, criterionId: 'crit-plan', title: 'Late', body: 'An hour of careful writing.' });
    expect(refused.status).toBe(401);
    expect(refused.body).toContain('LAUNCH_SESSION_INVALID');
    expect(text(refused.body)).toContain('An hour of careful writing.');
    // The address is gone: no form sends it there again.
    expect(refused.body).not.toMatch(/<form[^>]*\/evidence"/);
    // An upload is read here too (the route never got to it): its fields shown, its file named.
    const upload = await other.browser.upload(
      form.action,
      { ...form.fields, kind: 'file', criterionId: 'crit-plan', title: 'Plan, late' },
      { filename: 'late-plan.pdf', content: PDF, type: 'application/pdf' },
    );
    expect(upload.status).toBe(401);
    expect(readableText(upload.body)).toContain('Plan, late');
    expect(readableText(upload.body)).toContain('Files are not kept on this page');
    expect(readableText(upload.body)).toContain('late-plan.pdf');
  });

  it('a token from another browser is still refused', async () => {
    const mine = reflectionForm(await startedAttempt(learner));
    const stranger = await launchAs(tool, sim, 'learner2');
    const theirs = tokenOf((await stranger.browser.get(myWork(stranger))).body);
    expect(theirs).toBeTruthy();
    const before = await reflections(learner.userId);
    const res = await learner.browser.post(mine.action, { ...mine.fields, _csrf: theirs!, criterionId: 'crit-plan', title: 'With a foreign token', body: 'x' });
    expect(res.status).toBe(403);
    expect(res.body).toContain('CSRF_TOKEN_INVALID');
    expect(await reflections(learner.userId)).toEqual(before);
  });
});

describe('the admin console', () => {
  /** Signs in; with `follow` false, the console's first page is not loaded yet. */
  async function signIn(b: TestBrowser, follow = true) {
    const login = await b.get(`${tool.base}/admin/login`);
    const res = await b.post(
      `${tool.base}/admin/login`,
      { ...readForm(login.body, '/admin/login').fields, email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
      follow,
    );
    if (follow) expect(res.url).toBe(`${tool.base}/admin`);
    else expect(res.headers.get('location')).toBe('/admin');
  }

  it('gives pages opened at once right after signing in one working token', async () => {
    const b = new TestBrowser();
    await signIn(b, false);
    const urls = ['/admin', '/admin/issuer', '/admin/platforms/new', '/admin/keys', '/admin/quality-policy', '/admin/credentials'].map(
      (p) => `${tool.base}${p}`,
    );
    const pages = await Promise.all(urls.map((u) => b.get(u)));
    const tokens = pages.map((p) => tokenOf(p.body));
    expect(tokens.every(Boolean)).toBe(true);
    expect(new Set(tokens).size).toBe(1);
    const policy = readForm(pages[4].body, '/admin/quality-policy');
    const saved = await b.post(`${tool.base}/admin/quality-policy`, {
      ...policy.fields,
      _csrf: tokens[0]!,
      title: 'Our QA policy',
      text: 'Every credential is reviewed yearly.',
    });
    expect(saved.url).toBe(`${tool.base}/admin/quality-policy?notice=saved`);
    expect((await tool.issuer.qaPolicy())?.title).toBe('Our QA policy');
  });

  it('brings a form back after signing in again in another tab, and saves it on the click', async () => {
    const b = new TestBrowser();
    await signIn(b);
    const [{ id }] = await q('SELECT id FROM platforms ORDER BY id LIMIT 1');
    const edit = await b.get(`${tool.base}/admin/platforms/${id}/edit`);
    const form = readForm(edit.body, `/admin/platforms/${id}`);
    const reg = sim.registration();
    // Tab B: signs out and in again (a new session, so a new token).
    await b.post(`${tool.base}/admin/logout`, readForm((await b.get(`${tool.base}/admin`)).body, '/admin/logout').fields);
    await signIn(b);

    const typed = {
      name: 'Moodle (renamed in tab A)',
      lmsFamily: 'moodle',
      issuer: reg.issuer,
      clientId: reg.clientId,
      authLoginUrl: reg.authLoginUrl,
      accessTokenUrl: reg.accessTokenUrl,
      jwksUrl: reg.jwksUrl,
      deploymentIds: `${sim.deploymentId}\ndep-extra`,
    };
    const refused = await b.post(abs(form.action), { ...form.fields, ...typed });
    expect(refused.status).toBe(403);
    expect(text(refused.body)).toContain('Moodle (renamed in tab A)');
    const again = readForm(refused.body, `/admin/platforms/${id}`);
    expect(again.fields).toEqual({ _csrf: await storedToken(b), ...typed });
    const saved = await b.post(abs(again.action), again.fields);
    expect(saved.url).toBe(`${tool.base}/admin?notice=saved`);
    expect((await q('SELECT name FROM platforms WHERE id = $1', [id]))[0].name).toBe('Moodle (renamed in tab A)');
  });

  it('keeps a form through an expired session: sent again after signing in again in another tab, it saves', async () => {
    const b = new TestBrowser();
    await signIn(b);
    const [{ id }] = await q('SELECT id FROM platforms ORDER BY id LIMIT 1');
    const path = `/admin/platforms/${id}`;
    const form = readForm((await b.get(`${tool.base}${path}/edit`)).body, path);
    const reg = sim.registration();
    const typed = {
      name: 'Moodle (kept through sign-in)',
      lmsFamily: 'moodle',
      issuer: reg.issuer,
      clientId: reg.clientId,
      authLoginUrl: reg.authLoginUrl,
      accessTokenUrl: reg.accessTokenUrl,
      jwksUrl: reg.jwksUrl,
      deploymentIds: sim.deploymentId,
    };
    await q('DELETE FROM web_sessions WHERE sid = $1', [sessionHash(b)]);

    // Each refusal gives the form back with what was typed, until it saves.
    let res = await b.post(abs(form.action), { ...form.fields, ...typed });
    expect(res.status).toBe(403);
    expect(res.body).toContain('CSRF_TOKEN_INVALID');
    res = await b.post(abs(path), readForm(res.body, path).fields);
    expect(res.status).toBe(403);
    expect(res.body).toContain('NOT_SIGNED_IN');
    expect(readableText(res.body)).toContain('Sign in again in a new tab of this browser');
    expect(readableText(res.body)).toContain('Moodle (kept through sign-in)');
    const pending = readForm(res.body, path);
    await signIn(b); // in another tab: a new session, so a new token
    res = await b.post(abs(path), pending.fields);
    expect(res.status).toBe(403);
    expect(res.body).toContain('CSRF_TOKEN_INVALID');
    res = await b.post(abs(path), readForm(res.body, path).fields);
    expect(res.url).toBe(`${tool.base}/admin?notice=saved`);
    expect((await q('SELECT name FROM platforms WHERE id = $1', [id]))[0].name).toBe('Moodle (kept through sign-in)');
  });

  it('never echoes a password: the sign-in form comes back with the email and an empty password field', async () => {
    const b = new TestBrowser();
    const login = await b.get(`${tool.base}/admin/login`);
    // The session behind the page has expired.
    await q('DELETE FROM web_sessions WHERE sid = $1', [sessionHash(b)]);
    const refused = await b.post(`${tool.base}/admin/login`, { ...readForm(login.body, '/admin/login').fields, email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    expect(refused.status).toBe(403);
    expect(refused.body).not.toContain(ADMIN_PASSWORD);
    expect(text(refused.body)).toContain(ADMIN_EMAIL);
    expect(refused.body).toMatch(/<input[^>]*type="password"[^>]*name="password"/);
    const again = readForm(refused.body, '/admin/login');
    expect(again.fields.password).toBe('');
    const signedIn = await b.post(abs(again.action), { ...again.fields, password: ADMIN_PASSWORD });
    expect(signedIn.url).toBe(`${tool.base}/admin`);
  });
});
