// The issuer's signing keys: encryption at rest, the active key made on first use, rotation
// from the console (old keys stay published and keep verifying), concurrency, and access.
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { SigningKeys } from '../../src/issuer/signingKeys';
import { importKeyPair, type Ed25519KeyPair } from '../../src/badges/keys';
import { signCredentialDataIntegrity, signCredentialJwt } from '../../src/badges/sign';
import { verifyOpenBadgeCredential } from '../../src/badges/verify';
import { signingKeys } from '../../src/db/schema';
import { decryptSecret, encryptSecret, SecretDecryptionError } from '../../src/db/secrets';
import { fullBadge, NOW } from '../badges/fixtures';
import { signedInAdmin } from '../support/admin';
import { readForm, TestBrowser } from '../support/browser';
import { launch } from '../support/launch';
import { connectLms, startTestTool, type TestTool } from '../support/tool';
import type { PlatformSimulator } from '../support/platformSimulator';

describe('secrets at rest (AES-256-GCM, key per purpose)', () => {
  const key = randomBytes(32);

  it('round-trips, with a fresh IV every time and a versioned format', () => {
    const a = encryptSecret('z3u2secret', key, 'signing-key');
    const b = encryptSecret('z3u2secret', key, 'signing-key');
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('z3u2secret');
    expect(decryptSecret(a, key, 'signing-key')).toBe('z3u2secret');
    expect(decryptSecret(b, key, 'signing-key')).toBe('z3u2secret');
  });

  it('refuses clearly with another key, another purpose, altered data or a foreign format', () => {
    const box = encryptSecret('secret', key, 'signing-key');
    expect(() => decryptSecret(box, randomBytes(32), 'signing-key')).toThrow(SecretDecryptionError);
    expect(() => decryptSecret(box, randomBytes(32), 'signing-key')).toThrow(/ENCRYPTION_KEY is not the key it was encrypted with/);
    expect(() => decryptSecret(box, key, 'other-purpose')).toThrow(SecretDecryptionError);
    const parts = box.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    expect(() => decryptSecret([...parts.slice(0, 3), flipped.toString('base64url')].join('.'), key, 'signing-key')).toThrow(SecretDecryptionError);
    expect(() => decryptSecret('plain text', key, 'signing-key')).toThrow(/not in a format/);
    expect(() => encryptSecret('x', Buffer.alloc(16), 'signing-key')).toThrow(/32 bytes/);
  });
});

