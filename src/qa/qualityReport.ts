// What the QA dashboard shows and exports, from the store's figures: the charts and the CSV
// rows. Shared by the instructor's pages (in a launch) and the admin console, so both show
// the same figures defined the same way.
import { formatCsv } from '../credentials/csv';
import type { Translate } from '../i18n';
import { barChart } from './charts';
import { formatDuration } from './figures';
import type { ScaleSummary } from './metrics';
import type { CredentialQuality } from './store';

const pct = (v: number | undefined) => (v === undefined ? '—' : `${v}%`);
const share = (v: number) => `${Math.round(v * 1000) / 10}%`;

/** The SVG charts of one credential's dashboard (already escaped: render with <%- %>), in the page's language. */
export function qualityCharts(q: CredentialQuality, t: Translate): Record<string, string> {
  const f = q.figures;
  const id = `c${q.credentialId}`;
  const charts: Record<string, string> = {
    funnel: barChart({
      id: `${id}-funnel`,
      title: t('qa.figures.charts.funnelTitle'),
      max: Math.max(f.enrolled, f.started),
      bars: [
        { label: t('qa.enrolled'), value: f.enrolled },
        { label: t('qa.figures.started'), value: f.started },
        { label: t('qa.figures.submitted'), value: f.submitted },
        { label: t('qa.awarded'), value: f.awarded },
      ],
    }),
  };
  const attempts = Object.keys(f.attemptsToAward)
    .map(Number)
    .sort((a, b) => a - b);
  if (attempts.length) {
    charts.attempts = barChart({
      id: `${id}-attempts`,
      title: t('qa.figures.charts.attemptsTitle'),
      bars: attempts.map((n) => ({ label: t('qa.figures.charts.attempts', { count: n }), value: f.attemptsToAward[n] })),
    });
  }
  if (f.agreement.some((a) => a.pairs > 0)) {
    charts.agreement = barChart({
      id: `${id}-agreement`,
      title: t('qa.figures.charts.agreementTitle'),
      max: 1,
      bars: f.agreement.filter((a) => a.pairs > 0).map((a) => ({ label: a.title, value: a.exact, text: share(a.exact) })),
    });
  }
  const scale = (key: string, title: string, s: ScaleSummary) => {
    if (!s.distribution) return;
    charts[key] = barChart({
      id: `${id}-${key}`,
      title,
      bars: Object.entries(s.distribution).map(([v, n]) => ({ label: v, value: n })),
    });
  };
  scale('satisfaction', t('qa.figures.charts.satisfactionTitle'), q.survey.satisfaction);
  scale('relevance', t('qa.figures.charts.relevanceTitle'), q.survey.relevance);
  scale('applied', t('qa.figures.charts.appliedTitle'), q.survey.applied);
  return charts;
}

export const FIGURE_COLUMNS = [
  'course',
  'credential_id',
  'credential',
  'version',
  'enrolled',
  'started',
  'submitted',
  'awarded',
  'returned_attempts',
  'rejected_attempts',
  'revoked',
  'completion_rate_pct',
  'pass_rate_pct',
  'median_hours_first_submission_to_award',
  'resubmissions',
  'learners_who_resubmitted',
  'second_marked',
  'survey_responses',
  'satisfaction_mean',
  'relevance_mean',
  'net_promoter_score',
  'follow_up_responses',
  'applied_mean',
  'last_reviewed',
  'review_due',
] as const;

const day = (d: Date | undefined) => d?.toISOString().slice(0, 10);

/** One row per credential. Survey figures below the privacy floor are left empty. */
export function figuresCsv(rows: readonly CredentialQuality[]): string {
  return formatCsv([
    [...FIGURE_COLUMNS],
    ...rows.map((q) => {
      const f = q.figures;
      return [
        q.courseTitle,
        q.credentialId,
        q.title,
        q.versionNo,
        f.enrolled,
        f.started,
        f.submitted,
        f.awarded,
        f.returned,
        f.rejected,
        f.revoked,
        f.completionRate,
        f.passRate,
        f.medianTimeToAwardMs === undefined ? undefined : Math.round((f.medianTimeToAwardMs / 3600000) * 10) / 10,
        f.resubmissions,
        f.learnersWhoResubmitted,
        f.secondMarked,
        q.survey.awardResponses,
        q.survey.satisfaction.mean,
        q.survey.relevance.mean,
        q.survey.netPromoter,
        q.survey.followUpResponses,
        q.survey.applied.mean,
        day(q.review.lastReviewedAt),
        day(q.review.dueAt),
      ];
    }),
  ]);
}

/** One row per credential and rubric criterion: the second-marking agreement. */
export function agreementCsv(rows: readonly CredentialQuality[]): string {
  return formatCsv([
    ['course', 'credential_id', 'credential', 'criterion_id', 'criterion', 'pairs', 'exact_agreement', 'within_one_level', 'cohens_kappa'],
    ...rows.flatMap((q) =>
      q.figures.agreement.map((a) => [
        q.courseTitle,
        q.credentialId,
        q.title,
        a.criterionId,
        a.title,
        a.pairs,
        a.pairs ? Math.round(a.exact * 1000) / 1000 : undefined,
        a.pairs ? Math.round(a.withinOne * 1000) / 1000 : undefined,
        a.kappa === undefined ? undefined : Math.round(a.kappa * 1000) / 1000,
      ]),
    ),
  ]);
}

/** Helpers the views use to print figures the same way everywhere. */
export const qualityFormat = { pct, share, duration: formatDuration, day: (d: Date | undefined) => day(d) ?? '—' };
