// Grade updates after the first one, against the Moodle 4.5 profile (issue 12, item 1): Moodle
// stores each score with the second it processed it and refuses (409, body []) any score not
// strictly later. The badge link after an accept, "Resend" and "Resend all" must reach it and
// leave delivered rows "sent"; a score for someone Moodle does not grade is never a mystery.
// Real background jobs, real PostgreSQL, the simulator over real HTTP.
import { launchAs, type Person, publishCredential, submitForm, text, until } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { decideAttempt, rosterLearners, submitComplete } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let credentialId: number;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  await tool.issuer.save({ name: 'Example University', countryCode: 'NL', identifiers: [] } as never);
  credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: undefined });
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);
const held = (sub: string) => [...sim.scores.values()].find((s) => s.userId === sub) as Record<string, any> | undefined;
const rowOf = async (learnerId: number) =>
  (await q('SELECT status, last_error FROM grade_passback WHERE credential_id = $1 AND learner_id = $2', [credentialId, learnerId]))[0];
const logOf = (sub: string) => sim.scoreLog.filter((e) => e.userId === sub);

it('sends the badge link after an accept; Moodle takes it and the row says sent', async () => {
  const learner = await launchAs(tool, sim, 'learner');
  const sub = await submitComplete(tool, learner, credentialId);
  await until('the submitted score', async () => held('u-learner-1'));
  await decideAttempt(tool, teacher, learner, sub, 'accept');
  const withBadge = await until(
    'the badge link at the LMS',
    async () => (held('u-learner-1')?.comment?.includes('/credentials/') ? held('u-learner-1') : undefined),
    30000,
  );
  const [issued] = await q('SELECT id FROM issued_credentials WHERE learner_id = $1', [learner.userId]);
  expect(withBadge).toMatchObject({
    comment: `Awarded. Open Badge: ${tool.base}/credentials/${issued.id}`,
    scoreGiven: 6,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
  });
  await until('the row to read sent', async () => ((await rowOf(learner.userId))?.status === 'sent' ? true : undefined));
  expect(await rowOf(learner.userId)).toEqual({ status: 'sent', last_error: null });
  // Every score Moodle took was later, in whole seconds, than the one before.
  const accepted = logOf('u-learner-1')
    .filter((e) => e.status === 200)
    .map((e) => Date.parse(e.timestamp));
  expect(accepted.length).toBeGreaterThanOrEqual(3); // needs grading, the grade, the badge link
  accepted.forEach((t, i) => i > 0 && expect(Math.floor(t / 1000)).toBeGreaterThan(Math.floor(accepted[i - 1] / 1000)));
  expect(text((await teacher.browser.get(`${teacher.base}/grades`)).body)).toContain('Lena Learner Research Data Management Sent');
}, 60000);

it('"Resend" and "Resend all" send with a fresh timestamp and keep delivered rows sent', async () => {
  const learner = await launchAs(tool, sim, 'learner');
  const before = held('u-learner-1')!.timestamp as string;
  let page = await teacher.browser.get(`${teacher.base}/grades`);
  page = await submitForm(tool, teacher.browser, page, /\/grades\/resend$/, { credentialId: String(credentialId), learnerId: String(learner.userId) });
  expect(text(page.body)).toContain('The grade is being sent again.');
  expect(text(page.body)).toContain('Lena Learner Research Data Management Sent'); // delivered: still sent while it goes again
  const resent = await until('the resent score at the LMS', async () =>
    held('u-learner-1')!.timestamp > before ? (held('u-learner-1')!.timestamp as string) : undefined,
  );
  expect(held('u-learner-1')!.comment).toContain('/credentials/');
  await until('the row to read sent', async () => ((await rowOf(learner.userId))?.status === 'sent' ? true : undefined));

  // And everyone at once.
  page = await submitForm(tool, teacher.browser, await teacher.browser.get(`${teacher.base}/grades`), /\/grades\/resend$/, {});
  expect(text(page.body)).toContain('Every grade of this course is being sent again.');
  await until('the second resend at the LMS', async () => (held('u-learner-1')!.timestamp > resent ? true : undefined));
  await until('every row to read sent', async () =>
    (await q("SELECT count(*)::int AS n FROM grade_passback WHERE status <> 'sent'"))[0].n === 0 ? true : undefined,
  );
  expect(await rowOf(learner.userId)).toEqual({ status: 'sent', last_error: null });
  expect(logOf('u-learner-1').filter((e) => e.status !== 200)).toEqual([]);
  expect(text((await teacher.browser.get(`${teacher.base}/grades`)).body)).toMatch(/ 0 failed /);
}, 60000);

it('never sends a score for someone who is no longer a learner of the course, and says why', async () => {
  const [promoted, leaver] = await rosterLearners(tool, teacher, 2);
  const promotedSub = 'u-gen-1';
  const leaverSub = 'u-gen-2';
  const submission = await submitComplete(tool, promoted, credentialId);
  await until('the submitted score', async () => held(promotedSub));
  // In the LMS the learner becomes a teaching assistant; a roster sync tells microcred.
  sim.members.find((m) => m.user_id === promotedSub)!.roles = ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'];
  await submitForm(tool, teacher.browser, await teacher.browser.get(teacher.base), '/roster/sync');
  const sentBefore = logOf(promotedSub).length;
  await decideAttempt(tool, teacher, promoted, submission, 'reject');
  const refused = await until('the refusal to be recorded', async () =>
    (await rowOf(promoted.userId))?.status === 'failed' ? rowOf(promoted.userId) : undefined,
  );
  expect(refused.last_error).toMatch(/no longer a learner/);
  expect(logOf(promotedSub)).toHaveLength(sentBefore); // Moodle would answer 400 "Incorrect score received"

  // Unenrolled in the LMS after microcred last heard of them: Moodle refuses, and the row says what Moodle said.
  sim.members = sim.members.filter((m) => m.user_id !== leaverSub);
  await submitComplete(tool, leaver, credentialId);
  const failed = await until('the LMS’s refusal', async () => ((await rowOf(leaver.userId))?.status === 'failed' ? rowOf(leaver.userId) : undefined));
  expect(failed.last_error).toBe('The LMS refused the request (HTTP 400: Incorrect score received).');
  expect(logOf(leaverSub).map((e) => e.status)).toEqual([400]);
}, 60000);
