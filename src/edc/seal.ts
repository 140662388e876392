/**
 * The seal: JAdES baseline-B over an EDC, shaped like the Commission's sealed sample, and its check.
 *
 * The sealed EDC is a JWS in JSON serialization whose payload is the credential itself, unencoded
 * (`b64: false`, RFC 7797), so the JSON stays readable. The protected header carries what JAdES
 * baseline-B asks for: `x5c` (the chain), `x5t#S256` (the certificate's SHA-256), `sigT` (the
 * claimed signing time), `kid`-less like ETSI allows, and `crit` naming the extensions a verifier
 * must understand. Baseline-T adds a timestamp token (`adoTst`) from a TSA; we add one only when
 * a TSA is configured, and none is configured by default (see decision 0019).
 *
 * jose signs and verifies; node:crypto's X509Certificate parses the chain and checks each link up
 * to the trust anchors the administrator configured, with every certificate valid at `sigT`.
 */
import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { FlattenedSign, flattenedVerify } from 'jose';
import { validityProblem } from './certificates';

export interface SealedEdc {
  payload: string;
  signatures: { protected: string; signature: string; header?: Record<string, unknown> }[];
}

export const isSealedEdc = (value: unknown): value is SealedEdc =>
  !!value &&
  typeof value === 'object' &&
  typeof (value as SealedEdc).payload === 'string' &&
  Array.isArray((value as SealedEdc).signatures) &&
  (value as SealedEdc).signatures.length > 0;

/** Does this JSON look like a European Digital Credential, sealed or not? */
export function looksLikeEdc(value: unknown): boolean {
  if (isSealedEdc(value)) {
    try {
      return looksLikeEdc(JSON.parse(value.payload));
    } catch {
      return false;
    }
  }
  const type = (value as { type?: unknown } | null)?.type;
  return Array.isArray(type) ? type.includes('EuropeanDigitalCredential') : type === 'EuropeanDigitalCredential';
}

function algorithmFor(key: KeyObject): 'RS256' | 'ES256' {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error('The seal key must be RSA or EC P-256.');
}

const isoSeconds = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/** JAdES baseline-B seal over the credential (the caller checks the certificate's validity first). */
export async function sealEdc(credential: Record<string, unknown>, seal: { chain: X509Certificate[]; key: KeyObject }, now = new Date()): Promise<SealedEdc> {
  const problem = validityProblem(seal.chain[0], now);
  if (problem) throw new Error(problem);
  const payload = JSON.stringify(credential);
  const header = {
    alg: algorithmFor(seal.key),
    cty: 'octet-stream',
    typ: 'jose+json',
    'x5t#S256': createHash('sha256').update(seal.chain[0].raw).digest('base64url'),
    x5c: seal.chain.map((c) => c.raw.toString('base64')),
    b64: false,
    sigT: isoSeconds(now),
    crit: ['b64', 'sigT'],
  };
  const jws = await new FlattenedSign(new TextEncoder().encode(payload)).setProtectedHeader(header).sign(seal.key, { crit: { sigT: true } });
  return { payload, signatures: [{ protected: jws.protected as string, signature: jws.signature }] };
}

export interface SealReport {
  ok: boolean;
  /** Plain-language lines, the last one saying why it failed when it did. */
  messages: string[];
  signer?: X509Certificate;
  sigT?: Date;
}

/** Checks the JAdES signature, the chain up to the trust anchors and the validity at sigT. */
export async function verifySeal(sealed: SealedEdc, trustAnchors: X509Certificate[]): Promise<SealReport> {
  const messages: string[] = [];
  const fail = (message: string, extra: Partial<SealReport> = {}): SealReport => ({ ok: false, messages: [...messages, message], ...extra });
  if (sealed.signatures.length !== 1) return fail(`The EDC has ${sealed.signatures.length} signatures; one seal was expected.`);
  const signature = sealed.signatures[0];
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(signature.protected, 'base64url').toString('utf8'));
  } catch {
    return fail('The seal’s protected header is not readable JSON.');
  }
  if (header.b64 !== false) return fail('The seal does not sign the credential as it is written (b64 must be false, as in JAdES for EDCs).');
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0) return fail('The seal carries no certificate (x5c).');
  let chain: X509Certificate[];
  try {
    chain = x5c.map((c) => new X509Certificate(Buffer.from(String(c), 'base64')));
  } catch {
    return fail('A certificate in the seal (x5c) cannot be read.');
  }
  const signer = chain[0];
  const thumbprint = createHash('sha256').update(signer.raw).digest('base64url');
  if (header['x5t#S256'] !== undefined && header['x5t#S256'] !== thumbprint) return fail('The seal’s x5t#S256 does not match its certificate.', { signer });
  const sigT = typeof header.sigT === 'string' ? new Date(header.sigT) : undefined;
  if (!sigT || Number.isNaN(sigT.getTime())) return fail('The seal has no signing time (sigT).', { signer });
  try {
    await flattenedVerify({ payload: sealed.payload, protected: signature.protected, signature: signature.signature }, signer.publicKey, {
      crit: { sigT: true, adoTst: true },
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'],
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    return fail(
      code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
        ? 'The seal’s signature does not match the credential: the credential was changed after sealing, or it was sealed with another key.'
        : `The seal cannot be checked: ${(error as Error).message}.`,
      { signer, sigT },
    );
  }
  messages.push(`The JAdES signature (${String(header.alg)}) is valid for the credential as written.`);
  const validity = validityProblem(signer, sigT);
  if (validity) return fail(`At the signing time ${sigT.toISOString()}: ${validity}`, { signer, sigT });
  messages.push(`The seal certificate was valid at the signing time (${sigT.toISOString()}).`);

  // The chain: each certificate signed by the next (or by an anchor), ending at a trust anchor.
  const anchorPrints = new Set(trustAnchors.map((a) => a.fingerprint256));
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i];
    if (anchorPrints.has(cert.fingerprint256)) {
      messages.push(`The chain ends at a trust anchor: ${cert.subject.split('\n').join(', ')}.`);
      return { ok: true, messages, signer, sigT };
    }
    const issuer = chain[i + 1] ?? trustAnchors.find((a) => cert.checkIssued(a) && cert.verify(a.publicKey));
    if (!issuer) break;
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey))
      return fail(`The certificate “${cert.subject.split('\n').join(', ')}” is not signed by the next one in the chain.`, { signer, sigT });
    const issuerValidity = validityProblem(issuer, sigT);
    if (issuerValidity) return fail(`The issuing certificate “${issuer.subject.split('\n').join(', ')}” was not valid at the signing time.`, { signer, sigT });
    if (anchorPrints.has(issuer.fingerprint256)) {
      messages.push(`The chain ends at a trust anchor: ${issuer.subject.split('\n').join(', ')}.`);
      return { ok: true, messages, signer, sigT };
    }
  }
  return fail(
    trustAnchors.length === 0
      ? 'No trust anchors are configured, so the seal’s certificate is not trusted.'
      : `The seal’s certificate (${signer.subject.split('\n').join(', ')}, issued by ${signer.issuer.split('\n').join(', ')}) does not lead to a configured trust anchor.`,
    { signer, sigT },
  );
}

/** The credential inside a sealed EDC. */
export function payloadOf(sealed: SealedEdc): Record<string, unknown> {
  return JSON.parse(sealed.payload) as Record<string, unknown>;
}
