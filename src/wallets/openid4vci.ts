// OpenID4VCI 1.0 (final), the parts an issuer of Open Badges needs for the pre-authorized code
// flow: its metadata, credential offers, stateless nonces, and the check of a wallet's proof of
// possession (openid4vci-proof+jwt). Pure: no express, no SQL, clock and secrets passed in, so
// every rule here is unit-tested. Why our own and not @openid4vc/openid4vci on this side:
// docs/decisions/0015-openid4vci.md.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import { achievementCredentialContexts } from '../credentials/achievement';
import { decodeEd25519PublicKeyMultibase, didKeyFor } from '../badges/keys';

export const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
export const PROOF_TYP = 'openid4vci-proof+jwt';
/** Holder key algorithms we check proofs for: Ed25519 (did:key, OKP jwk) and P-256 (jwk). */
export const PROOF_ALGS = ['EdDSA', 'ES256'] as const;

/** The two forms of a badge a wallet may ask for, by credential configuration id. */
export const CONFIGURATIONS = {
  OpenBadgeCredential_ldp_vc: 'ldp_vc',
  OpenBadgeCredential_jwt_vc_json: 'jwt_vc_json',
} as const;
export type ConfigurationId = keyof typeof CONFIGURATIONS;
export type CredentialFormat = (typeof CONFIGURATIONS)[ConfigurationId];
export const CONFIGURATION_IDS = Object.keys(CONFIGURATIONS) as ConfigurationId[];

/** Lifetimes, in seconds. */
export const OFFER_TTL = 10 * 60;
export const ACCESS_TOKEN_TTL = 5 * 60;
export const NONCE_TTL = 5 * 60;
/** How far a proof's iat may be ahead of our clock, or behind it. */
const IAT_FUTURE_SKEW = 60;
const IAT_MAX_AGE = NONCE_TTL + 60;

/** A protocol error: the spec's error code, its description, and the HTTP status it goes with. */
export class Oid4vciError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
    this.name = 'Oid4vciError';
  }
}

export interface EndpointUrls {
  issuer: string;
  token: string;
  nonce: string;
  credential: string;
  offer: (id: string) => string;
}

export function endpoints(publicUrl: string): EndpointUrls {
  const base = publicUrl.replace(/\/$/, '');
  return {
    issuer: base,
    token: `${base}/oid4vci/token`,
    nonce: `${base}/oid4vci/nonce`,
    credential: `${base}/oid4vci/credential`,
    offer: (id) => `${base}/oid4vci/offers/${encodeURIComponent(id)}`,
  };
}

/** Display texts in one language (from locales/<lang>/openid4vci.json). */
export interface DisplayText {
  locale: string;
  issuerName: string;
  credentialName: string;
  credentialDescription: string;
}

/**
 * Credential Issuer Metadata (OpenID4VCI 1.0 §12.2.4). `display` lists every language we have,
 * the one asked for (Accept-Language) first, so a wallet that takes the first entry shows it.
 */
export function issuerMetadata(publicUrl: string, displays: DisplayText[], logoUrl?: string): Record<string, unknown> {
  const urls = endpoints(publicUrl);
  const logo = logoUrl ? { logo: { uri: logoUrl } } : {};
  const credentialDisplay = displays.map((d) => ({
    name: d.credentialName,
    locale: d.locale,
    description: d.credentialDescription,
    background_color: '#12355b',
    text_color: '#ffffff',
    ...logo,
  }));
  const common = {
    cryptographic_binding_methods_supported: ['did:key', 'jwk'],
    proof_types_supported: PROOF_TYPES,
    credential_metadata: { display: credentialDisplay },
  };
  const type = ['VerifiableCredential', 'OpenBadgeCredential'];
  return {
    credential_issuer: urls.issuer,
    credential_endpoint: urls.credential,
    nonce_endpoint: urls.nonce,
    display: displays.map((d) => ({ name: d.issuerName, locale: d.locale, ...logo })),
    credential_configurations_supported: {
      OpenBadgeCredential_ldp_vc: {
        format: 'ldp_vc',
        // For ldp_vc (Appendix A.1.2) the values are Data Integrity cryptosuites.
        credential_signing_alg_values_supported: ['eddsa-rdfc-2022'],
        credential_definition: { '@context': achievementCredentialContexts(urls.issuer), type },
        ...common,
      },
      OpenBadgeCredential_jwt_vc_json: {
        format: 'jwt_vc_json',
        credential_signing_alg_values_supported: ['EdDSA'],
        credential_definition: { type },
        ...common,
      },
    },
  };
}

