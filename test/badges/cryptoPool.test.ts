// The crypto pool signs and verifies on worker threads exactly as the main thread does: the
// same credentials verify, the same failures are reported with the same words, and the
// lookups a worker cannot do itself (keys, status lists) come from this thread's resolvers.
import { threadId } from 'node:worker_threads';
import { CryptoPool } from '../../src/badges/cryptoPool';
import { generateKeyPair, importKeyPair, verificationMethodOf, type Ed25519KeyPair } from '../../src/badges/keys';
import { CredentialSigningError, signBothForms } from '../../src/badges/sign';
import { verifyOpenBadgeCredential } from '../../src/badges/verify';
import { OutboundFetchError } from '../../src/net/outboundFetch';
import { check, fullBadge, NOW, STATUS_INDEX, STATUS_LIST_URL, statusEntry, statusListCredential } from './fixtures';

let pool: CryptoPool;
let issuerKey: Ed25519KeyPair;
/** A key only a resolver knows (as our did:web keys are only known from the database). */
let webKey: Ed25519KeyPair;
const WEB_DID = 'did:web:issuer.example';

beforeAll(async () => {
  pool = new CryptoPool(2);
  issuerKey = await generateKeyPair();
  const seedKey = await generateKeyPair();
  webKey = await importKeyPair({
    publicKeyMultibase: seedKey.publicKeyMultibase,
    secretKeyMultibase: seedKey.secretKeyMultibase,
    controller: WEB_DID,
    id: `${WEB_DID}#key-1`,
  });
});
afterAll(() => pool.close());

const resolveWebKey = async (url: string) => {
  if (url === `${WEB_DID}#key-1`) return verificationMethodOf(webKey);
  if (url === WEB_DID) return { '@context': 'https://www.w3.org/ns/did/v1', id: WEB_DID, assertionMethod: [verificationMethodOf(webKey)] };
  return undefined;
};

describe('signing on a worker thread', () => {
  it('gives a Data Integrity proof and a VC-JWT that the main thread verifies', async () => {
    const { credential, jwt } = await pool.signBothForms(fullBadge(issuerKey.controller), issuerKey);
    expect(pool.stats().signed).toBe(1);
    for (const form of [credential, jwt]) {
      const report = await verifyOpenBadgeCredential(form, { now: NOW });
      expect(report.verified).toBe(true);
      expect(check(report, 'signature').status).toBe('passed');
    }
  });

  it('signs many at once, each one correct', async () => {
    const credentials = Array.from({ length: 8 }, (_, i) => fullBadge(issuerKey.controller, { id: `urn:uuid:00000000-0000-4000-8000-00000000000${i}` }));
    const signed = await Promise.all(credentials.map((c) => pool.signBothForms(c, issuerKey)));
    for (const [i, { credential }] of signed.entries()) {
      expect(credential.id).toBe(credentials[i].id);
      expect((await verifyOpenBadgeCredential(credential, { now: NOW })).verified).toBe(true);
    }
  });

  it('sends what is asked at once as a task per thread, and fails only the credential that cannot be signed', async () => {
    const before = pool.stats();
    const good = Array.from({ length: 7 }, (_, i) => fullBadge(issuerKey.controller, { id: `urn:uuid:00000000-0000-4000-8000-0000000001${i}0` }));
    const foreign = fullBadge('did:example:someone-else');
    const outcomes = await Promise.allSettled([...good.slice(0, 3), foreign, ...good.slice(3)].map((c) => pool.signBothForms(c, issuerKey)));
    expect(pool.stats().signed - before.signed).toBe(8);
    expect(pool.stats().signingTasks - before.signingTasks).toBe(2);
    const refused = outcomes[3];
    expect(refused.status).toBe('rejected');
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(CredentialSigningError);
    const signed = outcomes.filter((_, i) => i !== 3);
    for (const [i, outcome] of signed.entries()) {
      expect(outcome.status).toBe('fulfilled');
      const { credential, jwt } = (outcome as PromiseFulfilledResult<Awaited<ReturnType<CryptoPool['signBothForms']>>>).value;
      expect(credential.id).toBe(good[i].id);
      for (const form of [credential, jwt]) expect((await verifyOpenBadgeCredential(form, { now: NOW })).verified).toBe(true);
    }
    // Asked for one at a time, each is its own task.
    await pool.signBothForms(good[0], issuerKey);
    await pool.signBothForms(good[1], issuerKey);
    expect(pool.stats().signingTasks - before.signingTasks).toBe(4);
  });

  it('refuses what the main thread refuses, with the same error and words', async () => {
    const foreign = fullBadge('did:example:someone-else');
    const inThread = await signBothForms(foreign, issuerKey).catch((e: Error) => e);
    const onPool = await pool.signBothForms(foreign, issuerKey).catch((e: Error) => e);
    expect(onPool).toBeInstanceOf(CredentialSigningError);
    expect((onPool as Error).message).toBe((inThread as Error).message);
    const undefinedTerm = fullBadge(issuerKey.controller, { notInAnyContext: 'x' });
    const e = await pool.signBothForms(undefinedTerm, issuerKey).catch((err: Error) => err);
    expect(e).toBeInstanceOf(CredentialSigningError);
    expect((e as Error).message).toContain('notInAnyContext');
  });

  it('does the work off the calling thread', async () => {
    // A busy loop here would stall a worker-less signer; with the pool the promise settles
    // while this thread is still free to count timer ticks.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await Promise.all(Array.from({ length: 6 }, () => pool.signBothForms(fullBadge(issuerKey.controller), issuerKey)));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
    expect(threadId).toBe(0);
  });
});

