/**
 * The institution's seal and the verifier's trust anchors, in PostgreSQL.
 *
 * The private key is encrypted at rest exactly like the signing keys (src/db/secrets.ts, its own
 * purpose "edc-seal-key"). Configuring a seal retires the active one in the same transaction,
 * under an advisory lock, so two administrators cannot both leave an active seal.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/database';
import { edcSeals, edcTrustAnchors } from '../db/schema';
import { decryptSecret, encryptSecret } from '../db/secrets';
import { BadRequestError } from '../errors';
import { describeCertificate, type CertificateFacts, type SealMaterial } from './certificates';

const PURPOSE = 'edc-seal-key';
const LOCK = sql`SELECT pg_advisory_xact_lock(hashtextextended('microcred:edc_seals', 0))`;

export interface ActiveSeal extends SealMaterial {
  id: number;
  source: string;
  facts: CertificateFacts;
}

export class SealStore {
  constructor(
    private readonly db: Db,
    private readonly encryptionKey: Buffer,
  ) {}

  async configure(material: SealMaterial, source: 'uploaded-pem' | 'uploaded-pkcs12' | 'test', createdBy: number | null): Promise<number> {
    const chainPem = material.chain.map((c) => c.toString()).join('');
    const keyPem = material.key.export({ type: 'pkcs8', format: 'pem' }) as string;
    return this.db.transaction(async (tx) => {
      await tx.execute(LOCK);
      await tx.update(edcSeals).set({ status: 'retired' }).where(eq(edcSeals.status, 'active'));
      const [row] = await tx
        .insert(edcSeals)
        .values({ chainPem, privateKeyEncrypted: encryptSecret(keyPem, this.encryptionKey, PURPOSE), source, createdBy })
        .returning({ id: edcSeals.id });
      // A test seal is trusted by this installation's own verifier (and labelled so); a real seal's
      // root is added by the administrator as a trust anchor.
      if (source === 'test') {
        const cert = material.chain[0];
        await tx
          .insert(edcTrustAnchors)
          .values({ label: 'This installation’s test seal', certificatePem: cert.toString(), fingerprintSha256: cert.fingerprint256 })
          .onConflictDoNothing();
      }
      return row.id;
    });
  }

  async active(): Promise<ActiveSeal | undefined> {
    const [row] = await this.db.select().from(edcSeals).where(eq(edcSeals.status, 'active'));
    if (!row) return undefined;
    const chain = (row.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
    const key = createPrivateKey(decryptSecret(row.privateKeyEncrypted, this.encryptionKey, PURPOSE));
    return { id: row.id, source: row.source, chain, key, facts: describeCertificate(chain[0]) };
  }

  async trustAnchors(): Promise<{ id: number; label: string; certificate: X509Certificate }[]> {
    const rows = await this.db.select().from(edcTrustAnchors).orderBy(asc(edcTrustAnchors.id));
    return rows.map((r) => ({ id: r.id, label: r.label, certificate: new X509Certificate(r.certificatePem) }));
  }

  async addTrustAnchor(label: string, pem: string): Promise<void> {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      throw new BadRequestError('The trust anchor cannot be read: paste one certificate as PEM.');
    }
    await this.db
      .insert(edcTrustAnchors)
      .values({ label: label.trim() || cert.subject.split('\n').join(', '), certificatePem: cert.toString(), fingerprintSha256: cert.fingerprint256 })
      .onConflictDoNothing();
  }

  async removeTrustAnchor(id: number): Promise<void> {
    await this.db.delete(edcTrustAnchors).where(eq(edcTrustAnchors.id, id));
  }
}
