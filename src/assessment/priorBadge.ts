// An existing Open Badges 3.0 credential handed in as prior-learning evidence: verified
// when it is added (signature, status, validity dates), and the report kept with it.
import type { VerificationReport } from '../badges/verify';

export interface PriorBadgeReport {
  verified: boolean;
  revoked: boolean;
  /** Plain-language reasons it was not accepted; empty when verified. */
  problems: string[];
  summary: VerificationReport['summary'];
  checks: VerificationReport['checks'];
  checkedAt: string;
}

/** `verify` is the app's verifier (src/badges/verifier.ts): the badge and the URLs in it come from the learner. */
export async function verifyPriorBadge(input: string, verify: (input: string) => Promise<VerificationReport>): Promise<PriorBadgeReport> {
  const report = await verify(input);
  return {
    verified: report.verified,
    revoked: report.revoked,
    problems: report.checks.filter((c) => c.status === 'failed').map((c) => c.message),
    summary: report.summary,
    checks: report.checks,
    checkedAt: new Date().toISOString(),
  };
}
