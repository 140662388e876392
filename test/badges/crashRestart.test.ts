// kill -9 in the middle of badge issuance, then start again the way `npm start` does.
// The tool runs as its own process on its own embedded PostgreSQL (no DATABASE_URL), as on a
// fresh machine. Four crashes, one after the other on the same data: SIGKILL of the server
// process alone (its PostgreSQL is orphaned and keeps running) and of the whole process tree
// (PostgreSQL crashes too), each once in the middle of a burst of awards and once inside
// issuance, after signing and before storing (held there by a test-mode hook). After every
// restart each award is issued exactly once, no job or row is lost, status entries are unique,
// and /healthz answers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { createFileStorage } from '../../src/assessment/fileStorage';
import { AssessmentStore } from '../../src/assessment/store';
import * as schema from '../../src/db/schema';
import { acceptSubmitted, launchAs, type Person, publishCredential, submitComplete, until } from '../assessment/support';
import { completeDefinition } from '../credentials/fixtures';
import { rosterLearners } from '../grades/support';
import { type EmbeddedToolProcess, startEmbeddedTool } from '../support/childTool';
import type { PlatformSimulator } from '../support/platformSimulator';
import { connectLms, freePort, startTestTool, type TestTool } from '../support/tool';

const LEARNERS = 25;
/** Credentials per run: LEARNERS × this many awards in each burst. */
const CREDENTIALS_PER_RUN = 2;
/** Issuances a process with the test hook lets through before it holds the rest inside signing. */
const LET_THROUGH = 10;

let dataDir: string;
let ports: { port: number; pgPort: number };
let databaseUrl: string;
let proc: EmbeddedToolProcess | undefined;
/** Whether `proc` runs with the signing hold (TEST_HOLD_ISSUANCE_AFTER) and has not issued yet. */
let procHolds = false;
let sim: PlatformSimulator;
let pool: pg.Pool | undefined;
/** Makes awards in this test process through the tool's own stores, on the tool's embedded database. */
let stores: TestTool;
let teacher: Person;
let learners: Person[];
/** One line per run for the report: awards, crashes, duplicates and losses. */
const measured: Record<string, unknown>[] = [];

const q = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => pool!.query(text, params).then((r) => r.rows as T[]);
const count = async (text: string, params: unknown[] = []) => Number((await q<{ n: string }>(text, params))[0].n);

/** A fresh pool after each restart: connections to the server before the crash are dead. */
function connect() {
  // Not awaited: a connection the crash cut in the middle of a transaction is never given back.
  void pool?.end().catch(() => undefined);
  pool = new pg.Pool({ connectionString: databaseUrl, max: 6 });
  // A whole-tree crash takes PostgreSQL down under this pool's connections, idle or in a transaction.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzle(pool, { schema });
  stores = { database: { db, pool }, assessment: new AssessmentStore(db, createFileStorage('database', dataDir)) } as unknown as TestTool;
}

/** Starts the tool as `npm start` does; `hold` adds the test hook that holds issuance inside signing. */
async function start(hold = false) {
  const t0 = Date.now();
  proc = await startEmbeddedTool({ dataDir, ...ports, env: hold ? { TEST_HOLD_ISSUANCE_AFTER: String(LET_THROUGH) } : {} });
  procHolds = hold;
  if (pool) connect();
  return Date.now() - t0;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'microcred-crash-'));
  // As root, the `postgres` user that runs the embedded server must reach it.
  fs.chmodSync(dataDir, 0o755);
  ports = { port: await freePort(), pgPort: await freePort() };
  // The first crash is inside issuance: start with the hook, saving a restart.
  await start(true);
  const password = fs.readFileSync(path.join(dataDir, 'postgres.password'), 'utf8').trim();
  databaseUrl = `postgres://microcred:${encodeURIComponent(password)}@127.0.0.1:${ports.pgPort}/microcred`;

  // Set-up (the LMS, launches, the issuer profile) through a tool in this process on the same
  // database, stopped before any crash: its LTI library keeps connections a crash would break.
  const setup = await startTestTool({
    DATABASE_URL: databaseUrl,
    BACKGROUND_JOBS: 'off',
    ENCRYPTION_KEY: fs.readFileSync(path.join(dataDir, 'encryption.key'), 'utf8').trim(),
  });
  sim = await connectLms(setup, 'moodle-4.5');
  teacher = await launchAs(setup, sim, 'instructor');
  await setup.issuer.save({ name: 'Example University', countryCode: 'NL', identifiers: [] } as never);
  await setup.stop();
  connect();
  learners = await rosterLearners(stores, teacher, LEARNERS);
}, 180_000);

