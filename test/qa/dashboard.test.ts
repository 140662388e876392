// The QA dashboard on a seeded course with known answers: every figure, kappa included, is
// checked against a value computed by hand (in the comments). Then the privacy floor on the
// survey aggregates, the CSV exports, the annual review, and who may see what.
import { launchAs, type Person, publishCredential, submitForm, text } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { rosterLearners } from '../grades/support';
import { signedInAdmin } from '../support/admin';
import { TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let credentialId: number;
const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

const T0 = Date.parse('2026-03-02T09:00:00Z');
const hours = (h: number) => new Date(T0 + h * 3600000);

// Second marking on 10 attempts. Planning (4 levels, plan-1…plan-4), by level index:
//   primary 0 0 0 1 1 1 1 2 2 2 / second 0 0 1 1 1 1 2 2 2 1
//   exact 7/10; within one 10/10; expected (.3·.2 + .4·.5 + .3·.3) = .35; kappa .35/.65 = 0.538
// Publishing (3 levels, pub-1…pub-3):
//   primary 0 0 1 1 1 1 2 2 2 2 / second 0 1 1 1 1 2 2 2 2 0
//   exact 7/10; within one 9/10 (2 vs 0); expected (.2·.2 + .4·.4 + .4·.4) = .36; kappa .34/.64 = 0.531
const PLAN = [
  [0, 0],
  [0, 0],
  [0, 1],
  [1, 1],
  [1, 1],
  [1, 1],
  [1, 2],
  [2, 2],
  [2, 2],
  [2, 1],
];
const PUB = [
  [0, 0],
  [0, 1],
  [1, 1],
  [1, 1],
  [1, 1],
  [1, 2],
  [2, 2],
  [2, 2],
  [2, 2],
  [2, 0],
];

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  credentialId = await publishCredential(tool, teacher, completeDefinition());
  const [version] = await q('SELECT id FROM credential_versions WHERE credential_id = $1', [credentialId]);
  // 10 learners on the roster, and one who left the course (not counted as enrolled).
  const learners = await rosterLearners(tool, teacher, 10);
  const [gone] = await q("INSERT INTO lti_users (platform_id, sub, name) SELECT platform_id, 'u-gone', 'Gone' FROM courses WHERE id = $1 RETURNING id", [
    teacher.courseId,
  ]);
  await q("INSERT INTO course_members (course_id, user_id, app_role, status) VALUES ($1, $2, 'learner', 'inactive')", [teacher.courseId, gone.id]);
  const [marker] = await q(
    "INSERT INTO lti_users (platform_id, sub, name) SELECT platform_id, 'u-marker', 'Second Marker' FROM courses WHERE id = $1 RETURNING id",
    [teacher.courseId],
  );

  // Attempts. Learners 1–6: accepted at once, awarded 1…6 h after submitting. Learner 7:
  // returned, resubmitted, accepted; awarded 30 h after the first submission. Learner 8:
  // returned, then rejected. Learner 9: a draft only. Learner 10: nothing.
  const attempt = async (l: number, no: number, status: string, submittedH: number | null) => {
    const [s] = await q(
      'INSERT INTO submissions (course_id, credential_id, credential_version_id, learner_id, attempt_no, status, submitted_at, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id',
      [teacher.courseId, credentialId, version.id, learners[l - 1].userId, no, status, submittedH === null ? null : hours(submittedH)],
    );
    return s.id as number;
  };
  const marked: number[] = [];
  for (let l = 1; l <= 6; l++) marked.push(await attempt(l, 1, 'accepted', 0));
  marked.push(await attempt(7, 1, 'returned', 0), await attempt(7, 2, 'accepted', 20));
  marked.push(await attempt(8, 1, 'returned', 0), await attempt(8, 2, 'rejected', 20));
  await attempt(9, 1, 'draft', null);

  const assessmentIds: number[] = [];
  for (const [i, submissionId] of marked.entries()) {
    const levels = (role: 0 | 1) => ({ 'crit-plan': `plan-${PLAN[i][role] + 1}`, 'crit-publish': `pub-${PUB[i][role] + 1}` });
    const [a] = await q(
      "INSERT INTO assessments (submission_id, assessor_id, role, status, decision, levels, completed_at) VALUES ($1, $2, 'primary', 'completed', 'accept', $3, now()) RETURNING id",
      [submissionId, teacher.userId, levels(0)],
    );
    await q("INSERT INTO assessments (submission_id, assessor_id, role, status, levels, completed_at) VALUES ($1, $2, 'second', 'completed', $3, now())", [
      submissionId,
      marker.id,
      levels(1),
    ]);
    assessmentIds.push(a.id);
  }
  const award = (l: number, submissionIndex: number, awardedH: number) =>
    q(
      "INSERT INTO awards (course_id, credential_id, credential_version_id, learner_id, submission_id, assessment_id, assessor_id, rubric_results, evidence_refs, identity, awarded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, '[]', '[]', '{}', $8)",
      [
        teacher.courseId,
        credentialId,
        version.id,
        learners[l - 1].userId,
        marked[submissionIndex],
        assessmentIds[submissionIndex],
        teacher.userId,
        hours(awardedH),
      ],
    );
  for (let l = 1; l <= 6; l++) await award(l, l - 1, l);
  await award(7, 7, 30);
}, 60000);

afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

it('shows the seeded course’s figures as computed by hand, kappa included', async () => {
  const [quality] = await tool.qa.quality({ courseId: teacher.courseId });
  const f = quality.figures;
  expect({
    enrolled: f.enrolled,
    started: f.started,
    submitted: f.submitted,
    awarded: f.awarded,
    returned: f.returned,
    rejected: f.rejected,
    revoked: f.revoked,
  }).toEqual({
    enrolled: 10,
    started: 9,
    submitted: 8,
    awarded: 7,
    returned: 2,
    rejected: 1,
    revoked: 0,
  });
  expect(f.completionRate).toBe(70); // 7 of 10 enrolled
  expect(f.passRate).toBe(87.5); // 7 of 8 who submitted
  expect(f.medianTimeToAwardMs).toBe(4 * 3600000); // 1 2 3 [4] 5 6 30 hours
  expect({ resubmissions: f.resubmissions, learnersWhoResubmitted: f.learnersWhoResubmitted, attemptsToAward: f.attemptsToAward }).toEqual({
    resubmissions: 2,
    learnersWhoResubmitted: 2,
    attemptsToAward: { 1: 6, 2: 1 },
  });
  expect(f.secondMarked).toBe(10);
  const [plan, pub] = f.agreement;
  expect(plan).toMatchObject({ criterionId: 'crit-plan', pairs: 10, exact: 0.7, withinOne: 1 });
  expect(plan.kappa).toBeCloseTo(0.35 / 0.65, 10);
  expect(pub).toMatchObject({ criterionId: 'crit-publish', pairs: 10, exact: 0.7, withinOne: 0.9 });
  expect(pub.kappa).toBeCloseTo(0.34 / 0.64, 10);

  // The teacher's page says the same, with charts and a link from the course dashboard.
  const home = await teacher.browser.get(teacher.base);
  expect(home.body).toContain(`href="/app/${teacher.base.split('/app/')[1]}/quality"`);
  const page = await teacher.browser.get(`${teacher.base}/quality/${credentialId}`);
  expect(page.status).toBe(200);
  const words = text(page.body);
  expect(words).toContain('Completion rate 70%');
  expect(words).toContain('Pass rate 87.5%');
  expect(words).toContain('Median time, first submission to award 4 hours');
  expect(words).toContain('Resubmissions 2 (by 2 learners)');
  expect(words).toContain('Data management plan 10 70% 100% 0.54 FAIR publication 10 70% 90% 0.53');
  expect(page.body.match(/<svg [^>]*role="img"/g)!.length).toBeGreaterThanOrEqual(3); // funnel, attempts, agreement
});

