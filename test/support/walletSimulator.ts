// A wallet, played over HTTP, for the wallet-delivery tests (issue 15). It has its own holder
// key (Ed25519, did:key), talks to the tool only through its public URLs, and checks what it
// receives the way a careful wallet would: with the project's Verifier, resolving the issuer's
// did:web and fetching the status list over HTTP (nothing in-process), and checking that the
// credential is bound to its own DID.
//
// Organised by protocol:
//   - common: identity, verifying a received credential;
//   - VC-API exchange, as the DCC Learner Credential Wallet (LCW) does it;
//   - OpenID4VCI (added by the OpenID4VCI work).
import { MULTIKEY_V1_CONTEXT } from '../../src/badges/contexts';
import { createDocumentLoader } from '../../src/badges/documentLoader';
import { type JsonObject, loadLibraries, loadPresentationLibraries } from '../../src/badges/esm';
import { type Ed25519KeyPair, generateKeyPair } from '../../src/badges/keys';
import { Verifier } from '../../src/badges/verifier';
import type { VerificationReport } from '../../src/badges/verify';

const offline = createDocumentLoader();

/** did:web:host%3Aport[:path] → its DID document URL (http for localhost, as the test tool serves). */
function didWebUrl(did: string): string {
  const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const scheme = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host) ? 'http' : 'https';
  return path.length ? `${scheme}://${host}/${path.join('/')}/did.json` : `${scheme}://${host}/.well-known/did.json`;
}

export interface ReceivedCheck {
  report: VerificationReport;
  /** credentialSubject.id is this wallet's DID. */
  boundToMe: boolean;
}

export class WalletSimulator {
  private constructor(readonly keyPair: Ed25519KeyPair) {}

  /** A wallet with a fresh Ed25519 did:key (or one from a seed, for a known DID). */
  static async create(seed?: Uint8Array): Promise<WalletSimulator> {
    return new WalletSimulator(await generateKeyPair(seed ? { seed } : {}));
  }

  get did(): string {
    return this.keyPair.controller;
  }

  // --- common: verifying what the wallet received ---------------------------------------

  /** The project's Verifier, resolving did:web and status lists over HTTP as any wallet would. */
  readonly verifier = new Verifier({
    resolveKey: async (url) => {
      if (!url.startsWith('did:web:')) return undefined;
      const [did] = url.split('#');
      const res = await fetch(didWebUrl(did));
      if (!res.ok) return undefined;
      const doc = (await res.json()) as JsonObject;
      if (!url.includes('#')) return doc;
      const method = ((doc.verificationMethod as JsonObject[]) ?? []).find((m) => m.id === url);
      return method ? { '@context': MULTIKEY_V1_CONTEXT, ...method } : undefined;
    },
    fetchStatusList: async (url) => {
      const res = await fetch(url);
      return res.ok ? res.text() : undefined;
    },
  });

  async check(credential: JsonObject | string): Promise<ReceivedCheck> {
    const report = await this.verifier.verify(credential);
    const subject = typeof credential === 'string' ? jwtPayload(credential).credentialSubject : credential.credentialSubject;
    return { report, boundToMe: (subject as JsonObject | undefined)?.id === this.did };
  }

  // --- VC-API exchange, as the DCC Learner Credential Wallet does it ---------------------

  /**
   * The parameters of an LCW credential request deep link (dccrequest://request?… or
   * org.dcconsortium://request?…), refused as LCW refuses it: LCW only acts on those prefixes
   * and needs `issuer` and `vc_request_url` (its isLegacyCredentialRequest).
   */
  static parseLcwDeepLink(link: string): { issuer: string; auth_type?: string; challenge?: string; vc_request_url: string } {
    if (!/^(dccrequest|org\.dcconsortium):\/\/request\?/.test(link)) throw new Error(`LCW does not open ${link}`);
    const params = Object.fromEntries(new URLSearchParams(link.split('?')[1]));
    if (!params.issuer || !params.vc_request_url) throw new Error('LCW needs issuer and vc_request_url in the deep link');
    if ((params.auth_type ?? 'code') !== 'bearer') throw new Error(`LCW supports auth_type=bearer only, not ${params.auth_type}`);
    return params as { issuer: string; auth_type?: string; challenge?: string; vc_request_url: string };
  }