/**
 * Authorization Server Metadata (RFC 8414) for the issuer acting as its own authorization
 * server: only the token endpoint, only the pre-authorized code grant, no client authentication.
 */
export function authorizationServerMetadata(publicUrl: string): Record<string, unknown> {
  const urls = endpoints(publicUrl);
  return {
    issuer: urls.issuer,
    token_endpoint: urls.token,
    grant_types_supported: [PRE_AUTHORIZED_GRANT],
    // RFC 8414 requires the member; there is no authorization endpoint, so no response type.
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['none'],
    'pre-authorized_grant_anonymous_access_supported': true,
  };
}

/** A credential offer object (§4.1.1), by value; served at the offer's credential_offer_uri. */
export function credentialOffer(publicUrl: string, code: string, txCode?: { length: number; description: string }): Record<string, unknown> {
  return {
    credential_issuer: endpoints(publicUrl).issuer,
    credential_configuration_ids: [...CONFIGURATION_IDS],
    grants: {
      [PRE_AUTHORIZED_GRANT]: {
        'pre-authorized_code': code,
        ...(txCode ? { tx_code: { input_mode: 'numeric', length: txCode.length, description: txCode.description } } : {}),
      },
    },
  };
}

/** The same-device link and the QR code's content: the offer by reference. */
export function offerLink(publicUrl: string, offerId: string): string {
  return `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(endpoints(publicUrl).offer(offerId))}`;
}

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

/** A numeric transaction code of `length` digits, uniformly drawn. */
export function randomTxCode(length = 6): string {
  let code = '';
  while (code.length < length) {
    const byte = randomBytes(1)[0];
    if (byte < 250) code += String(byte % 10);
  }
  return code;
}

/**
 * Stateless nonces: 16 random bytes and the expiry, authenticated with an HMAC under a key
 * derived from the app's encryption key. The nonce endpoint (anyone may call it) stores
 * nothing; a nonce is recorded only when a credential request spends it.
 */
export class NonceMint {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = createHmac('sha256', secret).update('microcred openid4vci c_nonce v1').digest();
  }

  mint(nowMs = Date.now()): { nonce: string; expiresIn: number; expiresAt: Date } {
    const body = Buffer.alloc(20);
    randomBytes(16).copy(body, 0);
    const expires = Math.floor(nowMs / 1000) + NONCE_TTL;
    body.writeUInt32BE(expires, 16);
    return { nonce: `${body.toString('base64url')}.${this.mac(body).toString('base64url')}`, expiresIn: NONCE_TTL, expiresAt: new Date(expires * 1000) };
  }

  /** The nonce's expiry if it is ours and unexpired; otherwise an invalid_nonce error. */
  check(nonce: unknown, nowMs = Date.now()): Date {
    const bad = (why: string) => new Oid4vciError('invalid_nonce', `${why} Ask the nonce endpoint for a fresh c_nonce and sign the proof again.`);
    if (typeof nonce !== 'string' || !nonce) throw bad('The proof has no nonce.');
    const [b, m] = nonce.split('.');
    const body = Buffer.from(b ?? '', 'base64url');
    const mac = Buffer.from(m ?? '', 'base64url');
    const expected = this.mac(body);
    if (body.length !== 20 || mac.length !== expected.length || !timingSafeEqual(mac, expected))
      throw bad('The proof’s nonce was not issued by this credential issuer.');
    const expires = body.readUInt32BE(16);
    if (expires * 1000 <= nowMs) throw bad('The proof’s nonce has expired.');
    return new Date(expires * 1000);
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16);
  }
}

/**
 * A parsed credential request (§8.2). Only 1.0's shape is accepted: `credential_configuration_id`
 * and `proofs.jwt` with one proof (one holder, one key: no batch issuance).
 */
export interface CredentialRequest {
  configurationId: ConfigurationId;
  format: CredentialFormat;
  /** The proof of possession: a proof JWT, or a Data Integrity presentation (di_vp). */
  proof: { type: 'jwt'; jwt: string } | { type: 'di_vp'; presentation: Record<string, unknown> };
}

