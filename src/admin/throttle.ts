// Slows password guessing on the admin sign-in: after `max` failures for one email or one
// address within a window, further tries wait until the window ends. The counts live in
// PostgreSQL (rate_limit_counters, src/db/rateLimits.ts), so every tool process behind a load
// balancer counts the same failures: N processes do not give a guesser N times the tries.
// No SQL here: the counter store is passed in. Clock injectable.

/** Where failures are counted (src/db/rateLimits.ts RateLimits). */
export interface FailureCounter {
  hit(entries: { key: string; limit: { max: number; windowSeconds: number } }[], nowMs?: number): Promise<number>;
  count(key: string, windowSeconds: number, nowMs?: number): Promise<number>;
  clear(key: string): Promise<void>;
}

export class LoginThrottle {
  private readonly windowSeconds: number;

  constructor(
    private readonly counter: FailureCounter,
    private readonly max = 5,
    windowMs = 15 * 60 * 1000,
    private readonly now: () => number = Date.now,
    /** Keeps these counts apart from other users of the counter. */
    private readonly prefix = 'admin-login',
  ) {
    this.windowSeconds = Math.max(1, Math.round(windowMs / 1000));
  }

  private key(key: string): string {
    return `${this.prefix}:${key}`;
  }

  /** Milliseconds to wait before another try, or 0. */
  async retryAfter(keys: string[]): Promise<number> {
    const now = this.now();
    let wait = 0;
    for (const key of keys) {
      if ((await this.counter.count(this.key(key), this.windowSeconds, now)) >= this.max) {
        const windowMs = this.windowSeconds * 1000;
        wait = Math.max(wait, windowMs - (now % windowMs));
      }
    }
    return wait;
  }

  async fail(keys: string[]): Promise<void> {
    // Counted without a limit of its own: retryAfter decides.
    await this.counter.hit(
      keys.map((key) => ({ key: this.key(key), limit: { max: Number.MAX_SAFE_INTEGER, windowSeconds: this.windowSeconds } })),
      this.now(),
    );
  }

  async succeed(keys: string[]): Promise<void> {
    for (const key of keys) await this.counter.clear(this.key(key));
  }
}
