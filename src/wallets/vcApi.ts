// The VC-API exchange messages the DCC Learner Credential Wallet (LCW) sends and reads, and the
// deep link it opens. Pure. Sources (docs/decisions/0014): LCW app/lib/credentialRequest.ts,
// exchanges.ts, walletRequestApi isDeepLink; DCC transaction-service src/exchanges.ts,
// transactionManager.ts; W3C CCG VC-API "exchanges" and VP Request Spec "DIDAuthentication".

export const SUPPORTED_CRYPTOSUITES = ['Ed25519Signature2020', 'eddsa-rdfc-2022'] as const;

export interface VerifiablePresentationRequest {
  query: { type: 'DIDAuthentication'; acceptedMethods: { method: string }[]; acceptedCryptosuites: { cryptosuite: string }[] };
  interact: { service: { type: string; serviceEndpoint: string }[] };
  challenge: string;
  domain: string;
}

/**
 * LCW's credential request deep link: dccrequest://request?issuer=…&auth_type=bearer&challenge=…
 * &vc_request_url=…. LCW accepts it from its QR scanner and as a link on the phone (custom
 * scheme dccrequest:// and org.dcconsortium://); `issuer` must be present, and `auth_type=bearer`
 * means no OAuth: the challenge signed into the presentation is the whole proof.
 */
export function lcwDeepLink(p: { issuer: string; challenge: string; exchangeUrl: string }): string {
  const q = new URLSearchParams({ issuer: p.issuer, auth_type: 'bearer', challenge: p.challenge, vc_request_url: p.exchangeUrl });
  return `dccrequest://request?${q.toString()}`;
}

/** What a wallet posted: nothing (start: VC-API), a bare presentation (LCW deep link), or { verifiablePresentation } (VC-API). */
export function presentationOf(
  body: unknown,
): { kind: 'start' } | { kind: 'presentation'; presentation: unknown; wrapped: boolean } | { kind: 'invalid'; message: string } {
  if (body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0)) return { kind: 'start' };
  if (typeof body !== 'object' || Array.isArray(body)) return { kind: 'invalid', message: 'The request body must be a JSON object.' };
  const o = body as Record<string, unknown>;
  if ('verifiablePresentation' in o) return { kind: 'presentation', presentation: o.verifiablePresentation, wrapped: true };
  if ('type' in o || 'proof' in o) return { kind: 'presentation', presentation: o, wrapped: false };
  return { kind: 'invalid', message: 'Send a DID Authentication presentation, bare or as { "verifiablePresentation": … }, or {} to start.' };
}
