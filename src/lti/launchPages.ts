// The launch path: OIDC login → platform → id_token POST → our own session.
// ltijs validates signature, iss, aud, expiry and its replay list; these handlers close
// the gaps it leaves (see docs/decisions/0002-ltijs-hardening.md):
//  - the nonce is ours (crypto-random) and bound to the login's state, used once;
//  - the deployment id must be one the admin registered;
//  - alg must be RS256/384/512 (never "none" or HMAC);
//  - after validation the ltik is not used: the browser gets the tool's own session.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, isNull, type SQL, sql } from 'drizzle-orm';
import type { NextFunction, Request, Response } from 'express';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { LtiToken } from 'ltijs';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import { purposeKey } from '../db/secrets';
import { ltiLogins, pendingLaunches, platformDeployments, platforms as platformTable } from '../db/schema';
import { LaunchRejectedError } from '../errors';
import { hashSessionId as hashSid, SESSION_COOKIE, sessionCookieHeader } from '../web/session';
import { placedCredentialId } from './deepLinking';
import { type NewWindow, newWindowFallback } from './newWindow';
import { ID_TOKEN_CLOCK_SKEW_SECONDS, isToolLaunchUrl } from './provider';
import type { PlatformRegistry } from './platforms';
import { summariseRoles } from './roles';

export const LOGIN_TTL_SECONDS = 10 * 60;
/** What to do about a token whose times do not fit our clock. */
const CLOCK_HINT =
  'Open microcred again from your course: a launch is only valid for a minute after you open it. If this happens every time, the clock of the LMS server or of the microcred server is wrong; ask your administrator to check that both keep the right time.';
export const LAUNCH_SESSION_SECONDS = 8 * 60 * 60;
const ALLOWED_ALGS = new Set(['RS256', 'RS384', 'RS512']);
const CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/';

/**
 * The login's state cookie. `__Host-`: no other host (a sibling subdomain) can set a cookie
 * of that name (RFC 6265bis 4.1.3.2), and its value is an HMAC of the state under a key of the
 * tool's, so only a cookie the tool set for this very login vouches for it.
 */
