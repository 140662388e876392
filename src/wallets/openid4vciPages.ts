// OpenID4VCI 1.0, pre-authorized code flow, over HTTP (docs/decisions/0015-openid4vci.md).
// Public, machine-to-machine (no session, exempt from the CSRF check: their own codes and
// tokens are the proof):
//   GET  /.well-known/openid-credential-issuer   issuer metadata, display in Accept-Language first
//   GET  /.well-known/oauth-authorization-server  the issuer is its own authorization server
//   GET  /oid4vci/offers/:id                      the credential offer (its credential_offer_uri)
//   POST /oid4vci/token                           pre-authorized code (+ tx_code) → access token
//   POST /oid4vci/nonce                           a fresh c_nonce
//   POST /oid4vci/credential                      proof of possession → the holder's copy
// In the launch, for the learner (session, CSRF token):
//   POST /app/:launchId/openid4vci/:awardId       make an offer: QR code, same-device link, tx_code
// Every refusal is the spec's JSON error with a 4xx, and changes nothing.
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { RateLimits } from '../db/rateLimits';
import { AppError } from '../errors';
import type { IssuerProfileStore } from '../issuer/issuerProfile';
import { resolveLocale, supportedLocales, translator } from '../i18n';
import { launchPageRouter } from '../web/launchPageRouter';
import { launchBase, launchOf } from '../web/launchContext';
import { idParam } from '../web/params';
import { pageLocale, pageTranslator } from '../web/views';
import {
  authorizationServerMetadata,
  CONFIGURATION_IDS,
  credentialOffer,
  type DisplayText,
  endpoints,
  issuerMetadata,
  Oid4vciError,
  PRE_AUTHORIZED_GRANT,
  parseCredentialRequest,
  sha256,
  verifyProofJwt,
} from './openid4vci';
import { verifyDiVpProof } from './openid4vciDiVp';
import { type Openid4vciOfferView, openid4vciOffer } from './openid4vciOffer';
import { type CopyIssuer, type Oid4vciStore, TX_CODE_LENGTH } from './openid4vciStore';

export interface Openid4vciDeps {
  publicUrl: string;
  issuer: IssuerProfileStore;
  openid4vci: Oid4vciStore;
  rateLimits: RateLimits;
  /** Signs and stores holder-bound copies (src/wallets/holderCopies.ts). */
  copies: CopyIssuer;
}

/** Requests per client address per minute, and per pre-authorized code per 10 minutes. */
export const TOKEN_LIMITS = { perAddress: { max: 60, windowSeconds: 60 }, perCode: { max: 10, windowSeconds: 600 } };
export const NONCE_LIMIT = { max: 60, windowSeconds: 60 };

