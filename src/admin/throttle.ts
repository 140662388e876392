// Slows password guessing on the admin sign-in: after MAX failures for one email or
// one address within the window, further tries wait. In memory: one process serves
// the console, and a restart forgetting the count is acceptable. Pure; clock injectable.
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 5,
    private readonly windowMs = 15 * 60 * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Milliseconds to wait before another try, or 0. */
  retryAfter(keys: string[]): number {
    let wait = 0;
    for (const key of keys) {
      const list = this.recent(key);
      if (list.length >= this.max) wait = Math.max(wait, list[list.length - this.max] + this.windowMs - this.now());
    }
    return wait;
  }

  fail(keys: string[]) {
    for (const key of keys) this.failures.set(key, [...this.recent(key), this.now()]);
  }

  succeed(keys: string[]) {
    for (const key of keys) this.failures.delete(key);
  }
}