afterAll(async () => {
  await proc?.stop();
  // Not awaited: after a failure, a connection may still be checked out.
  void pool?.end().catch(() => undefined);
  await sim?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface Attempt {
  learner: Person;
  submission: { id: number; lockVersion: number };
}

/** Submitted attempts waiting for a decision: every learner on CREDENTIALS_PER_RUN new credentials. */
async function submitted(run: string): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  for (let c = 0; c < CREDENTIALS_PER_RUN; c++) {
    const credentialId = await publishCredential(stores, teacher, { ...completeDefinition(), title: `${run} ${c + 1}`, supervisionType: undefined });
    attempts.push(...(await Promise.all(learners.map(async (learner) => ({ learner, submission: await submitComplete(stores, learner, credentialId) })))));
  }
  return attempts;
}

/** The assessor accepts the attempt: one award and its outbox event, in one transaction. */
async function accept({ learner, submission }: Attempt) {
  await acceptSubmitted(stores, teacher, learner, submission);
}

/** Accepts the attempts four at a time, calling `onDone` with the number decided so far. Returns those whose decision failed. */
async function decideAll(attempts: Attempt[], onDone: (done: number) => void = () => undefined): Promise<Attempt[]> {
  const failed: Attempt[] = [];
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < attempts.length) {
        const attempt = attempts[next++];
        await accept(attempt).catch(() => failed.push(attempt));
        onDone(++done);
      }
    }),
  );
  return failed;
}

const issuedCount = () => count('SELECT count(*) AS n FROM issued_credentials');

/**
 * After a restart: a decision that failed in the crash is made again (as the assessor would)
 * unless it had committed; then every award must be issued, once, with its audit entry,
 * announcement and a status entry of its own, and no job may be lost.
 */