  /**
   * A DID Authentication presentation, signed as LCW signs it (app/lib/present.ts:
   * vc.createPresentation({ holder }) then vc.signPresentation with Ed25519Signature2020 and
   * the challenge), or with DataIntegrityProof eddsa-rdfc-2022. `holder` lies about the holder.
   */
  async didAuthentication(opts: {
    challenge: string;
    domain?: string;
    proof?: 'Ed25519Signature2020' | 'eddsa-rdfc-2022';
    vcVersion?: 1 | 2;
    holder?: string;
  }): Promise<JsonObject> {
    const [{ vc, Ed25519Signature2020 }, { DataIntegrityProof, cryptosuite }] = await Promise.all([loadPresentationLibraries(), loadLibraries()]);
    const signer = this.keyPair.multikey.signer();
    const suite =
      (opts.proof ?? 'Ed25519Signature2020') === 'Ed25519Signature2020'
        ? new Ed25519Signature2020({ signer })
        : new DataIntegrityProof({ signer, cryptosuite });
    const presentation = vc.createPresentation({ holder: opts.holder ?? this.did, version: opts.vcVersion === 2 ? 2.0 : 1.0 });
    return vc.signPresentation({
      presentation,
      suite,
      challenge: opts.challenge,
      ...(opts.domain ? { domain: opts.domain } : {}),
      documentLoader: offline,
    });
  }

  /**
   * LCW's deep-link flow (app/lib/credentialRequest.ts requestCredential): the signed DID
   * Authentication is POSTed, bare, as JSON to vc_request_url; the answer is a VC or a VP.
   */
  async followLcwDeepLink(link: string, opts: { proof?: 'Ed25519Signature2020' | 'eddsa-rdfc-2022'; challenge?: string } = {}) {
    const params = WalletSimulator.parseLcwDeepLink(link);
    const presentation = await this.didAuthentication({ challenge: opts.challenge ?? params.challenge ?? '', proof: opts.proof });
    return this.post(params.vc_request_url, presentation);
  }

  /**
   * LCW's VC-API flow (app/lib/exchanges.ts): POST {} to the exchange, read the DIDAuthentication
   * request, sign over its challenge and domain, POST { verifiablePresentation } to the service
   * endpoint it names; the answer is { verifiablePresentation } with the credential.
   */
  async vcApiExchange(exchangeUrl: string) {
    const start = await this.post(exchangeUrl, {});
    const request = (start.body as { verifiablePresentationRequest?: JsonObject }).verifiablePresentationRequest;
    if (start.status !== 200 || !request) return { ...start, request };
    const queries = ([] as JsonObject[]).concat(request.query as JsonObject);
    if (!queries.some((q) => q.type === 'DIDAuthentication')) throw new Error('the exchange asked for something other than DID Authentication');
    const interact = request.interact as { service?: { serviceEndpoint?: string }[] } | undefined;
    const presentation = await this.didAuthentication({ challenge: String(request.challenge), domain: request.domain as string | undefined });
    const done = await this.post(interact?.service?.[0]?.serviceEndpoint ?? exchangeUrl, { verifiablePresentation: presentation });
    return { ...done, request };
  }

  /** POSTs JSON as LCW does (Content-Type: application/json, no cookies); reads credentials out of the answer like LCW's extractCredentialsFrom. */
  async post(url: string, body: unknown) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: res.status, contentType: res.headers.get('content-type'), body: parsed as JsonObject, credentials: credentialsIn(parsed) };
  }
}

/** LCW's extractCredentialsFrom, plus the VC-API wrapper { verifiablePresentation }. */
function credentialsIn(body: unknown): JsonObject[] {
  if (!body || typeof body !== 'object') return [];
  const o = body as JsonObject;
  const types = ([] as unknown[]).concat(o.type ?? []);
  if (types.includes('VerifiableCredential')) return [o];
  if (types.includes('VerifiablePresentation')) return ([] as JsonObject[]).concat((o.verifiableCredential as JsonObject[]) ?? []);
  if (o.verifiablePresentation) return credentialsIn(o.verifiablePresentation);
  return [];
}

function jwtPayload(jwt: string): JsonObject {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}
