/**
 * Ed25519 signers and verifiers that keep Node's KeyObject. @digitalbazaar/ed25519-multikey
 * builds a KeyObject from the raw key bytes (DER-wrapped, `createPrivateKey`/`createPublicKey`)
 * on every signature and every verification: about a sixth of signing a credential once the
 * JSON-LD processing was made fast (decision 0017). Same bytes in, same signature out: Ed25519
 * is deterministic, and these call the same `crypto.sign`/`crypto.verify` with the same key.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/** PKCS#8 and SPKI DER prefixes for Ed25519 (RFC 8410), as the library uses them. */
const DER_PRIVATE_KEY_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const DER_PUBLIC_KEY_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * The part of @digitalbazaar/ed25519-multikey's key pair used here (esm.ts MultikeyKeyPair has
 * it all; esm.ts imports this module, so the type is restated rather than imported).
 */
interface MultikeyKeyPair {
  publicKey: Uint8Array;
  secretKey?: Uint8Array;
  signer(): { id?: string; algorithm: string };
  verifier(): { id?: string; algorithm: string };
}

export interface Signer {
  id?: string;
  algorithm: string;
  sign(input: { data: Uint8Array }): Promise<Uint8Array>;
}
export interface Verifier {
  id?: string;
  algorithm: string;
  verify(input: { data: Uint8Array; signature: Uint8Array }): Promise<boolean>;
}

const signers = new WeakMap<MultikeyKeyPair, Signer>();
const privateKeys = new WeakMap<MultikeyKeyPair, KeyObject>();

/** The key pair's private KeyObject, made once per key pair object (also what signs the VC-JWT). */
export function privateKeyObjectOf(multikey: MultikeyKeyPair): KeyObject {
  let key = privateKeys.get(multikey);
  if (!key) {
    if (!multikey.secretKey) throw new Error('This key pair has no secret key, so it cannot sign.');
    // The library keeps the 64-byte form (seed + public key); PKCS#8 holds the 32-byte seed.
    key = createPrivateKey({
      key: Buffer.concat([DER_PRIVATE_KEY_PREFIX, (multikey.secretKey as Uint8Array).subarray(0, 32)]),
      format: 'der',
      type: 'pkcs8',
    });
    privateKeys.set(multikey, key);
  }
  return key;
}

/**
 * The key pair's signer ({id, algorithm, sign}, what DataIntegrityProof takes), made once per
 * key pair object. Throws as `multikey.signer()` does when there is no secret key.
 */
export function signerOf(multikey: MultikeyKeyPair): Signer {
  let signer = signers.get(multikey);
  if (!signer) {
    const { id, algorithm } = multikey.signer();
    const key = privateKeyObjectOf(multikey);
    signer = { id, algorithm, sign: async ({ data }) => sign(null, data, key) };
    signers.set(multikey, signer);
  }
  return signer;
}

/** Public KeyObjects by the raw key's hex; cleared when full (a verifier meets few issuers' keys). */
const publicKeys = new Map<string, KeyObject>();
const MAX_PUBLIC_KEYS = 1000;

/** The key's verifier ({id, algorithm, verify}), with its public KeyObject built once per key. */
export function verifierOf(multikey: MultikeyKeyPair): Verifier {
  const { id, algorithm } = multikey.verifier();
  const raw = multikey.publicKey;
  const hex = Buffer.from(raw).toString('hex');
  let key = publicKeys.get(hex);
  if (!key) {
    if (publicKeys.size >= MAX_PUBLIC_KEYS) publicKeys.clear();
    key = createPublicKey({ key: Buffer.concat([DER_PUBLIC_KEY_PREFIX, raw]), format: 'der', type: 'spki' });
    publicKeys.set(hex, key);
  }
  const publicKey = key;
  return { id, algorithm, verify: async ({ data, signature }) => verify(null, data, publicKey, signature) };
}

/**
 * The eddsa-rdfc-2022 cryptosuite with `createVerifier` using `verifierOf`: the verification
 * method is read and checked by `Ed25519Multikey.from` exactly as the suite's own does.
 */
export function withKeyObjects<T extends object>(cryptosuite: T, Ed25519Multikey: { from(key: Record<string, unknown>): Promise<MultikeyKeyPair> }): T {
  return {
    ...cryptosuite,
    async createVerifier({ verificationMethod }: { verificationMethod: Record<string, unknown> }) {
      return verifierOf(await Ed25519Multikey.from(verificationMethod));
    },
  };
}