describe('signing keys', () => {
  const ENCRYPTION_KEY = randomBytes(32);
  const EMAIL = 'keys-admin@uni.example';
  const PASSWORD = 'correct horse battery staple';
  let tool: TestTool;
  let sim: PlatformSimulator;
  let admin: TestBrowser;
  let keys: SigningKeys;

  beforeAll(async () => {
    tool = await startTestTool({ ENCRYPTION_KEY: ENCRYPTION_KEY.toString('base64') });
    sim = await connectLms(tool, 'moodle-4.5');
    keys = tool.signingKeys;
    admin = await signedInAdmin(tool, { email: EMAIL, password: PASSWORD });
  });
  afterAll(async () => {
    await tool?.stop();
    await sim?.stop();
  });

  const rows = () => tool.database.db.select().from(signingKeys).orderBy(signingKeys.id);
  const verify = (credential: unknown, resolveKey = keys.resolver()) => verifyOpenBadgeCredential(credential as object, { now: NOW, resolveKey });

  it('makes the first key on first use, once, even when five issuances ask at the same moment', async () => {
    expect(await keys.list()).toEqual([]);
    const results = await Promise.all(Array.from({ length: 5 }, () => keys.activeKeyPair()));
    expect(new Set(results.map((r) => r.row.id)).size).toBe(1);
    expect(await rows()).toHaveLength(1);
    const { row, keyPair } = results[0];
    expect(row).toMatchObject({ keyId: `key-${row.id}`, status: 'active', retiredAt: null, createdBy: null });
    expect(keyPair.controller).toBe(keys.did);
    expect(keyPair.id).toBe(`${keys.did}#key-${row.id}`);
    expect(keyPair.jwkId).toBe(`${keys.did}#key-${row.id}-jwk`);
    expect(keys.did).toBe(`did:web:localhost%3A${new URL(tool.base).port}`);
  });

  it('stores the secret key encrypted, and a different ENCRYPTION_KEY cannot read it', async () => {
    const { keyPair } = await keys.activeKeyPair();
    const [stored] = await rows();
    expect(keyPair.secretKeyMultibase).toMatch(/^z/);
    expect(stored.secretKeyEncrypted).not.toContain(keyPair.secretKeyMultibase);
    expect(stored.secretKeyEncrypted).toMatch(/^v1\./);
    // Nothing in the row (as text) holds the secret either.
    const { rows: raw } = await tool.database.pool.query('SELECT row_to_json(k)::text AS t FROM signing_keys k');
    expect(raw[0].t).not.toContain(keyPair.secretKeyMultibase);
    expect(decryptSecret(stored.secretKeyEncrypted, ENCRYPTION_KEY, 'signing-key')).toBe(keyPair.secretKeyMultibase);

    const wrong = new SigningKeys(tool.database.db, randomBytes(32), tool.base);
    await expect(wrong.activeKeyPair()).rejects.toThrow(/ENCRYPTION_KEY is not the key it was encrypted with/);
  });

  it('signs with the active key, and the resolver lets the verifier check it (Data Integrity and JWT)', async () => {
    const { keyPair } = await keys.activeKeyPair();
    const credential = fullBadge(keys.did);
    const signed = await signCredentialDataIntegrity(credential, keyPair);
    expect((signed.proof as Array<{ verificationMethod: string }>)[0].verificationMethod).toBe(keyPair.id);
    const jwt = await signCredentialJwt(credential, keyPair);
    for (const input of [signed, jwt]) {
      const report = await verify(input);
      expect(report.checks.filter((c) => c.status !== 'passed' && c.id !== 'status')).toEqual([]);
      expect(report.verified).toBe(true);
    }
    // Without our resolver the did:web key is unknown (the verifier never goes to the network).
    expect((await verifyOpenBadgeCredential(signed, { now: NOW })).verified).toBe(false);
  });

  it('resolves only our DID and our keys', async () => {
    const { row } = await keys.activeKeyPair();
    const resolve = keys.resolver();
    expect(await resolve(row.verificationMethod)).toEqual({
      '@context': 'https://w3id.org/security/multikey/v1',
      id: row.verificationMethod,
      type: 'Multikey',
      controller: keys.did,
      publicKeyMultibase: row.publicKeyMultibase,
    });
    // The same key as a JWK: what a VC-JWT's kid names.
    expect(await resolve(row.jsonWebKeyMethod)).toEqual({
      '@context': 'https://w3id.org/security/jwk/v1',
      id: row.jsonWebKeyMethod,
      type: 'JsonWebKey',
      controller: keys.did,
      publicKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
    });
    expect(await resolve(`${keys.did}#key-999`)).toBeUndefined();
    expect(await resolve(`${keys.did}#key-999-jwk`)).toBeUndefined();
    expect(await resolve('did:web:elsewhere.example')).toBeUndefined();
    expect(await resolve('https://www.w3.org/ns/credentials/v2')).toBeUndefined();
  });

  describe('rotation from the console', () => {
    let oldKey: Ed25519KeyPair;
    let signedWithOld: Record<string, unknown>;
    let jwtWithOld: string;

    beforeAll(async () => {
      oldKey = (await keys.activeKeyPair()).keyPair;
      signedWithOld = await signCredentialDataIntegrity(fullBadge(keys.did), oldKey);
      jwtWithOld = await signCredentialJwt(fullBadge(keys.did), oldKey);
    });

    it('lists keys with the DID, links and an explanation, and needs the CSRF token', async () => {
      const dash = await admin.get(`${tool.base}/admin`);
      expect(dash.body).toContain('href="/admin/keys"');
      const page = await admin.get(`${tool.base}/admin/keys`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(keys.did);
      expect(page.body).toContain(oldKey.id);
      expect(page.body).toContain(`${oldKey.id}-jwk`);
      expect(page.body).toContain(`${tool.base}/.well-known/did.json`);
      expect(page.body).toContain(`${tool.base}/issuer`);
      expect(page.body).toContain('stay in the DID document');
      const noCsrf = await admin.post(`${tool.base}/admin/keys`, {});
      expect(noCsrf.status).toBe(403);
      expect(noCsrf.body).toContain('CSRF_TOKEN_INVALID');
      const forged = await admin.post(`${tool.base}/admin/keys`, { _csrf: 'x'.repeat(32) });
      expect(forged.status).toBe(403);
      expect(await rows()).toHaveLength(1);
    });

    it('generates a new active key and retires the old one, which stays in the DID document', async () => {
      const page = await admin.get(`${tool.base}/admin/keys`);
      const res = await admin.post(`${tool.base}/admin/keys`, readForm(page.body, '/admin/keys').fields);
      expect(res.status).toBe(200);
      expect(res.body).toContain('A new signing key was generated');
      const all = await rows();
      expect(all).toHaveLength(2);
      expect(all[0]).toMatchObject({ status: 'retired', retiredAt: expect.any(Date) });
      expect(all[1]).toMatchObject({ status: 'active', retiredAt: null, createdBy: expect.any(Number) });
      expect(res.body).toContain('Retired: still verifies earlier credentials');

      const { keyPair: newKey } = await keys.activeKeyPair();
      expect(newKey.id).not.toBe(oldKey.id);
      const doc = await (await fetch(`${tool.base}/.well-known/did.json`)).json();
      const ids = [oldKey.id, newKey.id, `${oldKey.id}-jwk`, `${newKey.id}-jwk`];
      expect(doc.verificationMethod.map((m: { id: string }) => m.id)).toEqual(ids);
      expect(doc.assertionMethod).toEqual(ids);
      expect(await keys.didDocument()).toEqual(doc);
    });

    it('the new key signs, and credentials signed with the old key still verify', async () => {
      const { keyPair: newKey } = await keys.activeKeyPair();
      const signedWithNew = await signCredentialDataIntegrity(fullBadge(keys.did), newKey);
      for (const input of [signedWithNew, signedWithOld, jwtWithOld]) {
        expect((await verify(input)).verified).toBe(true);
      }
      // Another process's resolver, filled before a rotation it did not see, reloads for an unknown key.
      const other = new SigningKeys(tool.database.db, ENCRYPTION_KEY, tool.base);
      const otherResolve = other.resolver();
      expect((await verify(signedWithOld, otherResolve)).verified).toBe(true);
      await keys.generate(null);
      const newest = (await keys.activeKeyPair()).keyPair;
      expect((await verify(await signCredentialDataIntegrity(fullBadge(keys.did), newest), otherResolve)).verified).toBe(true);
    });

    it('five concurrent rotations all succeed and leave exactly one active key', async () => {
      const before = (await rows()).length;
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => keys.generate(null)));
      expect(results.map((r) => r.status)).toEqual(Array(5).fill('fulfilled'));
      const all = await rows();
      expect(all).toHaveLength(before + 5);
      expect(all.filter((k) => k.status === 'active')).toHaveLength(1);
      expect(new Set(all.map((k) => k.keyId)).size).toBe(all.length);
      const [{ n }] = (await tool.database.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM signing_keys WHERE status = 'active'`)).rows;
      expect(n).toBe(1);
      // The active key is the one activeKeyPair hands out, and it decrypts.
      const active = all.find((k) => k.status === 'active')!;
      expect((await keys.activeKeyPair()).row.id).toBe(active.id);
      const doc = await keys.didDocument();
      expect(doc.assertionMethod).toHaveLength(2 * all.length);
      // Every published key matches the stored public key.
      for (const k of all) {
        const [stored] = await tool.database.db.select().from(signingKeys).where(eq(signingKeys.id, k.id));
        const pair = await importKeyPair({
          publicKeyMultibase: stored.publicKeyMultibase,
          secretKeyMultibase: decryptSecret(stored.secretKeyEncrypted, ENCRYPTION_KEY, 'signing-key'),
        });
        expect(pair.publicKeyMultibase).toBe(k.publicKeyMultibase);
      }
    });
  });

  describe('who can reach /admin/keys', () => {
    it('anonymous visitors are sent to sign in, and cannot generate', async () => {
      const b = new TestBrowser();
      const res = await b.get(`${tool.base}/admin/keys`, false);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fkeys');
      const before = (await rows()).length;
      const post = await b.post(`${tool.base}/admin/keys`, {});
      expect(post.status).toBe(403);
      expect((await rows()).length).toBe(before);
    });

    it('people in an LTI session, whatever their LMS role, are refused', async () => {
      for (const role of ['learner', 'instructor', 'admin'] as const) {
        const { browser } = await launch(tool, sim, role);
        const res = await browser.get(`${tool.base}/admin/keys`);
        expect(res.status).toBe(403);
        expect(res.body).toContain('NOT_AN_ADMIN');
      }
    });
  });
});