/** Proof types we check (Appendix F.1 and F.2), and what each may be signed with. */
export const PROOF_TYPES = {
  jwt: { proof_signing_alg_values_supported: [...PROOF_ALGS] },
  di_vp: { proof_signing_alg_values_supported: ['eddsa-rdfc-2022'] },
};

export function parseCredentialRequest(body: unknown, offered: readonly string[]): CredentialRequest {
  const invalid = (why: string) => new Oid4vciError('invalid_credential_request', why);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('The credential request must be a JSON object.');
  const b = body as Record<string, unknown>;
  if (b.credential_response_encryption !== undefined)
    throw new Oid4vciError(
      'invalid_encryption_parameters',
      'This credential issuer does not encrypt credential responses; send the request without credential_response_encryption.',
    );
  if (b.credential_identifier !== undefined)
    throw invalid(
      'credential_identifier is only for credentials named in authorization_details, which this issuer does not use: send credential_configuration_id.',
    );
  if (b.format !== undefined && b.credential_configuration_id === undefined)
    throw new Oid4vciError(
      'unknown_credential_configuration',
      'This issuer speaks OpenID4VCI 1.0: name the credential by credential_configuration_id (see the issuer metadata), not by format.',
    );
  const id = b.credential_configuration_id;
  if (typeof id !== 'string' || !id) throw invalid('credential_configuration_id is missing.');
  if (!Object.hasOwn(CONFIGURATIONS, id) || !offered.includes(id))
    throw new Oid4vciError(
      'unknown_credential_configuration',
      `"${id.slice(0, 100)}" is not a credential configuration of this offer (${offered.join(', ')}).`,
    );
  if (b.proof !== undefined) throw invalid('The single "proof" parameter was removed in OpenID4VCI 1.0: send "proofs": { "jwt": [ … ] }.');
  const proofs = b.proofs;
  if (!proofs || typeof proofs !== 'object' || Array.isArray(proofs))
    throw new Oid4vciError('invalid_proof', 'The request has no proofs: this credential is bound to the holder’s key.');
  const types = Object.keys(proofs);
  if (types.length !== 1) throw invalid('proofs must contain exactly one proof type.');
  const configuration = { configurationId: id as ConfigurationId, format: CONFIGURATIONS[id as ConfigurationId] };
  const type = types[0];
  const values = (proofs as Record<string, unknown>)[type];
  if (type !== 'jwt' && type !== 'di_vp')
    throw new Oid4vciError('invalid_proof', `Proof type "${type.slice(0, 40)}" is not supported here: use "jwt" or "di_vp".`);
  // One holder, one key, one copy: no batch issuance.
  if (!Array.isArray(values) || values.length !== 1)
    throw new Oid4vciError('invalid_proof', `proofs.${type} must hold exactly one proof: this issuer binds one copy to one holder key.`);
  const [value] = values;
  if (type === 'jwt') {
    if (typeof value !== 'string') throw new Oid4vciError('invalid_proof', 'proofs.jwt must hold a proof JWT (compact serialisation).');
    return { ...configuration, proof: { type, jwt: value } };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new Oid4vciError('invalid_proof', 'proofs.di_vp must hold a verifiable presentation (JSON object).');
  return { ...configuration, proof: { type, presentation: value as Record<string, unknown> } };
}

/** The holder a valid proof names, and the nonce it was signed over. */
export interface ProvenHolder {
  holderDid: string;
  nonce: string;
  nonceExpiresAt: Date;
}

/**
 * Checks an `openid4vci-proof+jwt` (Appendix F.1): typ, alg, exactly one key (a did:key
 * verification method in `kid`, or a public `jwk`), the signature, aud = this credential
 * issuer, iat recent, and a nonce this issuer minted. The holder is the did:key, or for a jwk
 * the did:key of the same Ed25519 key, or did:jwk for a P-256 key.
 */
export async function verifyProofJwt(jwt: string, opts: { audience: string; nonces: NonceMint; nowMs?: number }): Promise<ProvenHolder> {
  const now = opts.nowMs ?? Date.now();
  const bad = (why: string) => new Oid4vciError('invalid_proof', why);
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    throw bad('The proof is not a JWT.');
  }
  if (header.typ !== PROOF_TYP) throw bad(`The proof's typ must be "${PROOF_TYP}".`);
  if (!PROOF_ALGS.includes(header.alg as (typeof PROOF_ALGS)[number])) throw bad(`The proof's alg must be one of ${PROOF_ALGS.join(', ')}.`);
  if (header.x5c !== undefined || header.trust_chain !== undefined)
    throw bad('Only kid (did:key) and jwk proofs are supported, not certificates or trust chains.');
  if ((header.kid === undefined) === (header.jwk === undefined)) throw bad('The proof must name its key by exactly one of kid (a did:key URL) or jwk.');

  const { holderDid, jwk } = header.kid !== undefined ? holderFromKid(header.kid) : holderFromJwk(header.jwk as JWK);
  if ((jwk.crv === 'Ed25519') !== (header.alg === 'EdDSA')) throw bad(`The key (${jwk.crv}) does not match alg ${header.alg}.`);

  let payload: Record<string, unknown>;
  try {
    const key = await importJWK(jwk, header.alg);
    ({ payload } = await jwtVerify(jwt, key, { typ: PROOF_TYP, algorithms: [header.alg as string], currentDate: new Date(now) }));
  } catch (error) {
    throw bad(`The proof's signature does not verify with its key (${(error as Error).message}).`);
  }
  const aud = payload.aud;
  if (!(aud === opts.audience || (Array.isArray(aud) && aud.length === 1 && aud[0] === opts.audience)))
    throw bad(`The proof's aud must be this credential issuer, ${opts.audience}.`);
  if (typeof payload.iat !== 'number') throw bad('The proof has no iat.');
  const nowS = now / 1000;
  if (payload.iat > nowS + IAT_FUTURE_SKEW) throw bad('The proof’s iat is in the future.');
  if (payload.iat < nowS - IAT_MAX_AGE) throw bad('The proof is too old: sign it again with a fresh nonce.');
  const nonceExpiresAt = opts.nonces.check(payload.nonce, now);
  return { holderDid, nonce: payload.nonce as string, nonceExpiresAt };
}

