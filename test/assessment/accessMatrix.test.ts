// Who may reach what in assessment: learners only their own attempts and files, staff
// only their own course's, file addresses checked on every request, and the course's
// independence rules enforced for deciding.
import { randomUUID } from 'node:crypto';
import { completeDefinition } from '../credentials/fixtures';
import { TestBrowser } from '../support/browser';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { launchAs, PDF, type Person, publishCredential, submitComplete, submitForm, text, uploadForm } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let otherSim: PlatformSimulator;
let teacher: Person;
let ta: Person;
let learner: Person;
let learner2: Person;
let otherTeacher: Person;
let credentialId: number;
let submissionId: number;
let fileId: string;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  otherSim = await connectLms(tool, 'canvas'); // another LMS, so another course
  teacher = await launchAs(tool, sim, 'instructor');
  ta = await launchAs(tool, sim, 'ta');
  learner = await launchAs(tool, sim, 'learner');
  learner2 = await launchAs(tool, sim, 'learner2');
  otherTeacher = await launchAs(tool, otherSim, 'instructor');
  credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' });

  // The learner hands in a complete attempt through the pages.
  const b = learner.browser;
  let page = await b.get(`${learner.base}/credentials/${credentialId}/my-work`);
  page = await submitForm(tool, b, page, /\/start$/);
  page = await uploadForm(tool, b, page, /\/evidence$/, { kind: 'file', criterionId: 'crit-plan' }, { filename: 'dmp.pdf', content: PDF });
  page = await submitForm(tool, b, page, /\/evidence$/, { kind: 'reflection', criterionId: 'crit-plan', body: 'r' });
  page = await submitForm(tool, b, page, /\/evidence$/, { kind: 'link', criterionId: 'crit-publish', url: 'https://example.org' });
  page = await submitForm(tool, b, page, /\/submit$/);
  const [row] = (
    await tool.database.pool.query('SELECT s.id, e.file_id FROM submissions s JOIN evidence_items e ON e.submission_id = s.id WHERE e.file_id IS NOT NULL')
  ).rows;
  submissionId = row.id;
  fileId = row.file_id;
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
  await otherSim?.stop();
});

/** A GET as someone, with the status expected. */
const cases: [string, number, () => Person, (p: Person) => string][] = [
  ['learner → assessment queue', 403, () => learner, (p) => `${p.base}/assessments`],
  ['learner → scoring page', 403, () => learner, (p) => `${p.base}/assessments/${submissionId}`],
  ['learner → audit log', 403, () => learner, (p) => `${p.base}/assessments/audit`],
  ['learner → own file', 200, () => learner, (p) => `${p.base}/files/${fileId}`],
  ['another learner → that file', 404, () => learner2, (p) => `${p.base}/files/${fileId}`],
  ['teacher → the file', 200, () => teacher, (p) => `${p.base}/files/${fileId}`],
  ['teacher → guessed file id', 404, () => teacher, (p) => `${p.base}/files/${randomUUID()}`],
  ['teacher → malformed file id', 404, () => teacher, (p) => `${p.base}/files/..%2F..%2Fetc%2Fpasswd`],
  ['teacher → learner’s work page', 403, () => teacher, (p) => `${p.base}/credentials/${credentialId}/my-work`],
  ['teacher of another course → scoring page', 404, () => otherTeacher, (p) => `${p.base}/assessments/${submissionId}`],
  ['teacher of another course → the file', 404, () => otherTeacher, (p) => `${p.base}/files/${fileId}`],
  ['teacher of another course → the credential’s work page', 403, () => otherTeacher, (p) => `${p.base}/credentials/${credentialId}/my-work`],
];

it.each(cases)('%s answers %i', async (_name, status, who, url) => {
  const p = who();
  const res = await p.browser.get(url(p));
  expect(res.status).toBe(status);
});

it('answers 401 to a file address without the browser session that made the launch', async () => {
  const stranger = new TestBrowser();
  expect((await stranger.get(`${learner.base}/files/${fileId}`)).status).toBe(401);
  // Another signed-in learner using the first learner's launch address: still refused.
  expect((await learner2.browser.get(`${learner.base}/files/${fileId}`)).status).toBe(401);
});

