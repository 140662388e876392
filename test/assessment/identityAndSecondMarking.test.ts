// Each identity-verification level, through the scoring page: what each credential's
// supervision type accepts, what is recorded (who attested, when, how; a document's kind
// but never its number). Then blind second marking and agreement per criterion.
import { completeDefinition } from '../credentials/fixtures';
import type { SupervisionType } from '../../src/credentials/vocabulary';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { launchAs, type Person, publishCredential, submitComplete, submitForm, text } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let marker: Person;
let learner: Person;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  marker = await launchAs(tool, sim, 'instructor2');
  learner = await launchAs(tool, sim, 'learner');
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

/** A credential with this supervision type, and a complete submitted attempt at it by the learner. */
async function submittedFor(supervisionType: SupervisionType) {
  const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), title: `Supervision: ${supervisionType}`, supervisionType });
  const sub = await submitComplete(tool, learner, credentialId);
  return { credentialId, submissionId: sub.id };
}

const levels = { 'level_crit-plan': 'plan-3', 'level_crit-publish': 'pub-2', decision: 'accept' };

async function decide(submissionId: number, identity: Record<string, string>) {
  const page = await teacher.browser.get(`${teacher.base}/assessments/${submissionId}`);
  return submitForm(tool, teacher.browser, page, /\/decide$/, { ...levels, ...identity });
}

const identityOf = async (submissionId: number) =>
  (await tool.database.pool.query("SELECT identity FROM assessments WHERE submission_id = $1 AND role = 'primary'", [submissionId])).rows[0]?.identity;

it('unsupervised: the authenticated LMS launch recorded at submission is enough', async () => {
  const { submissionId } = await submittedFor('unsupervised with no identity verification');
  const res = await decide(submissionId, { identityMethod: 'lms-launch' });
  expect(text(res.body)).toContain('Accepted by Ada Teacher');
  expect(await identityOf(submissionId)).toMatchObject({
    method: 'lms-launch',
    attestedBy: 'Moodle test (LMS sign-in)',
    lms: { platform: 'Moodle test', launchId: 'launch-1' },
    factors: 1,
  });
});

it('supervised without identity check: needs a supervisor’s attestation and how it was supervised', async () => {
  const { submissionId } = await submittedFor('supervised with no identity verification');
  let res = await decide(submissionId, { identityMethod: 'lms-launch' });
  expect(res.status).toBe(422);
  expect(text(res.body)).toContain('needs an online supervisor’s attestation or an on-site identity-document check');
  res = await decide(submissionId, { identityMethod: 'online-supervisor', identityAttestedBy: 'Ivo Invigilator' });
  expect(res.status).toBe(422);
  expect(text(res.body)).toContain('Name how the assessment was supervised');
  expect(res.body).toContain('value="Ivo Invigilator"');
  res = await decide(submissionId, {
    identityMethod: 'online-supervisor',
    identityAttestedBy: 'Ivo Invigilator',
    identitySupervisionMethod: 'proctored video call',
  });
  expect(text(res.body)).toContain('Accepted');
  const record = await identityOf(submissionId);
  expect(record).toMatchObject({
    method: 'online-supervisor',
    attestedBy: 'Ivo Invigilator',
    supervisionMethod: 'proctored video call',
    identityVerified: false,
    recordedById: teacher.userId,
  });
  expect(Date.now() - Date.parse(record.attestedAt)).toBeLessThan(60_000);
});

it('supervised online: the supervisor must verify identity; two factors are recorded', async () => {
  const { submissionId } = await submittedFor('supervised online');
  let res = await decide(submissionId, { identityMethod: 'online-supervisor', identitySupervisionMethod: 'video call' });
  expect(res.status).toBe(422);
  expect(text(res.body)).toContain('identity was not verified');
  res = await decide(submissionId, {
    identityMethod: 'online-supervisor',
    identitySupervisionMethod: 'video call',
    identityVerified: 'on',
    identityFactors: '2',
  });
  expect(text(res.body)).toContain('Accepted');
  // Left empty, "attested by" is the person recording it.
  expect(await identityOf(submissionId)).toMatchObject({ identityVerified: true, factors: 2, attestedBy: 'Ada Teacher' });
});

