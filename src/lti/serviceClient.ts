// HTTP calls to an LMS's LTI Advantage services (AGS, NRPS) with OAuth 2 client-credentials
// tokens. Tokens are cached per platform and scope set until shortly before they expire,
// and concurrent requests for the same token share one token request. Calls to one
// platform are limited to a configurable number at a time; a 401 refreshes the token once.
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Provider } from 'ltijs';
import { readCapped } from '../net/outboundFetch';

export interface PlatformRef {
  id: number;
  issuer: string;
  clientId: string;
  accessTokenUrl: string;
}

/** A failed service call: `retriable` says whether trying again later can help. */
export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retriable: boolean,
    /** Seconds the LMS asked us to wait (Retry-After), if it said. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** Limits concurrent work per key; records the highest concurrency seen (for benchmarks). */
class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  peak = 0;
  constructor(private readonly limit: number) {}
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    try {
      return await work();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

const TOKEN_MARGIN_MS = 60_000;
/**
 * The largest answer read from an LMS. A roster page of every member of a large course is a
 * few megabytes (NRPS without a limit answers all members at once); nothing legitimate is near this.
 */
export const MAX_LMS_ANSWER_BYTES = 32 * 1024 * 1024;

export class LtiServiceClient {
  private readonly tokens = new Map<string, Promise<{ token: string; expiresAt: number }>>();
  private readonly keys = new Map<number, Promise<{ key: KeyObject; kid: string }>>();
  private readonly limiters = new Map<number, Limiter>();
  /** Token requests made (not served from the cache): for tests and benchmarks. */
  tokenRequests = 0;

  constructor(
    private readonly lti: Provider,
    private readonly opts: { concurrency: number; timeoutMs: number /** Defaults to MAX_LMS_ANSWER_BYTES. */; maxAnswerBytes?: number },
  ) {}

  /** The highest number of simultaneous calls seen to one platform. */
  peakConcurrency(platformId: number): number {
    return this.limiters.get(platformId)?.peak ?? 0;
  }

  private limiter(platformId: number): Limiter {
    let l = this.limiters.get(platformId);
    if (!l) this.limiters.set(platformId, (l = new Limiter(this.opts.concurrency)));
    return l;
  }

  /** The tool's private key for this platform (ltijs keeps one per platform), and its kid. */
  private signingKey(platform: PlatformRef) {
    let key = this.keys.get(platform.id);
    if (!key) {
      key = (async () => {
        const p = (await this.lti.getPlatform(platform.issuer, platform.clientId)) as unknown as
          | { platformPrivateKey(): Promise<string>; platformKid(): Promise<string> }
          | false;
        if (!p) throw new ServiceError(`The LMS ${platform.issuer} is not registered with ltijs.`, undefined, false);
        return { key: createPrivateKey(await p.platformPrivateKey()), kid: await p.platformKid() };
      })();
      key.catch(() => this.keys.delete(platform.id));
      this.keys.set(platform.id, key);
    }
    return key;
  }

  /** An access token for these scopes: cached until a minute before expiry; one request for concurrent callers. */
  async token(platform: PlatformRef, scopes: string[]): Promise<string> {
    const cacheKey = `${platform.id}|${[...scopes].sort().join(' ')}`;
    const cached = this.tokens.get(cacheKey);
    if (cached) {
      const t = await cached.catch(() => undefined);
      if (t && t.expiresAt > Date.now()) return t.token;
      if (this.tokens.get(cacheKey) !== cached) return this.token(platform, scopes);
    }
    const request = this.requestToken(platform, scopes);
    this.tokens.set(cacheKey, request);
    request.catch(() => {
      if (this.tokens.get(cacheKey) === request) this.tokens.delete(cacheKey);
    });
    return (await request).token;
  }

  private invalidate(platform: PlatformRef, scopes: string[], token: string) {
    const cacheKey = `${platform.id}|${[...scopes].sort().join(' ')}`;
    const cached = this.tokens.get(cacheKey);
    // Only drop the token that failed, not a fresh one another caller already fetched.
    void cached?.then(
      (t) => {
        if (t.token === token && this.tokens.get(cacheKey) === cached) this.tokens.delete(cacheKey);
      },
      () => undefined,
    );
  }

  private async requestToken(platform: PlatformRef, scopes: string[]): Promise<{ token: string; expiresAt: number }> {
    this.tokenRequests++;
    const { key, kid } = await this.signingKey(platform);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(platform.clientId)
      .setSubject(platform.clientId)
      .setAudience(platform.accessTokenUrl)
      .setIssuedAt()
      .setExpirationTime('60s')
      .setJti(randomUUID())
      .sign(key);
    const res = await this.fetch(platform.accessTokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: scopes.join(' '),
      }).toString(),
    });
    if (!res.ok) throw await errorOf(res, 'The LMS refused an access token');
    const body = (await res.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new ServiceError('The LMS answered the token request without an access token.', res.status, true);
    const lifetime = (body.expires_in ?? 3600) * 1000;
    return { token: body.access_token, expiresAt: Date.now() + Math.max(lifetime - TOKEN_MARGIN_MS, lifetime / 2) };
  }

  /** One request; the answer is read here, to its end or to the cap, within the timeout. */
  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      const res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(this.opts.timeoutMs) });
      const body = await readCapped(res.body, this.opts.maxAnswerBytes ?? MAX_LMS_ANSWER_BYTES);
      if (!body)
        throw new ServiceError(
          `The LMS’s answer was larger than ${Math.round((this.opts.maxAnswerBytes ?? MAX_LMS_ANSWER_BYTES) / 1024 / 1024)} MB, so microcred stopped reading it.`,
          res.status,
          false,
        );
      const empty = body.length === 0 && (res.status === 204 || res.status === 304 || res.status < 200);
      return new Response(empty ? null : new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.length), {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    } catch (e) {
      if (e instanceof ServiceError) throw e;
      const timeout = (e as Error).name === 'TimeoutError';
      throw new ServiceError(
        timeout ? `The LMS did not answer within ${this.opts.timeoutMs / 1000} s.` : `The LMS could not be reached (${(e as Error).message}).`,
        undefined,
        true,
      );
    }
  }

  /**
   * A service call with a bearer token. 401 → a new token and one more try. Other failures
   * become a ServiceError that says whether a retry can help (429, 5xx, timeouts) or not.
   */
  async call(platform: PlatformRef, scopes: string[], url: string, init: RequestInit = {}): Promise<Response> {
    return this.limiter(platform.id).run(() => this.callInSlot(platform, scopes, url, init));
  }

  /**
   * Runs `work` holding one of the platform's call slots; the calls it makes through the
   * given function use that slot. For a caller that must not hold a database connection (or
   * lock) while it queues for a slot: it takes the slot first.
   */
  async withSlot<T>(platform: PlatformRef, work: (call: ServiceCall) => Promise<T>): Promise<T> {
    return this.limiter(platform.id).run(() => work((scopes, url, init = {}) => this.callInSlot(platform, scopes, url, init)));
  }

  private async callInSlot(platform: PlatformRef, scopes: string[], url: string, init: RequestInit): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(platform, scopes);
      const res = await this.fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
      if (res.status === 401 && attempt === 0) {
        this.invalidate(platform, scopes, token);
        continue;
      }
      if (!res.ok) throw await errorOf(res, 'The LMS refused the request');
      return res;
    }
  }
}

