// The fault test: the LMS's AGS endpoint fails 30% of requests (spread evenly, so the count is reproducible), then goes down
// completely for a while, then comes back; the tool is restarted in the middle. Meanwhile
// learners submit, are returned, resubmit and are decided. Afterwards every learner's
// grade at the LMS equals their latest state in microcred: none lost, none stale.
// The background jobs run in a separate microcred process on the same database, which is
// killed (SIGKILL, no graceful stop) during the outage and started again.
import { launchAs, type Person, publishCredential, until } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import type { PlatformSimulator } from '../support/platformSimulator';
import { type ChildTool, startChildTool } from '../support/childTool';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { decideAttempt, rosterLearners, submitComplete } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let worker: ChildTool | undefined;

afterAll(async () => {
  await worker?.kill('SIGTERM');
  await tool?.stop();
  await sim?.stop();
});

const LEARNERS = 16;

it('loses no grade and leaves none stale through random failures, an outage and a restart', async () => {
  // This process serves launches and records decisions; the worker process sends grades.
  tool = await startTestTool({ BACKGROUND_JOBS: 'off' });
  sim = await connectLms(tool, 'moodle-4.5');
  worker = await startChildTool(tool);
  const teacher: Person = await launchAs(tool, sim, 'instructor');
  const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: undefined, gradeShown: true });
  const learners = await rosterLearners(tool, teacher, LEARNERS);
  const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

  // Phase 1: 30% of AGS requests fail (500, or 429 with Retry-After), spread over the sequence.
  sim.agsFaults = { failRate: 0.3, down: false };
  const firsts = await Promise.all(learners.map((l) => submitComplete(tool, l, credentialId)));
  // Half are returned, half accepted.
  await Promise.all(learners.map((l, i) => decideAttempt(tool, teacher, l, firsts[i], i % 2 === 0 ? 'return' : 'accept')));

  // Phase 2: the LMS goes down completely; the returned half resubmit meanwhile.
  sim.agsFaults = { failRate: 0, down: true };
  const returned = learners.filter((_, i) => i % 2 === 0);
  const seconds = await Promise.all(returned.map((l) => submitComplete(tool, l, credentialId)));
  // The worker process crashes in the middle of the outage, with jobs waiting to be retried.
  await new Promise((r) => setTimeout(r, 1000));
  await worker.kill('SIGKILL');
  // While still down, some resubmissions are decided (newer grades than any held).
  await Promise.all(returned.slice(0, 4).map((l, i) => decideAttempt(tool, teacher, l, seconds[i], i % 2 === 0 ? 'accept' : 'reject')));
  await new Promise((r) => setTimeout(r, 2000)); // the outage lasts a while longer

  // Phase 3: the LMS comes back, still flaky, and a new worker process starts.
  sim.agsFaults = { failRate: 0.3, down: false };
  worker = await startChildTool(tool);
  const expected = async () =>
    Promise.all(learners.map(async (l) => ({ l, want: await tool.passback.scoreFor({ courseId: l.courseId, credentialId, learnerId: l.userId }) })));
  // The LMS holds the learner's latest state when it holds that score (its timestamp is the send's, not the state's).
  const same = (held: Record<string, unknown> | undefined, want: Record<string, unknown>) =>
    !!held && ['scoreGiven', 'scoreMaximum', 'activityProgress', 'gradingProgress', 'comment'].every((k) => held[k] === want[k]);
  const settled = async () => {
    for (const { l, want } of await expected()) {
      const [sub] = await q('SELECT sub FROM lti_users WHERE id = $1', [l.userId]);
      const held = [...sim.scores.values()].find((s) => s.userId === sub.sub);
      if (!same(held, want!.score)) return undefined;
    }
    return true;
  };
  await until('every grade to reach the LMS', settled, 90000);
  sim.agsFaults = { failRate: 0, down: false };

  // 0 lost, 0 stale: the LMS holds exactly each learner's latest state.
  let lost = 0;
  let stale = 0;
  for (const { l, want } of await expected()) {
    const [sub] = await q('SELECT sub FROM lti_users WHERE id = $1', [l.userId]);
    const held = [...sim.scores.values()].find((s) => s.userId === sub.sub) as Record<string, unknown> | undefined;
    if (!held) lost++;
    else if (!same(held, want!.score)) stale++;
  }
  expect({ lost, stale }).toEqual({ lost: 0, stale: 0 });
  // The faults were real: requests failed and were retried.
  expect(sim.agsFailures).toBeGreaterThan(5);
  // And the instructor's status page agrees: every row sent (a retry still in flight settles it).
  await until(
    'every passback row to read "sent"',
    async () => ((await q("SELECT count(*)::int AS n FROM grade_passback WHERE status = 'sent'"))[0].n === LEARNERS ? true : undefined),
    30000,
  );
}, 150000);
