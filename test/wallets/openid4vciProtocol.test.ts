// The pure OpenID4VCI rules (src/wallets/openid4vci.ts), one by one: stateless nonces, the
// 1.0 credential request, and every check of the proof of possession. No server, no database.
import { exportJWK, generateKeyPair as joseKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { decodeEd25519PublicKeyMultibase, generateKeyPair, toPrivateJwk } from '../../src/badges/keys';
import {
  authorizationServerMetadata,
  credentialOffer,
  ed25519Multibase,
  issuerMetadata,
  NONCE_TTL,
  NonceMint,
  offerLink,
  Oid4vciError,
  parseCredentialRequest,
  randomTxCode,
  verifyProofJwt,
} from '../../src/wallets/openid4vci';

const ISSUER = 'https://badges.example.edu';
const nonces = new NonceMint(Buffer.alloc(32, 7));

/** The error code a promise or function fails with. */
async function errorOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    if (e instanceof Oid4vciError) return `${e.error}: ${e.description}`;
    throw e;
  }
  return 'no error';
}

describe('nonces', () => {
  it('accepts its own unexpired nonce and refuses a forged, altered, foreign or expired one', async () => {
    const now = Date.UTC(2026, 11, 7, 12);
    const { nonce, expiresIn } = nonces.mint(now);
    expect(expiresIn).toBe(NONCE_TTL);
    expect(nonces.check(nonce, now + 1000).getTime()).toBe(now + NONCE_TTL * 1000);
    expect(await errorOf(() => nonces.check(nonce, now + NONCE_TTL * 1000))).toMatch(/^invalid_nonce: .*expired/);
    const [body, mac] = nonce.split('.');
    const altered = Buffer.from(body, 'base64url');
    altered[19] ^= 1; // a later expiry
    expect(await errorOf(() => nonces.check(`${altered.toString('base64url')}.${mac}`, now))).toMatch(/^invalid_nonce: .*not issued/);
    expect(await errorOf(() => new NonceMint(Buffer.alloc(32, 8)).check(nonce, now))).toMatch(/^invalid_nonce/);
    for (const bad of [undefined, '', 'x', 'a.b.c', 42]) expect(await errorOf(() => nonces.check(bad, now))).toMatch(/^invalid_nonce/);
  });
});

describe('credential requests (1.0 only)', () => {
  const offered = ['OpenBadgeCredential_ldp_vc', 'OpenBadgeCredential_jwt_vc_json'];
  it('reads credential_configuration_id and one jwt proof', () => {
    expect(parseCredentialRequest({ credential_configuration_id: 'OpenBadgeCredential_jwt_vc_json', proofs: { jwt: ['a.b.c'] } }, offered)).toEqual({
      configurationId: 'OpenBadgeCredential_jwt_vc_json',
      format: 'jwt_vc_json',
      proof: { type: 'jwt', jwt: 'a.b.c' },
    });
    expect(
      parseCredentialRequest({ credential_configuration_id: 'OpenBadgeCredential_ldp_vc', proofs: { di_vp: [{ type: ['VerifiablePresentation'] }] } }, offered),
    ).toEqual({
      configurationId: 'OpenBadgeCredential_ldp_vc',
      format: 'ldp_vc',
      proof: { type: 'di_vp', presentation: { type: ['VerifiablePresentation'] } },
    });
  });
  it.each([
    [null, 'invalid_credential_request'],
    [[], 'invalid_credential_request'],
    [{ proofs: { jwt: ['a'] } }, 'invalid_credential_request'],
    [{ format: 'ldp_vc', proof: { proof_type: 'jwt', jwt: 'a' } }, 'unknown_credential_configuration'],
    [{ credential_configuration_id: 'toString', proofs: { jwt: ['a'] } }, 'unknown_credential_configuration'],
    [{ credential_configuration_id: 'OpenBadgeCredential_ldp_vc', proof: { proof_type: 'jwt', jwt: 'a' } }, 'invalid_credential_request'],
    [{ credential_configuration_id: 'OpenBadgeCredential_ldp_vc' }, 'invalid_proof'],
    [{ credential_configuration_id: 'OpenBadgeCredential_ldp_vc', proofs: { ldp_vp: [{}] } }, 'invalid_proof'],
    [{ credential_configuration_id: 'OpenBadgeCredential_ldp_vc', proofs: { di_vp: ['a.b.c'] } }, 'invalid_proof'],
    [{ credential_configuration_id: 'OpenBadgeCredential_ldp_vc', proofs: { jwt: [{}] } }, 'invalid_proof'],
    [{ credential_configuration_id: 'OpenBadgeCredential_ldp_vc', proofs: { jwt: ['a', 'b'] } }, 'invalid_proof'],
    [{ credential_configuration_id: 'OpenBadgeCredential_ldp_vc', proofs: { jwt: ['a'], di_vp: [] } }, 'invalid_credential_request'],
    [{ credential_identifier: 'x', proofs: { jwt: ['a'] } }, 'invalid_credential_request'],
    [
      { credential_configuration_id: 'OpenBadgeCredential_ldp_vc', proofs: { jwt: ['a'] }, credential_response_encryption: {} },
      'invalid_encryption_parameters',
    ],
  ])('refuses %j with %s', async (body, code) => {
    expect(await errorOf(() => parseCredentialRequest(body, offered))).toMatch(new RegExp(`^${code}:`));
  });
  it('refuses a configuration the offer does not name', async () => {
    expect(await errorOf(() => parseCredentialRequest({ credential_configuration_id: 'OpenBadgeCredential_ldp_vc', proofs: { jwt: ['a'] } }, ['x']))).toMatch(
      /^unknown_credential_configuration/,
    );
  });
});

