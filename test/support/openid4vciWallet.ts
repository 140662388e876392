// The wallet side of OpenID4VCI 1.0 (pre-authorized code flow), over real HTTP, for tests.
// The protocol is driven by an independent, maintained client library, the OpenWallet
// Foundation's @openid4vc/openid4vci (oid4vc-ts): it resolves the offer, validates our issuer
// and authorization-server metadata against its own schemas for 1.0, builds the token request,
// the proof JWT and the credential request. So our server is tested against another reading
// of the spec, not only ours. The wallet has its own holder key: did:key (Ed25519), or a bare
// jwk (Ed25519 or P-256). Low-level steps are exposed so tests can break one of them.
import { randomBytes, createHash } from 'node:crypto';
import { exportJWK, generateKeyPair as joseKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { generateKeyPair, toPrivateJwk } from '../../src/badges/keys';

// ESM-only packages, loaded with require() (jest transpiles them, see jest.config.js); types
// from their declarations.
type Openid4vci = typeof import('@openid4vc/openid4vci', { with: { 'resolution-mode': 'import' }});
type Oauth2 = typeof import('@openid4vc/oauth2', { with: { 'resolution-mode': 'import' }});
type Utils = typeof import('@openid4vc/utils', { with: { 'resolution-mode': 'import' }});
const { Openid4vciClient } = require('@openid4vc/openid4vci') as Openid4vci;
const { clientAuthenticationAnonymous } = require('@openid4vc/oauth2') as Oauth2;
const { setGlobalConfig } = require('@openid4vc/utils') as Utils;

type Client = InstanceType<Openid4vci['Openid4vciClient']>;
export type CredentialOffer = Awaited<ReturnType<Client['resolveCredentialOffer']>>;
export type IssuerMetadata = Awaited<ReturnType<Client['resolveIssuerMetadata']>>;
type Signer = Parameters<Client['createCredentialRequestJwtProof']>[0]['signer'];

export type HolderKeyKind = 'did:key' | 'jwk-ed25519' | 'jwk-p256';

export interface HolderKey {
  kind: HolderKeyKind;
  alg: 'EdDSA' | 'ES256';
  publicJwk: JWK;
  privateJwk: JWK;
  /** The DID the issuer should bind the copy to. */
  did: string;
  /** For did:key: the verification method the proof names in kid. */
  kid?: string;
}

export async function newHolderKey(kind: HolderKeyKind = 'did:key'): Promise<HolderKey> {
  if (kind === 'jwk-p256') {
    const { publicKey, privateKey } = await joseKeyPair('ES256', { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const { kty, crv, x, y } = publicJwk;
    return {
      kind,
      alg: 'ES256',
      publicJwk,
      privateJwk: await exportJWK(privateKey),
      did: `did:jwk:${Buffer.from(JSON.stringify({ crv, kty, x, y })).toString('base64url')}`,
    };
  }
  const pair = await generateKeyPair();
  const privateJwk = await toPrivateJwk(pair);
  const { kid: _kid, d: _d, ...publicJwk } = privateJwk;
  return { kind, alg: 'EdDSA', publicJwk, privateJwk: { ...publicJwk, d: privateJwk.d }, did: pair.controller, kid: kind === 'did:key' ? pair.id : undefined };
}

export class Openid4vciWallet {
  readonly client: Client;

  private constructor(readonly key: HolderKey) {
    // Our test server runs on http://localhost: the library allows that only when told to.
    setGlobalConfig({ allowInsecureUrls: true });
    this.client = new Openid4vciClient({
      callbacks: {
        fetch: (input, init) => fetch(input, init),
        hash: (data, alg) => new Uint8Array(createHash(alg.replace('-', '')).update(data).digest()),
        generateRandom: (n) => new Uint8Array(randomBytes(n)),
        signJwt: async (_signer, { header, payload }) => {
          const jwt = await new SignJWT(payload as Record<string, unknown>)
            .setProtectedHeader(header as Parameters<SignJWT['setProtectedHeader']>[0])
            .sign(await importJWK(this.key.privateJwk, this.key.alg));
          return { jwt, signerJwk: this.key.publicJwk as never };
        },
        clientAuthentication: clientAuthenticationAnonymous(),
      },
    });
  }

  static async create(kind: HolderKeyKind = 'did:key'): Promise<Openid4vciWallet> {
    return new Openid4vciWallet(await newHolderKey(kind));
  }

  get holderDid(): string {
    return this.key.did;
  }

  /** How the library signs with this wallet's key: a DID URL in kid, or the jwk in the header. */
  get signer(): Signer {
    return this.key.kid
      ? { method: 'did', didUrl: this.key.kid, alg: this.key.alg }
      : { method: 'jwk', publicJwk: this.key.publicJwk as never, alg: this.key.alg };
  }

  /** The whole flow for every configuration in the offer; returns each delivered credential. */
  async receive(offerLink: string, opts: { txCode?: string } = {}) {
    const offer = await this.client.resolveCredentialOffer(offerLink);
    const metadata = await this.client.resolveIssuerMetadata(offer.credential_issuer);
    const token = await this.token(offer, metadata, opts.txCode);
    const credentials: Record<string, unknown> = {};
    for (const id of offer.credential_configuration_ids) {
      const { c_nonce } = await this.client.requestNonce({ issuerMetadata: metadata });
      const proof = await this.proof(metadata, id, c_nonce);
      credentials[id] = await this.credential(metadata, token.access_token, id, proof);
    }
    return { offer, metadata, token, credentials };
  }

  token(offer: CredentialOffer, metadata: IssuerMetadata, txCode?: string) {
    return this.client
      .retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer: offer, issuerMetadata: metadata, txCode })
      .then((r) => r.accessTokenResponse);
  }

  async proof(metadata: IssuerMetadata, configurationId: string, nonce: string): Promise<string> {
    const { jwt } = await this.client.createCredentialRequestJwtProof({
      issuerMetadata: metadata,
      credentialConfigurationId: configurationId,
      nonce,
      signer: this.signer,
    });
    return jwt;
  }

  async credential(metadata: IssuerMetadata, accessToken: string, configurationId: string, proofJwt: string): Promise<unknown> {
    const response = await this.client.retrieveCredentials({
      issuerMetadata: metadata,
      accessToken,
      credentialConfigurationId: configurationId,
      proofs: { jwt: [proofJwt] },
    });
    const first = response.credentialResponse.credentials?.[0] as { credential: unknown } | undefined;
    return first?.credential;
  }

  /** A proof JWT signed by this wallet's key with claims of the test's choosing (to break one rule). */
  async rawProof(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
    const keyHeader = this.key.kid ? { kid: this.key.kid } : { jwk: this.key.publicJwk };
    return new SignJWT({ iat: Math.floor(Date.now() / 1000), ...claims })
      .setProtectedHeader({ alg: this.key.alg, typ: 'openid4vci-proof+jwt', ...keyHeader, ...header } as Parameters<SignJWT['setProtectedHeader']>[0])
      .sign(await importJWK(this.key.privateJwk, this.key.alg));
  }
}