it('shows survey aggregates only from 5 responses, in the page and the CSV', async () => {
  const answer = (satisfaction: number, recommend: number, comment = '') =>
    q(
      "INSERT INTO survey_responses (course_id, credential_id, kind, satisfaction, relevance, recommend, comment, month) VALUES ($1, $2, 'award', $3, 4, $4, $5, '2026-03')",
      [teacher.courseId, credentialId, satisfaction, recommend, comment],
    );
  // Four answers: below the floor, nothing is shown, not even the comment.
  await answer(5, 10, 'Very practical, thanks');
  await answer(4, 9);
  await answer(4, 8);
  await answer(3, 6);
  let page = text((await teacher.browser.get(`${teacher.base}/quality/${credentialId}`)).body);
  expect(page).toContain('Right after the award (4 responses) Not enough responses yet to show (fewer than 5).');
  expect(page).not.toContain('Very practical');
  let csv = (await teacher.browser.get(`${teacher.base}/quality/${credentialId}/figures.csv`)).body.split('\r\n');
  const col = (name: string, lines: string[]) => lines[1].split(',')[lines[0].split(',').indexOf(name)];
  expect(col('satisfaction_mean', csv)).toBe('');
  // The fifth: satisfaction 5 4 4 3 5 → mean 4.2; recommend 10 9 8 6 10 → promoters 3,
  // detractors 1 → NPS (3 − 1) / 5 = 40.
  await answer(5, 10);
  page = text((await teacher.browser.get(`${teacher.base}/quality/${credentialId}`)).body);
  expect(page).toContain('Satisfaction (mean, 1–5) 4.2');
  expect(page).toContain('Net Promoter Score 40');
  expect(page).toContain('Very practical, thanks');
  csv = (await teacher.browser.get(`${teacher.base}/quality/${credentialId}/figures.csv`)).body.split('\r\n');
  expect(col('satisfaction_mean', csv)).toBe('4.2');
  expect(col('net_promoter_score', csv)).toBe('40');
  expect(col('completion_rate_pct', csv)).toBe('70');
  expect(col('median_hours_first_submission_to_award', csv)).toBe('4');
});

it('exports agreement per criterion as CSV, with kappa', async () => {
  const res = await teacher.browser.get(`${teacher.base}/quality/${credentialId}/agreement.csv`);
  expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
  expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="assessor-agreement-\d+-\d{4}-\d{2}-\d{2}\.csv"$/);
  const lines = res.body.trim().split('\r\n');
  expect(lines[0]).toBe('course,credential_id,credential,criterion_id,criterion,pairs,exact_agreement,within_one_level,cohens_kappa');
  expect(lines[1]).toMatch(/,crit-plan,[^,]+,10,0\.7,1,0\.538$/);
  expect(lines[2]).toMatch(/,crit-publish,[^,]+,10,0\.7,0\.9,0\.531$/);
});

