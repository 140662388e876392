// OpenID4VCI offers in PostgreSQL: made by the learner, redeemed once at the token endpoint,
// spent per credential configuration at the credential endpoint. Every single-use rule is a
// statement or a constraint (UPDATE … WHERE redeemed_at IS NULL; the primary keys of used
// nonces and deliveries), never a read-then-write in this process, so two wallets racing
// for one code or one nonce cannot both win. Codes, tokens and nonces are stored hashed.
import { createHmac, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/database';
import { issuedCredentials, oid4vciDeliveries, oid4vciOffers, oid4vciUsedNonces } from '../db/schema';
import { NotFoundError } from '../errors';
import {
  ACCESS_TOKEN_TTL,
  type ConfigurationId,
  type CredentialFormat,
  NonceMint,
  OFFER_TTL,
  Oid4vciError,
  randomToken,
  randomTxCode,
  sha256,
} from './openid4vci';

export type OfferRow = typeof oid4vciOffers.$inferSelect;

/** Wrong transaction codes an offer survives; the next one spends it. */
export const MAX_TX_CODE_FAILURES = 5;
export const TX_CODE_LENGTH = 6;

/**
 * What signs and stores the holder's copy (src/wallets/holderCopies.ts): `claim` runs inside
 * its transaction before the copy is stored, `stored` after, in the same transaction.
 */
export interface CopyIssuer {
  issue(input: {
    awardId: number;
    holderDid: string;
    format?: CredentialFormat;
    via?: 'openid4vci';
    claim?: (tx: Tx) => Promise<void>;
    stored?: (tx: Tx, copy: { id: string }) => Promise<void>;
  }): Promise<{ id: string; delivered: Record<string, unknown> | string }>;
}

export class Oid4vciStore {
  private readonly codeKey: Buffer;
  /** Mints and checks c_nonces (stateless; spent ones are recorded by deliver()). */
  readonly nonces: NonceMint;

  constructor(
    private readonly db: Db,
    secret: Buffer,
  ) {
    this.codeKey = createHmac('sha256', secret).update('microcred openid4vci pre-authorized code v1').digest();
    this.nonces = new NonceMint(secret);
  }

  /**
   * The pre-authorized code of an offer, derived from its id: the credential_offer_uri must be
   * able to hand it out, and only its hash is stored. Whoever holds the offer's address holds
   * its code, exactly as with an offer by value; the transaction code is the second factor.
   */
  codeOf(offerId: string): string {
    return createHmac('sha256', this.codeKey).update(offerId).digest('base64url');
  }

  /** A new offer for the learner's own issued, unrevoked credential. */
  async createOffer(input: { awardId: number; learnerId: number; locale: string; withTxCode: boolean }): Promise<{
    offer: OfferRow;
    code: string;
    txCode?: string;
  }> {
    const [issued] = await this.db
      .select({ revokedAt: issuedCredentials.revokedAt })
      .from(issuedCredentials)
      .where(and(eq(issuedCredentials.awardId, input.awardId), eq(issuedCredentials.learnerId, input.learnerId)));
    if (!issued) throw new NotFoundError('That badge does not exist here, or it is not issued yet.');
    if (issued.revokedAt) throw new Oid4vciError('credential_request_denied', 'This badge is revoked: it cannot be added to a wallet.', 409);
    const id = randomBytes(16).toString('base64url');
    const code = this.codeOf(id);
    const txCode = input.withTxCode ? randomTxCode(TX_CODE_LENGTH) : undefined;
    const [offer] = await this.db
      .insert(oid4vciOffers)
      .values({
        id,
        awardId: input.awardId,
        learnerId: input.learnerId,
        codeHash: sha256(code),
        txCodeHash: txCode ? sha256(txCode) : null,
        locale: input.locale,
        expiresAt: sql`now() + make_interval(secs => ${OFFER_TTL})`,
      })
      .returning();
    return { offer, code, txCode };
  }

  /** An offer that can still be redeemed (for its credential_offer_uri). */
  async openOffer(id: string): Promise<OfferRow | undefined> {
    if (!/^[A-Za-z0-9_-]{22}$/.test(id)) return undefined;
    const [row] = await this.db
      .select()
      .from(oid4vciOffers)
      .where(
        and(
          eq(oid4vciOffers.id, id),
          isNull(oid4vciOffers.redeemedAt),
          gt(oid4vciOffers.expiresAt, sql`now()`),
          sql`${oid4vciOffers.txCodeFailures} < ${MAX_TX_CODE_FAILURES}`,
        ),
      );
    return row;
  }

  /**
   * The token endpoint's exchange: one UPDATE claims the offer if the code is known, unexpired,
   * unredeemed and the transaction code matches; only then is an access token made. Otherwise
   * nothing changes but the count of wrong transaction codes, and the error says which rule failed.
   */
  async redeem(code: string, txCode: string | undefined): Promise<{ accessToken: string; expiresIn: number; offer: OfferRow }> {
    const codeHash = sha256(code);
    const accessToken = randomToken();
    const [claimed] = await this.db
      .update(oid4vciOffers)
      .set({
        redeemedAt: sql`now()`,
        accessTokenHash: sha256(accessToken),
        tokenExpiresAt: sql`now() + make_interval(secs => ${ACCESS_TOKEN_TTL})`,
      })
      .where(
        and(
          eq(oid4vciOffers.codeHash, codeHash),
          isNull(oid4vciOffers.redeemedAt),
          gt(oid4vciOffers.expiresAt, sql`now()`),
          sql`${oid4vciOffers.txCodeFailures} < ${MAX_TX_CODE_FAILURES}`,
          // A code without a transaction code takes none; one with takes exactly its own.
          txCode === undefined ? isNull(oid4vciOffers.txCodeHash) : eq(oid4vciOffers.txCodeHash, sha256(txCode)),
        ),
      )
      .returning();
    if (claimed) return { accessToken, expiresIn: ACCESS_TOKEN_TTL, offer: claimed };

    // Why not: read after the failed claim, only to choose the error.
    const [row] = await this.db
      .select({
        id: oid4vciOffers.id,
        redeemed: sql<boolean>`${oid4vciOffers.redeemedAt} IS NOT NULL`,
        expired: sql<boolean>`${oid4vciOffers.expiresAt} <= now()`,
        failures: oid4vciOffers.txCodeFailures,
        hasTxCode: sql<boolean>`${oid4vciOffers.txCodeHash} IS NOT NULL`,
      })
      .from(oid4vciOffers)
      .where(eq(oid4vciOffers.codeHash, codeHash));
    if (!row) throw new Oid4vciError('invalid_grant', 'The pre-authorized code is not known here.');
    if (row.redeemed) throw new Oid4vciError('invalid_grant', 'The pre-authorized code has already been used: ask the learner for a new offer.');
    if (row.expired) throw new Oid4vciError('invalid_grant', 'The pre-authorized code has expired: ask the learner for a new offer.');
    if (row.failures >= MAX_TX_CODE_FAILURES)
      throw new Oid4vciError('invalid_grant', 'Too many wrong transaction codes: this offer is spent. Ask the learner for a new offer.');
    if (row.hasTxCode && txCode === undefined)
      throw new Oid4vciError('invalid_request', 'This offer requires the transaction code (tx_code) shown on the learner’s screen.');
    if (!row.hasTxCode && txCode !== undefined)
      throw new Oid4vciError('invalid_request', 'This offer has no transaction code: send the request without tx_code.');
    // A wrong transaction code: counted (atomically), so guessing ends after a few tries.
    await this.db
      .update(oid4vciOffers)
      .set({ txCodeFailures: sql`${oid4vciOffers.txCodeFailures} + 1` })
      .where(and(eq(oid4vciOffers.id, row.id), isNull(oid4vciOffers.redeemedAt)));
    throw new Oid4vciError('invalid_grant', 'The transaction code (tx_code) is wrong.');
  }

  /** The offer an access token was issued for, while the token is valid. */
  async offerForToken(accessToken: string): Promise<OfferRow | undefined> {
    if (!accessToken || accessToken.length > 200) return undefined;
    const [row] = await this.db
      .select()
      .from(oid4vciOffers)
      .where(and(eq(oid4vciOffers.accessTokenHash, sha256(accessToken)), gt(oid4vciOffers.tokenExpiresAt, sql`now()`)));
    return row;
  }

  /**
   * Delivers the holder's copy for one configuration of the offer. In the transaction that
   * stores the copy: the nonce is spent (its primary key refuses a replay) and the delivery
   * recorded (its primary key refuses a second one per configuration). If either fails, the
   * transaction stores nothing.
   */
  async deliver(
    copies: CopyIssuer,
    input: { offer: OfferRow; configurationId: ConfigurationId; format: CredentialFormat; holderDid: string; nonce: string; nonceExpiresAt: Date },
  ): Promise<Record<string, unknown> | string> {
    const copy = await copies.issue({
      awardId: input.offer.awardId,
      holderDid: input.holderDid,
      format: input.format,
      via: 'openid4vci',
      claim: async (tx) => {
        const spent = await tx
          .insert(oid4vciUsedNonces)
          .values({ nonceHash: sha256(input.nonce), expiresAt: input.nonceExpiresAt })
          .onConflictDoNothing()
          .returning({ h: oid4vciUsedNonces.nonceHash });
        if (!spent.length)
          throw new Oid4vciError('invalid_nonce', 'This nonce has already been used: ask the nonce endpoint for a fresh one and sign the proof again.');
        const delivered = await tx
          .insert(oid4vciDeliveries)
          .values({ offerId: input.offer.id, configurationId: input.configurationId, holderDid: input.holderDid })
          .onConflictDoNothing()
          .returning({ id: oid4vciDeliveries.offerId });
        if (!delivered.length)
          throw new Oid4vciError('credential_request_denied', `The ${input.configurationId} credential of this offer has already been delivered.`);
      },
      stored: async (tx, row) => {
        await tx
          .update(oid4vciDeliveries)
          .set({ holderCopyId: row.id })
          .where(and(eq(oid4vciDeliveries.offerId, input.offer.id), eq(oid4vciDeliveries.configurationId, input.configurationId)));
      },
    });
    return copy.delivered;
  }
}
