// A limit on how much of one kind of work runs at once in this process, with a bounded
// queue: what waits longer than its caller allows, or finds the queue full, is refused
// instead of piling up (outbound fetches, credential verifications).

/** The queue was full: refuse now rather than wait. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/** The caller's signal fired while waiting for a slot. */
export class WaitAbortedError extends Error {
  override name = 'WaitAbortedError';
}

export class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** The most that ran at once (for tests and benchmarks). */
  peak = 0;

  constructor(
    readonly limit: number,
    readonly queueLimit: number,
  ) {}

  /** Waits for a slot; the function it returns gives the slot back (once). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active < this.limit && this.waiting.length === 0) {
      this.active++;
    } else {
      if (this.waiting.length >= this.queueLimit) throw new QueueFullError('queue full');
      // A released slot is handed straight to the first in line (active stays counted),
      // so nobody arriving meanwhile can slip past the limit.
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          signal?.removeEventListener('abort', giveUp);
          resolve();
        };
        const giveUp = () => {
          const i = this.waiting.indexOf(turn);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new WaitAbortedError('gave up waiting'));
        };
        if (signal?.aborted) return giveUp();
        signal?.addEventListener('abort', giveUp, { once: true });
        this.waiting.push(turn);
      });
    }
    this.peak = Math.max(this.peak, this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }

  /** Runs `work` in a slot. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await work();
    } finally {
      release();
    }
  }
}
