// Issuance survives what goes wrong: an award made while the jobs are down is picked up
// from the outbox when they start again; a job that fails (no issuer profile yet) is retried
// by pg-boss and succeeds once the cause is fixed; a job left running by a process that died
// is retried at once, one still claimed by a live process is not; status entries never
// collide, even when a list fills up under concurrent reservations.
import pg from 'pg';
import PgBoss from 'pg-boss';
import { StatusLists } from '../../src/badges/statusLists';
import { completeDefinition } from '../credentials/fixtures';
import { acceptComplete, launchAs, type Person, publishCredential, until } from '../assessment/support';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, startTestTool, type TestTool } from '../support/tool';

let tool: TestTool;
let sim: PlatformSimulator;
let teacher: Person;

beforeAll(async () => {
  tool = await startTestTool();
  sim = await connectLms(tool, 'moodle-4.5');
  teacher = await launchAs(tool, sim, 'instructor');
});
afterAll(async () => {
  await tool?.stop();
  await sim?.stop();
});

const q = (sql: string, params: unknown[] = []) => tool.database.pool.query(sql, params).then((r) => r.rows);

async function awardFor(who: Person, title: string) {
  const credentialId = await publishCredential(tool, teacher, { ...completeDefinition(), title, supervisionType: undefined });
  return acceptComplete(tool, teacher, who, credentialId);
}

it('retries a failed issuance until its cause is fixed, and picks up awards made while jobs were down', async () => {
  const learner = await launchAs(tool, sim, 'learner');
  // No issuer profile yet: the job fails and pg-boss schedules a retry.
  const first = await awardFor(learner, 'Before the profile');
  await until('a failed attempt', async () =>
    (await q("SELECT retry_count FROM pgboss.job WHERE name = 'issue-credential' AND state = 'retry'")).length ? true : undefined,
  );
  expect(await q('SELECT id FROM issued_credentials')).toHaveLength(0);
  await tool.issuer.save({ name: 'Example University', countryCode: 'NL', identifiers: [] } as never);
  // pg-boss retries with exponential backoff (2 s, 4 s, 8 s …), so this can take a while.
  await until('the retried issuance', async () => (await q('SELECT id FROM issued_credentials WHERE award_id = $1', [first.id]))[0], 45000);

  // The jobs stop (as in a restart); an award made meanwhile waits in the outbox.
  await tool.jobs.stop();
  const other = await launchAs(tool, sim, 'learner2');
  const second = await awardFor(other, 'During the restart');
  await new Promise((r) => setTimeout(r, 700));
  expect((await q("SELECT dispatched_at FROM outbox_events WHERE type = 'award.created' AND subject_id = $1", [second.id]))[0].dispatched_at).toBeNull();
  await tool.jobs.start();
  await until('the award from the outbox', async () => (await q('SELECT id FROM issued_credentials WHERE award_id = $1', [second.id]))[0]);
  expect(await q('SELECT award_id FROM issued_credentials ORDER BY award_id')).toEqual([{ award_id: first.id }, { award_id: second.id }]);
});

it('retries a job left running by a process that died, and not one a live process still runs', async () => {
  const learner = await launchAs(tool, sim, 'learner');
  await tool.jobs.stop();
  const award = await awardFor(learner, 'Signed when the process died');
  // Another worker process takes the award's job from pg-boss, then dies before finishing it.
  const other = new PgBoss({ connectionString: tool.database.url, schema: 'pgboss' });
  await other.start();
  const jobId = await other.send('issue-credential', { awardId: award.id });
  await q("UPDATE outbox_events SET dispatched_at = now() WHERE type = 'award.created' AND subject_id = $1", [award.id]);
  const [taken] = await other.fetch('issue-credential');
  expect(taken.id).toBe(jobId);
  await other.stop({ graceful: false });
  // pg-boss would leave it active until it expires (minutes); started a while ago, as after a restart.
  await q("UPDATE pgboss.job SET started_on = now() - interval '1 minute' WHERE id = $1", [jobId]);
  const state = async () => (await q('SELECT state FROM pgboss.job WHERE id = $1', [jobId]))[0].state;

  // While a live process claims it (its session holds the job's lock), it is left alone.
  const live = new pg.Client({ connectionString: tool.database.url });
  await live.connect();
  await live.query("SELECT pg_advisory_lock(hashtextextended('microcred-job:' || $1, 0))", [jobId]);
  await tool.jobs.start();
  expect(await tool.jobs.retryOrphans()).toBe(0);
  expect(await state()).toBe('active');

  // That process dies too: its claim goes with its connection, and the job is retried and done.
  await live.end();
  expect(await tool.jobs.retryOrphans()).toBe(1);
  await until('the orphaned job, retried', async () => (await q('SELECT id FROM issued_credentials WHERE award_id = $1', [award.id]))[0]);
  await until('the job completed', async () => ((await state()) === 'completed' ? true : undefined));
});

it('hands out status entries once each, and never past the end of a list', async () => {
  const lists = new StatusLists(tool.database.db);
  // Every existing list full, and one new list with only 10 entries left.
  await q('UPDATE status_lists SET allocated = size');
  const [nearlyFull] = await q(
    "INSERT INTO status_lists (purpose, size, bits, allocated) VALUES ('revocation', 131072, decode(repeat('00', 16384), 'hex'), 131062) RETURNING id",
  );
  const blocks = await Promise.all(Array.from({ length: 8 }, () => lists.allocateBlock(4)));
  const entries = blocks.flat();
  const keys = entries.map((e) => `${e.listId}:${e.index}`);
  expect(new Set(keys).size).toBe(keys.length);
  // The nearly full list gives exactly its last 10 entries; the other blocks come from a new list.
  expect(entries.filter((e) => e.listId === nearlyFull.id)).toHaveLength(10);
  expect(entries.filter((e) => e.listId !== nearlyFull.id).length).toBeGreaterThan(0);
  const rows = await q('SELECT id, allocated, size FROM status_lists');
  for (const row of rows) expect(row.allocated).toBeLessThanOrEqual(row.size);
  expect(rows.find((r) => r.id === nearlyFull.id).allocated).toBe(131072);
});
