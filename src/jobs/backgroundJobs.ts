// Background work on pg-boss, in the same PostgreSQL. Events are written to the outbox in
// the transaction that caused them (decision 0005); a relay moves them to pg-boss queues,
// whose jobs retry with exponential backoff and survive restarts. Everything a job does is
// idempotent, so a job that runs twice (a crash after the work, before pg-boss heard) is safe.
//
// A job whose process was killed stays "active" in pg-boss until it expires (minutes). So
// each running job is claimed with a session advisory lock on one connection of its process;
// the lock goes when the process (or its connection) dies, and any process running jobs then
// hands the unclaimed job back to pg-boss for a retry within seconds.
import { and, asc, inArray, isNull, sql } from 'drizzle-orm';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { Database } from '../db/database';
import { outboxEvents } from '../db/schema';
import type { JobData, JobName, JobTable } from './jobTable';

/**
 * A job table entry as pg-boss sees it: job data is JSON. Only emit() (src/jobs/events.ts) and
 * send() below write it, both typed, so a JobTable's types hold for what comes back (method
 * syntax lets the typed handlers stand in here).
 */
interface RelayedQueue {
  events: readonly string[];
  handler(data: unknown): Promise<void>;
  handleBatch?(batch: unknown[]): Promise<(Error | undefined)[]>;
  workers?: number;
  key(data: unknown, event: { type: string; subjectId: number }): string;
  retryDelay?: number;
  batchSize?: number;
}

/** The advisory lock (bigint form) that claims the job whose id is the SQL expression `jobId`. */
const claimKey = (jobId: string) => `hashtextextended('microcred-job:' || ${jobId}, 0)`;

/** A job started this long ago and claimed by nobody is an orphan (its claim is written just after pg-boss hands it out). */
const CLAIM_GRACE_SECONDS = 5;

