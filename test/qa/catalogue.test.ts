// Issue 7, transparency, on real PostgreSQL with the platform simulator: the institution's QA
// policy (set by the admin, published at /quality-policy, embedded in issued credentials), the
// public catalogue with its detail pages and JSON feed (each Achievement valid against the
// OB 3.0 schema), the privacy floor on evaluation results, and no personal data anywhere public.
import { validateAchievement } from '../../src/credentials/achievement';
import { ANNEX_I_ELEMENTS } from '../../src/credentials/model';
import { CredentialStore } from '../../src/credentials/store';
import { acceptComplete, launchAs, type Person, publishCredential, text, until } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { signedInAdmin } from '../support/admin';
import { readForm, TestBrowser } from '../support/browser';
import { type PlatformSimulator, USERS } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { ISSUER_WITH_QA_BODY } from '../support/issuerProfiles';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let learner: Person;
let admin: TestBrowser;
const anon = new TestBrowser();

/** Published with its own QA policy address. */
let rdm: number;
/** Published without one: the institution's policy applies. */
let openScience: number;
/** Never published: must not appear anywhere public. */
let draft: number;

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);
const policyUrl = () => `${tool.base}/quality-policy`;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  learner = await launchAs(tool, sim, 'learner');
  // No external QA policy address: the text written in microcred is the policy.
  await tool.issuer.save(ISSUER_WITH_QA_BODY);
  admin = await signedInAdmin(tool);

  rdm = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: 'supervised online' });
  openScience = await publishCredential(tool, teacher, {
    ...completeDefinition(),
    title: 'Open Science Basics',
    code: 'OS-1',
    qaPolicyUrl: undefined,
    supervisionType: 'unsupervised with no identity verification',
  });
  const created = await new CredentialStore(tool.database.db).create(teacher.courseId, teacher.userId, {
    ...completeDefinition(),
    title: 'Secret Draft Credential',
    code: 'DRAFT-9',
  } as never);
  draft = created.credentialId;
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

describe('the QA policy', () => {
  it('is for administrators only', async () => {
    const signedOut = await new TestBrowser().get(`${tool.base}/admin/quality-policy`, false);
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toContain('/admin/login');
    const lti = await teacher.browser.get(`${tool.base}/admin/quality-policy`);
    expect(lti.status).toBe(403);
    const post = await teacher.browser.post(`${tool.base}/admin/quality-policy`, { title: 'Hijack', text: 'x' });
    expect(post.status).toBe(403);
    expect(await tool.issuer.qaPolicy()).toBeUndefined();
  });

  it('is not published until written: a clear 404', async () => {
    const page = await anon.get(policyUrl());
    expect(page.status).toBe(404);
    expect(text(page.body)).toContain('has not published a quality-assurance policy here');
  });

  it('is linked from the console, needs the CSRF token, and keeps a too-long text with an error', async () => {
    expect((await admin.get(`${tool.base}/admin`)).body).toContain('href="/admin/quality-policy"');
    expect((await admin.get(`${tool.base}/admin/issuer`)).body).toContain('href="/admin/quality-policy"');
    const page = await admin.get(`${tool.base}/admin/quality-policy`);
    expect(page.status).toBe(200);
    expect(text(page.body)).toContain('QA policy web address');
    const form = readForm(page.body, '/admin/quality-policy');

    const noToken = await admin.post(`${tool.base}/admin/quality-policy`, { title: 'Forged', text: 'Forged policy' });
    expect(noToken.status).toBe(403);
    expect(noToken.body).toContain('CSRF_TOKEN_INVALID');

    const long = `START-OF-TYPED-TEXT ${'a'.repeat(20000)}`;
    const tooLong = await admin.post(`${tool.base}/admin/quality-policy`, { ...form.fields, title: 'Typed title', text: long });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body).toContain('Keep the policy to 20,000 characters or fewer.');
    expect(tooLong.body).toContain(long);
    expect(tooLong.body).toContain('value="Typed title"');
    expect(await tool.issuer.qaPolicy()).toBeUndefined();
  });

  it('is published escaped, in paragraphs, with the institution and its QA body', async () => {
    const form = readForm((await admin.get(`${tool.base}/admin/quality-policy`)).body, '/admin/quality-policy');
    const saved = await admin.post(`${tool.base}/admin/quality-policy`, {
      ...form.fields,
      title: 'Quality of our micro-credentials',
      text: 'Every micro-credential is reviewed yearly.\r\nReviews are published.\r\n\r\nWe never <script>alert(1)</script> anyone.',
    });
    expect(saved.status).toBe(200);
    expect(text(saved.body)).toContain('Quality-assurance policy saved and published.');
    expect(saved.body).toContain(`href="${policyUrl()}"`);

    const page = await anon.get(policyUrl());
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.body.match(/<p class="pre">/g)).toHaveLength(2);
    const words = text(page.body);
    expect(words).toContain('Quality of our micro-credentials');
    expect(words).toContain('Example University');
    expect(words).toContain('NVAO');
    expect(words).toContain('Institutional accreditation');
    expect(words).toContain(`last updated ${new Date().toISOString().slice(0, 10)}`);

    // The one policy address, used for issuing as well.
    expect(await tool.issuer.qaPolicyUrl(tool.base)).toBe(policyUrl());
    expect((await tool.issuer.forIssuance(tool.base, tool.signingKeys.did))!.qaPolicyUrl).toBe(policyUrl());
  });
});

