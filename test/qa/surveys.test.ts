// Learner surveys (issue 7) on real PostgreSQL through the simulated LMS: the survey right
// after an award, the follow-up months later (in the launch and on the badge's public page
// with the holder code), anonymity of stored answers, asking once, bad input, and who may
// open whose survey. The form validation and the holder code are also tested on their own.
import { randomBytes } from 'node:crypto';
import { holderCode, holderCodeMatches, normaliseHolderCode, SurveyStore } from '../../src/qa/surveys';
import { COMMENT_MAX, monthsOn, parseSurveyForm, surveyPrompt } from '../../src/qa/surveyForm';
import { completeDefinition } from '../credentials/fixtures';
import { acceptComplete, launchAs, type Person, publishCredential, submitForm, text, until } from '../assessment/support';
import { type Page, readForm, TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { ISSUER_WITH_QA_POLICY_URL } from '../support/issuerProfiles';

describe('the survey form (pure)', () => {
  it('accepts any subset of answers and keeps blank questions as null', () => {
    const r = parseSurveyForm('award', { satisfaction: '4', relevance: '', recommend: '10', comment: '  Good.  ' });
    expect(r).toEqual({
      ok: true,
      answers: { satisfaction: 4, relevance: null, recommend: 10, applied: null, comment: 'Good.' },
      values: { satisfaction: '4', relevance: '', recommend: '10', comment: '  Good.  ' },
    });
    expect(parseSurveyForm('award', { comment: 'Only a comment' }).ok).toBe(true);
    expect(parseSurveyForm('award', { recommend: '0' })).toMatchObject({ ok: true, answers: { recommend: 0 } });
  });

  it('asks the follow-up only whether the learning was applied, and ignores other questions', () => {
    const r = parseSurveyForm('follow-up', { applied: '5', satisfaction: '1' });
    expect(r).toMatchObject({ ok: true, answers: { applied: 5, satisfaction: null } });
    expect(parseSurveyForm('follow-up', { satisfaction: '3' })).toMatchObject({
      ok: false,
      errors: { _form: expect.stringContaining('Answer at least one question') },
    });
  });

  it('refuses values off the scale with a message that says what was sent and what is allowed', () => {
    const r = parseSurveyForm('award', { satisfaction: '6', relevance: '0', recommend: '11', comment: 'kept' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.satisfaction).toBe('“6” is not on this scale. Choose a whole number from 1 (very dissatisfied) to 5 (very satisfied), or “No answer”.');
    expect(r.errors.relevance).toContain('from 1 (not relevant) to 5');
    expect(r.errors.recommend).toContain('from 0 (not at all likely) to 10');
    expect(r.values).toMatchObject({ satisfaction: '6', relevance: '0', recommend: '11', comment: 'kept' });
    for (const bad of ['3.5', '-1', 'abc', '1e1', '٣']) expect(parseSurveyForm('award', { satisfaction: bad }).ok).toBe(false);
  });

  it('needs at least one answer; whitespace is not one', () => {
    for (const body of [{}, { satisfaction: '', comment: '   ' }]) {
      const r = parseSurveyForm('award', body);
      expect(r).toMatchObject({
        ok: false,
        errors: { _form: 'Answer at least one question before sending. If you would rather not answer, choose “No thanks”.' },
      });
    }
  });

  it('limits the comment to 2,000 characters and keeps it for correcting', () => {
    expect(parseSurveyForm('award', { comment: 'x'.repeat(COMMENT_MAX) }).ok).toBe(true);
    const r = parseSurveyForm('award', { comment: 'x'.repeat(3000) });
    expect(r).toMatchObject({ ok: false, errors: { comment: 'Keep your comment to 2,000 characters; it has 3,000. Shorten it and send again.' } });
    expect(r.values.comment).toHaveLength(3000);
  });

  it('takes the last of repeated fields and ignores non-text values', () => {
    expect(parseSurveyForm('award', { satisfaction: ['1', '5'] })).toMatchObject({ ok: true, answers: { satisfaction: 5 } });
    expect(parseSurveyForm('award', { satisfaction: { $gt: 1 } as never, comment: 'x' })).toMatchObject({ ok: true, answers: { satisfaction: null } });
  });

  it('words the invitations with the real number of months', () => {
    expect(surveyPrompt('award', 'Data Skills', 6)).toBe('Tell us about Data Skills — 1 minute, optional');
    expect(surveyPrompt('follow-up', 'Data Skills', 6)).toBe('Six months on: have you used what you learned in Data Skills?');
    expect(monthsOn(1)).toBe('One month on');
    expect(monthsOn(18)).toBe('18 months on');
  });
});

describe('the holder code (pure)', () => {
  const key = randomBytes(32);
  const uuid = '0b0f7d9e-6c1a-4a8e-9a57-2f4f0d1c9e11';

  it('is 12 base32 characters, stable for a badge and different for another badge or key', () => {
    const code = holderCode(key, uuid);
    expect(code).toMatch(/^[A-Z2-7]{12}$/);
    expect(holderCode(key, uuid)).toBe(code);
    expect(holderCode(key, '0b0f7d9e-6c1a-4a8e-9a57-2f4f0d1c9e12')).not.toBe(code);
    expect(holderCode(randomBytes(32), uuid)).not.toBe(code);
  });

  it('matches what a person types regardless of case, spaces and dashes, and nothing else', () => {
    const code = holderCode(key, uuid);
    const typed = `${code.slice(0, 4).toLowerCase()}-${code.slice(4, 8)} ${code.slice(8)}`;
    expect(normaliseHolderCode(typed)).toBe(code);
    expect(holderCodeMatches(key, uuid, typed)).toBe(true);
    expect(holderCodeMatches(key, uuid, code.slice(0, 11))).toBe(false);
    expect(holderCodeMatches(key, uuid, `${code}A`)).toBe(false);
    expect(holderCodeMatches(key, uuid, undefined)).toBe(false);
    expect(holderCodeMatches(key, uuid, [code])).toBe(false);
    expect(holderCodeMatches(randomBytes(32), uuid, code)).toBe(false);
  });
});

describe('learner surveys', () => {
  let tool: TestTool;
  let sim: PlatformSimulator;
  let teacher: Person;
  let learner: Person;
  let learner2: Person;

  beforeAll(async () => {
    tool = await startTestTool();
    sim = await connectLms(tool, 'moodle-4.5');
    teacher = await launchAs(tool, sim, 'instructor');
    learner = await launchAs(tool, sim, 'learner');
    learner2 = await launchAs(tool, sim, 'learner2');
    await tool.issuer.save(ISSUER_WITH_QA_POLICY_URL);
  });
  afterAll(async () => {
    await tool?.stop();
    await sim?.stop();
  });

  const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);
  const thisMonth = () => new Date().toISOString().slice(0, 7);

  /** The learner earns a fresh credential with this title: its award. */
  async function earn(title: string, who = learner) {
    const credentialId = await publishCredential(tool, teacher, {
      ...completeDefinition(),
      title,
      supervisionType: 'unsupervised with no identity verification',
    });
    const award = await acceptComplete(tool, teacher, who, credentialId);
    return { credentialId, award };
  }
  const surveyUrl = (who: Person, awardId: number, kind: 'award' | 'follow-up') => `${who.base}/surveys/${awardId}/${kind}`;
  /** Posts the survey form of `page` with these answers. */
  const answer = (who: Person, page: Page, awardId: number, kind: 'award' | 'follow-up', answers: Record<string, string>) =>
    submitForm(tool, who.browser, page, new RegExp(`/surveys/${awardId}/${kind}$`), answers);
  const responses = (credentialId: number) => q('SELECT * FROM survey_responses WHERE credential_id = $1 ORDER BY id', [credentialId]);

  it('asks right after the award, stores the answers without identity, and asks once', async () => {
    const { credentialId, award } = await earn('Data Stewardship');
    let landing = await learner.browser.get(learner.base);
    expect(text(landing.body)).toContain('Tell us about Data Stewardship — 1 minute, optional');
    expect(text(landing.body)).not.toContain('months on');
    // The learner's page of the credential links to it too.
    const myWork = await learner.browser.get(`${learner.base}/credentials/${credentialId}/my-work`);
    expect(myWork.body).toContain(`/surveys/${award.id}/award"`);

    const form = await learner.browser.get(surveyUrl(learner, award.id, 'award'));
    expect(form.status).toBe(200);
    expect(form.body).toMatch(/<fieldset>\s*<legend>How satisfied are you with this micro-credential\?<\/legend>/);
    expect(form.body).toContain('<legend>How likely are you to recommend it to a friend or colleague?</legend>');
    for (let n = 0; n <= 10; n++) expect(form.body).toContain(`name="recommend" value="${n}"`);
    expect(form.body).not.toContain('name="satisfaction" value="0"');
    expect(text(form.body)).toContain('Your answers are stored without your name and are only shown to the course’s teachers in totals of 5 or more answers.');
    expect(form.body).toContain('name="_csrf"');

    landing = await answer(learner, form, award.id, 'award', { satisfaction: '4', relevance: '5', recommend: '9', comment: 'Clear rubric.' });
    expect(landing.url).toBe(`${learner.base}/dashboard?survey=thanks`);
    expect(text(landing.body)).toContain('Thank you for your answers.');
    expect(text(landing.body)).not.toContain('Tell us about Data Stewardship');
    expect((await learner.browser.get(`${learner.base}/credentials/${credentialId}/my-work`)).body).not.toContain(`/surveys/${award.id}/award"`);

    // The response names no learner and no award; only the month.
    const columns = (await q("SELECT column_name FROM information_schema.columns WHERE table_name = 'survey_responses' ORDER BY column_name")).map(
      (c) => c.column_name,
    );
    expect(columns).toEqual(['applied', 'comment', 'course_id', 'credential_id', 'id', 'kind', 'month', 'recommend', 'relevance', 'satisfaction']);
    expect(await responses(credentialId)).toEqual([
      {
        id: expect.any(Number),
        course_id: learner.courseId,
        credential_id: credentialId,
        kind: 'award',
        satisfaction: 4,
        relevance: 5,
        recommend: 9,
        applied: null,
        comment: 'Clear rubric.',
        month: thisMonth(),
      },
    ]);
    expect(await q('SELECT kind, outcome FROM survey_participation WHERE award_id = $1', [award.id])).toEqual([{ kind: 'award', outcome: 'answered' }]);

    // A second answer is refused and stores nothing.
    const again = await learner.browser.post(surveyUrl(learner, award.id, 'award'), { ...readForm(form.body, /\/award$/).fields, satisfaction: '1' });
    expect(again.status).toBe(409);
    expect(text(again.body)).toContain('You have already answered this survey.');
    expect((await learner.browser.get(surveyUrl(learner, award.id, 'award'))).status).toBe(409);
    expect(await responses(credentialId)).toHaveLength(1);
  });

  it('keeps exactly one response when two answers arrive at once', async () => {
    const { credentialId, award } = await earn('Concurrent Answers');
    const form = await learner.browser.get(surveyUrl(learner, award.id, 'award'));
    const fields = readForm(form.body, /\/award$/).fields;
    const pages = await Promise.all(
      [1, 2, 3].map((n) => learner.browser.post(surveyUrl(learner, award.id, 'award'), { ...fields, satisfaction: String(n) }, false)),
    );
    expect(pages.map((p) => p.status).sort()).toEqual([303, 409, 409]);
    expect(await responses(credentialId)).toHaveLength(1);

    // And through the store directly, without the page's own check in front.
    const other = await earn('Concurrent Store');
    const store = new SurveyStore(tool.database.db);
    const answers = { satisfaction: 3, relevance: null, recommend: null, applied: null, comment: '' };
    const results = await Promise.allSettled([1, 2].map(() => store.answer(learner.courseId, learner.userId, other.award.id, 'award', answers)));
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ status: 409, code: 'SURVEY_ALREADY_ANSWERED' });
    expect(await responses(other.credentialId)).toHaveLength(1);
  });

  it('shows bad input again as typed with the errors (422), escaped, and stores nothing', async () => {
    const { credentialId, award } = await earn('Careful Input');
    const form = await learner.browser.get(surveyUrl(learner, award.id, 'award'));

    let page = await answer(learner, form, award.id, 'award', { satisfaction: '7', relevance: '3', comment: '<script>alert(1)</script> keep me' });
    expect(page.status).toBe(422);
    expect(text(page.body)).toContain('“7” is not on this scale. Choose a whole number from 1 (very dissatisfied) to 5 (very satisfied)');
    expect(page.body).toMatch(/name="relevance" value="3" checked/);
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; keep me</textarea>');
    expect(page.body).not.toContain('<script>alert(1)');

    page = await answer(learner, form, award.id, 'award', {});
    expect(page.status).toBe(422);
    expect(text(page.body)).toContain('Answer at least one question before sending.');

    const long = 'y'.repeat(3000);
    page = await answer(learner, form, award.id, 'award', { recommend: '8', comment: long });
    expect(page.status).toBe(422);
    expect(text(page.body)).toContain('Keep your comment to 2,000 characters; it has 3,000.');
    expect(page.body).toContain(`>${long}</textarea>`);
    expect(page.body).toMatch(/name="recommend" value="8" checked/);

    expect(await responses(credentialId)).toHaveLength(0);
    expect(await q('SELECT * FROM survey_participation WHERE award_id = $1', [award.id])).toHaveLength(0);
    // The form posted from the re-shown page still works.
    page = await answer(learner, page, award.id, 'award', { recommend: '8', comment: 'Shorter.' });
    expect(page.status).toBe(200);
    expect(await responses(credentialId)).toHaveLength(1);
  });

  it('“No thanks” closes the survey without storing answers', async () => {
    const { credentialId, award } = await earn('Declined Survey');
    const csrf = readForm((await learner.browser.get(surveyUrl(learner, award.id, 'award'))).body, /\/award$/).fields._csrf;
    let landing = await learner.browser.get(learner.base);
    expect(text(landing.body)).toContain('Tell us about Declined Survey');
    landing = await submitForm(tool, learner.browser, landing, `/surveys/${award.id}/award/decline`);
    expect(landing.url).toBe(`${learner.base}/dashboard?survey=declined`);
    expect(text(landing.body)).toContain('we will not ask about that again');
    expect(text(landing.body)).not.toContain('Tell us about Declined Survey');
    expect(await q('SELECT kind, outcome FROM survey_participation WHERE award_id = $1', [award.id])).toEqual([{ kind: 'award', outcome: 'declined' }]);
    expect(await responses(credentialId)).toHaveLength(0);
    // Declining twice changes nothing; the form is closed.
    expect((await learner.browser.post(`${surveyUrl(learner, award.id, 'award')}/decline`, { _csrf: csrf }, false)).status).toBe(303);
    const closed = await learner.browser.get(surveyUrl(learner, award.id, 'award'));
    expect(closed.status).toBe(409);
    expect(text(closed.body)).toContain('You chose not to answer this survey');
  });

  it('asks the follow-up once it is due, at the next launch, and stores whether it was applied', async () => {
    const { credentialId, award } = await earn('Applied Later');
    await learner.browser.post(`${surveyUrl(learner, award.id, 'award')}/decline`, {
      _csrf: readForm((await learner.browser.get(learner.base)).body, `/surveys/${award.id}/award/decline`).fields._csrf,
    });
    expect(text((await learner.browser.get(learner.base)).body)).not.toMatch(/Tell us about Applied Later|learned in Applied Later/);
    const early = await learner.browser.get(surveyUrl(learner, award.id, 'follow-up'));
    expect(early.status).toBe(409);
    expect(text(early.body)).toContain('The follow-up survey opens on');

    await q("UPDATE awards SET awarded_at = now() - interval '7 months' WHERE id = $1", [award.id]);
    const next = await launchAs(tool, sim, 'learner');
    const landing = await next.browser.get(next.base);
    expect(text(landing.body)).toContain('Six months on: have you used what you learned in Applied Later?');
    const form = await next.browser.get(surveyUrl(next, award.id, 'follow-up'));
    expect(form.body).toContain('<legend>How much of what you learned have you applied in your work or studies?</legend>');
    expect(form.body).not.toContain('name="satisfaction"');
    const done = await answer(next, form, award.id, 'follow-up', { applied: '4', comment: 'Used it for my thesis data.' });
    expect(text(done.body)).toContain('Thank you for your answers.');
    expect(text(done.body)).not.toContain('Applied Later?');
    expect(await responses(credentialId)).toEqual([
      expect.objectContaining({
        kind: 'follow-up',
        applied: 4,
        satisfaction: null,
        relevance: null,
        recommend: null,
        comment: 'Used it for my thesis data.',
        month: thisMonth(),
      }),
    ]);
  });

  it('uses the course’s follow-up delay', async () => {
    const { award } = await earn('Short Delay');
    const store = new SurveyStore(tool.database.db);
    const inMonths = (m: number) => new Date(award.awardedAt.getTime() + m * 31 * 24 * 3600 * 1000);
    const followUps = async (months: number, now: Date) =>
      (await store.pendingFor(learner.courseId, learner.userId, months, now)).filter((s) => s.awardId === award.id && s.kind === 'follow-up');
    expect(await followUps(3, inMonths(2))).toHaveLength(0);
    expect(await followUps(3, inMonths(3))).toHaveLength(1);
    expect(await followUps(6, inMonths(3))).toHaveLength(0);
    // The setting the teacher edits is what the launch and the holder's page use.
    await tool.assessment.saveSettings(learner.courseId, teacher.userId, { ...(await tool.assessment.settings(learner.courseId)), followUpMonths: 2 });
    await q("UPDATE awards SET awarded_at = now() - interval '2 months 1 day' WHERE id = $1", [award.id]);
    expect(text((await learner.browser.get(learner.base)).body)).toContain('Two months on: have you used what you learned in Short Delay?');
    await tool.assessment.saveSettings(learner.courseId, teacher.userId, { ...(await tool.assessment.settings(learner.courseId)), followUpMonths: 6 });
  });

  it('lets the holder answer the follow-up from the share page with the holder code', async () => {
    const { credentialId, award } = await earn('Holder Survey');
    const issued = await until('the credential to be issued', async () => (await q('SELECT id FROM issued_credentials WHERE award_id = $1', [award.id]))[0]);
    const share = `${tool.base}/credentials/${issued.id}`;
    const code = holderCode(tool.config.encryptionKey, issued.id);

    // My badges shows the code and the private link; the share page links to the survey.
    const mine = await learner.browser.get(`${learner.base}/badges`);
    expect(mine.body).toContain(`<code>${code}</code>`);
    expect(mine.body).toContain(`value="${share}/follow-up?code=${code}"`);
    const anon = new TestBrowser();
    expect((await anon.get(share)).body).toContain(`href="${share}/follow-up"`);
    expect(text((await anon.get(share)).body)).toContain('Holder of this badge? Tell us whether you have applied what you learned');

    // No code or a wrong one: the page asks for the code and says where to find it.
    let page = await anon.get(`${share}/follow-up`);
    expect(page.status).toBe(200);
    expect(text(page.body)).toContain('My badges in microcred in your course');
    expect(page.body).not.toContain('name="applied"');
    page = await anon.get(`${share}/follow-up?code=AAAAAAAAAAAA`);
    expect(page.status).toBe(403);
    expect(text(page.body)).toContain('That holder code is not right for this badge.');
    expect(page.body).not.toContain('name="applied"');
    expect(page.headers.get('cache-control')).toBe('no-store');

    // The right code, before the follow-up is due: when it will be.
    page = await anon.get(`${share}/follow-up?code=${code}`);
    expect(page.status).toBe(200);
    expect(text(page.body)).toContain('The follow-up survey for this badge opens on');
    expect(page.body).not.toContain('name="applied"');

    await q("UPDATE awards SET awarded_at = now() - interval '7 months' WHERE id = $1", [award.id]);
    // Typed by hand: lower case with a dash.
    page = await anon.get(`${share}/follow-up?code=${code.slice(0, 6).toLowerCase()}-${code.slice(6)}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('name="applied"');
    expect(readForm(page.body, '/follow-up').fields.code).toBe(code);

    // A forged post from another site is refused before anything else.
    const forged = await fetch(`${share}/follow-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', accept: 'text/html' },
      body: new URLSearchParams({ code, applied: '1' }).toString(),
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    // A post with a wrong code asks for the code again and stores nothing.
    const wrong = await anon.post(`${share}/follow-up`, { code: 'BBBBBBBBBBBB', applied: '1' });
    expect(wrong.status).toBe(403);
    // Bad input is shown again as typed.
    const bad = await submitForm(tool, anon, page, '/follow-up', { applied: '9', comment: 'typed' });
    expect(bad.status).toBe(422);
    expect(bad.body).toContain('>typed</textarea>');
    expect(await responses(credentialId)).toHaveLength(0);

    const done = await submitForm(tool, anon, page, '/follow-up', { applied: '5', comment: 'Daily.' });
    expect(done.status).toBe(200);
    expect(text(done.body)).toContain('Thank you for your answers.');
    expect(done.body).not.toContain('name="applied"');
    expect(await responses(credentialId)).toEqual([expect.objectContaining({ kind: 'follow-up', applied: 5, comment: 'Daily.' })]);
    expect(await q('SELECT kind, outcome FROM survey_participation WHERE award_id = $1', [award.id])).toEqual([{ kind: 'follow-up', outcome: 'answered' }]);
    expect((await submitForm(tool, anon, page, '/follow-up', { applied: '1' })).status).toBe(409);
    expect(await responses(credentialId)).toHaveLength(1);
    // Inside the LMS it is answered too.
    expect(text((await learner.browser.get(learner.base)).body)).not.toContain('have you used what you learned in Holder Survey');

    // A revoked badge has no survey: a clear 410, no form, no link on the share page.
    await tool.badges.setRevoked(issued.id, true, { label: `user:${teacher.userId}`, userId: teacher.userId }, 'Issued in error', teacher.courseId);
    const gone = await anon.get(`${share}/follow-up?code=${code}`);
    expect(gone.status).toBe(410);
    expect(text(gone.body)).toContain('This badge has been revoked');
    expect(gone.body).not.toContain('name="applied"');
    expect((await anon.get(share)).body).not.toContain('/follow-up');
    expect((await anon.get(`${tool.base}/credentials/00000000-0000-4000-8000-000000000000/follow-up`)).status).toBe(404);
  });

  it('leaves revoked badges out of the launch’s survey list', async () => {
    const { award } = await earn('Revoked Early');
    const issued = await until('the credential to be issued', async () => (await q('SELECT id FROM issued_credentials WHERE award_id = $1', [award.id]))[0]);
    expect(text((await learner.browser.get(learner.base)).body)).toContain('Tell us about Revoked Early');
    await tool.badges.setRevoked(issued.id, true, { label: 'test', userId: teacher.userId }, 'Issued in error', teacher.courseId);
    expect(text((await learner.browser.get(learner.base)).body)).not.toContain('Tell us about Revoked Early');
    expect((await learner.browser.get(surveyUrl(learner, award.id, 'award'))).status).toBe(409);
  });

  it('lets nobody but the learner, in their course, open or answer their survey', async () => {
    const { credentialId, award } = await earn('Private Survey');
    // Staff: refused by role.
    const staff = await teacher.browser.get(surveyUrl(teacher, award.id, 'award'));
    expect(staff.status).toBe(403);
    expect(text(staff.body)).toContain('Only learners hand in evidence');
    expect((await teacher.browser.post(surveyUrl(teacher, award.id, 'award'), { satisfaction: '1' })).status).toBe(403);
    // Another learner: the award is not theirs, so it does not exist for them.
    expect((await learner2.browser.get(surveyUrl(learner2, award.id, 'award'))).status).toBe(404);
    // (Their token from a page of their own, so the refusal is not the CSRF check's.)
    const csrf2 = readForm((await learner2.browser.get(`${learner2.base}/credentials/${credentialId}/my-work`)).body, '/start').fields._csrf;
    expect((await learner2.browser.post(surveyUrl(learner2, award.id, 'award'), { _csrf: csrf2, satisfaction: '1' })).status).toBe(404);
    expect((await learner2.browser.post(`${surveyUrl(learner2, award.id, 'award')}/decline`, { _csrf: csrf2 })).status).toBe(404);
    // The same learner launched from another course cannot reach it either.
    const home = { ...sim.context };
    Object.assign(sim.context, { id: 'course-202', label: 'BIO202', title: 'Biology 202' });
    try {
      const elsewhere = await launchAs(tool, sim, 'learner');
      expect(elsewhere.courseId).not.toBe(learner.courseId);
      expect((await elsewhere.browser.get(surveyUrl(elsewhere, award.id, 'award'))).status).toBe(404);
      expect(text((await elsewhere.browser.get(elsewhere.base)).body)).not.toContain('Private Survey');
    } finally {
      Object.assign(sim.context, home);
    }
    // Nonsense addresses are 404s, not errors.
    expect((await learner.browser.get(surveyUrl(learner, award.id, 'award').replace(/award$/, 'other'))).status).toBe(404);
    expect((await learner.browser.get(`${learner.base}/surveys/abc/award`)).status).toBe(404);
    // A post without the CSRF token is refused.
    expect((await learner.browser.post(surveyUrl(learner, award.id, 'award'), { satisfaction: '1' })).status).toBe(403);
    expect(await responses(credentialId)).toHaveLength(0);
  });
});
