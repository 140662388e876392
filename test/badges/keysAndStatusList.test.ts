import { gunzipSync } from 'node:zlib';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { didKeyFor, exportKeyPair, generateKeyPair, importKeyPair, toPrivateJwk, toPublicJwk } from '../../src/badges/keys';
import { CredentialSigningError, signCredentialDataIntegrity, signCredentialJwt } from '../../src/badges/sign';
import {
  createStatusBitstring,
  decodeStatusList,
  encodeStatusList,
  getStatusBit,
  MIN_STATUS_LIST_LENGTH,
  readStatusValue,
  setStatusBit,
} from '../../src/badges/statusList';
import { minimalBadge, type Json } from './fixtures';

describe('keys', () => {
  it('generates a did:key Ed25519 Multikey pair', async () => {
    const key = await generateKeyPair();
    expect(key.publicKeyMultibase).toMatch(/^z6Mk/);
    expect(key.secretKeyMultibase).toMatch(/^z/);
    expect(key.controller).toBe(didKeyFor(key.publicKeyMultibase));
    expect(key.id).toBe(`${key.controller}#${key.publicKeyMultibase}`);
  });

  it('takes another controller (e.g. did:web) and a deterministic seed', async () => {
    const seed = new Uint8Array(32).fill(7);
    const a = await generateKeyPair({ seed, controller: 'did:web:badges.example.org', id: 'did:web:badges.example.org#key-1' });
    const b = await generateKeyPair({ seed });
    expect(a.publicKeyMultibase).toBe(b.publicKeyMultibase);
    expect(a.controller).toBe('did:web:badges.example.org');
    expect(a.id).toBe('did:web:badges.example.org#key-1');
  });

  it('exports and imports (with and without the secret key)', async () => {
    const key = await generateKeyPair();
    const exported = exportKeyPair(key, { secretKey: true });
    expect(exported).toEqual({
      '@context': 'https://w3id.org/security/multikey/v1',
      type: 'Multikey',
      id: key.id,
      controller: key.controller,
      publicKeyMultibase: key.publicKeyMultibase,
      secretKeyMultibase: key.secretKeyMultibase,
    });
    expect(exportKeyPair(key)).not.toHaveProperty('secretKeyMultibase');

    const again = await importKeyPair(JSON.parse(JSON.stringify(exported)));
    const credential = minimalBadge(key.controller);
    const signed = await signCredentialDataIntegrity(credential, again);
    expect((signed.proof as Json[])[0].verificationMethod).toBe(key.id);

    const publicOnly = await importKeyPair(exportKeyPair(key));
    await expect(signCredentialJwt(credential, publicOnly)).rejects.toThrow(CredentialSigningError);
  });

  it('gives JWKs that jose signs and verifies with; the public one has no "d"', async () => {
    const key = await generateKeyPair();
    const publicJwk = toPublicJwk(key);
    expect(publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: key.id });
    expect(publicJwk).not.toHaveProperty('d');
    const privateJwk = await toPrivateJwk(key);
    expect(Buffer.from(privateJwk.d as string, 'base64url')).toHaveLength(32);
    const jwt = await new SignJWT({ hello: 'world' }).setProtectedHeader({ alg: 'EdDSA' }).sign(await importJWK(privateJwk, 'EdDSA'));
    const { payload } = await jwtVerify(jwt, await importJWK(publicJwk, 'EdDSA'));
    expect(payload.hello).toBe('world');
  });
});

