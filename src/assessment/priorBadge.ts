// An existing Open Badges 3.0 credential handed in as prior-learning evidence: verified
// when it is added (signature, status, validity dates), and the report kept with it.
import { verifyOpenBadgeCredential, type VerificationReport } from '../badges/verify';

export interface PriorBadgeReport {
  verified: boolean;
  revoked: boolean;
  /** Plain-language reasons it was not accepted; empty when verified. */
  problems: string[];
  summary: VerificationReport['summary'];
  checks: VerificationReport['checks'];
  checkedAt: string;
}

const MAX_STATUS_LIST_BYTES = 2 * 1024 * 1024;

/**
 * Fetches a status list credential named by a credential from elsewhere. The URL comes
 * from the learner's input, so: https only in production, no redirects, a short timeout
 * and a size cap.
 */
export async function fetchStatusList(url: string, production: boolean): Promise<unknown | undefined> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && (production || u.protocol !== 'http:')) return undefined;
  try {
    const res = await fetch(u, { redirect: 'error', signal: AbortSignal.timeout(5000), headers: { accept: 'application/vc+ld+json, application/json, application/vc+jwt;q=0.9' } });
    if (!res.ok) return undefined;
    const text = await res.text();
    if (text.length > MAX_STATUS_LIST_BYTES) return undefined;
    const trimmed = text.trim();
    return trimmed.startsWith('{') ? JSON.parse(trimmed) : trimmed;
  } catch {
    return undefined;
  }
}

export async function verifyPriorBadge(input: string, opts: { production: boolean; now?: Date }): Promise<PriorBadgeReport> {
  const report = await verifyOpenBadgeCredential(input, { now: opts.now, fetchStatusList: (url) => fetchStatusList(url, opts.production) });
  return {
    verified: report.verified,
    revoked: report.revoked,
    problems: report.checks.filter((c) => c.status === 'failed').map((c) => c.message),
    summary: report.summary,
    checks: report.checks,
    checkedAt: new Date().toISOString(),
  };
}
