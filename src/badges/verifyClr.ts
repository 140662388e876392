// Verifying a Comprehensive Learner Record 2.0 (a ClrCredential): the bundle's own proof,
// issuer and dates, then every credential inside it as the Open Badge it is. The record is
// verified only when the bundle and each credential are.
import { type VerificationReport, type VerifyOptions, verifyOpenBadgeCredential } from './verify';

export interface ClrVerificationReport {
  verified: boolean;
  /** The record itself (its checks as for a badge: format, structure, signature, issuer, dates). */
  bundle: VerificationReport;
  /** Each credential inside, in the record's order. */
  credentials: VerificationReport[];
}

/** The embedded credentials one record may hold: each is a full verification. */
export const MAX_CLR_CREDENTIALS = 50;

/** True when the input (JSON text, a JWT or an object) declares itself a ClrCredential. */
export function looksLikeClr(input: unknown): boolean {
  let value: unknown = input;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    const text = value.trim();
    try {
      if (text.startsWith('{')) value = JSON.parse(text);
      else if (/^[\w-]+\.[\w-]+\.[\w-]*$/.test(text)) value = JSON.parse(Buffer.from(text.split('.')[1], 'base64url').toString('utf8'));
      else return false;
    } catch {
      return false;
    }
  }
  const vc = value && typeof value === 'object' && 'vc' in value ? (value as { vc: unknown }).vc : value;
  const type = vc && typeof vc === 'object' ? (vc as { type?: unknown }).type : undefined;
  return Array.isArray(type) ? type.includes('ClrCredential') : type === 'ClrCredential';
}

/**
 * `verify` is where each credential is checked: verifyOpenBadgeCredential in this thread, or the
 * crypto pool's (src/badges/cryptoPool.ts), which then checks the credentials inside at once.
 */
export async function verifyClrCredential(
  input: string | Buffer | object,
  options: VerifyOptions = {},
  verify: typeof verifyOpenBadgeCredential = verifyOpenBadgeCredential,
): Promise<ClrVerificationReport> {
  const bundle = await verify(input, { ...options, kind: 'clr' });
  const subject = bundle.credential?.credentialSubject as { verifiableCredential?: unknown } | undefined;
  const inside = Array.isArray(subject?.verifiableCredential)
    ? subject.verifiableCredential
    : subject?.verifiableCredential
      ? [subject.verifiableCredential]
      : [];
  const credentials: VerificationReport[] = await Promise.all(inside.slice(0, MAX_CLR_CREDENTIALS).map((vc) => verify(vc as object, options)));
  return {
    verified: bundle.verified && credentials.length > 0 && inside.length <= MAX_CLR_CREDENTIALS && credentials.every((c) => c.verified),
    bundle,
    credentials,
  };
}
