// What makes a copy of a credential the holder's own: its subject names the holder's DID.
// Pure, so the binding rules are unit-tested without a database or keys.
import { BadRequestError } from '../errors';

/** DID Core §3.1 syntax: did:<method>:<method-specific-id>, kept to a sane length. */
const DID_SYNTAX = /^did:[a-z0-9]+:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2}|:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})$/;

export function isDid(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 2048 && DID_SYNTAX.test(value);
}

/** The DID method ("key" for did:key:z6Mk…). */
export function didMethod(did: string): string {
  return did.split(':')[1] ?? '';
}

export function assertHolderDid(value: unknown): string {
  if (!isDid(value)) throw new BadRequestError('The holder is not a valid DID (did:<method>:<id>).', 'INVALID_HOLDER_DID');
  // A DID URL (with a fragment, path or query) names a key or a resource, not the holder.
  return value;
}

/**
 * A copy of an issued credential for one holder: a new credential id, credentialSubject.id set
 * to the holder's DID (first, so it reads first), the issuer's proof removed (the copy is
 * signed afresh). Everything else, including credentialStatus, is the award's own: the copy
 * is revoked exactly when the award is.
 */
export function bindToHolder(issued: Record<string, unknown>, copy: { uuid: string; holderDid: string }): Record<string, unknown> {
  const holderDid = assertHolderDid(copy.holderDid);
  const { proof: _proof, ...rest } = structuredClone(issued);
  const subject = rest.credentialSubject;
  if (!subject || typeof subject !== 'object' || Array.isArray(subject)) throw new Error('The issued credential has no single credentialSubject.');
  const { id: _formerId, ...claims } = subject as Record<string, unknown>;
  return { ...rest, id: `urn:uuid:${copy.uuid}`, credentialSubject: { id: holderDid, ...claims } };
}
