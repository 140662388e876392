/**
 * The issuer's Ed25519 signing keys under its did:web, each published twice: as a W3C
 * Multikey (`#key-n`, which Data Integrity proofs name) and as a JsonWebKey (`#key-n-jwk`,
 * which a VC-JWT's kid names: OB 3.0 §8.2.2 and §8.5 want a kid that dereferences to a JWK).
 *
 * One key is active and signs; generating a new one retires it in the same transaction.
 * Retired keys stay in the DID document (verificationMethod and assertionMethod) so every
 * credential signed earlier keeps verifying. Secret keys are stored encrypted with a key
 * derived from ENCRYPTION_KEY (src/db/secrets.ts), never in plain text.
 */
import { asc, desc, eq, sql } from 'drizzle-orm';
import { DID_V1_CONTEXT, JWK_V1_CONTEXT, MULTIKEY_V1_CONTEXT } from '../badges/contexts';
import type { ExtraResolver } from '../badges/documentLoader';
import { issuerIdentity, type IssuerIdentity } from '../badges/issuerIdentity';
import { generateKeyPair, importKeyPair, jwkFromPublicKeyMultibase, type Ed25519KeyPair } from '../badges/keys';
import { type Db, isUniqueViolation, type Tx } from '../db/database';
import { signingKeys } from '../db/schema';
import { decryptSecret, encryptSecret } from '../db/secrets';
import { ConflictError } from '../errors';

const SECRET_PURPOSE = 'signing-key';
/** Serialises every change to signing_keys across processes (a transaction-scoped advisory lock). */
const LOCK = sql`SELECT pg_advisory_xact_lock(hashtextextended('microcred:signing_keys', 0))`;
/** Other processes may rotate too; resolved documents are re-read at least this often. */
const CACHE_MS = 60_000;
/** How long the active key is taken from memory (see activeKeyPair). */
const ACTIVE_CACHE_MS = 5_000;

type Row = typeof signingKeys.$inferSelect;

export interface SigningKeyInfo {
  /** The row id (issued credentials reference it). */
  id: number;
  /** The fragment, e.g. "key-3". */
  keyId: string;
  /** The full verification method id, `<did>#key-3`. */
  verificationMethod: string;
  /** The same key as a JsonWebKey verification method, `<did>#key-3-jwk` (a VC-JWT's kid). */
  jsonWebKeyMethod: string;
  publicKeyMultibase: string;
  status: 'active' | 'retired';
  createdAt: Date;
  retiredAt: Date | null;
  createdBy: number | null;
}

export interface MultikeyMethod {
  id: string;
  type: 'Multikey';
  controller: string;
  publicKeyMultibase: string;
}

export interface JsonWebKeyMethod {
  id: string;
  type: 'JsonWebKey';
  controller: string;
  publicKeyJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string };
}

export interface DidDocument {
  '@context': string[];
  id: string;
  alsoKnownAs: string[];
  verificationMethod: (MultikeyMethod | JsonWebKeyMethod)[];
  assertionMethod: string[];
}

/** The fragment of a key's JsonWebKey method: its Multikey fragment plus "-jwk". */
export const jsonWebKeyFragment = (keyId: string) => `${keyId}-jwk`;

interface Snapshot {
  at: number;
  document: DidDocument;
  methods: Map<string, MultikeyMethod | JsonWebKeyMethod>;
}

export class SigningKeys {
  readonly identity: IssuerIdentity;
  /** Decrypted key pairs by row id: decrypting and importing on every issuance is wasted work. */
  private readonly keyPairs = new Map<number, Promise<Ed25519KeyPair>>();
  private snapshot: Promise<Snapshot> | undefined;

  constructor(
    private readonly db: Db,
    private readonly encryptionKey: Buffer,
    publicUrl: string,
  ) {
    this.identity = issuerIdentity(publicUrl);
  }

  get did(): string {
    return this.identity.did;
  }

