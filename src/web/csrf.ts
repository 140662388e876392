// CSRF protection: ONE check, run by the app before any route, for every request that can
// change state, whatever its body (docs/decisions/0012). SameSite=None cookies give no CSRF
// protection, so this is the line of defence; no route decides for itself.
//
// The token: one per browser session (docs/decisions/0003). Every stored session has it from
// its first write (src/web/session.ts), and a launch carries it over to the session it opens,
// so a form in any tab of the browser stays valid. A form refused here is given back to the
// person with what they typed and a fresh token (src/web/formRecovery.ts), never lost.
//
// Where it is read, before any route has parsed the body:
//  - the X-CSRF-Token header (scripts: public/js/upload.js), else
//  - the form's FIRST field, `_csrf`, read from the first bytes of a urlencoded or multipart
//    body and put back for the route's own parser. Every form of ours has its token input
//    first, and browsers send fields in document order.
// So no route reads a body, let alone an upload, for a request that has not passed; upload
// limits stay with each route's parser, enforced while streaming. Other bodies (JSON, text)
// need the header.
//
// Defence in depth: with a valid token, a request a browser says another site sent
// (Sec-Fetch-Site, or a foreign Origin) is still refused. This does not break the LMS frame:
// a form in our framed page is sent by our own origin (the LMS frames the tool without
// `sandbox`: moodle/moodle mod/lti/view.php, instructure/canvas-lms
// app/views/lti/_launch_iframe.html.erb), so the browser says `same-origin`.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { ForbiddenError } from '../errors';

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/** How far into a body its first field must have ended: a form part's headers and a token fit many times over. */
const PEEK_BYTES = 4096;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CsrfExemption {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The express path pattern, as the app serves it. */
  path: string;
  /** Why no token is needed: what proves the request instead. */
  reason: string;
  /** Refused all the same when a browser says another site sent it: only our own pages post it. */
  sameOriginOnly: boolean;
}

/**
 * The only state-changing routes that take no token; every other one does. Kept true by
 * test/web/csrfRouteTable.test.ts (each must still exist) and explained in docs/decisions/0012.
 */
export const CSRF_EXEMPTIONS: readonly CsrfExemption[] = [
  {
    method: 'POST',
    path: '/lti/login',
    sameOriginOnly: false,
    reason:
      'The LMS starts the OIDC login from its own site, before this browser has a session to hold a token. What it starts is proven at the launch: the state bound to this browser and our nonce.',
  },
  {
    method: 'POST',
    path: '/lti/launch',
    sameOriginOnly: false,
    reason:
      'The LMS posts the signed id_token from its own site. Its signature, our nonce and the login state bound to this browser are the proof (src/lti/launchPages.ts).',
  },
  {
    method: 'POST',
    path: '/lti/launch/storage',
    // Not refused here: continueFromStorage (src/lti/launchPages.ts) is stricter still and says why,
    // redeeming a ticket only when the browser marks the post same-origin.
    sameOriginOnly: false,
    reason:
      'The platform-storage continuation, for a frame that keeps no cookies: there is no session to hold a token. The one-time ticket from the login, with the state and nonce read back from the LMS page, is the proof, and only our own page may post it (Sec-Fetch-Site: same-origin).',
  },
  {
    method: 'POST',
    path: '/verify',
    sameOriginOnly: false,
    reason: 'The public verification page: anyone may check a credential they were given. It has no session and changes nothing.',
  },
  {
    method: 'POST',
    path: '/api/verify',
    sameOriginOnly: false,
    reason: 'The public verification API for other systems: it uses no cookies and no session, and changes nothing.',
  },
  {
    method: 'POST',
    path: '/credentials/:uuid/follow-up',
    sameOriginOnly: true,
    reason:
      'The holder’s follow-up survey, on a public page with no session: the holder code in the form, which another site cannot know, is the proof (src/qa/holderSurveyPages.ts).',
  },
  {
    method: 'POST',
    path: '/workflows/claim/exchanges/:exchangeId',
    sameOriginOnly: false,
    reason:
      'The VC-API exchange endpoint a wallet app posts to (machine to machine, no cookies, no session). The unguessable exchange id and the one-time challenge the wallet signs into its DID Authentication are the proof; the exchange is single use (src/wallets/vcApiExchanges.ts).',
  },
  {
    method: 'POST',
    path: '/credentials/:uuid/wallet',
    sameOriginOnly: true,
    reason:
      'The holder’s “Add to a wallet” on the public share page, with no session: the holder code in the form, which another site cannot know, is the proof (src/wallets/walletPages.ts).',
  },
  {
    method: 'POST',
    path: '/oid4vci/token',
    sameOriginOnly: false,
    reason:
      'The OpenID4VCI token endpoint, called by a wallet app, not a browser page: it uses no cookies and no session. The single-use pre-authorized code (and the transaction code, when the offer has one) is the proof (src/wallets/openid4vciPages.ts).',
  },
  {
    method: 'POST',
    path: '/oid4vci/nonce',
    sameOriginOnly: false,
    reason:
      'The OpenID4VCI nonce endpoint, called by a wallet app: it uses no cookies, stores nothing and hands out a fresh signed nonce to anyone, as the spec says.',
  },
  {
    method: 'POST',
    path: '/oid4vci/credential',
    sameOriginOnly: false,
    reason:
      'The OpenID4VCI credential endpoint, called by a wallet app: it uses no cookies and no session. The Bearer access token from the token endpoint, and the holder’s signed proof over our nonce, are the proof.',
  },
  {
    method: 'POST',
    path: '/mail/unsubscribe/:token',
    sameOriginOnly: false,
    reason:
      'The one-click unsubscribe of learners’ mail (RFC 8058): the mail client posts it, with no session of ours. The token in the address, an HMAC of the learner id under our key that only the mail carries, is the proof (src/mail/mailPages.ts); it can only turn mail off.',
  },
];