it('on site: only an identity-document check counts, and only the document’s kind is kept', async () => {
  const { submissionId } = await submittedFor('onsite with identity verification');
  let res = await decide(submissionId, { identityMethod: 'online-supervisor', identitySupervisionMethod: 'video call', identityVerified: 'on' });
  expect(text(res.body)).toContain('needs an on-site identity-document check');
  res = await decide(submissionId, { identityMethod: 'onsite-id-check' });
  expect(text(res.body)).toContain('Choose the kind of identity document that was checked');
  res = await decide(submissionId, {
    identityMethod: 'onsite-id-check',
    identityIdDocumentType: 'passport',
    identityAttestedBy: 'Desk officer',
    idNumber: 'NX1234567',
    identityNumber: 'NX1234567',
  });
  expect(text(res.body)).toContain('On-site check of a passport, attested by Desk officer');
  expect(await identityOf(submissionId)).toMatchObject({ method: 'onsite-id-check', idDocumentType: 'passport', identityVerified: true });
  const stored = await tool.database.pool.query(
    "SELECT count(*)::int AS n FROM (SELECT identity::text AS t FROM assessments UNION ALL SELECT identity::text FROM awards UNION ALL SELECT coalesce(after::text, '') FROM audit_log) x WHERE t LIKE '%NX1234567%'",
  );
  expect(stored.rows[0].n).toBe(0);
});

it('second marking is blind, then shows agreement per criterion', async () => {
  const { submissionId } = await submittedFor('unsupervised with no identity verification');
  // The teacher asks Ben to second-mark before deciding.
  let page = await teacher.browser.get(`${teacher.base}/assessments/${submissionId}`);
  page = await submitForm(tool, teacher.browser, page, /\/second-marking$/, { assessorId: String(marker.userId) });
  expect(text(page.body)).toContain('Second marking requested.');
  expect(text(page.body)).toContain('Ben Marker: asked, not yet scored');
  // The teacher decides, with comments Ben must not see yet.
  page = await submitForm(tool, teacher.browser, page, /\/decide$/, {
    'level_crit-plan': 'plan-4',
    'level_crit-publish': 'pub-2',
    'comment_crit-plan': 'SECRET-PRIMARY-COMMENT',
    identityMethod: 'lms-launch',
    decision: 'accept',
  });
  expect(text(page.body)).toContain('Accepted');

  // Ben's queue counts it; his page hides the primary scores.
  const queue = await marker.browser.get(`${marker.base}/assessments?status=second-marking`);
  expect(text(queue.body)).toContain('Second marking for me: 1');
  let blind = await marker.browser.get(`${marker.base}/assessments/${submissionId}`);
  expect(text(blind.body)).toContain('Second marking (blind)');
  expect(blind.body).not.toContain('SECRET-PRIMARY-COMMENT');
  expect(blind.body).not.toContain('Accepted by');
  blind = await submitForm(tool, marker.browser, blind, /\/second-marking\/complete$/, { 'level_crit-plan': 'plan-3' });
  expect(blind.status).toBe(422);
  expect(text(blind.body)).toContain('Choose a level for “FAIR publication”');
  blind = await submitForm(tool, marker.browser, blind, /\/second-marking\/complete$/, { 'level_crit-plan': 'plan-3', 'level_crit-publish': 'pub-2' });
  expect(text(blind.body)).toContain('Your second marking is saved.');
  // Now both see agreement per criterion.
  const after = text((await teacher.browser.get(`${teacher.base}/assessments/${submissionId}`)).body);
  expect(after).toContain('Agreement with Ben Marker');
  expect(after).toContain('Data management plan Excellent Competent Within one level');
  expect(after).toContain('FAIR publication Sufficient Sufficient Exact');
  // A second request to the same person is refused; the primary assessor cannot second-mark themselves.
  await expect(tool.assessment.requestSecondMarking(teacher.courseId, submissionId, teacher.userId, marker.userId)).rejects.toMatchObject({
    code: 'ALREADY_REQUESTED',
  });
  await expect(tool.assessment.requestSecondMarking(teacher.courseId, submissionId, teacher.userId, teacher.userId)).rejects.toMatchObject({
    code: 'SAME_ASSESSOR',
  });
  const audit = await tool.database.pool.query("SELECT action FROM audit_log WHERE entity_id = $1 AND action LIKE 'second-marking.%' ORDER BY id", [
    submissionId,
  ]);
  expect(audit.rows.map((r) => r.action)).toEqual(['second-marking.requested', 'second-marking.completed']);
});
