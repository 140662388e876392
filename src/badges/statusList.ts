/**
 * W3C Bitstring Status List v1.0 encoding: the list is a bitstring, GZIP-compressed, then
 * base64url (no padding) with the multibase prefix "u". Bit order: index 0 is the most
 * significant (left-most) bit of the first byte.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

/** The spec's minimum: 16 KB of bits, so that one credential's index hides among many. */
export const MIN_STATUS_LIST_LENGTH = 131_072;

/** Refuse lists that decompress beyond this (a small gzip can expand enormously). */
const MAX_DECODED_BYTES = 16 * 1024 * 1024;

/**
 * Encode a status list.
 * @param bits either the packed bitstring (Uint8Array, MSB first) or the set of indexes whose bit is 1
 * @param length number of bits in the list; raised to at least MIN_STATUS_LIST_LENGTH and to what `bits` needs
 */
export function encodeStatusList(bits: Uint8Array | Iterable<number>, length = MIN_STATUS_LIST_LENGTH): string {
  let packed: Uint8Array;
  if (bits instanceof Uint8Array) {
    const byteLength = Math.max(bits.length, Math.ceil(Math.max(length, MIN_STATUS_LIST_LENGTH) / 8));
    packed = new Uint8Array(byteLength);
    packed.set(bits);
  } else {
    const indexes = [...bits];
    for (const index of indexes) {
      if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`Status list index ${index} is not a non-negative integer.`);
    }
    const needed = indexes.length > 0 ? Math.max(...indexes) + 1 : 0;
    packed = createStatusBitstring(Math.max(length, needed));
    for (const index of indexes) setStatusBit(packed, index, true);
  }
  return `u${gzipSync(packed).toString('base64url')}`;
}

/** Decode `encodedList` into the packed bitstring. Throws on anything malformed. */
export function decodeStatusList(encodedList: string): Uint8Array {
  if (typeof encodedList !== 'string' || !encodedList.startsWith('u')) {
    throw new Error('The status list is not multibase base64url (it must start with "u").');
  }
  const body = encodedList.slice(1);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) throw new Error('The status list contains characters that are not base64url.');
  const compressed = Buffer.from(body, 'base64url');
  const bitstring = gunzipSync(compressed, { maxOutputLength: MAX_DECODED_BYTES });
  return new Uint8Array(bitstring);
}

/** An all-zero bitstring of at least MIN_STATUS_LIST_LENGTH bits. */
export function createStatusBitstring(length = MIN_STATUS_LIST_LENGTH): Uint8Array {
  return new Uint8Array(Math.ceil(Math.max(length, MIN_STATUS_LIST_LENGTH) / 8));
}

export function getStatusBit(bitstring: Uint8Array, index: number): boolean {
  checkIndex(bitstring, index);
  return (bitstring[index >> 3] & (0x80 >> (index & 7))) !== 0;
}

export function setStatusBit(bitstring: Uint8Array, index: number, value: boolean): void {
  checkIndex(bitstring, index);
  const mask = 0x80 >> (index & 7);
  if (value) bitstring[index >> 3] |= mask;
  else bitstring[index >> 3] &= ~mask;
}

/** The value of a `statusSize`-bit entry (statusSize 1 for revocation and suspension). */
export function readStatusValue(bitstring: Uint8Array, index: number, statusSize = 1): number {
  let value = 0;
  for (let i = 0; i < statusSize; i++) value = value * 2 + (getStatusBit(bitstring, index * statusSize + i) ? 1 : 0);
  return value;
}

function checkIndex(bitstring: Uint8Array, index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= bitstring.length * 8) {
    throw new RangeError(`Status list index ${index} is outside the list (${bitstring.length * 8} entries).`);
  }
}
