/**
 * Ed25519 signing keys as W3C Multikey (what Data Integrity eddsa-rdfc-2022 proofs name in
 * `verificationMethod`) and as JWK (what jose needs for VC-JWT).
 */
import type { JWK } from 'jose';
import { MULTIKEY_V1_CONTEXT } from './contexts';
import { loadLibraries, type MultikeyKeyPair } from './esm';

/** A key pair ready to sign: `id` is the verification method, `controller` the issuer id. */
export interface Ed25519KeyPair {
  id: string;
  controller: string;
  publicKeyMultibase: string;
  /** Absent on a public-only key pair (one that can verify but not sign). */
  secretKeyMultibase?: string;
  /**
   * The same key published as a JsonWebKey verification method, when its controller document
   * lists one (our did:web does): a VC-JWT names it as kid, since OB 3.0 §8.2.2 wants a kid
   * that dereferences to a JWK.
   */
  jwkId?: string;
  /** The @digitalbazaar/ed25519-multikey object, for the signing libraries. */
  readonly multikey: MultikeyKeyPair;
}

/** The storable form of a key pair (W3C Multikey JSON). Keep the secret key secret. */
export interface ExportedKeyPair {
  '@context'?: string;
  type?: 'Multikey';
  id?: string;
  controller?: string;
  publicKeyMultibase: string;
  secretKeyMultibase?: string;
  /** See Ed25519KeyPair.jwkId; not part of the Multikey JSON. */
  jwkId?: string;
}

export function didKeyFor(publicKeyMultibase: string): string {
  return `did:key:${publicKeyMultibase}`;
}

/**
 * A new random key pair (or one from a 32-byte seed). Without a `controller` the key is its
 * own did:key issuer identity: controller `did:key:z6Mk…`, id `did:key:z6Mk…#z6Mk…`.
 */
export async function generateKeyPair(options: { controller?: string; id?: string; jwkId?: string; seed?: Uint8Array } = {}): Promise<Ed25519KeyPair> {
  const { Ed25519Multikey } = await loadLibraries();
  const generated = await Ed25519Multikey.generate(options.seed ? { seed: options.seed } : {});
  return importKeyPair({
    publicKeyMultibase: generated.publicKeyMultibase,
    secretKeyMultibase: generated.secretKeyMultibase,
    controller: options.controller,
    id: options.id,
    jwkId: options.jwkId,
  });
}

/** Rebuild a key pair from its exported form; id and controller default to did:key. */
export async function importKeyPair(exported: ExportedKeyPair): Promise<Ed25519KeyPair> {
  const { Ed25519Multikey } = await loadLibraries();
  const controller = exported.controller ?? didKeyFor(exported.publicKeyMultibase);
  const id = exported.id ?? `${controller}#${exported.publicKeyMultibase}`;
  const multikey = await Ed25519Multikey.from({
    '@context': MULTIKEY_V1_CONTEXT,
    type: 'Multikey',
    id,
    controller,
    publicKeyMultibase: exported.publicKeyMultibase,
    ...(exported.secretKeyMultibase ? { secretKeyMultibase: exported.secretKeyMultibase } : {}),
  });
  return {
    id,
    controller,
    publicKeyMultibase: multikey.publicKeyMultibase,
    secretKeyMultibase: multikey.secretKeyMultibase,
    ...(exported.jwkId ? { jwkId: exported.jwkId } : {}),
    multikey,
  };
}

/** The Multikey JSON; the secret key only when asked for. */
export function exportKeyPair(keyPair: Ed25519KeyPair, options: { secretKey?: boolean } = {}): ExportedKeyPair {
  return {
    '@context': MULTIKEY_V1_CONTEXT,
    type: 'Multikey',
    id: keyPair.id,
    controller: keyPair.controller,
    publicKeyMultibase: keyPair.publicKeyMultibase,
    ...(options.secretKey && keyPair.secretKeyMultibase ? { secretKeyMultibase: keyPair.secretKeyMultibase } : {}),
  };
}

/** The public verification method document, as a DID document or key endpoint would publish it. */
export function verificationMethodOf(keyPair: Ed25519KeyPair): Record<string, unknown> {
  return exportKeyPair(keyPair, { secretKey: false }) as unknown as Record<string, unknown>;
}

/** Public key as a JWK (OKP / Ed25519), with `kid` = the verification method id. */
export function toPublicJwk(keyPair: Ed25519KeyPair): JWK {
  return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(keyPair.multikey.publicKey).toString('base64url'), kid: keyPair.id };
}

/** Private key as a JWK for jose. */
export async function toPrivateJwk(keyPair: Ed25519KeyPair): Promise<JWK> {
  if (!keyPair.multikey.secretKey) throw new Error('This key pair has no secret key, so it cannot sign.');
  // The library keeps the 64-byte (seed + public key) form; a JWK's "d" is the 32-byte seed.
  const { secretKey } = await keyPair.multikey.export({ raw: true, secretKey: true, publicKey: false, canonicalize: true });
  return { ...toPublicJwk(keyPair), d: Buffer.from(secretKey as Uint8Array).toString('base64url') };
}

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/**
 * The raw 32-byte key in an Ed25519 `publicKeyMultibase` (also the method-specific part of an
 * Ed25519 did:key): "z" + base58btc(0xed 0x01 || key). Undefined for anything else.
 */
export function decodeEd25519PublicKeyMultibase(multibase: string): Uint8Array | undefined {
  if (typeof multibase !== 'string' || !multibase.startsWith('z') || multibase.length > 60) return undefined;
  let value = 0n;
  for (const char of multibase.slice(1)) {
    const digit = BASE58_ALPHABET.indexOf(char);
    if (digit < 0) return undefined;
    value = value * 58n + BigInt(digit);
  }
  // Ed25519 keys start with 0xed, so there are no leading zero bytes to restore.
  const hex = value.toString(16);
  if (hex.length !== 68 || !hex.startsWith('ed01')) return undefined;
  return new Uint8Array(Buffer.from(hex.slice(4), 'hex'));
}

/** The public JWK for an Ed25519 `publicKeyMultibase`, or undefined if it is not one. */
export function jwkFromPublicKeyMultibase(multibase: string): JWK | undefined {
  const key = decodeEd25519PublicKeyMultibase(multibase);
  return key ? { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key).toString('base64url') } : undefined;
}
