// The app's one way to verify a credential someone hands in (/verify, POST /api/verify, the
// share page, prior-learning evidence): our own keys and status lists locally, other
// issuers' status lists through the outbound-fetch guard, and a limit on how many
// verifications run at once. Verifying is CPU work (JSON-LD canonicalization) that takes
// tens of megabytes while it runs; running many at once on one event loop is no faster,
// but anonymous callers could otherwise make the process hold all of them in memory.
import { Slots } from '../concurrency';
import { AppError } from '../errors';
import type { ExtraResolver } from './documentLoader';
import type { StatusListSource } from './statusListSource';
import type { VerificationCache } from './verificationCache';
import { type VerificationReport, verifyOpenBadgeCredential } from './verify';
import { type ClrVerificationReport, looksLikeClr, verifyClrCredential } from './verifyClr';

export interface VerifierOptions {
  resolveKey?: ExtraResolver;
  fetchStatusList: StatusListSource;
  /** Where verification runs (the crypto pool, src/badges/cryptoPool.ts); default: this thread. */
  run?: typeof verifyOpenBadgeCredential;
  /** Results for our own credentials (src/badges/verificationCache.ts). */
  cache?: VerificationCache;
  /** Verifications at once in this process. */
  concurrency?: number;
  /** Verifications waiting for a turn; beyond that, refused. */
  queue?: number;
  /** Longest wait for a turn. */
  waitMs?: number;
}

export class Verifier {
  readonly slots: Slots;
  private readonly waitMs: number;

  constructor(readonly opts: VerifierOptions) {
    this.slots = new Slots(opts.concurrency ?? 2, opts.queue ?? 32);
    this.waitMs = opts.waitMs ?? 30_000;
  }

  async verify(input: string | Buffer | object, now?: Date): Promise<VerificationReport> {
    // A cached result costs no turn: a popular share page never queues behind real work.
    // An explicit `now` (a check against another day) bypasses the cache.
    const cache = now ? undefined : this.opts.cache;
    const key = cache && (await cache.keyFor(input));
    const hit = key && cache.get(key);
    if (hit) return hit;
    return this.withSlot(async () => {
      const report = await (this.opts.run ?? verifyOpenBadgeCredential)(input, {
        now,
        resolveKey: this.opts.resolveKey,
        fetchStatusList: this.opts.fetchStatusList,
      });
      if (key) cache.set(key, report);
      return report;
    });
  }

  /** A badge, or a CLR 2.0 record with every credential in it (one slot for the whole record). */
  async verifyAny(input: string | Buffer | object, now?: Date): Promise<{ report: VerificationReport; clr?: ClrVerificationReport }> {
    if (!looksLikeClr(input)) return { report: await this.verify(input, now) };
    const clr = await this.withSlot(() =>
      verifyClrCredential(input, { now, resolveKey: this.opts.resolveKey, fetchStatusList: this.opts.fetchStatusList }, this.opts.run),
    );
    return { report: { ...clr.bundle, verified: clr.verified }, clr };
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    let release: () => void;
    try {
      release = await this.slots.acquire(AbortSignal.timeout(this.waitMs));
    } catch {
      // The queue is full, or the wait too long: either way, later will work.
      throw new AppError('Too many credentials are being checked at the moment.', 503, 'VERIFY_BUSY', 'Try again in a minute.');
    }
    try {
      return await work();
    } finally {
      release();
    }
  }
}
