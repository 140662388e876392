// The issuer's Bitstring Status Lists in PostgreSQL: entries handed out once each,
// revocation bits flipped in SQL in the same transaction as the revocation record, and
// the signed list credential published at /status/<id>, re-signed only when it changed.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/database';
import { statusLists } from '../db/schema';
import type { Ed25519KeyPair } from './keys';
import { signCredentialDataIntegrity } from './sign';
import { encodeStatusList, MIN_STATUS_LIST_LENGTH } from './statusList';
import type { DocumentLoader } from './documentLoader';

/**
 * Entries are given out in a scattered order (an odd multiplier is a bijection modulo a
 * power of two), so neighbouring credentials do not sit in neighbouring bits.
 */
const SCATTER = 48_271;
const scatter = (n: number, size: number) => (n * SCATTER) % size;

export class StatusLists {
  private readonly signed = new Map<number, { version: number; credential: Record<string, unknown> }>();

  constructor(private readonly db: Db) {}

  /** `count` fresh entries: the next free slots of the current list (and of a new list when it fills up). */
  async allocateBlock(count: number): Promise<{ listId: number; index: number }[]> {
    for (let attempt = 0; attempt < 3; attempt++) {
      // Locks the current list's row, so concurrent reservations queue and never overlap or overfill.
      const rows = await this.db.execute<{ id: number; first: number; last: number; size: number }>(sql`
        WITH cur AS (
          SELECT id, allocated, size FROM status_lists WHERE purpose = 'revocation' AND allocated < size ORDER BY id LIMIT 1 FOR UPDATE)
        UPDATE status_lists s SET allocated = least(cur.size, cur.allocated + ${count})
        FROM cur WHERE s.id = cur.id
        RETURNING s.id, cur.allocated AS first, s.allocated AS last, s.size`);
      const row = rows.rows[0];
      if (row) return Array.from({ length: row.last - row.first }, (_, i) => ({ listId: row.id, index: scatter(row.first + i, row.size) }));
      // Full or none yet: open a new list (two at once is harmless, both get used).
      await this.db.insert(statusLists).values({ purpose: 'revocation', size: MIN_STATUS_LIST_LENGTH, bits: Buffer.alloc(MIN_STATUS_LIST_LENGTH / 8) });
    }
    throw new Error('Could not allocate a status list entry.');
  }

  /** The current version of each list (it grows with every change of a bit). */
  async versions(ids: number[]): Promise<Map<number, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.select({ id: statusLists.id, version: statusLists.version }).from(statusLists).where(inArray(statusLists.id, ids));
    return new Map(rows.map((r) => [r.id, r.version]));
  }

  /** Sets or clears one entry's bit, inside the caller's transaction. Index 0 is the first byte's high bit. */
  async setBit(tx: Tx, listId: number, index: number, revoked: boolean) {
    // PostgreSQL numbers bits from the low end of each byte; the W3C list from the high end.
    const pgBit = (index >> 3) * 8 + (7 - (index & 7));
    await tx
      .update(statusLists)
      .set({ bits: sql`set_bit(${statusLists.bits}, ${pgBit}, ${revoked ? 1 : 0})`, version: sql`${statusLists.version} + 1`, updatedAt: new Date() })
      .where(eq(statusLists.id, listId));
  }

  /** The signed BitstringStatusListCredential, signed again only when the list has changed. */
  async credential(
    listId: number,
    url: string,
    issuerId: string,
    key: Ed25519KeyPair,
    loader: DocumentLoader,
  ): Promise<{ credential: Record<string, unknown>; version: number } | undefined> {
    // The version first: most calls (every verification of our badges) find the signed list
    // unchanged, and need not read its 16 kB of bits.
    const which = and(eq(statusLists.id, listId), eq(statusLists.purpose, 'revocation'));
    const [current] = await this.db.select({ version: statusLists.version }).from(statusLists).where(which);
    if (!current) return undefined;
    const cached = this.signed.get(listId);
    if (cached && cached.version === current.version) return cached;
    const [list] = await this.db.select().from(statusLists).where(which);
    if (!list) return undefined;
    const credential = await signCredentialDataIntegrity(
      {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        id: url,
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        issuer: issuerId,
        validFrom: `${list.updatedAt.toISOString().slice(0, 19)}Z`,
        credentialSubject: {
          id: `${url}#list`,
          type: 'BitstringStatusList',
          statusPurpose: list.purpose,
          encodedList: encodeStatusList(new Uint8Array(list.bits), list.size),
        },
      },
      key,
      loader,
    );
    const entry = { version: list.version, credential };
    this.signed.set(listId, entry);
    return entry;
  }
}
