// One learner's scores to one gradebook column go one at a time, across processes too, each
// with a later timestamp than the last: two sends at the same moment both succeed and the LMS
// ends with the newest state (Moodle would answer the second 409; Canvas refuses an older
// score that arrives after a newer one with 400). A 409 is retried once with a later
// timestamp. Sends are called directly (background jobs off), so the interleaving is the
// test's; the LMS is the simulator over real HTTP, the database real PostgreSQL.
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import pino from 'pino';
import * as schema from '../../src/db/schema';
import { GradePassback, type PassbackTarget } from '../../src/grades/passback';
import { LtiServiceClient } from '../../src/lti/serviceClient';
import { launchAs, type Person, publishCredential, until } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { decideAttempt, rosterLearners, submitComplete } from './support';

let tool: TestTool;
let moodle: PlatformSimulator;
let canvas: PlatformSimulator;
let moodleTeacher: Person;
let canvasTeacher: Person;
let moodleCredential: number;
let canvasCredential: number;
let otherProcess: { passback: GradePassback; pool: pg.Pool };

beforeAll(async () => {
  tool = await startTestTool({ BACKGROUND_JOBS: 'off' });
  moodle = await connectLms(tool, 'moodle-4.5');
  canvas = await connectLms(tool, 'canvas');
  moodleTeacher = await launchAs(tool, moodle, 'instructor');
  canvasTeacher = await launchAs(tool, canvas, 'instructor');
  moodleCredential = await publishCredential(tool, moodleTeacher, { ...completeDefinition(), supervisionType: undefined });
  canvasCredential = await publishCredential(tool, canvasTeacher, { ...completeDefinition(), supervisionType: undefined });
  // A second microcred process: its own pool and service client on the same database.
  const pool = new pg.Pool({ connectionString: tool.config.databaseUrl, max: 4 });
  otherProcess = {
    pool,
    passback: new GradePassback(drizzle(pool, { schema }), new LtiServiceClient(tool.lti, { concurrency: 8, timeoutMs: 10_000 }), {
      publicUrl: tool.base,
      log: pino({ level: 'silent' }),
    }),
  };
});
afterAll(async () => {
  await otherProcess?.pool.end();
  await tool?.stop();
  await moodle?.stop();
  await canvas?.stop();
});

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);
const rowOf = async (t: PassbackTarget) =>
  (
    await q('SELECT status, last_error, wanted_timestamp, sent_timestamp FROM grade_passback WHERE course_id = $1 AND credential_id = $2 AND learner_id = $3', [
      t.courseId,
      t.credentialId,
      t.learnerId,
    ])
  )[0];