  /** All keys, newest first. */
  async list(): Promise<SigningKeyInfo[]> {
    const rows = await this.db.select().from(signingKeys).orderBy(desc(signingKeys.id));
    return rows.map((r) => this.info(r));
  }

  /**
   * A new active key; the previous active key is retired in the same transaction. Concurrent
   * calls are serialised by an advisory lock, so each one rotates in turn and exactly one key
   * ends up active. The unique index on the active key is the last line of defence: should it
   * still fire, the rotation is retried, then reported as a ConflictError.
   */
  async generate(adminId: number | null = null): Promise<SigningKeyInfo> {
    for (let attempt = 0; ; attempt++) {
      try {
        const row = await this.db.transaction(async (tx) => {
          await tx.execute(LOCK);
          await tx.update(signingKeys).set({ status: 'retired', retiredAt: new Date() }).where(eq(signingKeys.status, 'active'));
          return this.insertKey(tx, adminId);
        });
        this.invalidate();
        return this.info(row);
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        if (attempt >= 2) {
          throw new ConflictError(
            'Another signing key was generated at the same moment.',
            'KEY_ROTATION_CONFLICT',
            'Reload the page to see which key is active now.',
          );
        }
      }
    }
  }

  /**
   * The key that signs now, decrypted. With no key yet, one is generated: the first issuance
   * must not depend on an administrator having clicked "Generate". Under the same lock, so
   * simultaneous first issuances create one key, not several.
   */
  async activeKeyPair(): Promise<{ row: SigningKeyInfo; keyPair: Ed25519KeyPair }> {
    // Issuance asks for every credential: answer from memory for a few seconds. A rotation
    // in this process clears it at once; one in another process is seen within ACTIVE_CACHE_MS.
    const cached = this.active;
    if (cached && Date.now() - cached.at < ACTIVE_CACHE_MS) return cached.value;
    const value = await this.readActiveKeyPair();
    this.active = { at: Date.now(), value };
    return value;
  }

  private active: { at: number; value: { row: SigningKeyInfo; keyPair: Ed25519KeyPair } } | undefined;

  private async readActiveKeyPair(): Promise<{ row: SigningKeyInfo; keyPair: Ed25519KeyPair }> {
    let [row] = await this.db.select().from(signingKeys).where(eq(signingKeys.status, 'active'));
    if (!row) {
      row = await this.db.transaction(async (tx) => {
        await tx.execute(LOCK);
        const [existing] = await tx.select().from(signingKeys).where(eq(signingKeys.status, 'active'));
        return existing ?? this.insertKey(tx, null);
      });
      this.invalidate();
    }
    return { row: this.info(row), keyPair: await this.keyPairOf(row) };
  }

  /** The DID document: every key, active and retired, as a Multikey usable for assertions. */
  async didDocument(): Promise<DidDocument> {
    return structuredClone((await this.load(true)).document);
  }

  /**
   * The `resolve` option of createDocumentLoader (and `resolveKey` of verifyOpenBadgeCredential):
   * answers our DID with the DID document, each `<did>#key-n` with its Multikey document and
   * each `<did>#key-n-jwk` with its JsonWebKey document. Anything else is not ours (undefined).
   * Served from memory; invalidated on rotation.
   */
  resolver(): ExtraResolver {
    return async (url: string) => {
      const hash = url.indexOf('#');
      const base = hash < 0 ? url : url.slice(0, hash);
      if (base !== this.did) return undefined;
      if (hash < 0) return structuredClone((await this.load()).document);
      // A key made by another process since the cache was filled: read once more.
      const method = (await this.load()).methods.get(url) ?? (await this.load(true)).methods.get(url);
      if (!method) return undefined;
      return { '@context': method.type === 'Multikey' ? MULTIKEY_V1_CONTEXT : JWK_V1_CONTEXT, ...method };
    };
  }

  // --- internals ---------------------------------------------------------------------