export const newCsrfToken = () => randomBytes(24).toString('base64url');

export function csrfToken(req: Request): string {
  // Only a session not stored yet lacks one; no other request can carry its cookie yet.
  if (!req.session.csrf) req.session.csrf = newCsrfToken();
  return req.session.csrf;
}

const invalidToken = () =>
  new ForbiddenError(
    'This form has expired or did not come from this site.',
    'CSRF_TOKEN_INVALID',
    'Reload the page and submit the form again. Nothing was saved.',
  );
const crossSite = () =>
  new ForbiddenError(
    'This form did not come from this site.',
    'CROSS_SITE_FORM',
    'Open the page on this site again and send the form from there. Nothing was saved.',
  );

/**
 * The app-wide check. `session` loads the browser session (the token's home) for the requests
 * that need one; the exempt routes load their own where they use one.
 */
export function csrfProtection(opts: { session: RequestHandler; publicUrl: string; exemptions?: readonly CsrfExemption[] }): RequestHandler {
  const exemptionOf = exemptionMatcher(opts.exemptions ?? CSRF_EXEMPTIONS);
  const ownOrigin = new URL(opts.publicUrl).origin;
  const refusal = async (req: Request, res: Response): Promise<ForbiddenError | undefined> => {
    const exemption = await exemptionOf(req, res);
    if (exemption) return exemption.sameOriginOnly && !fromThisSite(req, ownOrigin) ? crossSite() : undefined;
    await new Promise<void>((resolve, reject) => opts.session(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
    const sent = req.get(CSRF_HEADER) ?? (await firstFormField(req, CSRF_FIELD));
    if (!tokenMatches(sent, req.session.csrf)) return invalidToken();
    if (!fromThisSite(req, ownOrigin)) return crossSite();
    return undefined;
  };
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    refusal(req, res).then((err) => next(err), next);
  };
}

function tokenMatches(sent: unknown, expected: string | undefined): boolean {
  return (
    typeof sent === 'string' && typeof expected === 'string' && sent.length === expected.length && timingSafeEqual(Buffer.from(sent), Buffer.from(expected))
  );
}

/**
 * Whether a browser says the request came from a page of this site. Browsers send
 * Sec-Fetch-Site; Origin is "null" on our pages' form posts (Referrer-Policy: no-referrer),
 * so only a foreign origin counts against. A client that sends neither is not a browser
 * another site can steer.
 */
export function fromThisSite(req: Request, ownOrigin: string): boolean {
  const site = req.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.get('origin');
  return !origin || origin === 'null' || origin === ownOrigin;
}

/** Which exemption, if any, the request's method and path are: matched by express itself, as its routes are. */
function exemptionMatcher(exemptions: readonly CsrfExemption[]) {
  const router = Router();
  const found = new WeakMap<Request, CsrfExemption>();
  for (const e of exemptions) {
    router[e.method.toLowerCase() as 'post'](e.path, (req, _res, next) => {
      found.set(req, e);
      next('router');
    });
  }
  return (req: Request, res: Response) =>
    new Promise<CsrfExemption | undefined>((resolve, reject) =>
      router(req, res, (err?: unknown) => (err && err !== 'router' ? reject(err) : resolve(found.get(req)))),
    );
}

/**
 * The body's first field if it is `name`, from a urlencoded or multipart body; undefined for
 * any other body, or when the first field is another one. What was read is put back.
 */
async function firstFormField(req: Request, name: string): Promise<string | undefined> {
  // A compressed body would have to be inflated first; browsers never compress a form.
  if ((req.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity' || req.get('content-length') === '0') return undefined;
  if (req.is('application/x-www-form-urlencoded')) {
    const { data, complete } = await peekBody(req, (d) => d.includes(0x26 /* & */));
    return firstUrlencodedField(data, complete, name);
  }
  if (req.is('multipart/form-data')) {
    const boundary = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(req.get('content-type') ?? '');
    const delimiter = `--${boundary?.[1] ?? boundary?.[2] ?? ''}`;
    if (delimiter === '--') return undefined;
    // Enough once the first part has ended: the next delimiter is in.
    const { data } = await peekBody(req, (d) => d.indexOf(delimiter, d.indexOf(delimiter) + 1) >= 0);
    return firstMultipartField(data, delimiter, name);
  }
  return undefined;
}

export function firstUrlencodedField(data: Buffer, complete: boolean, name: string): string | undefined {
  const text = data.toString('latin1');
  const amp = text.indexOf('&');
  if (amp < 0 && !complete) return undefined; // the first field did not end within the bytes read
  const first = amp < 0 ? text : text.slice(0, amp);
  const eq = first.indexOf('=');
  if (eq < 0 || decodeFormComponent(first.slice(0, eq)) !== name) return undefined;
  return decodeFormComponent(first.slice(eq + 1));
}

function decodeFormComponent(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** RFC 7578: `--boundary CRLF headers CRLF CRLF value CRLF --boundary`; a first part that is a file has no token. */
export function firstMultipartField(data: Buffer, delimiter: string, name: string): string | undefined {
  const open = data.indexOf(`${delimiter}\r\n`);
  // Before the first delimiter there may only be a preamble line (RFC 2046 §5.1.1); browsers send none.
  if (open < 0 || (open > 0 && data.subarray(open - 2, open).toString('latin1') !== '\r\n')) return undefined;
  const headersStart = open + delimiter.length + 2;
  const headersEnd = data.indexOf('\r\n\r\n', headersStart);
  if (headersEnd < 0) return undefined;
  const disposition = data
    .subarray(headersStart, headersEnd)
    .toString('latin1')
    .split('\r\n')
    .find((h) => /^content-disposition\s*:/i.test(h));
  if (!disposition || /;\s*filename\*?\s*=/i.test(disposition)) return undefined;
  const field = /;\s*name\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(disposition);
  if ((field?.[1] ?? field?.[2]) !== name) return undefined;
  const valueEnd = data.indexOf(`\r\n${delimiter}`, headersEnd + 4);
  return valueEnd < 0 ? undefined : data.subarray(headersEnd + 4, valueEnd).toString('utf8');
}

/**
 * Reads the start of the request body, until `enough` says so, PEEK_BYTES are in, or the body
 * has ended, and puts it back (unshift) for whoever reads the body next. `complete`: the whole
 * body was read.
 */
function peekBody(req: Request, enough: (data: Buffer) => boolean): Promise<{ data: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve({ data: Buffer.alloc(0), complete: true });
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (complete: boolean) => {
      req.off('readable', onReadable);
      req.off('error', onGone);
      req.off('close', onGone);
      const data = Buffer.concat(chunks, size);
      // Synchronously after the last read(): the stream has not emitted 'end' yet, so the
      // bytes go back in front and the next reader sees the whole body, then its end.
      if (size > 0 && !req.destroyed) req.unshift(data);
      resolve({ data, complete });
    };
    const onReadable = () => {
      for (let chunk: Buffer | null = req.read(); chunk !== null; chunk = req.read()) {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= PEEK_BYTES || enough(Buffer.concat(chunks, size))) return finish(false);
      }
      // Nothing more buffered: either more is on its way, or that was the whole body.
      if (req.complete) finish(true);
    };
    const onGone = () => finish(false);
    req.on('readable', onReadable);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}
