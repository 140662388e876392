// The cohort view's figures, pure: where each learner stands on a pathway (by rule, credits,
// completed, flagged), the distribution of credits, and the CSV a coordinator downloads.
import type { Progress, RuleProgress } from './pathwayRules';

export interface CohortLearner {
  person: { id: number; name: string | null; email: string | null };
  progress: Progress;
  following: boolean;
  award?: { issuedAt: Date; flaggedAt: Date | null; revokedAt: Date | null; decision: string | null };
}

/** One word for where a learner stands. */
export function cohortState(l: CohortLearner): 'completed' | 'flagged' | 'revoked' | 'in progress' {
  if (l.award?.revokedAt) return 'revoked';
  if (l.award?.flaggedAt) return 'flagged';
  if (l.award) return 'completed';
  return 'in progress';
}

export function ruleWords(p: RuleProgress): string {
  switch (p.rule) {
    case 'required':
      return `required ${p.have}/${p.need}`;
    case 'group':
      return `${p.title} ${p.have}/${p.need}`;
    case 'credits':
      return `credits ${p.have}/${p.need}`;
    case 'order':
      return p.met ? 'in order' : `out of order: ${p.outOfOrder.join(', ')}`;
  }
}

/** Learners per band of 5 credits: "0–4.9", "5–9.9", … up to the highest present. */
export function creditsDistribution(credits: number[]): { band: string; count: number }[] {
  if (credits.length === 0) return [];
  const top = Math.floor(Math.max(...credits) / 5);
  return Array.from({ length: top + 1 }, (_, i) => ({
    band: `${i * 5}–${i * 5 + 4.9}`,
    count: credits.filter((c) => Math.floor(c / 5) === i).length,
  }));
}

const cell = (v: string) => (/[",\n\r]/.test(v) || /^[=+\-@]/.test(v) ? `"${(/^[=+\-@]/.test(v) ? `'${v}` : v).replace(/"/g, '""')}"` : v);

export function cohortCsv(cohort: { learners: CohortLearner[] }): string {
  const rows = [['learner', 'email', 'following', 'state', 'credits', 'rules met', 'rules', 'completed on']];
  for (const l of cohort.learners)
    rows.push([
      l.person.name ?? '',
      l.person.email ?? '',
      l.following ? 'yes' : 'no',
      cohortState(l),
      String(l.progress.credits),
      `${l.progress.rules.filter((r) => r.met).length}/${l.progress.rules.length}`,
      l.progress.rules.map(ruleWords).join('; '),
      l.award ? l.award.issuedAt.toISOString().slice(0, 10) : '',
    ]);
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