async function expectEverythingIssued(run: Record<string, unknown>, attempts: Attempt[], failed: Attempt[]) {
  let redone = 0;
  for (const attempt of failed) {
    if ((await count('SELECT count(*) AS n FROM awards WHERE submission_id = $1', [attempt.submission.id])) === 0) {
      await accept(attempt);
      redone++;
    }
  }
  const ids = attempts.map((a) => a.submission.id);
  expect(await count('SELECT count(*) AS n FROM awards WHERE submission_id = ANY($1)', [ids])).toBe(attempts.length);
  const awards = await count('SELECT count(*) AS n FROM awards');
  const t0 = Date.now();
  await until('every award issued after the restart', async () => ((await issuedCount()) === awards ? true : undefined), 120_000);
  const issuedAfterMs = Date.now() - t0;
  // Exactly once per award (and not more than the awards: nothing left to issue twice).
  const perAward = await q<{ award_id: number; n: string }>(
    'SELECT a.id AS award_id, count(c.id) AS n FROM awards a LEFT JOIN issued_credentials c ON c.award_id = a.id GROUP BY a.id HAVING count(c.id) <> 1',
  );
  expect(perAward).toEqual([]);
  // Each credential has its own status entry, inside its list and not revoked; no list has
  // more credentials than entries handed out (entries are scattered over the list, so the
  // index itself may lie beyond `allocated`).
  const sharedEntries = await count(
    'SELECT count(*) AS n FROM (SELECT status_list_id, status_index FROM issued_credentials GROUP BY 1, 2 HAVING count(*) > 1) s',
  );
  expect(sharedEntries).toBe(0);
  const outside = await count(`SELECT count(*) AS n FROM issued_credentials c JOIN status_lists l ON l.id = c.status_list_id
     WHERE c.status_index < 0 OR c.status_index >= l.size OR get_bit(l.bits, (c.status_index / 8) * 8 + 7 - c.status_index % 8) = 1`);
  expect(outside).toBe(0);
  expect(await q('SELECT l.id FROM status_lists l WHERE (SELECT count(*) FROM issued_credentials c WHERE c.status_list_id = l.id) > l.allocated')).toEqual([]);
  // The audit log and the outbox have one entry per award for its creation and its issuance.
  for (const action of ['award.created', 'credential.issued']) {
    expect(
      await q(
        `SELECT a.id FROM awards a WHERE (SELECT count(*) FROM audit_log l WHERE l.entity_type = 'award' AND l.entity_id = a.id AND l.action = $1) <> 1`,
        [action],
      ),
    ).toEqual([]);
    expect(await q(`SELECT a.id FROM awards a WHERE (SELECT count(*) FROM outbox_events e WHERE e.subject_id = a.id AND e.type = $1) <> 1`, [action])).toEqual(
      [],
    );
  }
  // No issuance job lost or given up on.
  expect(await count("SELECT count(*) AS n FROM pgboss.job WHERE name = 'issue-credential' AND state IN ('failed', 'cancelled')")).toBe(0);
  const health = await fetch(`${proc!.url}/healthz`);
  expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });

  const duplicates = await count('SELECT count(*) AS n FROM (SELECT award_id FROM issued_credentials GROUP BY 1 HAVING count(*) > 1) d');
  measured.push({
    ...run,
    awards: attempts.length,
    decisionsRedone: redone,
    totalAwards: awards,
    issuedAfterRestartMs: issuedAfterMs,
    duplicates,
    lost: awards - (await issuedCount()),
  });
  console.log(JSON.stringify(measured.at(-1)));
}

describe.each(['node', 'tree'] as const)('after SIGKILL of %s', (how) => {
  it('inside issuance (signed, not yet stored), every award is issued exactly once after the restart', async () => {
    if (!procHolds) {
      await proc!.stop();
      await start(true);
    }
    const attempts = await submitted(`Signing ${how}`);
    const before = await issuedCount();
    expect(await decideAll(attempts)).toEqual([]);
    const held = () => proc!.output().match(/issuance of award \d+ held after signing/g)?.length ?? 0;
    // Issuance stores a batch of jobs in one transaction, so a batch with a held award stores
    // nothing: at most the awards let through are stored when it crashes, perhaps none.
    await until('issuances held inside signing', async () => (held() > 0 ? true : undefined), 120_000);
    const heldAtCrash = held();
    const issuedAtCrash = (await issuedCount()) - before;
    expect(issuedAtCrash).toBeLessThanOrEqual(LET_THROUGH);
    await proc!.crash(how);
    const restartMs = await start();
    await expectEverythingIssued({ crash: `inside issuance, SIGKILL ${how}`, issuedAtCrash, heldInSigning: heldAtCrash, restartMs }, attempts, []);
  }, 240_000);

  it('mid-way through a burst of awards, every award is issued exactly once after the restart', async () => {
    const attempts = await submitted(`Burst ${how}`);
    const before = await issuedCount();
    const half = attempts.length / 2;
    expect(await decideAll(attempts.slice(0, half))).toEqual([]);
    // The crash comes once issuance is under way, while the second half is being decided.
    await until('issuance under way', async () => ((await issuedCount()) > before ? true : undefined), 120_000);
    let crash: Promise<void> | undefined;
    let issuedAtCrash = 0;
    const failed = await decideAll(attempts.slice(half), (done) => {
      if (done === 4) {
        crash = (async () => {
          issuedAtCrash = (await issuedCount()) - before;
          await proc!.crash(how);
        })();
      }
    });
    await crash;
    const restartMs = await start();
    await expectEverythingIssued({ crash: `burst, SIGKILL ${how}`, issuedAtCrash, decisionsFailed: failed.length, restartMs }, attempts, failed);
  }, 240_000);
});