const STATE_COOKIE_PREFIX = '__Host-mc_state_';
const stateCookieName = (state: string) => `${STATE_COOKIE_PREFIX}${state.replace(/[^A-Za-z0-9]/g, '')}`;
function stateCookies(encryptionKey: Buffer) {
  const key = purposeKey(encryptionKey, 'lti-state-cookie');
  const value = (state: string) => createHmac('sha256', key).update(state).digest('base64url');
  return {
    header: (state: string) => sessionCookieHeader(stateCookieName(state), value(state), LOGIN_TTL_SECONDS),
    /** Whether the request carries this login's own state cookie (compared in constant time). */
    vouches(req: Request, state: string): boolean {
      const sent = (req.cookies as Record<string, unknown> | undefined)?.[stateCookieName(state)];
      if (typeof sent !== 'string') return false;
      const given = Buffer.from(sent);
      const expected = Buffer.from(value(state));
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
const storageKey = (what: 'state' | 'nonce', state: string) => `microcred_${what}_${state}`;
const hashTicket = (ticket: string) => createHash('sha256').update(ticket).digest('base64url');
const PENDING_TTL_SECONDS = 120;

/**
 * `column = value, …` for the values given. Like drizzle's .set(), a value left out
 * (a claim the LMS did not send) keeps what is stored.
 */
function assignments(values: Record<string, unknown>): SQL {
  return sql.join(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([column, v]) => sql`${sql.identifier(column)} = ${v}`),
    sql`, `,
  );
}

/**
 * How this launch continues in a window of its own if the frame keeps no cookie: a fresh
 * launch through the LMS (src/lti/newWindow.ts). The claims are the id_token's, read before
 * ltijs has validated it: they only choose which way the page offers, never grant anything.
 */
function newWindowFor(platform: { lmsFamily: string; issuer: string }, loginParams: Record<string, string>, claims: Record<string, unknown>): NewWindow {
  const placement = claims['https://www.instructure.com/placement'];
  const messageType = claims[`${CLAIM}message_type`];
  return newWindowFallback({
    lmsFamily: platform.lmsFamily,
    issuer: platform.issuer,
    loginParams,
    messageType: typeof messageType === 'string' ? messageType : undefined,
    placement: typeof placement === 'string' ? placement : undefined,
  });
}

export interface LaunchDeps {
  db: Db;
  platforms: PlatformRegistry;
  log: Logger;
  /** The tool's public origin (PUBLIC_URL): its launch URL is the only target a login may name. */
  publicUrl: string;
  /** ENCRYPTION_KEY, from which the state cookie's key is derived. */
  encryptionKey: Buffer;
}

/** A rejection goes to the log with its reason code, then to the person as a 4xx page. */
export function rejectLaunch(log: Logger, req: Request, err: LaunchRejectedError): never {
  log.warn({ reason: err.code, reqId: req.id, ip: req.ip }, 'LTI launch rejected');
  throw err;
}

/**
 * Wraps ltijs's login route: ltijs answers with a redirect to the platform; we swap its
 * state and its Math.random nonce for crypto-random ones of ours, remembered in lti_logins.
 */
export function captureLogin({ db, log, publicUrl, encryptionKey }: LaunchDeps) {
  const cookies = stateCookies(encryptionKey);
  return (req: Request, res: Response, next: NextFunction) => {
    const params = { ...(req.query as Record<string, string>), ...(req.body as Record<string, string>) };
    // ltijs makes target_link_uri the redirect_uri: any other address would have the LMS post
    // the id_token there (and it crashes on a repeated parameter).
    if (!isToolLaunchUrl(publicUrl, params.target_link_uri)) {
      rejectLaunch(
        log,
        req,
        new LaunchRejectedError(
          'TARGET_NOT_THIS_TOOL',
          "The LMS asked to open an address that is not microcred's launch address.",
          400,
          "Ask your LMS administrator to check microcred's launch URL (target link URI) in the LMS: it must be the one shown in microcred's admin console.",
        ),
      );
    }
    // The login's state and nonce are ours (crypto-random), and its row is written while ltijs
    // looks the platform up, not after: ltijs's own state (and its cookie, which the guard never
    // counts) are replaced in its redirect. A login ltijs then refuses leaves an unused row,
    // which expires like any other (10 minutes; housekeeping deletes it after a day).
    const plainState = randomBytes(25).toString('hex');
    const nonce = randomBytes(24).toString('base64url');
    const loginParams: Record<string, string> = {};
    for (const k of ['iss', 'login_hint', 'target_link_uri', 'lti_message_hint', 'client_id', 'lti_deployment_id', 'lti_storage_target']) {
      if (typeof params[k] === 'string') loginParams[k] = params[k];
    }
    // Only for an LMS registered here and switched on: anyone may call the login, and an
    // unknown issuer must not leave rows behind (ltijs then refuses it anyway).
    const issuer = String(params.iss);
    const clientId = params.client_id ?? null;
    const recorded = db
      .execute(sql`INSERT INTO ${ltiLogins} (state, nonce, issuer, client_id, login_params)
        SELECT ${plainState}, ${nonce}, ${issuer}, ${clientId}, ${JSON.stringify(loginParams)}::jsonb
        WHERE EXISTS (SELECT 1 FROM ${platformTable} p WHERE p.issuer = ${issuer} AND p.active AND (${clientId}::text IS NULL OR p.client_id = ${clientId}))`)
      .then(
        (result) =>
          result.rowCount === 1
            ? undefined
            : {
                err: new LaunchRejectedError(
                  'PLATFORM_DISABLED',
                  'This LMS is not registered in microcred, or it has been disabled.',
                  403,
                  'Ask your microcred administrator to register it or enable it again.',
                ),
              },
        (err: unknown) => ({ err }),
      );
    const originalRedirect = res.redirect.bind(res) as (url: string) => void;
    (res as unknown as { redirect: (u: string) => void }).redirect = (target: string) => {
      const url = new URL(target);
      const ltijsState = url.searchParams.get('state');
      if (!ltijsState) return originalRedirect(target);
      url.searchParams.set('state', plainState);
      url.searchParams.set('nonce', nonce);
      dropCookie(res, `state${ltijsState}`);
      void recorded.then((failed) => {
        if (failed) {
          if (failed.err instanceof LaunchRejectedError) log.warn({ reason: failed.err.code, reqId: req.id, ip: req.ip }, 'LTI launch rejected');
          else log.error({ err: failed.err }, 'could not record LTI login');
          return next(failed.err);
        }
        // ltijs's state cookie is not Partitioned, so browsers that block third-party
        // cookies drop it in the LMS iframe; this one (CHIPS) survives in Chrome.
        res.append('Set-Cookie', cookies.header(plainState));
        const storageTarget = loginParams.lti_storage_target;
        if (!storageTarget) return originalRedirect(url.toString());
        // LTI platform storage: keep state and nonce in the LMS's own frame as well,
        // for browsers that allow no cookie at all here (Safari).
        res.render('lti/storage-put', {
          layout: false,
          titleKey: 'lti.storage.title',
          authUrl: url.toString(),
          storageTarget,
          platformOrigin: url.origin,
          stateKey: storageKey('state', plainState),
          state: plainState,
          nonceKey: storageKey('nonce', plainState),
          nonce,
        });
      });
    };
    next();
  };
}

/** Takes a cookie ltijs set on this response back out (by name), before the head is sent. */
function dropCookie(res: Response, name: string) {
  const set = res.getHeader('Set-Cookie');
  if (set === undefined) return;
  const list = (Array.isArray(set) ? set : [String(set)]).filter((c) => !c.startsWith(`${name}=`));
  if (list.length) res.setHeader('Set-Cookie', list);
  else res.removeHeader('Set-Cookie');
}

/**
 * Runs before ltijs on the launch POST. Checks what ltijs does not, and consumes the
 * login row so the same state (and so the same id_token) can never launch twice.
 */
export function guardLaunch({ db, log, encryptionKey }: LaunchDeps) {
  const cookies = stateCookies(encryptionKey);
  return async (req: Request, res: Response, next: NextFunction) => {
    const idToken = req.body?.id_token;
    const state = req.body?.state;
    if (req.body?.error) {
      rejectLaunch(
        log,
        req,
        new LaunchRejectedError('PLATFORM_ERROR', `The LMS refused the login: ${String(req.body.error_description ?? req.body.error)}.`, 400),
      );
    }
    if (typeof idToken !== 'string' || typeof state !== 'string') {
      rejectLaunch(
        log,
        req,
        new LaunchRejectedError(
          'NOT_A_LAUNCH',
          'This address only accepts LTI launches from a registered LMS.',
          400,
          'Open the tool from a link or activity in your course.',
        ),
      );
    }
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(idToken);
      claims = decodeJwt(idToken);
    } catch {
      rejectLaunch(log, req, new LaunchRejectedError('MALFORMED_ID_TOKEN', 'The launch message from the LMS is not a valid signed token.', 400));
    }
    if (!header.alg || !ALLOWED_ALGS.has(header.alg)) {
      rejectLaunch(
        log,
        req,
        new LaunchRejectedError('ALG_NOT_ALLOWED', `The launch token is signed with "${String(header.alg)}", which is not allowed; LTI 1.3 requires RS256.`),
      );
    }
    // ltijs bounds a token's age by iat (tokenMaxAge) but lets one without iat through, and one
    // dated in the future stays "fresh" until then. The same allowance for clocks either way.
    if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) {
      rejectLaunch(log, req, new LaunchRejectedError('MISSING_CLAIMS', 'The launch token is missing required LTI information (NO_IAT_CLAIM).'));
    }
    if (claims.iat > Date.now() / 1000 + ID_TOKEN_CLOCK_SKEW_SECONDS) {
      rejectLaunch(log, req, new LaunchRejectedError('TOKEN_ISSUED_IN_FUTURE', 'The launch from the LMS is dated in the future.', 401, CLOCK_HINT));
    }

    // Consume the login exactly once, and only while it is fresh. The same round trip finds
    // the platform it names and whether the token's deployment is registered for it.
    const auds = Array.isArray(claims.aud) ? claims.aud : claims.aud ? [claims.aud] : [];
    const deploymentId = claims[`${CLAIM}deployment_id`];
    const consumed = db.$with('consumed').as(
      db
        .update(ltiLogins)
        .set({ consumedAt: new Date() })
        .where(and(eq(ltiLogins.state, state), isNull(ltiLogins.consumedAt), gt(ltiLogins.createdAt, sql`now() - make_interval(secs => ${LOGIN_TTL_SECONDS})`)))
        .returning(),
    );
    // The client ID is the login's, else the token's azp, else its first aud.
    const tokenClientId = (typeof claims.azp === 'string' && claims.azp) || auds[0] || null;
    const [found] = await db
      .with(consumed)
      .select({
        login: { nonce: consumed.nonce, issuer: consumed.issuer, loginParams: consumed.loginParams },
        platform: platformTable,
        hasDeployment:
          typeof deploymentId === 'string'
            ? sql<boolean>`exists (select 1 from ${platformDeployments} where ${platformDeployments.platformId} = ${platformTable.id} and ${platformDeployments.deploymentId} = ${deploymentId})`
            : sql<boolean>`false`,
      })
      .from(consumed)
      .leftJoin(
        platformTable,
        and(eq(platformTable.issuer, String(claims.iss)), eq(platformTable.clientId, sql`coalesce(nullif(${consumed.clientId}, ''), ${tokenClientId})`)),
      );
    if (!found) {
      const [seen] = await db.select({ consumedAt: ltiLogins.consumedAt }).from(ltiLogins).where(eq(ltiLogins.state, state));
      if (seen?.consumedAt) rejectLaunch(log, req, new LaunchRejectedError('REPLAYED_LAUNCH', 'This launch was already used. Each launch works once.'));
      rejectLaunch(
        log,
        req,
        new LaunchRejectedError(
          seen ? 'LOGIN_EXPIRED' : 'UNKNOWN_STATE',
          seen ? 'The login took too long and expired.' : 'This launch does not belong to a login started by this tool.',
        ),
      );
    }
    const { login, platform } = found;
    if (claims.nonce !== login.nonce) {
      rejectLaunch(log, req, new LaunchRejectedError('NONCE_MISMATCH', 'The launch token does not belong to the login that asked for it.'));
    }
    if (claims.iss !== login.issuer) {
      rejectLaunch(log, req, new LaunchRejectedError('ISSUER_MISMATCH', 'The launch token comes from a different LMS than the login.'));
    }
    if (!platform) {
      rejectLaunch(
        log,
        req,
        new LaunchRejectedError(
          'UNKNOWN_PLATFORM',
          'This LMS is not registered with microcred.',
          403,
          'Ask your administrator to register the LMS in the microcred admin console.',
        ),
      );
    }
    // ltijs never checks that an array aud contains our client id (it trusts azp alone).
    if (!auds.includes(platform.clientId) || (auds.length > 1 && claims.azp !== platform.clientId)) {
      rejectLaunch(log, req, new LaunchRejectedError('WRONG_AUDIENCE', 'The launch token was issued for another tool.'));
    }
    if (!platform.active) {
      rejectLaunch(
        log,
        req,
        new LaunchRejectedError('PLATFORM_DISABLED', 'This LMS has been disabled in microcred.', 403, 'Ask your microcred administrator to enable it again.'),
      );
    }
    if (typeof deploymentId !== 'string' || !found.hasDeployment) {
      rejectLaunch(
        log,
        req,
        new LaunchRejectedError(
          'UNKNOWN_DEPLOYMENT',
          `Deployment "${String(deploymentId ?? '(none)')}" of this LMS is not registered.`,
          403,
          'Ask your microcred administrator to add this deployment ID to the platform.',
        ),
      );
    }

    const newWindow = newWindowFor(platform, login.loginParams, claims);
    // The state must come back to the browser that started the login, and only our own state
    // cookie says so: ltijs's (signed, but any host of the site can set one under its name)
    // counts for nothing on its own. ltijs then finds ours in place of its own.
    const signed = (req.signedCookies ?? {}) as Record<string, unknown>;
    const otherLogins = Object.keys(signed).some((k) => k.startsWith('state')) || Object.keys(req.cookies ?? {}).some((k) => k.startsWith(STATE_COOKIE_PREFIX));
    if (cookies.vouches(req, state)) signed[`state${state}`] = login.issuer;
    else delete signed[`state${state}`];
    if (!signed[`state${state}`]) {
      if (otherLogins) {
        rejectLaunch(log, req, new LaunchRejectedError('STATE_COOKIE_MISMATCH', 'This launch was started in another browser window or by another site.'));
      }
      if (login.loginParams.lti_storage_target) {
        // No cookies at all, but the LMS offers platform storage: a page reads the state
        // back from the LMS frame and continues with a one-time ticket.
        const ticket = randomBytes(24).toString('base64url');
        await db.insert(pendingLaunches).values({ ticketHash: hashTicket(ticket), state, idToken, platformId: platform.id });
        log.info({ reqId: req.id }, 'LTI launch continues through platform storage');
        return res.render('lti/storage-get', {
          layout: false,
          titleKey: 'lti.storage.title',
          ticket,
          storageTarget: login.loginParams.lti_storage_target,
          platformOrigin: new URL(platform.authLoginUrl).origin,
          stateKey: storageKey('state', state),
          nonceKey: storageKey('nonce', state),
          newWindow,
        });
      }
      log.warn({ reason: 'COOKIES_BLOCKED', reqId: req.id, fallback: newWindow.kind }, 'LTI launch needs a new window');
      return renderCookiesBlocked(res, newWindow, (claims[`${CLAIM}launch_presentation`] as { locale?: unknown } | undefined)?.locale);
    }
    res.locals.platformRow = platform;
    res.locals.loginParams = login.loginParams;
    res.locals.newWindow = newWindow;
    next();
  };
}

