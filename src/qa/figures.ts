// The QA dashboard's figures for one credential, computed from plain rows (pure: the store
// fetches, this counts). Definitions are written next to each figure because the dashboard
// shows them: a rate nobody can interpret is not evidence of anything.
import type { RubricCriterion } from '../credentials/model';
import { type Agreement, agreement, median, type RatingPair, rate } from './metrics';

export interface AttemptRow {
  learnerId: number;
  attemptNo: number;
  /** draft | submitted | returned | accepted | rejected */
  status: string;
  submittedAt: Date | null;
}

export interface AwardFact {
  learnerId: number;
  awardedAt: Date;
}

/** One second-marked attempt: both assessors' levels, and the rubric they scored against. */
export interface MarkingPair {
  criteria: readonly Pick<RubricCriterion, 'id' | 'title' | 'levels'>[];
  primary: Record<string, string>;
  second: Record<string, string>;
}

export interface FiguresInput {
  /** Active learners in the course (from the roster and launches). */
  enrolled: number;
  attempts: readonly AttemptRow[];
  awards: readonly AwardFact[];
  /** Issued badges of this credential that are revoked now. */
  revoked: number;
  pairs: readonly MarkingPair[];
}

export interface CriterionAgreement extends Agreement {
  criterionId: string;
  title: string;
}

export interface CredentialFigures {
  enrolled: number;
  /** Learners with at least one attempt (a draft counts). */
  started: number;
  /** Learners who handed in at least once. */
  submitted: number;
  /** Learners awarded the credential. */
  awarded: number;
  /** Attempts returned for more work, and attempts rejected. */
  returned: number;
  rejected: number;
  revoked: number;
  /** Awarded ÷ enrolled, %. */
  completionRate?: number;
  /** Awarded ÷ learners who submitted, %. */
  passRate?: number;
  /** Median time from a learner's first submission to their award, ms. */
  medianTimeToAwardMs?: number;
  /** Attempts after the first that were handed in. */
  resubmissions: number;
  /** Learners who handed in more than once. */
  learnersWhoResubmitted: number;
  /** How many attempts each awarded learner needed: { 1: n, 2: n, … }. */
  attemptsToAward: Record<number, number>;
  /** Per rubric criterion (the newest title wins when versions differ). */
  agreement: CriterionAgreement[];
  secondMarked: number;
}

export function credentialFigures(input: FiguresInput): CredentialFigures {
  const { attempts, awards } = input;
  const started = new Set(attempts.map((a) => a.learnerId)).size;
  const handedIn = attempts.filter((a) => a.submittedAt !== null);
  const submittedLearners = new Set(handedIn.map((a) => a.learnerId));
  const awarded = awards.length;

  const firstSubmission = new Map<number, number>();
  for (const a of handedIn) {
    const t = a.submittedAt!.getTime();
    firstSubmission.set(a.learnerId, Math.min(t, firstSubmission.get(a.learnerId) ?? t));
  }
  const waits = awards.flatMap((w) => {
    const first = firstSubmission.get(w.learnerId);
    return first === undefined ? [] : [Math.max(0, w.awardedAt.getTime() - first)];
  });

  const resubmitted = handedIn.filter((a) => a.attemptNo > 1);
  const handedInBy = new Map<number, number>();
  for (const a of handedIn) handedInBy.set(a.learnerId, (handedInBy.get(a.learnerId) ?? 0) + 1);
  const attemptsToAward: Record<number, number> = {};
  for (const w of awards) {
    const n = handedInBy.get(w.learnerId) || 1;
    attemptsToAward[n] = (attemptsToAward[n] ?? 0) + 1;
  }

  return {
    enrolled: input.enrolled,
    started,
    submitted: submittedLearners.size,
    awarded,
    returned: attempts.filter((a) => a.status === 'returned').length,
    rejected: attempts.filter((a) => a.status === 'rejected').length,
    revoked: input.revoked,
    completionRate: rate(awarded, input.enrolled),
    passRate: rate(awarded, submittedLearners.size),
    medianTimeToAwardMs: median(waits),
    resubmissions: resubmitted.length,
    learnersWhoResubmitted: new Set(resubmitted.map((a) => a.learnerId)).size,
    attemptsToAward,
    agreement: criterionAgreement(input.pairs),
    secondMarked: input.pairs.length,
  };
}

/**
 * Agreement per criterion. Levels are compared by their position in the criterion's scale
 * (0 = lowest), so "within one level" means adjacent levels whatever their points.
 */
export function criterionAgreement(pairs: readonly MarkingPair[]): CriterionAgreement[] {
  const byCriterion = new Map<string, { title: string; ratings: RatingPair[] }>();
  for (const pair of pairs) {
    for (const criterion of pair.criteria) {
      const first = criterion.levels.findIndex((l) => l.id === pair.primary[criterion.id]);
      const second = criterion.levels.findIndex((l) => l.id === pair.second[criterion.id]);
      const entry = byCriterion.get(criterion.id) ?? { title: criterion.title, ratings: [] };
      entry.title = criterion.title;
      if (first >= 0 && second >= 0) entry.ratings.push({ first, second });
      byCriterion.set(criterion.id, entry);
    }
  }
  return [...byCriterion.entries()].map(([criterionId, { title, ratings }]) => ({ criterionId, title, ...agreement(ratings) }));
}

/** "3 days 4 hours", "5 hours", "12 minutes": how long, for people. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  const minutes = Math.round(ms / 60000);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(ms / 3600000);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  const days = Math.floor(ms / 86400000);
  const rest = Math.round((ms - days * 86400000) / 3600000);
  return `${days} days${rest ? ` ${rest} hour${rest === 1 ? '' : 's'}` : ''}`;
}