it('refuses writes to another learner’s attempt, and staff-only writes from learners', async () => {
  const page = await learner2.browser.get(`${learner2.base}/credentials/${credentialId}/my-work`);
  const started = await submitForm(tool, learner2.browser, page, /\/start$/);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(started.body)![1];
  const post = (p: Person, path: string, form: Record<string, string> = {}) => p.browser.post(`${p.base}${path}`, { _csrf: csrf, ...form });
  expect((await post(learner2, `/credentials/${credentialId}/my-work/${submissionId}/evidence`, { kind: 'link', url: 'https://evil.example' })).status).toBe(
    404,
  );
  expect((await post(learner2, `/credentials/${credentialId}/my-work/${submissionId}/submit`)).status).toBe(404);
  expect((await post(learner2, `/assessments/${submissionId}/decide`, { decision: 'accept' })).status).toBe(403);
  expect((await post(learner2, `/assessments/settings`, { maxAttempts: '9' })).status).toBe(403);
  // Forms without the CSRF token are refused even for the owner.
  const noToken = await learner.browser.post(`${learner.base}/credentials/${credentialId}/my-work/start`, {});
  expect(noToken.status).toBe(403);
  expect(text(noToken.body)).toContain('This form has expired or did not come from this site.');
  const count = await tool.database.pool.query('SELECT count(*)::int AS n FROM evidence_items WHERE submission_id = $1', [submissionId]);
  expect(count.rows[0].n).toBe(3);
});

it('enforces independence: with the rule on, the course’s teacher cannot decide, a teaching assistant can', async () => {
  let settings = await teacher.browser.get(`${teacher.base}/assessments/settings`);
  settings = await submitForm(tool, teacher.browser, settings, /\/settings$/, { assessorNotLearner: 'on', assessorNotTeacher: 'on', maxAttempts: '3' });
  expect(text(settings.body)).toContain('Settings saved.');

  const scoring = await teacher.browser.get(`${teacher.base}/assessments/${submissionId}`);
  expect(text(scoring.body)).toContain('its own teachers cannot assess');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(scoring.body)![1];
  // A complete decision with the submission's current version: only independence can refuse it.
  const [current] = (await tool.database.pool.query('SELECT lock_version FROM submissions WHERE id = $1', [submissionId])).rows;
  const refused = await teacher.browser.post(`${teacher.base}/assessments/${submissionId}/decide`, {
    _csrf: csrf,
    lockVersion: String(current.lock_version),
    'level_crit-plan': 'plan-3',
    'level_crit-publish': 'pub-2',
    identityMethod: 'lms-launch',
    decision: 'accept',
  });
  expect(refused.status).toBe(403);

  const taPage = await ta.browser.get(`${ta.base}/assessments/${submissionId}`);
  const accepted = await submitForm(tool, ta.browser, taPage, /\/decide$/, {
    'level_crit-plan': 'plan-3',
    'level_crit-publish': 'pub-2',
    identityMethod: 'lms-launch',
    decision: 'accept',
  });
  expect(accepted.status).toBe(200);
  expect(text(accepted.body)).toContain('Accepted by Tom Assistant');
  const { rows } = await tool.database.pool.query("SELECT before, after FROM audit_log WHERE action = 'settings.changed'");
  expect(rows[0]).toMatchObject({ before: { assessorNotTeacher: false }, after: { assessorNotTeacher: true } });
});

it('never lets staff assess their own attempt while the not-the-learner rule is on', async () => {
  const store = tool.assessment;
  const sub = await submitComplete(tool, ta, credentialId);
  await expect(
    store.decide(ta.courseId, sub.id, ta.userId, {
      decision: 'accept',
      levels: { 'crit-plan': 'plan-3', 'crit-publish': 'pub-2' },
      criterionComments: {},
      overallComment: '',
      identity: { method: 'lms-launch', identityVerified: false, attestedBy: 'LMS', attestedAt: new Date().toISOString(), recordedById: ta.userId },
      lockVersion: sub.lockVersion,
    }),
  ).rejects.toMatchObject({ code: 'ASSESSOR_NOT_INDEPENDENT' });
});