describe('verifying on a worker thread', () => {
  it('reports exactly what the main thread reports', async () => {
    const { credential, jwt } = await signBothForms(fullBadge(issuerKey.controller), issuerKey);
    const tampered = { ...credential, name: 'Something else' };
    for (const input of [credential, jwt, JSON.stringify(credential), Buffer.from(JSON.stringify(credential)), tampered, 'not a credential']) {
      expect(await pool.verify(input, { now: NOW })).toEqual(await verifyOpenBadgeCredential(input, { now: NOW }));
    }
    expect(pool.stats().verified).toBeGreaterThanOrEqual(6);
  });

  it('asks this thread for keys and status lists, and hears about refusals', async () => {
    const list = await statusListCredential(webKey, [STATUS_INDEX]);
    const { credential } = await pool.signBothForms(fullBadge(WEB_DID, { credentialStatus: statusEntry() }), webKey, async (url) => {
      throw new Error(`no lookup expected while signing, got ${url}`);
    });
    const asked: string[] = [];
    const options = {
      now: NOW,
      resolveKey: resolveWebKey,
      fetchStatusList: async (url: string) => {
        asked.push(url);
        return url === STATUS_LIST_URL ? list : undefined;
      },
    };
    const report = await pool.verify(credential, options);
    expect(report).toEqual(await verifyOpenBadgeCredential(credential, options));
    expect(report.revoked).toBe(true);
    expect(check(report, 'signature').status).toBe('passed');
    expect(asked).toContain(STATUS_LIST_URL);

    // The issuer's key and DID document are needed for the credential's proof and again for the
    // list's: a task asks this thread once for each URL (each a round trip between threads).
    const resolved: string[] = [];
    const counted = { ...options, resolveKey: async (url: string) => (resolved.push(url), resolveWebKey(url)) };
    await pool.verify(credential, counted);
    const inThisThread: string[] = [];
    await verifyOpenBadgeCredential(credential, { ...options, resolveKey: async (url: string) => (inThisThread.push(url), resolveWebKey(url)) });
    expect(new Set(inThisThread).size).toBeLessThan(inThisThread.length);
    expect([...resolved].sort()).toEqual([...new Set(inThisThread)].sort());

    const refused = { ...options, fetchStatusList: async (url: string) => Promise.reject(new OutboundFetchError(url, { code: 'http-status', status: 503 })) };
    const refusal = await pool.verify(credential, refused);
    expect(check(refusal, 'status')).toEqual(check(await verifyOpenBadgeCredential(credential, refused), 'status'));
    expect(check(refusal, 'status').message).toContain(STATUS_LIST_URL);
  });
});

describe('with 0 threads', () => {
  it('signs and verifies in the calling thread', async () => {
    const inline = new CryptoPool(0);
    const { credential } = await inline.signBothForms(fullBadge(issuerKey.controller), issuerKey);
    expect((await inline.verify(credential, { now: NOW })).verified).toBe(true);
    await inline.close();
  });
});
