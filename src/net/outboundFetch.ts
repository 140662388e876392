// The one way microcred fetches a URL that came from someone else's input: a credential's
// status list (anyone can paste a credential into /verify), an LMS's configuration during
// dynamic registration. Such a URL must not reach the server's own network (SSRF) or make
// it read without end. So, for every request:
// - the host is checked before connecting (IP literals in every spelling, localhost,
//   metadata names), its name is resolved and every address checked, and the same check
//   runs again inside the connection's own DNS lookup, so a name that answers a public
//   address first and an internal one on the second lookup (DNS rebinding) is refused at
//   connect time, before any packet is sent;
// - internal hosts are reachable only when an administrator allowed them (allow-list in
//   the admin console or OUTBOUND_ALLOWLIST); cloud metadata never;
// - https only in production; plain http elsewhere only to allowed hosts;
// - redirects are not followed; the body is read as a stream and dropped at a byte cap;
//   one deadline covers queueing, DNS, connecting and reading;
// - at most `concurrency` fetches run at once per process, a few more wait, the rest are
//   refused; identical GETs in flight share one request, and recent answers are cached.
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import type { Logger } from 'pino';
import { Slots } from '../concurrency';
import { ALWAYS_REFUSED, type AddressKind, type AllowList, classifyHostName, classifyIp, KIND_PHRASES, normalHost, parseIp } from './addresses';

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** The system resolver (getaddrinfo), all addresses, in the order it gives them. */
export const systemResolver: Resolver = async (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

export type OutboundProblem =
  | { code: 'invalid-url' }
  | { code: 'scheme'; production: boolean }
  | { code: 'credentials-in-url' }
  | { code: 'address'; kind: Exclude<AddressKind, 'public'>; target: string }
  | { code: 'unresolvable'; host: string }
  | { code: 'too-large'; limit: number }
  | { code: 'timeout'; seconds: number }
  | { code: 'redirect' }
  | { code: 'http-status'; status: number }
  | { code: 'unreachable'; detail: string }
  | { code: 'busy' };

/** Problems found before any connection: the URL or its address is not acceptable. */
const REFUSALS: ReadonlySet<OutboundProblem['code']> = new Set(['invalid-url', 'scheme', 'credentials-in-url', 'address', 'busy']);

/** A fetch that was refused or failed; its message is a plain sentence for people. */
export class OutboundFetchError extends Error {
  override name = 'OutboundFetchError';
  constructor(
    readonly url: string,
    readonly problem: OutboundProblem,
  ) {
    super(describeProblem(url, problem));
  }
  /** True when nothing was sent: the guard refused the URL or its address. */
  get refused(): boolean {
    return REFUSALS.has(this.problem.code);
  }
}

/** How a URL is shown in a message: without user name or password, and not endlessly long. */
export function displayUrl(url: string): string {
  let shown = url;
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    shown = u.toString();
  } catch {
    /* not a URL: shown as given */
  }
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}

const megabytes = (bytes: number) => `${Number((bytes / 1024 / 1024).toFixed(1))} MB`;

export function describeProblem(url: string, problem: OutboundProblem): string {
  const u = displayUrl(url);
  switch (problem.code) {
    case 'invalid-url':
      return `microcred did not fetch “${u}”, because it is not a web address.`;
    case 'scheme':
      return problem.production
        ? `microcred did not fetch ${u}, because only https addresses are fetched.`
        : `microcred did not fetch ${u}, because plain http is fetched only from hosts an administrator allowed.`;
    case 'credentials-in-url':
      return `microcred did not fetch ${u}, because addresses with a user name or password are not fetched.`;
    case 'address':
      return `microcred did not fetch ${u}, because it leads to ${problem.target}, ${KIND_PHRASES[problem.kind]}.`;
    case 'unresolvable':
      return `microcred could not fetch ${u}, because the name ${problem.host} was not found.`;
    case 'too-large':
      return `microcred stopped reading ${u}, because it is larger than ${megabytes(problem.limit)}.`;
    case 'timeout':
      return `microcred could not fetch ${u}, because it did not answer within ${problem.seconds} seconds.`;
    case 'redirect':
      return `microcred could not fetch ${u}, because it answered with a redirect, and redirects are not followed.`;
    case 'http-status':
      return `microcred could not fetch ${u}, because it answered with HTTP status ${problem.status}.`;
    case 'unreachable':
      return `microcred could not fetch ${u}, because it could not be reached (${problem.detail}).`;
    case 'busy':
      return `microcred did not fetch ${u}, because too many outside addresses are being fetched at the moment. Try again in a minute.`;
  }
}