describe('proof of possession', () => {
  const now = Date.now();
  let edJwk: JWK;
  let edPrivate: JWK;
  let didKey: string;
  let kid: string;
  beforeAll(async () => {
    const pair = await generateKeyPair();
    edPrivate = await toPrivateJwk(pair);
    const { d: _d, kid: _kid, ...pub } = edPrivate;
    edJwk = pub;
    didKey = pair.controller;
    kid = pair.id;
  });

  async function proof(claims: Record<string, unknown>, header: Record<string, unknown>, key: JWK = edPrivate, alg = 'EdDSA') {
    return new SignJWT({ aud: ISSUER, iat: Math.floor(now / 1000), nonce: nonces.mint(now).nonce, ...claims })
      .setProtectedHeader({ alg, typ: 'openid4vci-proof+jwt', ...header } as Parameters<SignJWT['setProtectedHeader']>[0])
      .sign(await importJWK(key, alg));
  }
  const check = (jwt: string) => verifyProofJwt(jwt, { audience: ISSUER, nonces, nowMs: now });

  it('binds to the did:key in kid, or to the did:key of an Ed25519 jwk', async () => {
    expect((await check(await proof({}, { kid }))).holderDid).toBe(didKey);
    expect((await check(await proof({}, { kid: didKey }))).holderDid).toBe(didKey);
    expect((await check(await proof({}, { jwk: edJwk }))).holderDid).toBe(didKey);
    expect((await check(await proof({ aud: [ISSUER] }, { kid }))).holderDid).toBe(didKey);
  });

  it('binds a P-256 jwk to its did:jwk', async () => {
    const { publicKey, privateKey } = await joseKeyPair('ES256', { extractable: true });
    const pub = await exportJWK(publicKey);
    const held = await check(await proof({}, { jwk: pub }, await exportJWK(privateKey), 'ES256'));
    expect(held.holderDid).toMatch(/^did:jwk:/);
    expect(JSON.parse(Buffer.from(held.holderDid.slice(8), 'base64url').toString())).toEqual({ crv: 'P-256', kty: 'EC', x: pub.x, y: pub.y });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, RegExp]>([
    ['another audience', { aud: 'https://other.example' }, {}, /^invalid_proof: .*aud/],
    ['two audiences', { aud: [ISSUER, 'https://other.example'] }, {}, /^invalid_proof: .*aud/],
    ['no iat', { iat: undefined }, {}, /^invalid_proof: .*iat/],
    ['an iat from the future', { iat: Math.floor(now / 1000) + 600 }, {}, /^invalid_proof: .*future/],
    ['an old iat', { iat: Math.floor(now / 1000) - 3600 }, {}, /^invalid_proof: .*too old/],
    ['no nonce', { nonce: undefined }, {}, /^invalid_nonce/],
    ['a foreign nonce', { nonce: new NonceMint(Buffer.alloc(32, 1)).mint(now).nonce }, {}, /^invalid_nonce/],
    ['typ JWT', {}, { typ: 'JWT' }, /^invalid_proof: .*typ/],
    ['a did:web kid', {}, { kid: 'did:web:wallet.example#key-1' }, /^invalid_proof: .*did:web.*not supported/],
    ['a did:jwk kid', {}, { kid: 'did:jwk:eyJ9#0' }, /^invalid_proof: .*did:jwk.*not supported/],
    ['a plain kid', {}, { kid: 'key-1' }, /^invalid_proof: .*DID URL/],
    ['a did:key fragment naming another key', {}, { kid: 'OVERRIDE-FRAGMENT' }, /^invalid_proof: .*fragment/],
    ['both kid and jwk', {}, { kid: 'KID', jwk: 'JWK' }, /^invalid_proof: .*exactly one/],
    ['neither kid nor jwk', {}, { none: true }, /^invalid_proof: .*exactly one/],
    ['an x5c chain', {}, { x5c: ['MIIB'], kid: 'KID' }, /^invalid_proof: .*certificates/],
    ['a jwk with its private key', {}, { jwk: 'PRIVATE' }, /^invalid_proof: .*private key/],
  ])('refuses a proof with %s', async (_what, claims, header, expected) => {
    // Placeholders for keys made in beforeAll; every proof names the did:key unless the case says otherwise.
    const values: Record<string, unknown> = {
      KID: kid,
      JWK: edJwk,
      PRIVATE: edPrivate,
      'OVERRIDE-FRAGMENT': `${didKey}#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK`,
    };
    const h = Object.fromEntries(Object.entries(header).map(([k, v]) => [k, typeof v === 'string' && v in values ? values[v] : v]));
    if (h.none) delete h.none;
    else if (!('kid' in h) && !('jwk' in h)) h.kid = kid;
    expect(await errorOf(async () => check(await proof(claims, h)))).toMatch(expected);
  });

  it('refuses a signature by another key, alg none and a key that does not fit alg', async () => {
    const other = await toPrivateJwk(await generateKeyPair());
    expect(await errorOf(async () => check(await proof({}, { kid }, other)))).toMatch(/^invalid_proof: .*signature/);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'openid4vci-proof+jwt', kid })).toString('base64url')}.${Buffer.from(JSON.stringify({ aud: ISSUER })).toString('base64url')}.`;
    expect(await errorOf(() => check(unsigned))).toMatch(/^invalid_proof: .*alg/);
    const { privateKey } = await joseKeyPair('ES256', { extractable: true });
    expect(await errorOf(async () => check(await proof({}, { kid }, await exportJWK(privateKey), 'ES256')))).toMatch(/^invalid_proof: .*does not match/);
    expect(await errorOf(() => check('not a jwt'))).toMatch(/^invalid_proof: .*not a JWT/);
  });
});

describe('keys, codes and documents', () => {
  it('writes an Ed25519 key as the did:key multibase the badge keys read', async () => {
    const pair = await generateKeyPair();
    expect(ed25519Multibase(pair.multikey.publicKey)).toBe(pair.publicKeyMultibase);
    expect(decodeEd25519PublicKeyMultibase(ed25519Multibase(pair.multikey.publicKey))).toEqual(pair.multikey.publicKey);
  });

  it('draws numeric transaction codes of the asked length', () => {
    const codes = Array.from({ length: 200 }, () => randomTxCode(6));
    expect(codes.every((c) => /^\d{6}$/.test(c))).toBe(true);
    expect(new Set(codes.join('')).size).toBe(10);
  });

  it('describes the issuer, its authorization server and an offer as 1.0 names them', () => {
    const meta = issuerMetadata(ISSUER, [{ locale: 'en', issuerName: 'Uni', credentialName: 'Badge', credentialDescription: 'A badge' }]);
    expect(meta).toMatchObject({
      credential_issuer: ISSUER,
      credential_endpoint: `${ISSUER}/oid4vci/credential`,
      nonce_endpoint: `${ISSUER}/oid4vci/nonce`,
      display: [{ name: 'Uni', locale: 'en' }],
    });
    expect(authorizationServerMetadata(ISSUER)).toMatchObject({ issuer: ISSUER, token_endpoint: `${ISSUER}/oid4vci/token` });
    expect(credentialOffer(ISSUER, 'code', { length: 6, description: 'd' })).toEqual({
      credential_issuer: ISSUER,
      credential_configuration_ids: ['OpenBadgeCredential_ldp_vc', 'OpenBadgeCredential_jwt_vc_json'],
      grants: {
        'urn:ietf:params:oauth:grant-type:pre-authorized_code': {
          'pre-authorized_code': 'code',
          tx_code: { input_mode: 'numeric', length: 6, description: 'd' },
        },
      },
    });
    expect(offerLink(ISSUER, 'abc')).toBe(`openid-credential-offer://?credential_offer_uri=${encodeURIComponent(`${ISSUER}/oid4vci/offers/abc`)}`);
  });
});
