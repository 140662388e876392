// Request limits shared by every process, in PostgreSQL: a fixed-window counter per key, counted
// by one INSERT … ON CONFLICT DO UPDATE … RETURNING, so two processes never both let the
// (max+1)th request through. For endpoints anyone can call (the OpenID4VCI token and nonce
// endpoints), and the admin sign-in's failure counts (src/admin/throttle.ts).
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './database';
import { rateLimitCounters } from './schema';

export interface RateLimit {
  /** Requests allowed per window. */
  max: number;
  windowSeconds: number;
}

export class RateLimits {
  constructor(private readonly db: Db) {}

  /**
   * Counts one request for each key; returns the seconds to wait if any key is over its limit
   * in this window (0: go ahead). A refused request still counts, so hammering does not help.
   */
  async hit(entries: { key: string; limit: RateLimit }[], nowMs = Date.now()): Promise<number> {
    let wait = 0;
    for (const { key, limit } of entries) {
      const nowS = Math.floor(nowMs / 1000);
      const windowStart = nowS - (nowS % limit.windowSeconds);
      const [row] = await this.db
        .insert(rateLimitCounters)
        .values({ key, windowStart, hits: 1, expiresAt: new Date((windowStart + limit.windowSeconds) * 1000) })
        .onConflictDoUpdate({ target: [rateLimitCounters.key, rateLimitCounters.windowStart], set: { hits: sql`${rateLimitCounters.hits} + 1` } })
        .returning({ hits: rateLimitCounters.hits });
      if (row.hits > limit.max) wait = Math.max(wait, windowStart + limit.windowSeconds - nowS);
    }
    return wait;
  }

  /** The hits counted for `key` in the window that contains `nowMs`, without counting one. */
  async count(key: string, windowSeconds: number, nowMs = Date.now()): Promise<number> {
    const windowStart = windowStartOf(nowMs, windowSeconds);
    const [row] = await this.db
      .select({ hits: rateLimitCounters.hits })
      .from(rateLimitCounters)
      .where(and(eq(rateLimitCounters.key, key), eq(rateLimitCounters.windowStart, windowStart)));
    return row?.hits ?? 0;
  }

  /** Forgets every window of `key` (e.g. failures, after a success). */
  async clear(key: string): Promise<void> {
    await this.db.delete(rateLimitCounters).where(eq(rateLimitCounters.key, key));
  }
}

function windowStartOf(nowMs: number, windowSeconds: number): number {
  const nowS = Math.floor(nowMs / 1000);
  return nowS - (nowS % windowSeconds);
}
