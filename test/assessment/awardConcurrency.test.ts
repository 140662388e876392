// Concurrency is settled by the database: 50 award triggers at once make one award and
// one event; two assessors deciding at once give one decision; two tabs starting a
// draft at once give one draft. Also: the audit log and submitted evidence cannot change.
import { completeDefinition } from '../credentials/fixtures';
import type { IdentityRecord } from '../../src/assessment/identity';
import type { AssessmentStore } from '../../src/assessment/store';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import { launchAs, PASSING_LEVELS, type Person, publishCredential, submitComplete } from './support';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;
let marker: Person;
let learner: Person;
let store: AssessmentStore;
let credentialId: number;

const supervisor: IdentityRecord = {
  method: 'online-supervisor',
  identityVerified: true,
  attestedBy: 'Ivo Invigilator',
  attestedAt: new Date().toISOString(),
  factors: 1,
  recordedById: 0,
  supervisionMethod: 'video call',
};
const passing = PASSING_LEVELS;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
  marker = await launchAs(tool, sim, 'instructor2');
  learner = await launchAs(tool, sim, 'learner');
  store = tool.assessment;
  credentialId = await publishCredential(tool, teacher, completeDefinition());
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

it('gives exactly one award and one event for 50 simultaneous award triggers', async () => {
  const sub = await submitComplete(tool, learner, credentialId);
  // The decision is recorded without its own award: mark it accepted directly, then fire the triggers.
  await q(
    "INSERT INTO assessments (submission_id, assessor_id, role, status, decision, levels, identity) VALUES ($1, $2, 'primary', 'completed', 'accept', $3, $4)",
    [sub.id, teacher.userId, JSON.stringify(passing), JSON.stringify(supervisor)],
  );
  await q("UPDATE submissions SET status = 'accepted' WHERE id = $1", [sub.id]);
  const results = await Promise.all(Array.from({ length: 50 }, () => store.tryAward(learner.courseId, credentialId, learner.userId)));
  expect(results.filter(Boolean)).toHaveLength(1);
  expect(await q('SELECT id FROM awards WHERE learner_id = $1', [learner.userId])).toHaveLength(1);
  expect(await q("SELECT id FROM outbox_events WHERE type = 'award.created'")).toHaveLength(1);
  expect(await q("SELECT id FROM audit_log WHERE action = 'award.created'")).toHaveLength(1);
  // And again later: still one.
  expect(await store.tryAward(learner.courseId, credentialId, learner.userId)).toBeUndefined();
});

it('lets one of two assessors deciding at the same moment win; the other gets a conflict', async () => {
  const other = await launchAs(tool, sim, 'learner2');
  const sub = await submitComplete(tool, other, credentialId);
  const decide = (assessor: Person, decision: 'accept' | 'return') =>
    store.decide(other.courseId, sub.id, assessor.userId, {
      decision,
      levels: passing,
      criterionComments: {},
      overallComment: 'x',
      identity: { ...supervisor, recordedById: assessor.userId },
      lockVersion: sub.lockVersion,
    });
  const outcomes = await Promise.allSettled([decide(teacher, 'accept'), decide(marker, 'return')]);
  expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
  expect(rejected.reason.code).toBe('ALREADY_DECIDED');
  expect(await q("SELECT id FROM assessments WHERE submission_id = $1 AND role = 'primary'", [sub.id])).toHaveLength(1);
});

it('opens one draft when two tabs start at once', async () => {
  const ta = await launchAs(tool, sim, 'ta');
  const drafts = await Promise.all(Array.from({ length: 8 }, () => store.openDraft(ta.courseId, credentialId, ta.userId)));
  expect(new Set(drafts.map((d) => d.id)).size).toBe(1);
});

it('keeps the audit log append-only and submitted evidence frozen, in the database itself', async () => {
  await expect(q('UPDATE audit_log SET action = $1', ['tampered'])).rejects.toThrow(/append-only/);
  await expect(q('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
  await expect(q('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
  const [item] = await q("SELECT e.id FROM evidence_items e JOIN submissions s ON s.id = e.submission_id WHERE s.status <> 'draft' LIMIT 1");
  await expect(q('UPDATE evidence_items SET title = $1 WHERE id = $2', ['changed', item.id])).rejects.toThrow(/cannot change/);
  await expect(q('DELETE FROM evidence_items WHERE id = $1', [item.id])).rejects.toThrow(/cannot change/);
  // Sharing an item publicly stays possible after submission.
  await q('UPDATE evidence_items SET shared = true WHERE id = $1', [item.id]);
});