/**
 * POST /lti/launch/storage: the page read state and nonce back from platform storage.
 * With matching values and an unused ticket, the launch goes on to ltijs as if the
 * state cookie had been there.
 *
 * The ticket, state and nonce are no secret from whoever started the login: a page on their
 * site could post their own to /lti/launch/storage from someone else's browser and sign that
 * browser in as them. What binds the ticket to the browser that started the login is where
 * the values come from: only our storage page (a same-origin post) may redeem it, and that
 * page sends only what this browser's LMS page holds for our origin (lti.get_data, answered
 * by the LMS's origin alone), which is this browser's own login. Fetch Metadata says which
 * page posted; no cookie is needed, as none survives here. A browser that does not send it
 * (before Safari 16.4) is refused too: it would not tell the attacker's page from ours.
 */
export function continueFromStorage({ db, platforms, log }: LaunchDeps) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.get('sec-fetch-site') !== 'same-origin') {
      rejectLaunch(
        log,
        req,
        new LaunchRejectedError(
          'STORAGE_TICKET_NOT_FROM_FRAME',
          "This sign-in step can only be completed by microcred's own page, in the browser that started it.",
          403,
          'Go back to your course in the LMS and open microcred again. If it keeps happening, update your browser, or ask your LMS administrator to open microcred in a new window.',
        ),
      );
    }
    const ticket = typeof req.body?.ticket === 'string' ? req.body.ticket : '';
    const [pending] = ticket
      ? await db
          .delete(pendingLaunches)
          .where(
            and(eq(pendingLaunches.ticketHash, hashTicket(ticket)), gt(pendingLaunches.createdAt, sql`now() - make_interval(secs => ${PENDING_TTL_SECONDS})`)),
          )
          .returning()
      : [];
    if (!pending) rejectLaunch(log, req, new LaunchRejectedError('UNKNOWN_TICKET', 'This sign-in step was already used or took too long.'));
    const [login] = await db.select().from(ltiLogins).where(eq(ltiLogins.state, pending.state));
    if (!login || req.body.state !== pending.state || req.body.nonce !== login.nonce) {
      rejectLaunch(log, req, new LaunchRejectedError('STORAGE_MISMATCH', 'The LMS frame did not confirm this sign-in.'));
    }
    const platform = await platforms.get(pending.platformId).catch(() => undefined);
    if (!platform?.active) rejectLaunch(log, req, new LaunchRejectedError('PLATFORM_DISABLED', 'This LMS has been disabled in microcred.', 403));
    req.body = { id_token: pending.idToken, state: pending.state };
    (req.signedCookies as Record<string, unknown>)[`state${pending.state}`] = login.issuer;
    res.locals.platformRow = platform;
    res.locals.loginParams = login.loginParams;
    let claims: Record<string, unknown> = {};
    try {
      claims = decodeJwt(pending.idToken);
    } catch {
      // ltijs refuses it next, with its reason.
    }
    res.locals.newWindow = newWindowFor(platform, login.loginParams, claims);
    next();
  };
}

