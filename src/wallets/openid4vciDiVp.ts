// The di_vp proof of possession (OpenID4VCI 1.0 Appendix F.2): a verifiable presentation the
// holder signs with Data Integrity (eddsa-rdfc-2022), proofPurpose authentication, over our
// c_nonce as its challenge and our credential issuer identifier as its domain. The signature
// and holder checks are the DID Authentication ones of the VC-API exchange (./didAuth); here
// only what OpenID4VCI adds, in its error codes. No express, no SQL.
import { AppError } from '../errors';
import { verifyDidAuthentication } from './didAuth';
import { type NonceMint, Oid4vciError, type ProvenHolder } from './openid4vci';

export async function verifyDiVpProof(
  presentation: Record<string, unknown>,
  opts: { audience: string; nonces: NonceMint; nowMs?: number },
): Promise<ProvenHolder> {
  const bad = (why: string) => new Oid4vciError('invalid_proof', why);
  const proofs = ([] as unknown[]).concat(presentation.proof ?? []);
  if (proofs.length !== 1 || !proofs[0] || typeof proofs[0] !== 'object') throw bad('The presentation must carry exactly one proof.');
  const proof = proofs[0] as Record<string, unknown>;
  if (proof.type !== 'DataIntegrityProof' || proof.cryptosuite !== 'eddsa-rdfc-2022')
    throw bad('The presentation must be signed with a DataIntegrityProof, cryptosuite eddsa-rdfc-2022.');
  if (proof.domain !== opts.audience) throw bad(`The presentation's domain must be this credential issuer, ${opts.audience}.`);
  // The challenge is the nonce: checked first, so a stale one says invalid_nonce.
  const nonceExpiresAt = opts.nonces.check(proof.challenge, opts.nowMs);
  const nonce = proof.challenge as string;
  try {
    const holderDid = await verifyDidAuthentication(presentation, { challenge: nonce, domain: opts.audience });
    return { holderDid, nonce, nonceExpiresAt };
  } catch (error) {
    if (error instanceof AppError && error.status < 500) throw bad(error.message);
    throw error;
  }
}
