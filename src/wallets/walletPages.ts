// Public wallet routes, mounted with the other public pages (no session):
//  - POST /workflows/claim/exchanges/:exchangeId   the VC-API exchange endpoint the DCC Learner
//    Credential Wallet posts to (machine to machine: the exchange id and the challenge signed
//    into the presentation are the proof; CSRF-exempt for that reason, src/web/csrf.ts). Every
//    answer is JSON, errors included, whatever the wallet's Accept header says.
//  - GET/POST /credentials/:uuid/wallet   "Add to a wallet" for the holder on the share page,
//    after the holder code (the same proof of holding as the follow-up survey).
import { type NextFunction, type Request, type Response, Router } from 'express';
import { AppError, NotFoundError } from '../errors';
import type { BadgeIssuer } from '../badges/issuance';
import { holderCodeMatches } from '../qa/surveys';
import { formBody, jsonBody } from '../web/input';
import { pageLocale, pageTranslator } from '../web/views';
import { vcApiOffer } from './addToWallet';
import { openid4vciOffer } from './openid4vciOffer';
import type { Oid4vciStore } from './openid4vciStore';
import type { VcApiExchanges } from './vcApiExchanges';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export interface WalletDeps {
  badges: BadgeIssuer;
  vcApi: VcApiExchanges;
  encryptionKey: Buffer;
  /** OpenID4VCI offers, shown beside the VC-API exchange. */
  openid4vci: Oid4vciStore;
  publicUrl: string;
}

export function walletPages(deps: WalletDeps): Router {
  const r = Router();

  // --- VC-API exchange (JSON) ----------------------------------------------------------
  const exchange = Router();
  exchange.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  exchange.post('/workflows/claim/exchanges/:exchangeId', jsonBody('64kb'), async (req, res) => {
    const reply = await deps.vcApi.participate(req.params.exchangeId, req.body);
    res.status(200).json(reply.body);
  });
  exchange.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    const error = protocolError(err);
    if (!error) return next(err);
    req.log?.info({ code: error.code }, error.message);
    res.status(error.status).json({ error: { code: error.code, message: error.message, hint: error.hint } });
  });
  r.use(exchange);

  // --- The holder's "Add to a wallet" on the share page ---------------------------------
  const path = `/credentials/:uuid(${UUID})/wallet`;
  const credentialOf = async (uuid: string) => {
    const row = await deps.badges.byUuid(uuid);
    if (!row)
      throw new NotFoundError('There is no credential at this address.', 'CREDENTIAL_NOT_FOUND', 'Check the link you were given; it must be copied in full.');
    if (row.revokedAt) throw new AppError('This badge has been revoked, so it cannot be added to a wallet.', 410, 'CREDENTIAL_REVOKED');
    return row;
  };
  const render = (res: Response, view: Record<string, unknown>, status = 200) => {
    // The page may carry a live exchange: never cached, never indexed.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Robots-Tag', 'noindex');
    res.status(status).render('wallets/add-to-wallet', { titleKey: 'wallets.title', vcApi: undefined, codeError: false, ...view });
  };

  r.get(path, async (req, res) => {
    const row = await credentialOf(req.params.uuid);
    render(res, { name: nameOf(row.credential), backUrl: `/credentials/${row.id}`, codeAction: `/credentials/${row.id}/wallet` });
  });

  r.post(path, formBody('8kb'), async (req, res) => {
    const row = await credentialOf(req.params.uuid);
    const view = { name: nameOf(row.credential), backUrl: `/credentials/${row.id}`, codeAction: `/credentials/${row.id}/wallet` };
    if (!holderCodeMatches(deps.encryptionKey, row.id, req.body?.code)) return render(res, { ...view, codeError: true }, 403);
    const opened = await deps.vcApi.open(row.awardId);
    const t = pageTranslator({ acceptLanguage: req.get('accept-language') });
    const openid4vci = await openid4vciOffer(deps.openid4vci, {
      awardId: row.awardId,
      learnerId: row.learnerId,
      locale: pageLocale({ acceptLanguage: req.get('accept-language') }),
      withTxCode: true,
      publicUrl: deps.publicUrl,
      qrLabel: t('openid4vci.offer.qrLabel'),
    });
    render(res, { ...view, vcApi: await vcApiOffer(opened, t('wallets.lcw.qrLabel')), openid4vci });
  });

  return r;
}

export const nameOf = (credential: Record<string, unknown>) => (typeof credential.name === 'string' ? credential.name : 'Micro-credential');

/** AppErrors as they are; the JSON parser's own errors as 400/413; anything else is not ours to word. */
function protocolError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const e = err as { type?: string } | undefined;
  if (e?.type === 'entity.parse.failed') return new AppError('The request body is not valid JSON.', 400, 'INVALID_JSON');
  if (e?.type === 'entity.too.large') return new AppError('The request body is larger than an exchange accepts (64 kB).', 413, 'TOO_LARGE');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new AppError('Send the request as UTF-8 JSON.', 415, 'BODY_ENCODING');
  return undefined;
}