/**
 * The page for a browser that keeps no cookie in the LMS frame: a fresh launch in a new
 * window, or what to set in the LMS. In the LMS's language (launch_presentation.locale).
 */
export function renderCookiesBlocked(res: Response, newWindow: NewWindow, lmsLocale: unknown) {
  if (typeof lmsLocale === 'string') res.locals.lmsLocale = lmsLocale;
  res
    .status(401)
    .render('lti/cookies-blocked', { titleKey: newWindow.kind === 'instructions' ? 'lti.cookiesBlocked.noWindowTitle' : 'lti.openInNewWindow', newWindow });
}

/** Maps ltijs's error messages to reason codes people and logs can use. */
export function ltijsFailure(log: Logger) {
  return (req: Request, res: Response) => {
    const detail = String((res.locals.err as { details?: { message?: string } })?.details?.message ?? 'UNKNOWN');
    // A launch is good for a minute: Moodle signs id_tokens for 60 s (lti_sign_jwt) and ltijs
    // refuses one issued more than tokenMaxAge (60 s) ago, both checked without leeway, so a
    // server clock that is off shortens that minute or breaks every launch.
    const map: Record<string, [string, string, string?]> = {
      'invalid signature': ['BAD_SIGNATURE', 'The launch token signature does not match the LMS keys.'],
      'jwt expired': ['TOKEN_EXPIRED', 'The launch from the LMS expired before it reached microcred.', CLOCK_HINT],
      TOKEN_TOO_OLD: ['TOKEN_TOO_OLD', 'The launch from the LMS was issued more than a minute ago.', CLOCK_HINT],
      AUD_DOES_NOT_CONTAIN_CLIENTID: ['WRONG_AUDIENCE', 'The launch token was issued for another tool.'],
      NONCE_ALREADY_RECEIVED: ['REPLAYED_NONCE', 'The launch token was already used.'],
      KEY_NOT_FOUND: ['UNKNOWN_KEY', 'The launch token was signed with a key the LMS does not publish.'],
      UNREGISTERED_PLATFORM: ['UNKNOWN_PLATFORM', 'This LMS is not registered with microcred.'],
      ISS_CLAIM_DOES_NOT_MATCH: ['ISSUER_MISMATCH', 'The launch token comes from a different LMS than the login.'],
      INVALID_JWT_RECEIVED: ['MALFORMED_ID_TOKEN', 'The launch message from the LMS is not a valid signed token.'],
    };
    const [code, message, hint] =
      map[detail] ??
      (/^NO_[A-Z_]+_CLAIM$/.test(detail)
        ? ['MISSING_CLAIMS', `The launch token is missing required LTI information (${detail}).`]
        : /^INVALID_[A-Z_]+_CLAIM$|^INVALID_MESSAGE_TYPE$/.test(detail)
          ? ['INVALID_CLAIMS', `The launch token carries invalid LTI information (${detail}).`]
          : ['INVALID_LAUNCH', `The launch could not be validated (${detail}).`]);
    log.warn({ reason: code, detail, reqId: req.id }, 'LTI launch rejected');
    const err = new LaunchRejectedError(code, message, 401, hint);
    res.status(err.status).render('error', { title: 'Launch refused', error: err });
  };
}