  private async insertKey(tx: Tx, adminId: number | null): Promise<Row> {
    // The row id is drawn first so the fragment (key-<id>) is unique without a second query.
    const { rows } = await tx.execute<{ id: string }>(sql`SELECT nextval(pg_get_serial_sequence('signing_keys', 'id')) AS id`);
    const id = Number(rows[0].id);
    const keyId = `key-${id}`;
    const keyPair = await generateKeyPair({ controller: this.did, id: this.identity.keyId(keyId) });
    const [row] = await tx
      .insert(signingKeys)
      .values({
        id,
        keyId,
        publicKeyMultibase: keyPair.publicKeyMultibase,
        secretKeyEncrypted: encryptSecret(keyPair.secretKeyMultibase as string, this.encryptionKey, SECRET_PURPOSE),
        status: 'active',
        createdBy: adminId,
      })
      .returning();
    return row;
  }

  private keyPairOf(row: Row): Promise<Ed25519KeyPair> {
    let pair = this.keyPairs.get(row.id);
    if (!pair) {
      pair = importKeyPair({
        publicKeyMultibase: row.publicKeyMultibase,
        secretKeyMultibase: decryptSecret(row.secretKeyEncrypted, this.encryptionKey, SECRET_PURPOSE),
        controller: this.did,
        id: this.identity.keyId(row.keyId),
        jwkId: this.identity.keyId(jsonWebKeyFragment(row.keyId)),
      });
      this.keyPairs.set(row.id, pair);
      pair.catch(() => this.keyPairs.delete(row.id));
    }
    return pair;
  }

  private info(r: Row): SigningKeyInfo {
    return {
      id: r.id,
      keyId: r.keyId,
      verificationMethod: this.identity.keyId(r.keyId),
      jsonWebKeyMethod: this.identity.keyId(jsonWebKeyFragment(r.keyId)),
      publicKeyMultibase: r.publicKeyMultibase,
      status: r.status === 'active' ? 'active' : 'retired',
      createdAt: r.createdAt,
      retiredAt: r.retiredAt,
      createdBy: r.createdBy,
    };
  }

  private invalidate() {
    this.snapshot = undefined;
    this.active = undefined;
  }

  private load(fresh = false): Promise<Snapshot> {
    const current = this.snapshot;
    if (!fresh && current) {
      // Keep a pending or recent snapshot; an old one is replaced below.
      return current.then((s) => (Date.now() - s.at < CACHE_MS ? s : this.load(true)));
    }
    const next = this.build();
    this.snapshot = next;
    next.catch(() => {
      if (this.snapshot === next) this.snapshot = undefined;
    });
    return next;
  }

  private async build(): Promise<Snapshot> {
    const rows = await this.db
      .select({ keyId: signingKeys.keyId, publicKeyMultibase: signingKeys.publicKeyMultibase })
      .from(signingKeys)
      .orderBy(asc(signingKeys.id));
    const multikeys: MultikeyMethod[] = rows.map((r) => ({
      id: this.identity.keyId(r.keyId),
      type: 'Multikey',
      controller: this.did,
      publicKeyMultibase: r.publicKeyMultibase,
    }));
    // The same keys as JWKs, for JOSE verifiers (a VC-JWT's kid names these).
    const jsonWebKeys: JsonWebKeyMethod[] = rows.map((r) => ({
      id: this.identity.keyId(jsonWebKeyFragment(r.keyId)),
      type: 'JsonWebKey',
      controller: this.did,
      publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: jwkFromPublicKeyMultibase(r.publicKeyMultibase)?.x as string },
    }));
    const verificationMethod = [...multikeys, ...jsonWebKeys];
    const document: DidDocument = {
      '@context': [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT, JWK_V1_CONTEXT],
      id: this.did,
      alsoKnownAs: [this.identity.profileUrl],
      verificationMethod,
      // Retired keys stay listed: a verifier checks the key is still an assertion key of the issuer.
      assertionMethod: verificationMethod.map((m) => m.id),
    };
    return { at: Date.now(), document, methods: new Map(verificationMethod.map((m) => [m.id, m])) };
  }
}
