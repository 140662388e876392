/**
 * Verification results for this installation's own credentials, remembered so a popular share
 * page or a repeated /api/verify costs a hash and one small query instead of JSON-LD work.
 *
 * Never wrong, on any number of nodes: the key is the credential's exact bytes plus the
 * version of every status list it names, read from the shared database on each lookup, so a
 * revocation on any node (which bumps the list's version) makes every node's entry unreachable.
 * Only credentials whose every status entry points at one of our own lists are cached (another
 * issuer's list can change without us knowing), only reports whose validity check passed, and
 * each entry expires at the credential's validUntil. Entries are per process (a bounded map).
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from './esm';
import type { VerificationReport } from './verify';

export interface VerificationCacheOptions {
  /** The id of one of our own status lists at this URL, else undefined. */
  ownStatusList: (url: string) => number | undefined;
  /** The current version of each of these lists (from the shared database). */
  versions: (ids: number[]) => Promise<Map<number, number>>;
  /** Entries kept; the oldest goes first. */
  maxEntries?: number;
}

export class VerificationCache {
  private readonly entries = new Map<string, { report: VerificationReport; until: number }>();
  private readonly maxEntries: number;
  readonly counts = { hits: 0, misses: 0, notCacheable: 0 };

  constructor(private readonly opts: VerificationCacheOptions) {
    this.maxEntries = opts.maxEntries ?? 2000;
  }

  /** The key for this input, or undefined when it is not one of our credentials. */
  async keyFor(input: string | Buffer | Uint8Array | object): Promise<string | undefined> {
    const parsed = parse(input);
    const ids = parsed && statusListIds(parsed.credential, this.opts.ownStatusList);
    if (!parsed || !ids) {
      this.counts.notCacheable++;
      return undefined;
    }
    const versions = await this.opts.versions(ids);
    if (ids.some((id) => !versions.has(id))) {
      this.counts.notCacheable++;
      return undefined;
    }
    const digest = createHash('sha256').update(parsed.bytes).digest('base64url');
    return `${digest}|${ids.map((id) => `${id}:${versions.get(id)}`).join(',')}`;
  }

  get(key: string, now = Date.now()): VerificationReport | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.until > now) {
      this.counts.hits++;
      return structuredClone(entry.report);
    }
    if (entry) this.entries.delete(key);
    this.counts.misses++;
    return undefined;
  }

  set(key: string, report: VerificationReport): void {
    // A result that depends on today's date (not yet valid, expired) is not remembered.
    if (report.checks.find((c) => c.id === 'validity')?.status !== 'passed') return;
    const until = report.summary?.validUntil ? Date.parse(report.summary.validUntil) : Number.POSITIVE_INFINITY;
    if (!(until > Date.now())) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { report: structuredClone(report), until });
  }

  stats() {
    const looked = this.counts.hits + this.counts.misses;
    return { ...this.counts, entries: this.entries.size, hitRate: looked ? this.counts.hits / looked : 0 };
  }
}

/** The credential and the exact bytes it came as; undefined when it cannot be read cheaply. */
function parse(input: string | Buffer | Uint8Array | object): { credential: JsonObject; bytes: Buffer } | undefined {
  try {
    if (typeof input === 'object' && !(input instanceof Uint8Array)) {
      // Parsed JSON (a stored jsonb credential): its serialisation is its bytes.
      return { credential: input as JsonObject, bytes: Buffer.from(`json:${JSON.stringify(input)}`) };
    }
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    const trimmed = text.trim();
    if (trimmed.startsWith('{')) return { credential: JSON.parse(trimmed), bytes: Buffer.from(`text:${text}`) };
    const parts = trimmed.split('.');
    if (parts.length !== 3) return undefined;
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as JsonObject;
    const credential = payload.vc && typeof payload.vc === 'object' ? (payload.vc as JsonObject) : payload;
    return { credential, bytes: Buffer.from(`text:${text}`) };
  } catch {
    return undefined;
  }
}

/** Our status lists it names, or undefined if it names none or anyone else's. */
function statusListIds(credential: JsonObject, own: (url: string) => number | undefined): number[] | undefined {
  if (!credential || typeof credential !== 'object') return undefined;
  const status = credential.credentialStatus;
  const entries = Array.isArray(status) ? status : status === undefined ? [] : [status];
  if (entries.length === 0) return undefined;
  const ids: number[] = [];
  for (const entry of entries) {
    const url = entry && typeof entry === 'object' ? (entry as JsonObject).statusListCredential : undefined;
    const id = typeof url === 'string' ? own(url) : undefined;
    if (id === undefined) return undefined;
    if (!ids.includes(id)) ids.push(id);
  }
  return ids.sort((a, b) => a - b);
}
