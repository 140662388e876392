// Holder-bound copies of an award's credential, for wallets (VC-API exchange, OpenID4VCI).
// One award, many copies: each is signed like the award's own credential (Data Integrity
// first, then the VC-JWT) and carries the award's status-list entry, so revoking or
// reinstating the award changes every copy with one bit. A copy is stored once per
// (credential, holder DID); asking again returns the stored one.
import { randomUUID } from 'node:crypto';
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '../db/database';
import { holderCopies, issuedCredentials } from '../db/schema';
import { ConflictError, NotFoundError } from '../errors';
import { audit } from '../jobs/events';
import { conformanceProblems } from '../badges/conformance';
import type { DocumentLoader } from '../badges/documentLoader';
import type { IssuerKeys } from '../badges/issuance';
import { signBothForms } from '../badges/sign';
import { assertHolderDid, bindToHolder } from './holderBinding';

export type HolderCopyRow = typeof holderCopies.$inferSelect;

/** ldp_vc: the Data Integrity JSON-LD form; jwt_vc_json: the VC-JWT (OpenID4VCI's format names). */
export type CopyFormat = 'ldp_vc' | 'jwt_vc_json';
export type DeliveryProtocol = 'vc-api' | 'openid4vci';

export interface HolderCopy {
  id: string;
  awardId: number;
  issuedCredentialId: string;
  holderDid: string;
  deliveredVia: DeliveryProtocol | null;
  /** The Data Integrity form. */
  credential: Record<string, unknown>;
  /** The VC-JWT form (its payload includes the Data Integrity proof). */
  jwt: string;
  /** The form asked for: the credential object (ldp_vc) or the compact JWT (jwt_vc_json). */
  delivered: Record<string, unknown> | string;
  format: CopyFormat;
  /** Whether the award's credential (and so this copy) is revoked now. */
  revoked: boolean;
  createdAt: Date;
  /** False when an earlier copy for the same holder was returned. */
  created: boolean;
}

/** A copy without its credential, for lists. */
export interface CopySummary {
  id: string;
  awardId: number;
  holderDid: string;
  deliveredVia: string | null;
  createdAt: Date;
}

export interface IssueCopyInput {
  awardId: number;
  holderDid: string;
  format?: CopyFormat;
  via?: DeliveryProtocol;
  /**
   * Runs in the transaction that stores the copy, before it is stored: a protocol claims its
   * single-use exchange, code or nonce here, and throws to store nothing.
   */
  claim?: (tx: Tx) => Promise<void>;
  /** Runs in the same transaction after the copy is stored (e.g. to link it to the exchange). */
  stored?: (tx: Tx, copy: HolderCopyRow) => Promise<void>;
}

export class HolderCopies {
  constructor(
    private readonly db: Db,
    private readonly opts: { keys: IssuerKeys; loader: DocumentLoader; sign?: typeof signBothForms },
  ) {}

  /** Signs (or finds) the holder's copy of the award's credential. */
  async issue(input: IssueCopyInput): Promise<HolderCopy> {
    const holderDid = assertHolderDid(input.holderDid);
    const format = input.format ?? 'ldp_vc';
    const [issued] = await this.db.select().from(issuedCredentials).where(eq(issuedCredentials.awardId, input.awardId));
    if (!issued) throw new NotFoundError('This award has no issued credential yet.', 'NOT_ISSUED', 'Wait until the badge shows as issued, then try again.');
    if (issued.revokedAt) throw new ConflictError('This credential is revoked: it cannot be added to a wallet.', 'CREDENTIAL_REVOKED');

    // Signing happens before the transaction: a protocol's claim then holds its row lock only
    // for the insert, and a claim that fails leaves nothing behind but discarded signatures.
    const existing = await this.find(issued.id, holderDid);
    const prepared = existing ? undefined : await this.sign(issued.credential, holderDid);

    const result = await this.db.transaction(async (tx) => {
      await input.claim?.(tx);
      let row: HolderCopyRow | undefined;
      let created = false;
      if (prepared) {
        [row] = await tx
          .insert(holderCopies)
          .values({
            id: prepared.uuid,
            awardId: input.awardId,
            issuedCredentialId: issued.id,
            holderDid,
            deliveredVia: input.via ?? null,
            signingKeyId: prepared.signingKeyId,
            credential: prepared.credential,
            jwt: prepared.jwt,
          })
          .onConflictDoNothing({ target: [holderCopies.issuedCredentialId, holderCopies.holderDid] })
          .returning();
        created = !!row;
        if (row)
          await audit(tx, {
            courseId: issued.courseId,
            actorId: null,
            action: 'credential.holder-copy-issued',
            entityType: 'award',
            entityId: input.awardId,
            after: { copyUuid: row.id, holderDid, via: input.via ?? null, signingKeyId: row.signingKeyId },
          });
      }
      // The same holder at the same time, or earlier: the stored copy is the holder's copy.
      if (!row)
        [row] = await tx
          .select()
          .from(holderCopies)
          .where(and(eq(holderCopies.issuedCredentialId, issued.id), eq(holderCopies.holderDid, holderDid)));
      if (!row) throw new Error('The holder copy vanished after a conflicting insert.');
      await input.stored?.(tx, row);
      return { row, created };
    });
    return this.toCopy(result.row, format, issued.revokedAt !== null, result.created);
  }