describe('signing', () => {
  it('adds one DataIntegrityProof (eddsa-rdfc-2022, assertionMethod) without changing the input', async () => {
    const key = await generateKeyPair();
    const credential = minimalBadge(key.controller);
    const before = structuredClone(credential);
    const signed = await signCredentialDataIntegrity(credential, key);
    expect(credential).toEqual(before);
    expect(signed.proof).toEqual([
      {
        type: 'DataIntegrityProof',
        created: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        verificationMethod: key.id,
        cryptosuite: 'eddsa-rdfc-2022',
        proofPurpose: 'assertionMethod',
        proofValue: expect.stringMatching(/^z/),
      },
    ]);
  });

  it('makes a VC-JWT per OB 3.0 §8.2: EdDSA/kid/typ JWT header, credential as payload plus registered claims', async () => {
    const key = await generateKeyPair();
    const credential = minimalBadge(key.controller, { validUntil: '2030-01-01T00:00:00Z' });
    const jwt = await signCredentialJwt(credential, key);
    const [header, payload] = jwt
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'EdDSA', kid: key.id, typ: 'JWT' });
    expect(payload).toEqual({
      ...credential,
      iss: key.controller,
      jti: credential.id,
      sub: credential.credentialSubject.id,
      nbf: Date.parse(credential.validFrom) / 1000,
      exp: Date.parse('2030-01-01T00:00:00Z') / 1000,
    });
    expect(payload).not.toHaveProperty('vc');
  });

  it('refuses a key that is not the issuer’s, and names an undefined term clearly', async () => {
    const key = await generateKeyPair();
    const other = await generateKeyPair();
    await expect(signCredentialDataIntegrity(minimalBadge(other.controller), key)).rejects.toThrow(/belongs to .* but the credential's issuer is/);
    await expect(signCredentialJwt(minimalBadge(other.controller), key)).rejects.toThrow(CredentialSigningError);

    const undefinedTerm = minimalBadge(key.controller);
    undefinedTerm.credentialSubject.achievement.difficulty = 'hard';
    await expect(signCredentialDataIntegrity(undefinedTerm, key)).rejects.toThrow('it uses “difficulty”, which none of its JSON-LD contexts define');
    const undefinedType = minimalBadge(key.controller, { type: ['VerifiableCredential', 'OpenBadgeCredential', 'FancyBadge'] });
    await expect(signCredentialDataIntegrity(undefinedType, key)).rejects.toThrow('the type “FancyBadge”');
    const unknownContext = minimalBadge(key.controller);
    unknownContext['@context'].push('https://example.org/my-terms.json');
    await expect(signCredentialDataIntegrity(unknownContext, key)).rejects.toThrow('https://example.org/my-terms.json');
  });
});

describe('status list encoding (W3C Bitstring Status List)', () => {
  it('decodes the spec’s example of an empty 16 KB list', () => {
    const bits = decodeStatusList('uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA');
    expect(bits).toHaveLength(16384);
    expect(bits.every((b) => b === 0)).toBe(true);
  });

  it('index 0 is the most significant bit of the first byte', () => {
    const bits = decodeStatusList(encodeStatusList(new Set([0, 9, 131_071])));
    expect(bits[0]).toBe(0b1000_0000);
    expect(bits[1]).toBe(0b0100_0000);
    expect(bits[16383]).toBe(0b0000_0001);
    expect([0, 1, 8, 9, 131_071].map((i) => getStatusBit(bits, i))).toEqual([true, false, false, true, true]);
  });

  it('is multibase base64url (no padding) of GZIP, at least 16 KB uncompressed', () => {
    const encoded = encodeStatusList(new Set([5]), 8);
    expect(encoded).toMatch(/^u[A-Za-z0-9_-]+$/);
    const raw = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    expect(raw.length * 8).toBe(MIN_STATUS_LIST_LENGTH);
  });

  it('round-trips a packed bitstring, grows for large indexes, and reads multi-bit values', () => {
    const bitstring = createStatusBitstring();
    setStatusBit(bitstring, 42, true);
    setStatusBit(bitstring, 43, true);
    setStatusBit(bitstring, 43, false);
    const decoded = decodeStatusList(encodeStatusList(bitstring));
    expect(getStatusBit(decoded, 42)).toBe(true);
    expect(getStatusBit(decoded, 43)).toBe(false);
    expect(decodeStatusList(encodeStatusList([200_000])).length * 8).toBeGreaterThan(200_000);
    // statusSize 2: entry 21 covers bits 42 and 43 → binary 10.
    expect(readStatusValue(decoded, 21, 2)).toBe(2);
  });

  it('rejects malformed lists and out-of-range indexes', () => {
    expect(() => decodeStatusList('zabc')).toThrow(/must start with "u"/);
    expect(() => decodeStatusList('u!!!')).toThrow(/base64url/);
    expect(() => decodeStatusList(`u${Buffer.from('not gzip').toString('base64url')}`)).toThrow();
    expect(() => getStatusBit(createStatusBitstring(), MIN_STATUS_LIST_LENGTH)).toThrow(RangeError);
    expect(() => encodeStatusList([-1])).toThrow(RangeError);
  });

  it('refuses a list that decompresses to more than 16 MB', () => {
    const bomb = encodeStatusList(new Uint8Array(0), 17 * 1024 * 1024 * 8);
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => decodeStatusList(bomb)).toThrow();
  });
});