it('records an annual review, keeps what was typed on error, and publishes it in the change log', async () => {
  let page = await teacher.browser.get(`${teacher.base}/quality/${credentialId}`);
  expect(text(page.body)).toContain('This credential has not been reviewed yet.');
  // Too short: 422, both texts kept.
  const bad = await submitForm(tool, teacher.browser, page, /\/reviews$/, { summary: 'ok', changesMade: 'Clarified level 2 <b>descriptors</b>' });
  expect(bad.status).toBe(422);
  expect(bad.body).toContain('Clarified level 2 &lt;b&gt;descriptors&lt;/b&gt;');
  expect(bad.body).toContain('at least a sentence');
  // Without the CSRF token: refused, nothing recorded.
  const forged = await teacher.browser.post(`${teacher.base}/quality/${credentialId}/reviews`, {
    summary: 'A forged review of the credential',
    changesMade: 'None',
  });
  expect(forged.status).toBe(403);
  expect(await q('SELECT * FROM credential_reviews')).toHaveLength(0);

  page = await submitForm(tool, teacher.browser, bad, /\/reviews$/, {
    summary: 'Completion is high; publishing criterion agreement is only moderate.',
    changesMade: 'Level descriptors for publishing clarified.',
  });
  expect(page.status).toBe(200);
  const words = text(page.body);
  expect(words).toContain(`Last reviewed on ${new Date().toISOString().slice(0, 10)}`);
  expect(words).toContain('Reviewed version 1: Completion is high');
  const [row] = await q('SELECT id, version_no FROM credential_reviews');
  expect(row.version_no).toBe(1);
  // Published reviews are a record: the database refuses to change one.
  await expect(q("UPDATE credential_reviews SET summary = 'rewritten' WHERE id = $1", [row.id])).rejects.toThrow(/never changed/);
});

describe('who may see the dashboards', () => {
  it('refuses learners, and teachers of another course see nothing of this one', async () => {
    const learner = await launchAs(tool, sim, 'learner');
    expect((await learner.browser.get(`${learner.base}/quality`)).status).toBe(403);
    expect((await learner.browser.get(`${learner.base}/quality/${credentialId}/figures.csv`)).status).toBe(403);
    const otherSim = await connectLms(tool, 'canvas');
    try {
      const other = await launchAs(tool, otherSim, 'instructor');
      expect((await other.browser.get(`${other.base}/quality/${credentialId}`)).status).toBe(404);
      expect((await other.browser.get(`${other.base}/quality/${credentialId}/agreement.csv`)).status).toBe(404);
      const list = await other.browser.get(`${other.base}/quality`);
      expect(list.status).toBe(200);
      expect(list.body).not.toContain(`/quality/${credentialId}"`);
      expect((await other.browser.get(`${other.base}/quality/figures.csv`)).body.trim().split('\r\n')).toHaveLength(1); // the header only
    } finally {
      await otherSim.stop();
    }
  });

  it('shows admins every course’s credentials; the console needs an admin sign-in', async () => {
    const anonymous = await new TestBrowser().get(`${tool.base}/admin/quality`, false);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fquality');
    // A teacher's LTI session is not an admin sign-in.
    expect((await teacher.browser.get(`${tool.base}/admin/quality`)).status).toBe(403);

    const admin = await signedInAdmin(tool, { email: 'admin@uni.example', password: 'correct horse battery staple' });
    expect((await admin.get(`${tool.base}/admin`)).body).toContain('href="/admin/quality"');
    const list = await admin.get(`${tool.base}/admin/quality`);
    expect(list.status).toBe(200);
    expect(text(list.body)).toContain('Biology 101');
    const detail = text((await admin.get(`${tool.base}/admin/quality/${credentialId}`)).body);
    // The learner who launched above joined the course: 7 of 11 enrolled now.
    expect(detail).toContain('Enrolled 11');
    expect(detail).toContain('Completion rate 63.6%');
    expect(detail).toContain('Satisfaction (mean, 1–5) 4.2');
    const csv = (await admin.get(`${tool.base}/admin/quality/figures.csv`)).body.trim().split('\r\n');
    expect(csv).toHaveLength(2);
    expect((await admin.get(`${tool.base}/admin/quality/999999`)).status).toBe(404);
  });
});

it('draws the charts in the page’s language', async () => {
  sim.locale = 'nl-NL';
  try {
    const dutch = await launchAs(tool, sim, 'instructor');
    const page = await dutch.browser.get(`${dutch.base}/quality/${credentialId}`);
    expect(page.body).toMatch(/<svg [^>]*role="img"[^>]*><title id="[^"]+">Studenten van inschrijving tot toekenning<\/title>/);
    expect(page.body).toContain('1 poging: 6');
  } finally {
    sim.locale = 'en';
  }
});
