// The verification cache answers a repeated check of our own credential without verifying it
// again, and is never wrong: a revocation (a new status-list version), other bytes, another
// issuer's status list or a date-dependent result all go to the real verifier.
import { generateKeyPair, type Ed25519KeyPair } from '../../src/badges/keys';
import { signBothForms } from '../../src/badges/sign';
import { VerificationCache } from '../../src/badges/verificationCache';
import { Verifier } from '../../src/badges/verifier';
import { fullBadge, statusListCredential, type Json } from './fixtures';

const OWN_LIST = 'https://tool.example/status/7';
const FOREIGN_LIST = 'https://elsewhere.example/status/7';
const INDEX = 42;

let key: Ed25519KeyPair;
beforeAll(async () => {
  key = await generateKeyPair();
});

const entry = (url: string) => ({
  id: `${url}#${INDEX}`,
  type: 'BitstringStatusListEntry',
  statusPurpose: 'revocation',
  statusListIndex: String(INDEX),
  statusListCredential: url,
});

/** A verifier over one status list of ours whose version and bits the test changes, as revocation would. */
async function setup() {
  const list = { version: 1, revoked: [] as number[], signed: (await statusListCredential(key, [])) as Json };
  const fetched: string[] = [];
  const cache = new VerificationCache({
    ownStatusList: (url) => (url.startsWith('https://tool.example/status/') ? Number(url.split('/').pop()) : undefined),
    versions: async (ids) => new Map(ids.filter((id) => id === 7).map((id) => [id, list.version])),
  });
  const verifier = new Verifier({
    cache,
    fetchStatusList: async (url) => {
      fetched.push(url);
      return list.signed;
    },
  });
  const revoke = async () => {
    list.revoked = [INDEX];
    list.signed = await statusListCredential(key, [INDEX]);
    list.version++;
  };
  return { cache, verifier, fetched, revoke };
}

it('answers the second check of our own credential from the cache, until it is revoked', async () => {
  const { cache, verifier, fetched, revoke } = await setup();
  const { credential, jwt } = await signBothForms(fullBadge(key.controller, { credentialStatus: entry(OWN_LIST) }), key);
  const first = await verifier.verify(credential);
  expect(first.verified).toBe(true);
  expect(fetched).toHaveLength(1);
  for (let i = 0; i < 5; i++) expect(await verifier.verify(credential)).toEqual(first);
  // Nothing was verified again: no status list was fetched.
  expect(fetched).toHaveLength(1);
  expect(cache.stats()).toMatchObject({ hits: 5, misses: 1, entries: 1 });

  // The JWT form and the JSON text are other bytes: their own entries.
  expect((await verifier.verify(jwt)).verified).toBe(true);
  expect((await verifier.verify(JSON.stringify(credential))).verified).toBe(true);
  expect(cache.stats()).toMatchObject({ hits: 5, misses: 3, entries: 3 });

  await revoke();
  const after = await verifier.verify(credential);
  expect(after.verified).toBe(false);
  expect(after.revoked).toBe(true);
  expect(cache.stats().misses).toBe(4);
  expect((await verifier.verify(credential)).revoked).toBe(true);
  expect(cache.stats().hits).toBe(6);
});

it('does not cache a credential on another issuer’s list, nor one without status', async () => {
  const { cache, verifier, fetched } = await setup();
  const foreign = (await signBothForms(fullBadge(key.controller, { credentialStatus: entry(FOREIGN_LIST) }), key)).credential;
  const mixed = (await signBothForms(fullBadge(key.controller, { credentialStatus: [entry(OWN_LIST), entry(FOREIGN_LIST)] }), key)).credential;
  const none = (await signBothForms(fullBadge(key.controller), key)).credential;
  for (const c of [foreign, foreign, mixed, mixed, none, none]) await verifier.verify(c);
  expect(cache.stats()).toMatchObject({ hits: 0, misses: 0, notCacheable: 6, entries: 0 });
  expect(fetched.length).toBeGreaterThanOrEqual(6);
});

it('does not remember a result that depends on the date, and an explicit date bypasses it', async () => {
  const { cache, verifier } = await setup();
  const expired = (
    await signBothForms(
      fullBadge(key.controller, { validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z', credentialStatus: entry(OWN_LIST) }),
      key,
    )
  ).credential;
  expect((await verifier.verify(expired)).verified).toBe(false);
  expect((await verifier.verify(expired)).verified).toBe(false);
  expect(cache.stats()).toMatchObject({ hits: 0, misses: 2, entries: 0 });

  const current = (await signBothForms(fullBadge(key.controller, { credentialStatus: entry(OWN_LIST) }), key)).credential;
  await verifier.verify(current);
  const past = await verifier.verify(current, new Date('2030-01-01T00:00:00Z'));
  expect(past.verified).toBe(false);
  expect(cache.stats()).toMatchObject({ hits: 0, misses: 3, entries: 1 });
});