/** After ltijs accepted the launch: record who/where, open our session, leave the ltik behind. */
export function completeLaunch({ db, platforms, log }: LaunchDeps) {
  return async (token: LtiToken, req: Request, res: Response, next: NextFunction) => {
    try {
      const platform = res.locals.platformRow as { id: number };
      const ctx = token.platformContext;
      const roles = summariseRoles(ctx.roles);
      const launchId = randomBytes(24).toString('base64url');
      const previousSessionId = req.cookies?.[SESSION_COOKIE] ? req.sessionId : undefined;
      // A new session id on every launch (no fixation), but launches open in other tabs
      // of this browser move along with it, and so does its form token: forms open there
      // keep working (docs/decisions/0003).
      const formToken = req.session.csrf;
      await new Promise<void>((resolve, reject) => req.session.regenerate((e) => (e ? reject(e) : resolve())));
      req.session.lti = true;
      if (formToken) req.session.csrf = formToken;
      const webSessionId = req.sessionId;
      // The new session's row goes in with the launch's rows, not in a write of its own at the end.
      const sessionRow = req.session.row();
      const now = new Date();
      const info = token.userInfo ?? {};
      const course = ctx.context?.id ? ctx.context : undefined;
      // The course's AGS and NRPS endpoints, for grade passback and roster sync later.
      const ags = ctx.endpoint as { lineitems?: string; scope?: string[]; lineitem?: unknown } | undefined;
      const nrps = ctx.namesRoles as { context_memberships_url?: string } | undefined;
      const services =
        ags?.lineitems || nrps?.context_memberships_url
          ? { lineItemsUrl: ags?.lineitems ?? null, agsScopes: ags?.scope ?? [], membershipsUrl: nrps?.context_memberships_url ?? null }
          : undefined;
      // A link placed by deep linking names its credential, and the LMS sends that link's
      // gradebook column (AGS lineitem): remember it once, for grade passback.
      const placedId = placedCredentialId(ctx.custom);
      const placedLineItem = placedId !== undefined && typeof ags?.lineitem === 'string' && ags.lineitem ? ags.lineitem : undefined;
      const roleList = sql.param(ctx.roles ?? []);
      const claims = {
        custom: ctx.custom ?? {},
        launchPresentation: ctx.launchPresentation ?? {},
        ags: ctx.endpoint ?? null,
        nrps: ctx.namesRoles ?? null,
        deepLinking: ctx.deepLinkingSettings ?? null,
        platformFamily: token.platformInfo?.product_family_code ?? null,
        lmsAdmin: roles.lmsAdmin,
        newWindow: (res.locals.newWindow as NewWindow | undefined) ?? null,
      };
      // One statement (so one round trip, and atomic like a transaction): upsert the user,
      // course, membership, services, placed line item and resource link, and insert the
      // launch session and the browser session it is bound to. Each part below is what a separate statement did before. (In a sql``
      // template an undefined value renders as nothing, hence the `?? null`s.)
      const ctes = [
        // Launches open in other tabs of this browser move along to the new session.
        previousSessionId &&
          sql`moved AS (UPDATE launch_sessions SET web_session_id = ${hashSid(webSessionId)} WHERE web_session_id = ${hashSid(previousSessionId)} AND expires_at > ${now})`,
        sql`u AS (INSERT INTO lti_users (platform_id, sub, name, given_name, family_name, email)
          VALUES (${platform.id}, ${token.user}, ${info.name ?? null}, ${info.given_name ?? null}, ${info.family_name ?? null}, ${info.email ?? null})
          ON CONFLICT (platform_id, sub) DO UPDATE SET ${assignments({ name: info.name, given_name: info.given_name, family_name: info.family_name, email: info.email, last_launch_at: now })}
          RETURNING id)`,
        course &&
          sql`c AS (INSERT INTO courses (platform_id, deployment_id, context_id, title, label)
            VALUES (${platform.id}, ${token.deploymentId}, ${course.id}, ${course.title ?? null}, ${course.label ?? null})
            ON CONFLICT (platform_id, deployment_id, context_id) DO UPDATE SET ${assignments({ title: course.title, label: course.label, updated_at: now })}
            RETURNING id)`,
        course &&
          sql`m AS (INSERT INTO course_members (course_id, user_id, app_role, roles, last_launch_at)
            VALUES ((SELECT id FROM c), (SELECT id FROM u), ${roles.appRole}, ${roleList}, ${now})
            ON CONFLICT (course_id, user_id) DO UPDATE SET app_role = ${roles.appRole}, roles = ${roleList}, status = 'active', last_launch_at = ${now}, updated_at = ${now})`,
        course &&
          services &&
          sql`s AS (INSERT INTO course_services (course_id, line_items_url, ags_scopes, memberships_url, updated_at)
            VALUES ((SELECT id FROM c), ${services.lineItemsUrl}, ${sql.param(services.agsScopes)}, ${services.membershipsUrl}, ${now})
            ON CONFLICT (course_id) DO UPDATE SET line_items_url = ${services.lineItemsUrl}, ags_scopes = ${sql.param(services.agsScopes)}, memberships_url = ${services.membershipsUrl}, updated_at = ${now})`,
        course &&
          placedLineItem &&
          sql`li AS (INSERT INTO line_items (course_id, credential_id, url, source)
            SELECT c.id, cr.id, ${placedLineItem}, 'launch' FROM c JOIN credentials cr ON cr.id = ${placedId} AND cr.course_id = c.id
            ON CONFLICT (course_id, credential_id) DO NOTHING)`,
        course &&
          ctx.resource?.id &&
          sql`l AS (INSERT INTO resource_links (course_id, link_id, title)
            VALUES ((SELECT id FROM c), ${ctx.resource.id}, ${ctx.resource.title ?? null})
            ON CONFLICT (course_id, link_id) DO UPDATE SET title = ${ctx.resource.title === undefined ? sql`resource_links.title` : ctx.resource.title}
            RETURNING id)`,
        sql`ws AS (INSERT INTO web_sessions (sid, data, expires_at) VALUES (${sessionRow.sid}, ${JSON.stringify(sessionRow.data)}::jsonb, ${sessionRow.expiresAt})
          ON CONFLICT (sid) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at)`,
      ].filter((cte): cte is SQL => Boolean(cte));
      await db.execute(sql`WITH ${sql.join(ctes, sql`, `)}
        INSERT INTO launch_sessions (id, web_session_id, platform_id, deployment_id, course_id, user_id, resource_link_id, roles, app_role, message_type, claims, expires_at)
        VALUES (${launchId}, ${hashSid(webSessionId)}, ${platform.id}, ${token.deploymentId}, ${course ? sql`(SELECT id FROM c)` : null}, (SELECT id FROM u),
          ${course && ctx.resource?.id ? sql`(SELECT id FROM l)` : null}, ${roleList}, ${roles.appRole}, ${ctx.messageType}, ${JSON.stringify(claims)}::jsonb,
          ${new Date(Date.now() + LAUNCH_SESSION_SECONDS * 1000)})`);
      sessionRow.stored();
      await platforms.learnOrigins(platform.id, [ctx.launchPresentation?.return_url, (token.platformInfo as { url?: string } | undefined)?.url]);
      log.info({ reqId: req.id, platformId: platform.id, role: roles.appRole }, 'LTI launch accepted');
      // The login's state cookie has done its work (the login row is consumed): gone now, not in
      // 10 minutes, so a teacher opening many launches does not pile them up in every request.
      const state = (req.body as { state?: unknown } | undefined)?.state;
      if (typeof state === 'string') res.append('Set-Cookie', sessionCookieHeader(stateCookieName(state), '', 0));
      // 303: the browser follows with a GET, leaving the id_token POST behind.
      res.redirect(303, `/app/${launchId}`);
    } catch (err) {
      next(err);
    }
  };
}
