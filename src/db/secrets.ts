/**
 * Secrets at rest (e.g. the issuer's signing keys): AES-256-GCM under a key derived from
 * ENCRYPTION_KEY for one purpose only (HKDF-SHA256, info = purpose), so a value encrypted for
 * one use can never be decrypted as another, and ENCRYPTION_KEY itself never touches data.
 *
 * Format: "v1.<iv>.<tag>.<ciphertext>", each part base64url. The version lets the scheme
 * change later without guessing what an old value is.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12; // the GCM standard nonce size
const TAG_BYTES = 16;

/** The secret could not be read back: wrong ENCRYPTION_KEY, wrong purpose, or altered data. */
export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

/** A key for one purpose, derived from ENCRYPTION_KEY (HKDF-SHA256, info = purpose). */
export function purposeKey(key: Buffer, purpose: string): Buffer {
  if (!Buffer.isBuffer(key) || key.length < 32) throw new Error('The encryption key must be at least 32 bytes.');
  if (!purpose) throw new Error('A secret needs a purpose (e.g. "signing-key").');
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), Buffer.from(purpose, 'utf8'), 32));
}

export function encryptSecret(plain: string, key: Buffer, purpose: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', purposeKey(key, purpose), iv, { authTagLength: TAG_BYTES });
  // The version is authenticated too, so a value cannot be relabelled as another format.
  cipher.setAAD(Buffer.from(VERSION));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

export function decryptSecret(box: string, key: Buffer, purpose: string): string {
  const parts = typeof box === 'string' ? box.split('.') : [];
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new SecretDecryptionError('The stored secret is not in a format microcred can read (expected "v1.<iv>.<tag>.<data>").');
  }
  const [, ivText, tagText, dataText] = parts;
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretDecryptionError('The stored secret is damaged (bad IV or tag length).');
  const decipher = createDecipheriv('aes-256-gcm', purposeKey(key, purpose), iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(VERSION));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(dataText, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError(
      `The stored secret (${purpose}) cannot be decrypted: ENCRYPTION_KEY is not the key it was encrypted with, or the stored value was altered. Restore the original ENCRYPTION_KEY.`,
    );
  }
}
