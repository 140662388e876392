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

/** `fetchStatusList` is the app's status list source (src/badges/statusListSource.ts): URLs come from the learner. */
export async function verifyPriorBadge(input: string, opts: { fetchStatusList: (url: string) => Promise<unknown>; now?: Date }): Promise<PriorBadgeReport> {
  const report = await verifyOpenBadgeCredential(input, { now: opts.now, fetchStatusList: opts.fetchStatusList });
  return {
    verified: report.verified,
    revoked: report.revoked,
    problems: report.checks.filter((c) => c.status === 'failed').map((c) => c.message),
    summary: report.summary,
    checks: report.checks,
    checkedAt: new Date().toISOString(),
  };
}
