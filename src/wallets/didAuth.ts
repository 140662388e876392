// DID Authentication (W3C CCG VP Request Spec, "DIDAuthentication"): a wallet proves it controls
// a DID by signing a verifiable presentation over our one-time challenge. The DCC Learner
// Credential Wallet signs it with Ed25519Signature2020 and a did:key (its app/lib/present.ts);
// the DCC transaction-service also accepts DataIntegrityProof eddsa-rdfc-2022 (its
// src/didAuth.ts), and so do we. Verified offline: a did:key is its own DID document.
// No express, no SQL: the exchange (src/wallets/vcApiExchanges.ts) decides what follows.
import { AppError, BadRequestError } from '../errors';
import { createDocumentLoader } from '../badges/documentLoader';
import { type JsonObject, loadLibraries, loadPresentationLibraries } from '../badges/esm';
import { explainJsonLdError } from '../badges/sign';
import { didMethod, isDid } from './holderBinding';

/** DID methods whose holders we can authenticate offline. */
export const SUPPORTED_DID_METHODS = ['key'] as const;

const loader = createDocumentLoader();

/** A presentation that does not prove control of the DID: 401, like the DCC transaction-service. */
export class DidAuthError extends AppError {
  constructor(message: string, code: string, hint?: string) {
    super(message, 401, code, hint);
  }
}

const PROOF_TYPES = 'Ed25519Signature2020 or DataIntegrityProof (eddsa-rdfc-2022)';

/**
 * Checks a DID Authentication presentation against the challenge (and, when the wallet signed
 * one, our domain). Returns the holder's DID. Throws a 4xx AppError saying what is wrong.
 */
export async function verifyDidAuthentication(presentation: unknown, expected: { challenge: string; domain: string }): Promise<string> {
  if (!presentation || typeof presentation !== 'object' || Array.isArray(presentation))
    throw new BadRequestError('The request must be a verifiable presentation (JSON object).', 'NOT_A_PRESENTATION');
  const vp = presentation as JsonObject;
  const types = ([] as unknown[]).concat(vp.type ?? []);
  if (!types.includes('VerifiablePresentation'))
    throw new BadRequestError('The request is not a verifiable presentation: its type must include "VerifiablePresentation".', 'NOT_A_PRESENTATION');
  if (vp.verifiableCredential !== undefined)
    throw new BadRequestError('A DID Authentication presentation carries no credentials; send one without "verifiableCredential".', 'UNEXPECTED_CREDENTIALS');
  const holder = vp.holder;
  if (!isDid(holder))
    throw new BadRequestError(
      'The presentation must name its holder as a DID ("holder": "did:key:…").',
      'HOLDER_MISSING',
      'Sign the presentation with the DID the credential is for.',
    );
  if (!(SUPPORTED_DID_METHODS as readonly string[]).includes(didMethod(holder)))
    throw new BadRequestError(
      `The DID method "did:${didMethod(holder)}" is not supported here; use did:key (Ed25519).`,
      'UNSUPPORTED_DID_METHOD',
      'Choose a did:key identity in the wallet and try again.',
    );

  const proofs = ([] as unknown[]).concat(vp.proof ?? []) as JsonObject[];
  if (proofs.length !== 1 || !proofs[0] || typeof proofs[0] !== 'object')
    throw new DidAuthError('The presentation must carry exactly one proof.', 'PROOF_MISSING', 'Sign the presentation over the challenge.');
  const proof = proofs[0];
  if (!(proof.type === 'Ed25519Signature2020' || (proof.type === 'DataIntegrityProof' && proof.cryptosuite === 'eddsa-rdfc-2022')))
    throw new BadRequestError(`The proof type is not supported here; use ${PROOF_TYPES}.`, 'UNSUPPORTED_PROOF_TYPE');
  if (proof.proofPurpose !== 'authentication') throw new DidAuthError('The proof’s purpose must be "authentication".', 'WRONG_PROOF_PURPOSE');
  const method = typeof proof.verificationMethod === 'string' ? proof.verificationMethod : '';
  if (!method.startsWith(`${holder}#`)) throw new DidAuthError('The presentation was signed with a key of another DID than its holder.', 'HOLDER_MISMATCH');
  // Said plainly before the signature check, which would only say "invalid".
  if (proof.challenge !== expected.challenge)
    throw new DidAuthError(
      'The presentation was signed over another challenge than this exchange’s.',
      'WRONG_CHALLENGE',
      'Start again from the link or QR code.',
    );
  if (proof.domain !== undefined && proof.domain !== expected.domain)
    throw new DidAuthError('The presentation was signed for another domain than this site.', 'WRONG_DOMAIN');

  const [{ vc, Ed25519Signature2020 }, { DataIntegrityProof, cryptosuite }] = await Promise.all([loadPresentationLibraries(), loadLibraries()]);
  let result: Awaited<ReturnType<typeof vc.verify>>;
  try {
    result = await vc.verify({
      presentation: vp,
      suite: [new Ed25519Signature2020(), new DataIntegrityProof({ cryptosuite })],
      challenge: expected.challenge,
      ...(proof.domain !== undefined ? { domain: expected.domain } : {}),
      documentLoader: loader,
    });
  } catch (error) {
    throw new DidAuthError(`The presentation could not be verified: ${explainJsonLdError(error)}`, 'INVALID_DID_AUTH');
  }
  if (!result.verified) {
    const cause = result.error?.errors?.[0] ?? result.error;
    throw new DidAuthError(`The presentation’s signature does not verify${cause ? `: ${explainJsonLdError(cause)}` : '.'}`, 'INVALID_DID_AUTH');
  }
  // The key that signed must be the holder's own (jsonld-signatures checked it authenticates for its controller).
  const controller = result.presentationResult?.results?.[0]?.purposeResult?.controller as JsonObject | undefined;
  if (controller?.id !== holder) throw new DidAuthError('The presentation was signed with a key of another DID than its holder.', 'HOLDER_MISMATCH');
  return holder;
}