export interface OutboundResponse {
  url: string;
  status: number;
  contentType: string | undefined;
  body: Buffer;
  fromCache: boolean;
}

export interface OutboundRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Largest body read; the fetch is aborted past it. */
  maxBytes?: number;
  timeoutMs?: number;
  /** GET only: serve a recent answer from the cache and share identical requests in flight. */
  cache?: boolean;
}

export interface OutboundFetcherOptions {
  production: boolean;
  /** The administrator's allow-list, read for every fetch (another process may have changed it). */
  allowList: () => Promise<AllowList>;
  /** Name resolution; tests pass a stub to answer what a hostile DNS server would. */
  resolve?: Resolver;
  log?: Logger;
  maxBytes?: number;
  timeoutMs?: number;
  /** Fetches running at once in this process. */
  concurrency?: number;
  /** Fetches waiting for a slot; beyond that, refused as busy. */
  queue?: number;
  cache?: { entries?: number; maxBytes?: number; defaultTtlMs?: number; maxTtlMs?: number };
}

export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
const USER_AGENT = 'microcred (credential verification; +https://www.imsglobal.org/spec/ob/v3p0)';

export class OutboundFetcher {
  private readonly resolve: Resolver;
  private readonly slots: Slots;
  private readonly cache: ResponseCache;
  private readonly inFlight = new Map<string, Promise<OutboundResponse>>();
  private readonly maxBytes: number;
  private readonly timeoutMs: number;

  constructor(private readonly opts: OutboundFetcherOptions) {
    this.resolve = opts.resolve ?? systemResolver;
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.slots = new Slots(opts.concurrency ?? 4, opts.queue ?? 16);
    this.cache = new ResponseCache(opts.cache);
  }

  /** The most fetches that ran at once (for tests and benchmarks). */
  get peakConcurrency(): number {
    return this.slots.peak;
  }

  /** Fetches that reached the network (not served from the cache or shared). */
  requests = 0;

  /** A GET that must answer 2xx; other statuses are an OutboundFetchError. Cached by default. */
  async get(url: string, init: Omit<OutboundRequest, 'method' | 'body'> = {}): Promise<OutboundResponse> {
    const res = await this.fetch(url, { cache: true, ...init, method: 'GET' });
    if (res.status < 200 || res.status > 299) throw new OutboundFetchError(url, { code: 'http-status', status: res.status });
    return res;
  }

