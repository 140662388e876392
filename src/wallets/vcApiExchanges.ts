// VC-API exchanges as the DCC Learner Credential Wallet (LCW) uses them (docs/decisions/0014):
// the learner (or the holder, with the holder code) opens a short-lived, single-use exchange
// for an award; the wallet posts a DID Authentication presentation signed over its challenge;
// the first valid post claims the exchange in SQL and gets the holder-bound copy, in a
// verifiable presentation. Anything wrong is a 4xx with a code, and changes nothing.
import { randomUUID } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/database';
import { vcApiExchanges } from '../db/schema';
import { AppError, BadRequestError, ConflictError, NotFoundError } from '../errors';
import { verifyDidAuthentication } from './didAuth';
import type { HolderCopies, HolderCopy } from './holderCopies';
import { lcwDeepLink, presentationOf, SUPPORTED_CRYPTOSUITES, type VerifiablePresentationRequest } from './vcApi';

/** How long an exchange stays open: long enough to find the phone and unlock the wallet. */
export const EXCHANGE_TTL_MS = 15 * 60 * 1000;

export type ExchangeRow = typeof vcApiExchanges.$inferSelect;

export interface OpenedExchange {
  id: string;
  challenge: string;
  expiresAt: Date;
  /** The exchange endpoint (VC-API: POST here). */
  exchangeUrl: string;
  /** The link LCW opens (QR code or same device). */
  deepLink: string;
}

export type ExchangeReply =
  | { kind: 'request'; body: { verifiablePresentationRequest: VerifiablePresentationRequest } }
  | { kind: 'credential'; body: Record<string, unknown>; copy: HolderCopy };

const EXCHANGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export class VcApiExchanges {
  constructor(
    private readonly db: Db,
    private readonly opts: { publicUrl: string; issuerDid: string; holderCopies: HolderCopies; ttlMs?: number },
  ) {}

  exchangeUrl(id: string): string {
    return `${this.opts.publicUrl}/workflows/claim/exchanges/${id}`;
  }

  /** Opens an exchange for an award whose credential is issued (the caller checked who may). */
  async open(awardId: number): Promise<OpenedExchange> {
    const id = randomUUID();
    const challenge = randomUUID();
    const expiresAt = new Date(Date.now() + (this.opts.ttlMs ?? EXCHANGE_TTL_MS));
    await this.db.insert(vcApiExchanges).values({ id, awardId, challenge, expiresAt });
    const exchangeUrl = this.exchangeUrl(id);
    return { id, challenge, expiresAt, exchangeUrl, deepLink: lcwDeepLink({ issuer: this.opts.issuerDid, challenge, exchangeUrl }) };
  }

  /**
   * One POST to the exchange endpoint. An empty body starts the VC-API exchange (the answer is
   * the DID Authentication request); a presentation, bare (LCW's deep-link flow) or as
   * { verifiablePresentation } (VC-API), completes it. The credential comes back in the same
   * shape the presentation came in.
   */
  async participate(exchangeId: string, body: unknown): Promise<ExchangeReply> {
    const exchange = await this.usable(exchangeId);
    const posted = presentationOf(body);
    if (posted.kind === 'start') return { kind: 'request', body: { verifiablePresentationRequest: this.request(exchange) } };
    if (posted.kind === 'invalid') throw new BadRequestError(posted.message, 'NOT_A_PRESENTATION');

    const holderDid = await verifyDidAuthentication(posted.presentation, { challenge: exchange.challenge, domain: this.domain() });
    const copy = await this.opts.holderCopies.issue({
      awardId: exchange.awardId,
      holderDid,
      format: 'ldp_vc',
      via: 'vc-api',
      // One wins: a second wallet (or a replay) finds used_at set and gets 409; the copy is not stored.
      claim: (tx) => this.claim(tx, exchange.id),
      stored: async (tx, row) => {
        await tx.update(vcApiExchanges).set({ holderCopyId: row.id }).where(eq(vcApiExchanges.id, exchange.id));
      },
    });
    const presentation = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'],
      verifiableCredential: [copy.credential],
    };
    return { kind: 'credential', body: posted.wrapped ? { verifiablePresentation: presentation } : presentation, copy };
  }

  /** The exchange row, if it can still be used; otherwise the protocol error that says why. */
  private async usable(exchangeId: string): Promise<ExchangeRow> {
    const [row] = EXCHANGE_ID.test(exchangeId) ? await this.db.select().from(vcApiExchanges).where(eq(vcApiExchanges.id, exchangeId)) : [];
    if (!row) throw new NotFoundError('There is no exchange at this address.', 'EXCHANGE_NOT_FOUND', 'Start again from the link or QR code.');
    return assertOpen(row);
  }

  private async claim(tx: Tx, exchangeId: string): Promise<void> {
    const [claimed] = await tx
      .update(vcApiExchanges)
      .set({ usedAt: sql`now()` })
      .where(and(eq(vcApiExchanges.id, exchangeId), isNull(vcApiExchanges.usedAt), gt(vcApiExchanges.expiresAt, sql`now()`)))
      .returning({ id: vcApiExchanges.id });
    if (claimed) return;
    const [row] = await tx.select().from(vcApiExchanges).where(eq(vcApiExchanges.id, exchangeId));
    assertOpen(row!);
    throw new ConflictError('This exchange has already been used.', 'EXCHANGE_USED');
  }

  /** VP Request Spec "DIDAuthentication", as the DCC transaction-service sends it. */
  private request(exchange: ExchangeRow): VerifiablePresentationRequest {
    return {
      query: {
        type: 'DIDAuthentication',
        acceptedMethods: [{ method: 'key' }],
        acceptedCryptosuites: SUPPORTED_CRYPTOSUITES.map((cryptosuite) => ({ cryptosuite })),
      },
      interact: { service: [{ type: 'VerifiableCredentialApiExchangeService', serviceEndpoint: this.exchangeUrl(exchange.id) }] },
      challenge: exchange.challenge,
      domain: this.domain(),
    };
  }

  private domain(): string {
    return new URL(this.opts.publicUrl).origin;
  }

  /** Copies delivered through exchanges of one award (for the console). */
  async forAward(awardId: number): Promise<ExchangeRow[]> {
    return this.db.select().from(vcApiExchanges).where(eq(vcApiExchanges.awardId, awardId));
  }
}

function assertOpen(row: ExchangeRow): ExchangeRow {
  if (row.usedAt) throw new ConflictError('This exchange has already been used.', 'EXCHANGE_USED', 'Open “Add to a wallet” again for a new link.');
  if (row.expiresAt.getTime() <= Date.now())
    throw new AppError('This exchange has expired.', 410, 'EXCHANGE_EXPIRED', 'Open “Add to a wallet” again for a new link.');
  return row;
}
