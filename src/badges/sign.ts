/**
 * Signing primitives shared by issuance and the tests of the verifier:
 * - Data Integrity proof (DataIntegrityProof, cryptosuite eddsa-rdfc-2022) via @digitalbazaar/vc;
 * - VC-JWT as Open Badges 3.0 §8.2 describes it (JWS compact, EdDSA);
 * - signBothForms, the one path every issued credential takes: the proof first, then the JWT
 *   over the credential that carries it (§8.2.1).
 */
import { SignJWT } from 'jose';
import { documentLoader as offlineLoader } from './documentLoader';
import { privateKeyObjectOf, signerOf } from './ed25519KeyObjects';
import { loadLibraries, type DocumentLoader, type JsonObject } from './esm';
import type { Ed25519KeyPair } from './keys';

export type Credential = JsonObject;

/** Signing failed for a reason the caller can fix (the message says how). */
export class CredentialSigningError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialSigningError';
  }
}

export function issuerIdOf(credential: Credential): string | undefined {
  const issuer = credential.issuer;
  if (typeof issuer === 'string') return issuer;
  if (issuer && typeof issuer === 'object' && typeof (issuer as JsonObject).id === 'string') return (issuer as JsonObject).id as string;
  return undefined;
}

export function subjectOf(credential: Credential): JsonObject | undefined {
  const subject = Array.isArray(credential.credentialSubject) ? credential.credentialSubject[0] : credential.credentialSubject;
  return subject && typeof subject === 'object' ? (subject as JsonObject) : undefined;
}

/**
 * Add a DataIntegrityProof (eddsa-rdfc-2022) to a copy of the credential. The proof is stored
 * as a one-element array because the official OB 3.0 JSON schema types `proof` as an array.
 */
export async function signCredentialDataIntegrity(
  credential: Credential,
  keyPair: Ed25519KeyPair,
  loader: DocumentLoader = offlineLoader,
): Promise<Credential> {
  assertSignable(credential, keyPair);
  const { vc, DataIntegrityProof, cryptosuite } = await loadLibraries();
  // A signer that keeps its KeyObject (ed25519KeyObjects.ts), not one per signature.
  const suite = new DataIntegrityProof({ signer: signerOf(keyPair.multikey), cryptosuite });
  let signed: Credential;
  try {
    signed = await vc.issue({ credential: structuredClone(credential), suite, documentLoader: loader });
  } catch (error) {
    throw new CredentialSigningError(`The credential could not be signed: ${explainJsonLdError(error)}`, { cause: error });
  }
  if (signed.proof && !Array.isArray(signed.proof)) signed.proof = [signed.proof];
  return signed;
}

/**
 * Sign as VC-JWT (OB 3.0 §8.2): header {alg: EdDSA, kid, typ: JWT}; the payload is the
 * credential itself plus iss (issuer id), jti (credential id), sub (subject id), nbf (validFrom)
 * and exp (validUntil). The kid is the key's JsonWebKey verification method when it has one
 * (§8.2.2: the kid dereferences to a JWK), else its Multikey id (a did:key).
 */
export async function signCredentialJwt(credential: Credential, keyPair: Ed25519KeyPair): Promise<string> {
  assertSignable(credential, keyPair);
  const issuerId = issuerIdOf(credential) as string;
  // A shallow copy: only top-level claims are added, and SignJWT serialises it at once.
  const payload: JsonObject = { ...credential, iss: issuerId };
  if (typeof credential.id === 'string') payload.jti = credential.id;
  const subjectId = subjectOf(credential)?.id;
  if (typeof subjectId === 'string') payload.sub = subjectId;
  payload.nbf = numericDate(credential.validFrom, 'validFrom');
  if (credential.validUntil !== undefined) payload.exp = numericDate(credential.validUntil, 'validUntil');

  // OB 3.0 allows no JOSE headers beyond alg, kid, jwk and typ. The key's KeyObject is made once.
  return new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', kid: keyPair.jwkId ?? keyPair.id, typ: 'JWT' }).sign(privateKeyObjectOf(keyPair.multikey));
}