  /** Any request; the answer is returned whatever its status (except redirects, which are refused). */
  async fetch(url: string, init: OutboundRequest = {}): Promise<OutboundResponse> {
    const target = this.parse(url);
    const allowList = await this.opts.allowList();
    this.checkHost(url, target, allowList);
    const cacheable = init.cache === true && (init.method ?? 'GET') === 'GET';
    if (!cacheable) return (await this.send(url, target, allowList, init)).response;

    const key = JSON.stringify([target.href, init.headers ?? {}, init.maxBytes ?? this.maxBytes, allowList.fingerprint]);
    const cached = this.cache.get(key);
    if (cached) return { ...cached, fromCache: true };
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const work = this.send(url, target, allowList, init).then(({ response, cacheControl }) => {
      this.cache.set(key, response, cacheControl);
      return response;
    });
    this.inFlight.set(key, work);
    try {
      return await work;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private parse(url: string): URL {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw this.refuse(url, { code: 'invalid-url' });
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw this.refuse(url, { code: 'scheme', production: this.opts.production });
    if (u.username || u.password) throw this.refuse(url, { code: 'credentials-in-url' });
    return u;
  }

  /** Before any lookup: IP literals, localhost and metadata names, and the scheme. */
  private checkHost(url: string, u: URL, allowList: AllowList) {
    const named = classifyHostName(u.hostname);
    if (named && named.kind !== 'public' && (ALWAYS_REFUSED.has(named.kind) || !allowList.allowsHost(u.hostname))) {
      throw this.refuse(url, { code: 'address', kind: named.kind, target: named.embedded ? `${named.address} (${named.embedded})` : named.address });
    }
    // Plain http: never in production; elsewhere to an allowed host. (A name not allowed by
    // name may still be allowed by the range its addresses are in: decided after the lookup.)
    const httpRefused = this.opts.production || (!allowList.allowsHost(u.hostname) && parseIp(normalHost(u.hostname)) !== undefined);
    if (u.protocol === 'http:' && httpRefused) throw this.refuse(url, { code: 'scheme', production: this.opts.production });
  }

  /** The problem with one resolved address, if any. */
  private addressProblem(hostname: string, address: string, allowList: AllowList): OutboundProblem | undefined {
    const ip = parseIp(address);
    if (!ip) return { code: 'unresolvable', host: hostname };
    const c = classifyIp(ip);
    if (c.kind === 'public') return undefined;
    if (!ALWAYS_REFUSED.has(c.kind) && (allowList.allowsHost(hostname) || allowList.allowsIp(ip))) return undefined;
    return { code: 'address', kind: c.kind, target: c.embedded ? `${c.address} (${c.embedded})` : c.address };
  }

  /** Resolves a name and checks every address it has; throws on the first refused one. */
  private async resolveChecked(url: string, hostname: string, allowList: AllowList): Promise<{ address: string; family: number }[]> {
    let addresses: { address: string; family: number }[];
    try {
      addresses = await this.resolve(hostname);
    } catch {
      throw new OutboundFetchError(url, { code: 'unresolvable', host: hostname });
    }
    if (addresses.length === 0) throw new OutboundFetchError(url, { code: 'unresolvable', host: hostname });
    for (const { address } of addresses) {
      const problem = this.addressProblem(hostname, address, allowList);
      if (problem) throw this.refuse(url, problem);
    }
    return addresses;
  }

  private refuse(url: string, problem: OutboundProblem): OutboundFetchError {
    const error = new OutboundFetchError(url, problem);
    this.opts.log?.warn({ url: displayUrl(url), problem }, 'outbound fetch refused');
    return error;
  }

  private async send(url: string, u: URL, allowList: AllowList, init: OutboundRequest): Promise<{ response: OutboundResponse; cacheControl?: string }> {
    const timeoutMs = init.timeoutMs ?? this.timeoutMs;
    const maxBytes = init.maxBytes ?? this.maxBytes;
    const deadline = AbortSignal.timeout(timeoutMs);
    const timedOut = () => new OutboundFetchError(url, { code: 'timeout', seconds: Math.round(timeoutMs / 100) / 10 });
    const release = await this.slots.acquire(deadline).catch(() => {
      throw deadline.aborted ? timedOut() : this.refuse(url, { code: 'busy' });
    });
    const hostname = normalHost(u.hostname);
    const literal = parseIp(hostname) !== undefined;
    let agent: Agent | undefined;
    try {
      if (!literal) {
        const addresses = await abortable(this.resolveChecked(url, hostname, allowList), deadline, timedOut);
        // Plain http to a name: only when every address is in an allowed range.
        if (u.protocol === 'http:' && !allowList.allowsHost(hostname) && !addresses.every((a) => allowList.allowsIp(parseIp(a.address)!))) {
          throw this.refuse(url, { code: 'scheme', production: this.opts.production });
        }
      }
      // The connection resolves the name again, through this check: what it connects to is
      // what was checked, even if DNS now answers differently. (An IP literal is not looked up.)
      const lookup: LookupFunction = (name, options, callback) => {
        this.resolveChecked(url, normalHost(name), allowList).then(
          (addresses) => {
            const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
            if (wanted.length === 0) return callback(Object.assign(new Error(`no IPv${options.family} address for ${name}`), { code: 'ENOTFOUND' }), '', 0);
            if (options.all) (callback as unknown as (e: null, a: typeof wanted) => void)(null, wanted);
            else callback(null, wanted[0].address, wanted[0].family);
          },
          (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
        );
      };
      agent = new Agent({
        connect: { lookup, timeout: timeoutMs },
        connections: 1,
        pipelining: 0,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        maxHeaderSize: 16 * 1024,
        maxResponseSize: maxBytes,
      });
      this.requests++;
      const res = await request(u, {
        dispatcher: agent,
        method: init.method ?? 'GET',
        headers: { 'user-agent': USER_AGENT, 'accept-encoding': 'identity', ...(init.headers ?? {}) },
        body: init.body,
        signal: deadline,
      }).catch((error: unknown) => {
        throw this.failure(url, error, deadline, timedOut, maxBytes);
      });
      // Dropping the body below makes it emit an abort error: nobody else listens.
      res.body.on('error', () => undefined);
      if (res.statusCode >= 300 && res.statusCode < 400) {
        res.body.destroy();
        throw new OutboundFetchError(url, { code: 'redirect' });
      }
      const length = Number(res.headers['content-length']);
      if (Number.isFinite(length) && length > maxBytes) {
        res.body.destroy();
        throw new OutboundFetchError(url, { code: 'too-large', limit: maxBytes });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length;
          if (size > maxBytes) {
            res.body.destroy();
            throw new OutboundFetchError(url, { code: 'too-large', limit: maxBytes });
          }
          chunks.push(chunk as Buffer);
        }
      } catch (error) {
        throw this.failure(url, error, deadline, timedOut, maxBytes);
      }
      const header = (name: string) => {
        const value = res.headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      };
      return {
        response: { url, status: res.statusCode, contentType: header('content-type'), body: Buffer.concat(chunks, size), fromCache: false },
        cacheControl: header('cache-control'),
      };
    } finally {
      release();
      void agent?.destroy().catch(() => undefined);
    }
  }

  /** Whatever went wrong, as an OutboundFetchError (the guard's own refusal stays what it was). */
  private failure(url: string, error: unknown, deadline: AbortSignal, timedOut: () => OutboundFetchError, maxBytes: number): OutboundFetchError {
    for (let e = error as { cause?: unknown; code?: string; message?: string } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
      if (e instanceof OutboundFetchError) return e;
      if (e.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return new OutboundFetchError(url, { code: 'too-large', limit: maxBytes });
    }
    const code = (error as { code?: string }).code;
    if (deadline.aborted || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return timedOut();
    const detail = code ?? (error as Error)?.message ?? String(error);
    return new OutboundFetchError(url, { code: 'unreachable', detail });
  }
}

/**
 * Reads a fetch Response's body to the end, or stops and cancels it past `maxBytes`
 * (undefined then): for answers from services microcred trusts (an LMS) that still must
 * not be read without limit.
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Buffer | undefined> {
  if (!body) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
}

async function abortable<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  if (signal.aborted) throw onAbort();
  let listener: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    listener = () => reject(onAbort());
    signal.addEventListener('abort', listener, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', listener!);
  }
}

/** Recent successful answers, least recently used first out, bounded in entries and bytes. */
class ResponseCache {
  private readonly entries = new Map<string, { expires: number; response: OutboundResponse }>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly defaultTtlMs: number;
  private readonly maxTtlMs: number;

  constructor(opts: OutboundFetcherOptions['cache'] = {}) {
    this.maxEntries = opts.entries ?? 64;
    this.maxBytes = opts.maxBytes ?? 8 * 1024 * 1024;
    this.defaultTtlMs = opts.defaultTtlMs ?? 60_000;
    this.maxTtlMs = opts.maxTtlMs ?? 300_000;
  }

  get(key: string): OutboundResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= Date.now()) {
      this.bytes -= entry.response.body.length;
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.response;
  }

  set(key: string, response: OutboundResponse, cacheControl: string | undefined) {
    if (response.status !== 200) return;
    const ttl = ttlOf(cacheControl, this.defaultTtlMs, this.maxTtlMs);
    const size = response.body.length;
    if (ttl <= 0 || size > this.maxBytes / 4) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.response.body.length;
    }
    this.entries.set(key, { expires: Date.now() + ttl, response });
    this.bytes += size;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.response.body.length;
    }
  }
}

/** How long an answer may be reused: Cache-Control max-age within bounds; never for no-store or no-cache. */
export function ttlOf(cacheControl: string | undefined, defaultMs: number, maxMs: number): number {
  const header = (cacheControl ?? '').toLowerCase();
  if (/(^|[\s,])(no-store|no-cache)([\s,=]|$)/.test(header)) return 0;
  const maxAge = /(?:^|[\s,])max-age\s*=\s*"?(\d+)/.exec(header);
  const ms = maxAge ? Number(maxAge[1]) * 1000 : defaultMs;
  return Math.min(Math.max(ms, 0), maxMs);
}