describe('the catalogue', () => {
  it('is linked from the home page', async () => {
    expect((await anon.get(`${tool.base}/`)).body).toContain('href="/catalogue"');
  });

  it('feeds every published offer with a valid OB 3.0 Achievement and the Annex I elements', async () => {
    const res = await fetch(`${tool.base}/catalogue.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
    const feed = await res.json();
    expect(feed.institution).toEqual({
      name: 'Example University',
      url: 'https://www.example.edu',
      country: 'NL',
      qaPolicyUrl: policyUrl(),
      qaType: 'Institutional accreditation',
      qaBody: { name: 'NVAO', url: 'https://www.nvao.net' },
    });
    expect(Date.parse(feed.generatedAt)).not.toBeNaN();
    expect(feed.offers.map((o: { credentialId: number }) => o.credentialId).sort()).toEqual([rdm, openScience].sort());
    expect(JSON.stringify(feed)).not.toContain('Secret Draft');

    for (const offer of feed.offers) {
      expect(offer.id).toBe(`${tool.base}/catalogue/${offer.credentialId}`);
      expect(validateAchievement(offer.achievement)).toEqual({ valid: true, errors: [] });
      expect(offer.achievement.id).toBe(`${tool.base}/achievements/${offer.credentialId}/versions/${offer.version}`);
      // The same Achievement as at its own address.
      expect(await (await fetch(offer.achievement.id)).json()).toEqual(offer.achievement);
      const a = offer.annexI;
      for (const key of [
        'title',
        'issuerCountries',
        'awardingBodies',
        'learningOutcomes',
        'workload',
        'level',
        'assessmentType',
        'participationType',
        'qualityAssurance',
        'prerequisites',
        'supervisionType',
        'gradeShown',
        'stackability',
        'furtherInformation',
      ]) {
        expect(a).toHaveProperty(key);
      }
      expect(a.issuerCountries).toEqual(['NL']);
      expect(a.awardingBodies[0].name).toBe('Example University');
      expect(a.workload).toEqual({ ects: 3, hours: 84 });
      expect(a.level).toMatchObject({ eqfLevel: 7, qfEheaCycle: 'second-cycle' });
      expect(a.assessmentType).toBe('portfolio');
      expect(a.learningOutcomes[0].alignments[0]).toMatchObject({
        targetUrl: 'http://data.europa.eu/esco/skill/bfe4f330-d595-48c7-ab3c-f309471d6953',
        targetFramework: 'ESCO',
      });
      expect(offer.awarded).toEqual({ fewerThan: 5 });
      expect(offer.evaluation).toEqual({ privacyFloor: 5, afterAward: { enoughResponses: false }, followUp: { enoughResponses: false } });
      expect(offer.lastReviewedAt).toBeNull();
      expect(Date.parse(offer.reviewDueAt)).toBeGreaterThan(Date.now());
    }
    const byId = (id: number) => feed.offers.find((o: { credentialId: number }) => o.credentialId === id);
    // Its own policy; otherwise the institution's, also as the Achievement's QA alignment.
    expect(byId(rdm).annexI.qualityAssurance).toEqual({ type: 'internal quality assurance', policyUrl: 'https://www.example.edu/quality-assurance' });
    expect(byId(openScience).annexI.qualityAssurance).toEqual({ type: 'internal quality assurance', policyUrl: policyUrl() });
    expect(byId(openScience).achievement.alignment).toContainEqual(expect.objectContaining({ targetType: 'ext:QualityAssurance', targetUrl: policyUrl() }));
    expect(byId(rdm).annexI.supervisionType).toBe('supervised online');
    expect(byId(rdm).annexI.identityVerified).toBe(true);
  });

  it('lists the offers, searchable by title or code, without drafts', async () => {
    const page = await anon.get(`${tool.base}/catalogue`);
    expect(page.status).toBe(200);
    const words = text(page.body);
    expect(words).toContain('Micro-credentials from Example University');
    expect(words).toContain('Research Data Management');
    expect(words).toContain('Open Science Basics');
    expect(words).toContain('EQF level 7');
    expect(words).toContain('3 ECTS / 84 hours');
    expect(words).toContain('Not reviewed yet');
    expect(words).not.toContain('Secret Draft');
    expect(page.body).toContain(`href="/catalogue/${rdm}"`);
    expect(page.body).toContain(`href="${policyUrl()}"`);

    const found = await anon.get(`${tool.base}/catalogue?q=os-1`);
    expect(text(found.body)).toContain('Open Science Basics');
    expect(text(found.body)).not.toContain('Research Data Management');
    expect(text(found.body)).toContain('1 of 2 micro-credentials match “os-1”');
    const none = await anon.get(`${tool.base}/catalogue?q=${encodeURIComponent('<b>nothing</b>')}`);
    expect(text(none.body)).toContain('No micro-credential matches that search.');
    expect(none.body).not.toContain('<b>nothing</b>');
    expect((await anon.get(`${tool.base}/catalogue?q=DRAFT-9`)).body).not.toContain('Secret Draft');
  });

  it('shows an offer: Annex I, outcomes with alignments, assessment, QA, evaluation, reviews and changes', async () => {
    await tool.qa.recordReview(teacher.courseId, rdm, teacher.userId, {
      summary: 'Outcomes still match the field.',
      changesMade: 'Clarified the FAIR criterion.',
    });
    const page = await anon.get(`${tool.base}/catalogue/${rdm}`);
    expect(page.status).toBe(200);
    const words = text(page.body);
    for (const e of ANNEX_I_ELEMENTS.filter((x) => !x.filledAtAward)) expect(words).toContain(`${e.number}. ${e.label}`);
    expect(words).toContain('I can write a data management plan for a small research project.');
    expect(page.body).toContain('href="http://data.europa.eu/esco/skill/bfe4f330-d595-48c7-ab3c-f309471d6953"');
    expect(page.body).toContain('href="http://data.europa.eu/snb/eqf/7"');
    expect(words).toContain('Netherlands (NL)');
    expect(words).toContain('Stackable towards Graduate certificate in Open Science');
    // Assessment method and identity verification.
    expect(words).toContain('Portfolio');
    expect(words).toContain('Data management plan');
    expect(words).toContain('FAIR publication');
    expect(words).toContain('Supervised online, with identity verification');
    // QA: type, body, policy (the credential's own), last review and the review itself.
    expect(words).toContain('internal quality assurance');
    expect(page.body).toContain('href="https://www.nvao.net"');
    expect(page.body).toMatch(/<a href="https:\/\/www.example.edu\/quality-assurance">Quality assurance policy<\/a>/);
    const today = new Date().toISOString().slice(0, 10);
    expect(words).toContain(`Last review ${today}`);
    expect(words).toContain('Outcomes still match the field.');
    expect(words).toContain('Clarified the FAIR criterion.');
    expect(words).toContain('Version 1 published');
    // Evaluation and awards below the floor.
    expect(words).toContain('Not enough responses yet (fewer than 5)');
    expect(words).toContain('Awarded to fewer than 5 learners so far');

    const other = await anon.get(`${tool.base}/catalogue/${openScience}`);
    expect(other.body).toMatch(new RegExp(`<a href="${policyUrl()}">Quality assurance policy</a>`));
    expect(text(other.body)).toContain('Unsupervised, with no identity verification');
  });

  it('answers a draft or an unknown credential with a clear 404', async () => {
    for (const id of [draft, 999999, 99999999999]) {
      const page = await anon.get(`${tool.base}/catalogue/${id}`);
      expect(page.status).toBe(404);
      expect(text(page.body)).toContain('There is no published micro-credential at this address.');
      expect(page.body).not.toContain('Secret Draft');
    }
    // The achievement and status-list addresses behave the same with an id beyond an integer column.
    expect((await anon.get(`${tool.base}/achievements/99999999999/versions/1`)).status).toBe(404);
    expect((await anon.get(`${tool.base}/achievements/${draft}/versions/99999999999`)).status).toBe(404);
    expect((await anon.get(`${tool.base}/status/99999999999`)).status).toBe(404);
  });

  it('shows evaluation results only from five responses up', async () => {
    const answer = (satisfaction: number, relevance: number, recommend: number) =>
      q(
        "INSERT INTO survey_responses (course_id, credential_id, kind, satisfaction, relevance, recommend, month) VALUES ($1, $2, 'award', $3, $4, $5, '2025-01')",
        [teacher.courseId, rdm, satisfaction, relevance, recommend],
      );
    await answer(5, 3, 10);
    await answer(4, 3, 9);
    await answer(4, 4, 8);
    await answer(3, 5, 6);
    await q("INSERT INTO survey_responses (course_id, credential_id, kind, applied, month) VALUES ($1, $2, 'follow-up', 4, '2025-06')", [
      teacher.courseId,
      rdm,
    ]);

    const evaluation = async () =>
      (await (await fetch(`${tool.base}/catalogue.json`)).json()).offers.find((o: { credentialId: number }) => o.credentialId === rdm).evaluation;
    // Four: nothing, not even the count.
    expect(await evaluation()).toEqual({ privacyFloor: 5, afterAward: { enoughResponses: false }, followUp: { enoughResponses: false } });
    let words = text((await anon.get(`${tool.base}/catalogue/${rdm}`)).body);
    expect(words).not.toMatch(/out of 5/);
    expect(words).not.toContain('4 responses');

    // Five: satisfaction (5+4+4+3+5)/5 = 4.2, relevance (3+3+4+5+5)/5 = 4, recommend (10+9+8+6+10)/5 = 8.6;
    // NPS: 3 promoters (9–10) − 1 detractor (0–6) of 5 = 40. The one follow-up answer stays hidden.
    await answer(5, 5, 10);
    const ev = await evaluation();
    expect(ev.afterAward).toMatchObject({
      enoughResponses: true,
      responses: 5,
      satisfaction: { mean: 4.2, responses: 5 },
      relevance: { mean: 4 },
      recommend: { mean: 8.6 },
      netPromoterScore: 40,
    });
    expect(ev.afterAward.satisfaction.distribution).toEqual({ 1: 0, 2: 0, 3: 1, 4: 2, 5: 2 });
    expect(ev.followUp).toEqual({ enoughResponses: false });
    words = text((await anon.get(`${tool.base}/catalogue/${rdm}`)).body);
    expect(words).toContain('Satisfaction 4.2 out of 5 (5 answers)');
    expect(words).toContain('Relevance to work or studies 4 out of 5');
    expect(words).toContain('Net Promoter Score 40');
    expect(words).toContain('Months later: was the learning applied? Not enough responses yet (fewer than 5)');
  });
});

describe('issued credentials and the policy', () => {
  let share: string;

  it('embed the policy address as their QA alignment when the credential names none', async () => {
    const award = await acceptComplete(tool, teacher, learner, openScience);
    const issued = await until(
      'the credential to be issued',
      async () => (await q('SELECT id, credential FROM issued_credentials WHERE award_id = $1', [award.id]))[0],
    );
    const alignment = issued.credential.credentialSubject.achievement.alignment;
    expect(alignment).toContainEqual({
      type: ['Alignment'],
      targetType: 'ext:QualityAssurance',
      targetName: 'Institutional accreditation',
      targetUrl: policyUrl(),
    });
    share = `${tool.base}/credentials/${issued.id}`;
  });

  it('link the policy and the catalogue from the share page, the achievement and the LMS page', async () => {
    const page = await anon.get(share);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(new RegExp(`<a href="${policyUrl()}">Quality assurance policy</a>`));
    expect(page.body).toContain(`href="${tool.base}/catalogue"`);
    expect(text(page.body)).toContain('All credentials from Example University');

    const achievement = await (await fetch(`${tool.base}/achievements/${openScience}/versions/1`)).json();
    expect(achievement.alignment).toContainEqual(expect.objectContaining({ targetType: 'ext:QualityAssurance', targetUrl: policyUrl() }));

    const own = await teacher.browser.get(`${teacher.base}/credentials/${rdm}`);
    expect(own.body).toMatch(/<a href="https:\/\/www.example.edu\/quality-assurance">Quality assurance policy<\/a>/);
    const institutions = await learner.browser.get(`${learner.base}/credentials/${openScience}`);
    expect(institutions.status).toBe(200);
    expect(institutions.body).toMatch(new RegExp(`<a href="${policyUrl()}">Quality assurance policy</a>`));
  });

  it('leave no personal data in the public catalogue, even once earned', async () => {
    const feed = await (await fetch(`${tool.base}/catalogue.json`)).json();
    expect(feed.offers.find((o: { credentialId: number }) => o.credentialId === openScience).awarded).toEqual({ fewerThan: 5 });
    const pages = [
      (await anon.get(`${tool.base}/catalogue`)).body,
      (await anon.get(`${tool.base}/catalogue/${rdm}`)).body,
      (await anon.get(`${tool.base}/catalogue/${openScience}`)).body,
      (await anon.get(`${tool.base}/catalogue?q=open`)).body,
      (await anon.get(policyUrl())).body,
      JSON.stringify(feed),
    ];
    for (const body of pages) {
      for (const user of Object.values(USERS)) {
        for (const value of [user.name, user.email, user.sub]) expect(body).not.toContain(value);
      }
      expect(body).not.toContain('it@uni.example');
    }
  });

  it('show the awarded count from five awards up', async () => {
    // Four more awards for four more people, straight in the tables: only the count matters here.
    const [a] = await q('SELECT * FROM awards WHERE credential_id = $1', [openScience]);
    const [{ platform_id: platformId }] = await q('SELECT platform_id FROM lti_users WHERE id = $1', [a.learner_id]);
    const others = await q("INSERT INTO lti_users (platform_id, sub) SELECT $1, 'u-extra-' || n FROM generate_series(1, 4) n RETURNING id", [platformId]);
    for (const o of others) {
      await q(
        'INSERT INTO awards (course_id, credential_id, credential_version_id, learner_id, submission_id, assessment_id, assessor_id, rubric_results, evidence_refs, identity) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
        [
          a.course_id,
          a.credential_id,
          a.credential_version_id,
          o.id,
          a.submission_id,
          a.assessment_id,
          a.assessor_id,
          JSON.stringify(a.rubric_results),
          JSON.stringify(a.evidence_refs),
          JSON.stringify(a.identity),
        ],
      );
    }
    const feed = await (await fetch(`${tool.base}/catalogue.json`)).json();
    expect(feed.offers.find((o: { credentialId: number }) => o.credentialId === openScience).awarded).toEqual({ count: 5 });
    expect(text((await anon.get(`${tool.base}/catalogue/${openScience}`)).body)).toContain('Awarded 5 times');
  });
});
