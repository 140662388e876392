// Background work on pg-boss, in the same PostgreSQL. Events are written to the outbox in
// the transaction that caused them (decision 0005); a relay moves them to pg-boss queues,
// whose jobs retry with exponential backoff and survive restarts. Everything a job does is
// idempotent, so a job that runs twice (a crash after the work, before pg-boss heard) is safe.
import { and, asc, inArray, isNull, sql } from 'drizzle-orm';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import { outboxEvents } from '../db/schema';

export type JobHandler = (data: Record<string, unknown>) => Promise<void>;

export interface QueueSpec {
  /** The outbox event types that start this job. */
  events: string[];
  handler: JobHandler;
  /** A key that makes two sends of the same event one job, e.g. the award id. */
  key: (payload: Record<string, unknown>, event: { type: string; subjectId: number }) => string;
  /** Retry delay in seconds before backoff doubles it (default 2). */
  retryDelay?: number;
  /** Jobs fetched and run at once by this process (default 4). */
  batchSize?: number;
}

export class BackgroundJobs {
  private boss?: PgBoss;
  private timer?: NodeJS.Timeout;
  private relaying = false;

  constructor(
    private readonly db: Db,
    private readonly databaseUrl: string,
    private readonly log: Logger,
    private readonly queues: Record<string, QueueSpec>,
    private readonly opts: { pollSeconds?: number } = {},
  ) {}

  async start() {
    const boss = new PgBoss({ connectionString: this.databaseUrl, schema: 'pgboss', max: 4, migrate: true });
    boss.on('error', (err) => this.log.error({ err }, 'background jobs error'));
    await boss.start();
    for (const [name, spec] of Object.entries(this.queues)) {
      // Backoff 2 s, 4 s, 8 s … for about a day of retries; a job that hangs is retried after 2 minutes.
      await boss.createQueue(name, { name, retryLimit: 16, retryDelay: spec.retryDelay ?? 2, retryBackoff: true, expireInSeconds: 120 });
      // A batch runs concurrently; each job completes or fails on its own (pg-boss retries it).
      await boss.work<Record<string, unknown>>(name, { pollingIntervalSeconds: this.opts.pollSeconds ?? 0.5, batchSize: spec.batchSize ?? 4, includeMetadata: true }, async (jobs) => {
        await Promise.all(
          jobs.map(async (job) => {
            try {
              await spec.handler(job.data);
              await boss.complete(name, job.id);
            } catch (err) {
              this.log.warn({ err, queue: name, jobId: job.id, retry: job.retryCount }, 'background job failed; it will be retried');
              await boss.fail(name, job.id, { message: (err as Error).message });
            }
          }),
        );
      });
    }
    this.boss = boss;
    // The relay picks up events left undispatched by a crash as well as new ones.
    this.timer = setInterval(() => void this.relayOnce().catch((err) => this.log.error({ err }, 'outbox relay failed')), (this.opts.pollSeconds ?? 0.5) * 1000);
    this.timer.unref();
    await this.relayOnce();
  }

  /** Moves pending outbox events of the known types to their queues and marks them dispatched. */
  async relayOnce(): Promise<number> {
    if (!this.boss || this.relaying) return 0;
    this.relaying = true;
    try {
      const byEvent = new Map(Object.entries(this.queues).flatMap(([name, spec]) => spec.events.map((event) => [event, { name, spec }] as const)));
      const pending = await this.db
        .select()
        .from(outboxEvents)
        .where(and(isNull(outboxEvents.dispatchedAt), inArray(outboxEvents.type, [...byEvent.keys()])))
        .orderBy(asc(outboxEvents.id))
        .limit(200);
      for (const event of pending) {
        const target = byEvent.get(event.type)!;
        await this.boss.send(target.name, event.payload, { singletonKey: target.spec.key(event.payload, event) });
        await this.db.update(outboxEvents).set({ dispatchedAt: sql`now()` }).where(and(inArray(outboxEvents.id, [event.id]), isNull(outboxEvents.dispatchedAt)));
      }
      return pending.length;
    } finally {
      this.relaying = false;
    }
  }

  /** Queues a job directly (a person's action, e.g. "resend"), outside any transaction. */
  async send(queue: string, data: Record<string, unknown>): Promise<void> {
    if (!this.boss) throw new Error('Background jobs are not running in this process.');
    await this.boss.send(queue, data);
  }

  get running(): boolean {
    return this.boss !== undefined;
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    await this.boss?.stop({ graceful: true, timeout: 5000, wait: true }).catch((err) => this.log.warn({ err }, 'stopping background jobs'));
    this.boss = undefined;
  }
}
