// Issuance survives what goes wrong: an award made while the jobs are down is picked up
// from the outbox when they start again; a job that fails (no issuer profile yet) is retried
// by pg-boss and succeeds once the cause is fixed; a job left running by a process that died
// is retried at once, one still claimed by a live process is not; status entries never
// collide, even when a list fills up under concurrent reservations. A batch of awards (as the
// issuance job runs them) gives each award its own outcome.
import pg from 'pg';
import PgBoss from 'pg-boss';
import { BadgeIssuer } from '../../src/badges/issuance';
import { CredentialSigningError, signBothForms } from '../../src/badges/sign';
import { StatusLists } from '../../src/badges/statusLists';
import { NotFoundError } from '../../src/errors';
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

it('issues a batch of awards with an outcome for each: new, issued before, missing, or its own error', async () => {
  await tool.issuer.save({ name: 'Example University', countryCode: 'NL', identifiers: [] } as never);
  await tool.jobs.stop();
  try {
    const learner = await launchAs(tool, sim, 'learner2');
    const earlier = await awardFor(learner, 'Batch: issued earlier');
    const fresh = await awardFor(learner, 'Batch: new');
    const failing = await awardFor(learner, 'Batch: signing fails');
    const alsoFresh = await awardFor(learner, 'Batch: also new');
    const previous = await tool.badges.issueForAward(earlier.id);
    // Signing fails for one award only (as a broken context would); the rest of the batch is stored.
    const issuer = new BadgeIssuer(tool.database.db, {
      publicUrl: tool.config.publicUrl,
      did: tool.signingKeys.did,
      keys: tool.signingKeys,
      issuer: tool.issuer,
      statusLists: new StatusLists(tool.database.db),
      sign: async (credential, keyPair, loader) => {
        if (JSON.stringify(credential).includes('Batch: signing fails')) throw new CredentialSigningError('The credential could not be signed: test fault.');
        return signBothForms(credential, keyPair, loader);
      },
    });
    const outcomes = await issuer.issueForAwards([fresh.id, earlier.id, 999_999, failing.id, alsoFresh.id, fresh.id]);
    expect([...outcomes.keys()].sort((a, b) => a - b)).toEqual([earlier.id, fresh.id, failing.id, alsoFresh.id, 999_999].sort((a, b) => a - b));
    expect(outcomes.get(earlier.id)).toMatchObject({ id: previous.id, awardId: earlier.id });
    expect(outcomes.get(999_999)).toBeInstanceOf(NotFoundError);
    expect(outcomes.get(failing.id)).toBeInstanceOf(CredentialSigningError);
    const stored = await q('SELECT id, award_id, status_list_id, status_index FROM issued_credentials WHERE award_id = ANY($1) ORDER BY award_id', [
      [earlier.id, fresh.id, failing.id, alsoFresh.id],
    ]);
    expect(stored.map((r) => r.award_id)).toEqual([earlier.id, fresh.id, alsoFresh.id]);
    for (const award of [fresh, alsoFresh]) expect(outcomes.get(award.id)).toMatchObject({ id: stored.find((r) => r.award_id === award.id).id });
    expect(new Set(stored.map((r) => `${r.status_list_id}:${r.status_index}`)).size).toBe(3);
    // One audit entry and one announcement per credential stored, none for the failed one.
    for (const [table, column, value] of [
      ['audit_log', 'entity_id', "action = 'credential.issued'"],
      ['outbox_events', 'subject_id', "type = 'credential.issued'"],
    ]) {
      const rows = await q(`SELECT ${column} AS award FROM ${table} WHERE ${value} AND ${column} = ANY($1) ORDER BY 1`, [[fresh.id, failing.id, alsoFresh.id]]);
      expect(rows.map((r) => r.award)).toEqual([fresh.id, alsoFresh.id]);
    }
    // Issued again (a retried job), the failed one is issued and the rest are returned as they are.
    const again = await tool.badges.issueForAwards([fresh.id, failing.id]);
    expect(again.get(fresh.id)).toMatchObject({ id: stored.find((r) => r.award_id === fresh.id).id });
    expect(again.get(failing.id)).toMatchObject({ awardId: failing.id });
  } finally {
    await tool.jobs.start();
  }
});
