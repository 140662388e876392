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
  /** The outbox event type that starts this job. */
  event: string;
  handler: JobHandler;
  /** A key that makes two sends of the same event one job, e.g. the award id. */
  key: (payload: Record<string, unknown>) => string;
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
      await boss.createQueue(name, { name, retryLimit: 16, retryDelay: 2, retryBackoff: true, expireInSeconds: 120 });
      await boss.work<Record<string, unknown>>(name, { pollingIntervalSeconds: this.opts.pollSeconds ?? 0.5, batchSize: 4 }, async (jobs) => {
        for (const job of jobs) {
          try {
            await spec.handler(job.data);
          } catch (err) {
            this.log.warn({ err, queue: name, jobId: job.id }, 'background job failed; it will be retried');
            throw err;
          }
        }
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
      const byEvent = new Map(Object.entries(this.queues).map(([name, spec]) => [spec.event, { name, spec }]));
      const pending = await this.db
        .select()
        .from(outboxEvents)
        .where(and(isNull(outboxEvents.dispatchedAt), inArray(outboxEvents.type, [...byEvent.keys()])))
        .orderBy(asc(outboxEvents.id))
        .limit(200);
      for (const event of pending) {
        const target = byEvent.get(event.type)!;
        await this.boss.send(target.name, event.payload, { singletonKey: target.spec.key(event.payload) });
        await this.db.update(outboxEvents).set({ dispatchedAt: sql`now()` }).where(and(inArray(outboxEvents.id, [event.id]), isNull(outboxEvents.dispatchedAt)));
      }
      return pending.length;
    } finally {
      this.relaying = false;
    }
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    await this.boss?.stop({ graceful: true, timeout: 5000, wait: true }).catch((err) => this.log.warn({ err }, 'stopping background jobs'));
    this.boss = undefined;
  }
}