/**
 * Both forms of an issued credential, in the order OB 3.0 §8.2.1 demands: "If a Linked Data
 * Proof is also provided, it MUST be created before the JSON Web Token Proof Format is
 * created." So the JWT's payload is the Data-Integrity-signed credential, proof included.
 * Issuance and holder-bound copies both sign through here.
 */
export async function signBothForms(
  credential: Credential,
  keyPair: Ed25519KeyPair,
  loader: DocumentLoader = offlineLoader,
): Promise<{ credential: Credential; jwt: string }> {
  const signed = await signCredentialDataIntegrity(credential, keyPair, loader);
  return { credential: signed, jwt: await signCredentialJwt(signed, keyPair) };
}

function assertSignable(credential: Credential, keyPair: Ed25519KeyPair): void {
  if (!credential || typeof credential !== 'object' || Array.isArray(credential)) {
    throw new CredentialSigningError('The credential to sign must be a JSON object.');
  }
  if (!keyPair.multikey.secretKey) throw new CredentialSigningError('This key pair has no secret key, so it cannot sign.');
  const issuerId = issuerIdOf(credential);
  if (!issuerId) throw new CredentialSigningError('The credential has no issuer id.');
  // Verifiers require the signing key to be controlled by the issuer; catch the mismatch here.
  if (keyPair.controller !== issuerId) {
    throw new CredentialSigningError(`The key belongs to "${keyPair.controller}", but the credential's issuer is "${issuerId}".`);
  }
  if (typeof credential.validFrom !== 'string') throw new CredentialSigningError('The credential has no validFrom date.');
}

function numericDate(value: unknown, name: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new CredentialSigningError(`The credential's ${name} is not a valid date.`);
  return Math.floor(ms / 1000);
}

/**
 * Plain words for the JSON-LD errors signing and verification hit most. VC 2.0 has no
 * catch-all vocabulary (@vocab), so in jsonld's safe mode any property or type that no
 * context defines is an error rather than being silently dropped from the signed data.
 */
export function explainJsonLdError(error: unknown): string {
  const err = error as {
    name?: string;
    message?: string;
    url?: string;
    details?: { event?: { code?: string; details?: JsonObject }; code?: unknown; term?: unknown };
  };
  const event = err?.details?.event;
  if (event) {
    const details = event.details ?? {};
    const what = details.property ?? details.type ?? details.id ?? details.value;
    if (event.code === 'relative @type reference' || details.type !== undefined) {
      return `it uses the type “${String(what)}”, which none of its JSON-LD contexts define.`;
    }
    if (what !== undefined) return `it uses “${String(what)}”, which none of its JSON-LD contexts define.`;
    return `its JSON-LD data is not fully defined by its contexts (${event.code ?? 'unknown problem'}).`;
  }
  if (err?.name === 'DocumentNotBundledError') {
    return `it refers to ${err.url ?? 'a document'}, which microcred does not have a local copy of and never downloads.`;
  }
  const nested = findNested(error, (e) => e?.name === 'DocumentNotBundledError' || !!e?.details?.event);
  if (nested && nested !== error) return explainJsonLdError(nested);
  // A broken context (rather than broken data), e.g. a term definition with a typo in it.
  const code = err?.details?.code;
  if (typeof err?.name === 'string' && err.name.startsWith('jsonld.') && typeof code === 'string') {
    const term = err.details?.term;
    return `one of its JSON-LD contexts is not valid JSON-LD (${code}${typeof term === 'string' ? ` at “${term}”` : ''}).`;
  }
  return err?.message ?? String(error);
}

/** jsonld wraps loader errors in `details.cause`; find the interesting one. */
function findNested(error: unknown, match: (e: any) => boolean, depth = 0): unknown {
  if (!error || typeof error !== 'object' || depth > 6) return undefined;
  if (match(error)) return error;
  const e = error as { cause?: unknown; details?: { cause?: unknown }; errors?: unknown[] };
  for (const next of [e.cause, e.details?.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = findNested(next, match, depth + 1);
    if (found) return found;
  }
  return undefined;
}
