// Grade passback against the simulated LMS's AGS endpoints over real HTTP, driven by the
// real background jobs: "needs grading" on submission, the grade on decision, the badge
// link once issued; one gradebook column however many learners are graded at once; the
// one created through deep linking used when there is one; refusals recorded with the
// LMS's message; resending from the instructor's page.
import { acceptComplete, launchAs, type Person, publishCredential, submitForm, text, until } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { decideAttempt, rosterLearners, submitComplete } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'canvas');
  teacher = await launchAs(tool, sim, 'instructor');
  await tool.issuer.save({ name: 'Example University', countryCode: 'NL', identifiers: [] } as never);
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);
const scoreOf = (sub: string) => [...sim.scores.values()].find((s) => s.userId === sub) as Record<string, any> | undefined;

it('sends "needs grading", then the grade, then the badge link, to one column', async () => {
  const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), supervisionType: undefined });
  const learner = await launchAs(tool, sim, 'learner');
  const sub = await submitComplete(tool, learner, credentialId);
  const pending = await until('the submitted score', async () => scoreOf('u-learner-1'));
  expect(pending).toMatchObject({
    activityProgress: 'Submitted',
    gradingProgress: 'PendingManual',
    'https://canvas.instructure.com/lti/submission': { new_submission: true },
  });
  expect(pending.scoreGiven).toBeUndefined();
  // No column existed: one was created with our resourceId and tag.
  expect([...sim.lineItems.values()]).toEqual([
    expect.objectContaining({ resourceId: `microcred-credential-${credentialId}`, tag: 'microcred', scoreMaximum: 11, label: 'Research Data Management' }),
  ]);

  await decideAttempt(tool, teacher, learner, sub, 'accept');
  const withBadge = await until(
    'the badge link',
    async () => (scoreOf('u-learner-1')?.comment?.includes('/credentials/') ? scoreOf('u-learner-1') : undefined),
    20000,
  );
  expect(withBadge).toMatchObject({ scoreGiven: 6, scoreMaximum: 11, activityProgress: 'Completed', gradingProgress: 'FullyGraded' });
  const [issued] = await q('SELECT id FROM issued_credentials WHERE learner_id = $1', [learner.userId]);
  expect(withBadge.comment).toBe(`Awarded. Open Badge: ${tool.base}/credentials/${issued.id}`);
  expect(sim.lineItems.size).toBe(1);

  // The instructor sees it sent.
  const page = await teacher.browser.get(`${teacher.base}/grades`);
  expect(text(page.body)).toContain('Lena Learner Research Data Management Sent');
});

it('creates one column for many learners graded at once, and reuses a deep-linked one', async () => {
  const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), title: 'Busy credential', supervisionType: undefined });
  const learners = await rosterLearners(tool, teacher, 12);
  await Promise.all(learners.map((l) => acceptComplete(tool, teacher, l, credentialId)));
  await until(
    '12 graded scores',
    async () =>
      (
        await q("SELECT count(*)::int AS n FROM grade_passback WHERE credential_id = $1 AND status = 'sent' AND sent_timestamp >= wanted_timestamp", [
          credentialId,
        ])
      )[0].n === 12
        ? true
        : undefined,
    30000,
  );
  const columns = [...sim.lineItems.values()].filter((li) => li.resourceId === `microcred-credential-${credentialId}`);
  expect(columns).toHaveLength(1);
  // A column the LMS made through deep linking is used as it is.
  const deepLinked = await publishCredential(tool, teacher, { ...completeDefinition(), title: 'Placed credential', supervisionType: undefined });
  const url = `${sim.issuer}/ags/${sim.context.id}/lineitems/dl-${deepLinked}`;
  sim.lineItems.set(url, { id: url, label: 'Placed by deep linking', scoreMaximum: 11 });
  await q("INSERT INTO line_items (course_id, credential_id, url, source) VALUES ($1, $2, $3, 'deep-linking')", [teacher.courseId, deepLinked, url]);
  const before = sim.lineItems.size;
  const learner2 = await launchAs(tool, sim, 'learner2');
  await submitComplete(tool, learner2, deepLinked);
  await until('the score in the deep-linked column', async () => sim.scores.get(`${url}|u-learner-2`));
  expect(sim.lineItems.size).toBe(before);
});

it('records a refusal with the LMS’s reason, and resends on request', async () => {
  const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), title: 'Refused credential', supervisionType: undefined });
  const url = `${sim.issuer}/ags/${sim.context.id}/lineitems/gone-${credentialId}`;
  // A column the LMS answers 400 for, with its own message.
  sim.lineItems.set(url, { id: url, label: 'x', scoreMaximum: 1 });
  sim.rejectScores.set(url, 'scoreMaximum does not match the line item');
  await q("INSERT INTO line_items (course_id, credential_id, url, source) VALUES ($1, $2, $3, 'launch')", [teacher.courseId, credentialId, url]);
  const [learner] = await rosterLearners(tool, teacher, 1);
  await submitComplete(tool, learner, credentialId);
  const [row] = await until(
    'the failure',
    async () =>
      (await q("SELECT status, last_error FROM grade_passback WHERE credential_id = $1 AND status = 'failed'", [credentialId]))[0] &&
      q('SELECT status, last_error FROM grade_passback WHERE credential_id = $1', [credentialId]),
  );
  expect(row.last_error).toContain('scoreMaximum does not match the line item');
  let page = await teacher.browser.get(`${teacher.base}/grades`);
  expect(text(page.body)).toContain('Failed');
  expect(text(page.body)).toContain('scoreMaximum does not match the line item');
  // The LMS is fixed; the teacher resends that one.
  sim.rejectScores.delete(url);
  page = await submitForm(tool, teacher.browser, page, /\/grades\/resend$/, {});
  expect(text(page.body)).toContain('being sent again');
  await until('the resent grade', async () => sim.scores.get(`${url}|${'u-gen-1'}`));
  // Learners cannot see or use the page.
  const l = await launchAs(tool, sim, 'learner');
  expect((await l.browser.get(`${l.base}/grades`)).status).toBe(403);
});