  /** Every copy of an award's credential, oldest first, with the award's current revocation. */
  async listForAward(awardId: number): Promise<HolderCopy[]> {
    const rows = await this.db
      .select({ copy: holderCopies, revokedAt: issuedCredentials.revokedAt })
      .from(holderCopies)
      .innerJoin(issuedCredentials, eq(issuedCredentials.id, holderCopies.issuedCredentialId))
      .where(eq(holderCopies.awardId, awardId))
      .orderBy(asc(holderCopies.createdAt), asc(holderCopies.id));
    return rows.map((r) => this.toCopy(r.copy, 'ldp_vc', r.revokedAt !== null, false));
  }

  /** Copy counts for many awards at once (for lists of awards). */
  async countsForAwards(awardIds: number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    if (awardIds.length === 0) return counts;
    const rows = await this.db
      .select({ awardId: holderCopies.awardId, n: count() })
      .from(holderCopies)
      .where(inArray(holderCopies.awardId, awardIds))
      .groupBy(holderCopies.awardId);
    for (const r of rows) counts.set(r.awardId, r.n);
    return counts;
  }

  /** The copies of many awards (for lists of awards): who holds them, how they went, when. */
  async forAwards(awardIds: number[]): Promise<Map<number, CopySummary[]>> {
    const byAward = new Map<number, CopySummary[]>();
    if (awardIds.length === 0) return byAward;
    const rows = await this.db
      .select({
        id: holderCopies.id,
        awardId: holderCopies.awardId,
        holderDid: holderCopies.holderDid,
        deliveredVia: holderCopies.deliveredVia,
        createdAt: holderCopies.createdAt,
      })
      .from(holderCopies)
      .where(inArray(holderCopies.awardId, awardIds))
      .orderBy(asc(holderCopies.createdAt), asc(holderCopies.id));
    for (const r of rows) byAward.set(r.awardId, [...(byAward.get(r.awardId) ?? []), r]);
    return byAward;
  }

  private async find(issuedCredentialId: string, holderDid: string): Promise<HolderCopyRow | undefined> {
    const [row] = await this.db
      .select()
      .from(holderCopies)
      .where(and(eq(holderCopies.issuedCredentialId, issuedCredentialId), eq(holderCopies.holderDid, holderDid)));
    return row;
  }

  /** The copy, signed as issuance signs: checked against the schemas, Data Integrity proof, then the VC-JWT. */
  private async sign(issued: Record<string, unknown>, holderDid: string) {
    const uuid = randomUUID();
    const unsigned = bindToHolder(issued, { uuid, holderDid });
    const problems = conformanceProblems(unsigned);
    if (problems.length) throw new Error(`The holder copy does not conform: ${problems.slice(0, 5).join(' ')}`);
    const { row: keyRow, keyPair } = await this.opts.keys.activeKeyPair();
    const { credential, jwt } = await (this.opts.sign ?? signBothForms)(unsigned, keyPair, this.opts.loader);
    return { uuid, credential, jwt, signingKeyId: keyRow.id };
  }

  private toCopy(row: HolderCopyRow, format: CopyFormat, revoked: boolean, created: boolean): HolderCopy {
    return {
      id: row.id,
      awardId: row.awardId,
      issuedCredentialId: row.issuedCredentialId,
      holderDid: row.holderDid,
      deliveredVia: (row.deliveredVia as DeliveryProtocol | null) ?? null,
      credential: row.credential,
      jwt: row.jwt,
      delivered: format === 'jwt_vc_json' ? row.jwt : row.credential,
      format,
      revoked,
      createdAt: row.createdAt,
      created,
    };
  }
}
