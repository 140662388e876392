// Whether an issued credential is valid, revoked or expired: one rule for the share page, the
// learner's badge page and the admin console.
import type { IssuedCredentialRow } from './issuance';

/** How a credential's state reads for people. */
export function credentialState(row: Pick<IssuedCredentialRow, 'revokedAt' | 'validUntil'>, now = new Date()): 'revoked' | 'expired' | 'valid' {
  if (row.revokedAt) return 'revoked';
  if (row.validUntil && row.validUntil < now) return 'expired';
  return 'valid';
}