export class BackgroundJobs {
  private boss?: PgBoss;
  private timer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private relaying = false;
  private stopping = false;
  /** The connection whose session holds the claims of this process's running jobs. */
  private claims?: Promise<pg.Client>;
  /** Its queries, one after another (a pg client runs one at a time; two workers claim at once). */
  private claimQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly database: Pick<Database, 'db' | 'pool' | 'url'>,
    private readonly log: Logger,
    private readonly queues: JobTable,
    private readonly opts: { pollSeconds?: number } = {},
  ) {}

  private get db() {
    return this.database.db;
  }

  private get databaseUrl() {
    return this.database.url;
  }

  private get relayed(): Record<string, RelayedQueue> {
    return this.queues;
  }

  async start() {
    this.stopping = false;
    const boss = new PgBoss({ connectionString: this.databaseUrl, schema: 'pgboss', max: 4, migrate: true });
    boss.on('error', (err) => this.log.error({ err }, 'background jobs error'));
    await boss.start();
    for (const [name, spec] of Object.entries(this.relayed)) {
      // Backoff 2 s, 4 s, 8 s … for about a day of retries; a job that hangs is retried after 2 minutes.
      await boss.createQueue(name, { name, retryLimit: 16, retryDelay: spec.retryDelay ?? 2, retryBackoff: true, expireInSeconds: 120 });
      // A batch runs concurrently (or as one, handleBatch); each job completes or fails on its own
      // (pg-boss retries it). A full batch means more are waiting: fetch again without the poll delay.
      const batchSize = spec.batchSize ?? 4;
      // Several workers: one fetches and stores while another's batch is still being signed.
      for (let w = 0; w < (spec.workers ?? 1); w++) {
        const workerId: string = await boss.work<Record<string, unknown>>(
          name,
          { pollingIntervalSeconds: this.opts.pollSeconds ?? 0.5, batchSize, includeMetadata: true },
          async (jobs) => {
            if (jobs.length === batchSize && workerId) boss.notifyWorker(workerId);
            const claimed = await this.claim(jobs.map((job) => job.id));
            const outcomes = spec.handleBatch
              ? await spec.handleBatch(jobs.map((job) => job.data)).catch((err: Error) => jobs.map(() => err))
              : await Promise.all(
                  jobs.map((job) =>
                    spec.handler(job.data).then(
                      () => undefined,
                      (err: Error) => err,
                    ),
                  ),
                );
            const done = jobs.filter((_, i) => !outcomes[i]).map((job) => job.id);
            if (done.length) await boss.complete(name, done);
            for (const [i, job] of jobs.entries()) {
              const err = outcomes[i];
              if (!err) continue;
              this.log.warn({ err, queue: name, jobId: job.id, retry: job.retryCount }, 'background job failed; it will be retried');
              await boss.fail(name, job.id, { message: err.message });
            }
            await this.release(claimed);
          },
        );
      }
    }
    this.boss = boss;
    await this.retryOrphans();
    this.sweepTimer = setInterval(
      () => void this.retryOrphans().catch((err) => this.log.error({ err }, 'retrying orphaned jobs failed')),
      CLAIM_GRACE_SECONDS * 1000,
    );
    this.sweepTimer.unref();
    // The relay picks up events left undispatched by a crash as well as new ones.
    this.timer = setInterval(() => void this.relayOnce().catch((err) => this.log.error({ err }, 'outbox relay failed')), (this.opts.pollSeconds ?? 0.5) * 1000);
    this.timer.unref();
    await this.relayOnce();
  }

  /** One connection, even when batches of two queues ask for it at once. */
  private claimConnection(): Promise<pg.Client> {
    if (this.claims) return this.claims;
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: `microcred-jobs:${process.pid}` });
    const connecting = client.connect().then(() => client);
    const lost = (err?: Error) => {
      if (this.claims !== connecting) return;
      this.claims = undefined;
      // Its claims went with it: other processes may retry those jobs (safe: jobs are idempotent).
      if (err) this.log.warn({ err }, 'lost the connection that claims running jobs; reconnecting for the next jobs');
    };
    client.on('error', lost);
    client.on('end', () => lost());
    connecting.catch(() => lost());
    this.claims = connecting;
    return connecting;
  }

  /** Claims jobs for this process; returns the ids it holds (a job claimed elsewhere runs anyway: it is idempotent). */
  private async claim(ids: string[]): Promise<string[]> {
    // Stopping: no new connection that nothing would close.
    if (this.stopping) return [];
    try {
      const { rows } = await this.onClaimConnection((client) =>
        client.query<{ id: string; got: boolean }>(`SELECT id, pg_try_advisory_lock(${claimKey('id')}) AS got FROM unnest($1::text[]) AS id`, [ids]),
      );
      return rows.filter((r) => r.got).map((r) => r.id);
    } catch (err) {
      this.log.warn({ err }, 'could not claim jobs; they run unclaimed (another process may retry them)');
      return [];
    }
  }

  private async release(ids: string[]): Promise<void> {
    if (!ids.length || !this.claims) return;
    await this.onClaimConnection((client) => client.query(`SELECT pg_advisory_unlock(${claimKey('id')}) FROM unnest($1::text[]) AS id`, [ids])).catch((err) =>
      this.log.warn({ err }, 'could not release job claims'),
    );
  }

  private onClaimConnection<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const run = this.claimQueue.then(async () => work(await this.claimConnection()));
    this.claimQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Hands back to pg-boss, for a retry now, every active job of our queues that no live process
   * claims: its process was killed or lost its database connection while running it.
   */
  async retryOrphans(): Promise<number> {
    const boss = this.boss;
    if (!boss) return 0;
    const names = Object.keys(this.queues);
    // A bigint advisory lock appears in pg_locks as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
    const orphans = await this.db.execute<{ name: string; id: string }>(sql`
      SELECT j.name, j.id::text AS id FROM pgboss.job j
       WHERE j.state = 'active' AND j.name IN (${sql.join(
         names.map((n) => sql`${n}`),
         sql`, `,
       )})
         AND j.started_on < now() - make_interval(secs => ${CLAIM_GRACE_SECONDS})
         AND NOT EXISTS (
           SELECT 1 FROM pg_locks l
            WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND ((l.classid::bigint << 32) | l.objid::bigint) = ${sql.raw(claimKey('j.id::text'))})`);
    const byQueue = new Map<string, string[]>();
    for (const row of orphans.rows) byQueue.set(row.name, [...(byQueue.get(row.name) ?? []), row.id]);
    for (const [name, ids] of byQueue) {
      this.log.warn({ queue: name, jobs: ids.length }, 'retrying jobs left running by a process that stopped (crash or kill -9)');
      for (const id of ids) await boss.fail(name, id, { message: 'its process stopped while running it; retried' });
    }
    return orphans.rows.length;
  }

  /**
   * Moves pending outbox events of the known types to their queues and marks them dispatched, in
   * one transaction: the jobs exist if and only if their events are marked. Events another
   * process's relay holds are skipped (FOR UPDATE SKIP LOCKED), so with several nodes each
   * event still becomes its jobs once; a queued job's own retries never repeat it.
   */
  async relayOnce(): Promise<number> {
    const boss = this.boss;
    if (!boss || this.relaying) return 0;
    this.relaying = true;
    const client = await this.database.pool.connect();
    try {
      // One event may start several jobs (credential.issued: grade passback and the pathway check).
      const byEvent = new Map<string, { name: string; spec: RelayedQueue }[]>();
      for (const [name, spec] of Object.entries(this.relayed))
        for (const event of spec.events) byEvent.set(event, [...(byEvent.get(event) ?? []), { name, spec }]);
      // The query builder on this transaction's connection (no relational queries: no schema needed).
      const tx = drizzle(client);
      await client.query('BEGIN');
      const pending = await tx
        .select()
        .from(outboxEvents)
        .where(and(isNull(outboxEvents.dispatchedAt), inArray(outboxEvents.type, [...byEvent.keys()])))
        .orderBy(asc(outboxEvents.id))
        .limit(500)
        .for('update', { skipLocked: true });
      if (pending.length) {
        // One insert for all their jobs (a cohort's awards arrive together), then one update.
        const jobs = pending.flatMap((event) =>
          byEvent.get(event.type)!.map((target) => ({ name: target.name, data: event.payload, singletonKey: target.spec.key(event.payload, event) })),
        );
        await boss.insert(jobs, { db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) } });
        await tx
          .update(outboxEvents)
          .set({ dispatchedAt: sql`now()` })
          .where(
            inArray(
              outboxEvents.id,
              pending.map((event) => event.id),
            ),
          );
      }
      await client.query('COMMIT');
      return pending.length;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
      this.relaying = false;
    }
  }

  /** Queues a job directly (a person's action, e.g. "resend"), outside any transaction. */
  async send<Q extends JobName>(queue: Q, data: JobData[Q]): Promise<void> {
    if (!this.boss) throw new Error('Background jobs are not running in this process.');
    await this.boss.send(queue, data);
  }

  get running(): boolean {
    return this.boss !== undefined;
  }

  async stop() {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.boss?.stop({ graceful: true, timeout: 5000, wait: true }).catch((err) => this.log.warn({ err }, 'stopping background jobs'));
    this.boss = undefined;
    const claims = this.claims;
    this.claims = undefined;
    await claims?.then((client) => client.end()).catch(() => undefined);
  }
}