/** A service call made inside a slot already held (LtiServiceClient.withSlot). */
export type ServiceCall = (scopes: string[], url: string, init?: RequestInit) => Promise<Response>;

/** A ServiceError from an LMS answer, with the LMS's own message where it gave one. */
async function errorOf(res: Response, what: string): Promise<ServiceError> {
  let detail = '';
  try {
    const text = (await res.text()).slice(0, 500);
    try {
      // Canvas: {"errors":{"type","message"}} (lti/ims/concerns/lti_services.rb render_error).
      const j = JSON.parse(text) as { error?: string; error_description?: string; message?: string; reason?: string; errors?: { message?: string } };
      detail = j.error_description ?? j.message ?? j.reason ?? j.errors?.message ?? j.error ?? text;
    } catch {
      detail = text;
    }
  } catch {
    /* no body */
  }
  // Moodle puts its reason in the status line and answers a refused score with the body "[]"
  // (mod/lti/classes/local/ltiservice/response.php send(); gradebookservices scores.php).
  if (!/[\p{L}\p{N}]/u.test(detail) && res.statusText) detail = res.statusText;
  const retryAfter = Number(res.headers.get('retry-after'));
  const retriable = res.status === 429 || res.status >= 500 || res.status === 401 || res.status === 408;
  return new ServiceError(
    `${what} (HTTP ${res.status}${detail ? `: ${detail}` : ''}).`,
    res.status,
    retriable,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}