const subOf = async (learnerId: number) => (await q('SELECT sub FROM lti_users WHERE id = $1', [learnerId]))[0].sub as string;
/** Sessions of this database waiting for a lock (a send queued behind another for the same learner). */
const lockWaits = async () =>
  (await q("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))[0].n as number;

/**
 * Sends the submitted state, and while that score is on its way, decides the attempt and sends
 * again through `second`: two sends for one learner at the same moment.
 */
async function twoSendsAtOnce(sim: PlatformSimulator, teacher: Person, credentialId: number, learner: Person, second: GradePassback) {
  const t = { courseId: learner.courseId, credentialId, learnerId: learner.userId };
  const submission = await submitComplete(tool, learner, credentialId);
  const sub = await subOf(learner.userId);
  sim.agsFaults = { failRate: 0, down: false, latencyMs: 400 };
  try {
    const first = tool.passback.send(t);
    await until('the first score on its way', async () =>
      sim.received.some((r) => r.path.endsWith('/scores') && (r.body as { userId?: string }).userId === sub) ? true : undefined,
    );
    await decideAttempt(tool, teacher, learner, submission, 'accept');
    const results = await Promise.all([first, second.send(t)]);
    return { t, sub, results };
  } finally {
    sim.agsFaults = { failRate: 0, down: false };
  }
}

it('two sends for one learner at the same moment both succeed, in order, and Moodle ends with the newest state', async () => {
  const [learner] = await rosterLearners(tool, moodleTeacher, 1);
  const { t, sub, results } = await twoSendsAtOnce(moodle, moodleTeacher, moodleCredential, learner, tool.passback);
  expect(results).toEqual(['sent', 'sent']);
  const accepted = moodle.scoreLog.filter((e) => e.userId === sub && e.status === 200);
  expect(accepted.map((e) => e.score.gradingProgress)).toEqual(['PendingManual', 'FullyGraded']);
  expect(Date.parse(accepted[1].timestamp)).toBeGreaterThan(Date.parse(accepted[0].timestamp));
  expect([...moodle.scores.values()].find((s) => s.userId === sub)).toMatchObject({ gradingProgress: 'FullyGraded', scoreGiven: 6 });
  expect(await rowOf(t)).toMatchObject({ status: 'sent', last_error: null });
});

it('a second process sending for the same learner waits its turn too', async () => {
  const [, learner] = await rosterLearners(tool, moodleTeacher, 2);
  const { t, sub, results } = await twoSendsAtOnce(moodle, moodleTeacher, moodleCredential, learner, otherProcess.passback);
  expect(results).toEqual(['sent', 'sent']);
  expect(moodle.scoreLog.filter((e) => e.userId === sub && e.status === 200).map((e) => e.score.gradingProgress)).toEqual(['PendingManual', 'FullyGraded']);
  expect(await rowOf(t)).toMatchObject({ status: 'sent', last_error: null });
});

it('takes a 409 as "send later": recomputes and sends once more with a later timestamp', async () => {
  const [, , learner] = await rosterLearners(tool, moodleTeacher, 3);
  const t = { courseId: learner.courseId, credentialId: moodleCredential, learnerId: learner.userId };
  const sub = await subOf(learner.userId);
  const submission = await submitComplete(tool, learner, moodleCredential);
  expect(await tool.passback.send(t)).toBe('sent');
  await decideAttempt(tool, moodleTeacher, learner, submission, 'accept');
  // A grade is saved in Moodle in the very second the tool's next score arrives.
  moodle.gradeSavedInLmsAtNextScore.add(sub);
  expect(await tool.passback.send(t)).toBe('sent');
  const log = moodle.scoreLog.filter((e) => e.userId === sub);
  expect(log.map((e) => e.status)).toEqual([200, 409, 200]);
  expect(Math.floor(Date.parse(log[2].timestamp) / 1000)).toBeGreaterThan(Math.floor(Date.parse(log[1].timestamp) / 1000));
  expect(log[2].score).toMatchObject({ gradingProgress: 'FullyGraded', scoreGiven: 6 });
  expect(await rowOf(t)).toMatchObject({ status: 'sent', last_error: null });
});

it('Canvas: an older score never lands after a newer one, even when the network reorders them', async () => {
  const [learner] = await rosterLearners(tool, canvasTeacher, 1);
  const t = { courseId: learner.courseId, credentialId: canvasCredential, learnerId: learner.userId };
  const sub = await subOf(learner.userId);
  const submission = await submitComplete(tool, learner, canvasCredential);
  const hold = canvas.holdScores();
  const first = tool.passback.send(t);
  await until('the first score held on its way', async () => (hold.count() === 1 ? true : undefined));
  await decideAttempt(tool, canvasTeacher, learner, submission, 'accept');
  const second = otherProcess.passback.send(t);
  // Either the second score is on its way too, or it waits for the first.
  await until('the second send to start', async () => (hold.count() === 2 || (await lockWaits()) > 0 ? true : undefined));
  await hold.release('newest-first');
  expect(await Promise.all([first, second])).toEqual(['sent', 'sent']);
  const log = canvas.scoreLog.filter((e) => e.userId === sub);
  expect(log.filter((e) => e.status !== 200)).toEqual([]); // Canvas: "Provided timestamp … before last updated timestamp"
  expect([...canvas.scores.values()].find((s) => s.userId === sub)).toMatchObject({
    gradingProgress: 'FullyGraded',
    'https://canvas.instructure.com/lti/submission': { new_submission: false },
  });
  expect(await rowOf(t)).toMatchObject({ status: 'sent', last_error: null });
});