/** A did:key URL in kid: only Ed25519 did:key, whose key is in the DID itself. */
function holderFromKid(kid: unknown): { holderDid: string; jwk: JWK } {
  const bad = (why: string) => new Oid4vciError('invalid_proof', why);
  if (typeof kid !== 'string' || !kid.startsWith('did:')) throw bad('The proof’s kid must be a DID URL (did:key:…#…); other key ids cannot be resolved.');
  const [did, fragment] = kid.split('#');
  const method = did.split(':')[1] ?? '';
  if (method !== 'key') throw bad(`The DID method "did:${method.slice(0, 30)}" is not supported for holder binding: use did:key (Ed25519) or a jwk.`);
  const multibase = did.slice('did:key:'.length);
  const raw = decodeEd25519PublicKeyMultibase(multibase);
  if (!raw) throw bad('Only Ed25519 did:key identifiers (did:key:z6Mk…) are supported.');
  if (fragment !== undefined && fragment !== multibase) throw bad('The kid’s fragment does not name the did:key’s own key.');
  return { holderDid: didKeyFor(multibase), jwk: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') } };
}

function holderFromJwk(jwk: JWK): { holderDid: string; jwk: JWK } {
  const bad = (why: string) => new Oid4vciError('invalid_proof', why);
  if (!jwk || typeof jwk !== 'object') throw bad('The proof’s jwk is not a JSON Web Key.');
  if ('d' in jwk) throw bad('The proof’s jwk contains a private key: send only the public key.');
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') {
    const x = Buffer.from(jwk.x, 'base64url');
    if (x.length !== 32) throw bad('The Ed25519 jwk is not 32 bytes.');
    return { holderDid: didKeyFor(ed25519Multibase(x)), jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } };
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') {
    const pub = { crv: 'P-256', kty: 'EC', x: jwk.x, y: jwk.y };
    return { holderDid: `did:jwk:${Buffer.from(JSON.stringify(pub)).toString('base64url')}`, jwk: pub };
  }
  throw bad('The proof’s jwk must be an Ed25519 (OKP) or P-256 (EC) public key.');
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** "z" + base58btc(0xed 0x01 || key): the Multikey / did:key form of an Ed25519 public key. */
export function ed25519Multibase(key: Uint8Array): string {
  let value = BigInt(`0x${Buffer.concat([Buffer.from([0xed, 0x01]), Buffer.from(key)]).toString('hex')}`);
  let out = '';
  while (value > 0n) {
    out = BASE58[Number(value % 58n)] + out;
    value /= 58n;
  }
  return `z${out}`;
}