export function openid4vciPages(deps: Openid4vciDeps): Router {
  const urls = endpoints(deps.publicUrl);
  const store = deps.openid4vci;
  const nonces = store.nonces;
  const limits = deps.rateLimits;
  const r = Router();

  r.get('/.well-known/openid-credential-issuer', async (req, res) => {
    const profile = await deps.issuer.get();
    const first = resolveLocale(req.get('accept-language'));
    const locales = [first, ...supportedLocales().filter((l) => l !== first)];
    const displays: DisplayText[] = locales.map((locale) => {
      const t = translator(locale);
      return {
        locale,
        issuerName: profile?.name ?? t('openid4vci.issuerFallbackName'),
        credentialName: t('openid4vci.credentialName'),
        credentialDescription: t('openid4vci.credentialDescription'),
      };
    });
    const logo = profile && (await deps.issuer.logo()) ? `${urls.issuer}/issuer/logo` : undefined;
    res.set('Content-Language', first).vary('Accept-Language').set('Cache-Control', 'public, max-age=300');
    res.json(issuerMetadata(deps.publicUrl, displays, logo));
  });

  r.get('/.well-known/oauth-authorization-server', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(authorizationServerMetadata(deps.publicUrl));
  });

  r.get('/oid4vci/offers/:id', async (req, res) => {
    const offer = await store.openOffer(req.params.id);
    if (!offer) throw new Oid4vciError('invalid_request', 'This credential offer does not exist, has expired or has been used.', 404);
    const t = translator(offer.locale);
    const body = credentialOffer(
      deps.publicUrl,
      store.codeOf(offer.id),
      offer.txCodeHash ? { length: TX_CODE_LENGTH, description: t('openid4vci.txCodeDescription') } : undefined,
    );
    res.set('Cache-Control', 'no-store').json(body);
  });

  r.post('/oid4vci/token', express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 }), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const code = typeof body['pre-authorized_code'] === 'string' ? body['pre-authorized_code'] : '';
    const wait = await limits.hit([
      { key: `oid4vci-token:addr:${req.ip}`, limit: TOKEN_LIMITS.perAddress },
      ...(code ? [{ key: `oid4vci-token:code:${sha256(code)}`, limit: TOKEN_LIMITS.perCode }] : []),
    ]);
    if (wait) {
      res.set('Retry-After', String(wait));
      throw new Oid4vciError('invalid_request', `Too many token requests: try again in ${wait} seconds.`, 429);
    }
    if (!req.is('application/x-www-form-urlencoded')) throw new Oid4vciError('invalid_request', 'Send the token request as application/x-www-form-urlencoded.');
    if (body.grant_type !== PRE_AUTHORIZED_GRANT)
      throw new Oid4vciError('unsupported_grant_type', `Only the pre-authorized code grant (${PRE_AUTHORIZED_GRANT}) is supported here.`);
    if (!code) throw new Oid4vciError('invalid_request', 'pre-authorized_code is missing.');
    const txCode = body.tx_code;
    if (txCode !== undefined && typeof txCode !== 'string') throw new Oid4vciError('invalid_request', 'tx_code must be sent once, as text.');
    const { accessToken, expiresIn } = await store.redeem(code, txCode);
    res.json({ access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn });
  });

  r.post('/oid4vci/nonce', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const wait = await limits.hit([{ key: `oid4vci-nonce:addr:${req.ip}`, limit: NONCE_LIMIT }]);
    if (wait) {
      res.set('Retry-After', String(wait));
      throw new Oid4vciError('invalid_request', `Too many nonce requests: try again in ${wait} seconds.`, 429);
    }
    res.json({ c_nonce: nonces.mint().nonce });
  });

  r.post('/oid4vci/credential', express.json({ limit: '64kb', strict: true, type: () => true }), async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const auth = req.get('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(auth);
    if (!match) throw new Oid4vciError('invalid_token', 'Send the access token from the token endpoint as "Authorization: Bearer …".', 401);
    const offer = await store.offerForToken(match[1]);
    if (!offer) throw new Oid4vciError('invalid_token', 'The access token is unknown or has expired.', 401);
    const request = parseCredentialRequest(req.body, CONFIGURATION_IDS);
    const holder =
      request.proof.type === 'jwt'
        ? await verifyProofJwt(request.proof.jwt, { audience: urls.issuer, nonces })
        : await verifyDiVpProof(request.proof.presentation, { audience: urls.issuer, nonces });
    let credential: Record<string, unknown> | string;
    try {
      credential = await store.deliver(deps.copies, {
        offer,
        configurationId: request.configurationId,
        format: request.format,
        holderDid: holder.holderDid,
        nonce: holder.nonce,
        nonceExpiresAt: holder.nonceExpiresAt,
      });
    } catch (error) {
      throw protocolErrorOf(error);
    }
    res.json({ credentials: [{ credential }] });
  });

  // The protocol's own error shape for everything under these routes (RFC 6749 §5.2, OpenID4VCI §8.3.1).
  r.use(['/oid4vci', '/.well-known'], (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const e = err instanceof Oid4vciError ? err : bodyProblem(err);
    if (!e) return next(err);
    if (e.status === 401) res.set('WWW-Authenticate', `Bearer error="${e.error}"`);
    res.status(e.status).set('Cache-Control', 'no-store').json({ error: e.error, error_description: e.description });
  });
  return r;
}

/** Errors from signing and storing the copy, in the protocol's words. */
function protocolErrorOf(error: unknown): unknown {
  if (error instanceof Oid4vciError || !(error instanceof AppError)) return error;
  if (error.code === 'INVALID_HOLDER_DID') return new Oid4vciError('invalid_proof', error.message);
  if (error.status >= 500) return error;
  // OpenID4VCI §8.3.1.2: a request refused for what it asks for is a 400, whatever our own status was.
  return new Oid4vciError('credential_request_denied', error.message);
}

/** A body express could not parse: the protocol's invalid_request. */
function bodyProblem(err: unknown): Oid4vciError | undefined {
  const e = err as { type?: string; status?: number; expose?: boolean } | undefined;
  if (e?.type === 'entity.too.large') return new Oid4vciError('invalid_request', 'The request body is too large.', 413);
  if (e?.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return new Oid4vciError('invalid_request', 'The request body could not be read (JSON must be valid JSON).');
  return undefined;
}

/**
 * The learner's side, inside the launch: an offer for one of their badges, shown on its own.
 * "Add to a wallet" (src/badges/launchPages.ts) shows one with a transaction code beside the
 * VC-API exchange and links here for one without (`txCode=none`).
 */
export function openid4vciLaunchPages(deps: Pick<Openid4vciDeps, 'publicUrl' | 'openid4vci'>): Router {
  const store = deps.openid4vci;
  const r = launchPageRouter({ access: 'course:learn', formLimit: '8kb' });
  r.post('/:awardId', async (req, res) => {
    const launch = launchOf(req);
    const awardId = idParam(req, 'awardId', 'That badge does not exist.');
    const t = pageTranslator(res.locals);
    let offer: Openid4vciOfferView;
    try {
      offer = await openid4vciOffer(store, {
        awardId,
        learnerId: launch.userId,
        locale: pageLocale(res.locals),
        withTxCode: req.body.txCode !== 'none',
        publicUrl: deps.publicUrl,
        qrLabel: t('openid4vci.offer.qrLabel'),
      });
    } catch (error) {
      if (error instanceof Oid4vciError) throw new AppError(error.description, error.status, 'OFFER_REFUSED', 'Go back to My badges.');
      throw error;
    }
    res.set('Cache-Control', 'no-store').render('wallets/openid4vci-offer', {
      titleKey: 'openid4vci.offer.title',
      launch: req.launch,
      base: launchBase(req),
      offer,
    });
  });
  return r;
}
