// Quality-assurance figures for a credential (issue 7), pure: assessor agreement with
// Cohen's kappa, rates, the median time to award, and survey aggregates that are never
// shown for fewer than five answers. The pages that show them are not built yet.

/** Aggregates of answers from fewer people than this are never shown. */
export const PRIVACY_FLOOR = 5;

export interface RatingPair {
  /** Level index (0 = lowest) given by the first and by the second assessor. */
  first: number;
  second: number;
}

export interface Agreement {
  pairs: number;
  /** Share of pairs with the same level. */
  exact: number;
  /** Share of pairs at most one level apart. */
  withinOne: number;
  /** Cohen's kappa; undefined with too few pairs or when chance agreement is total. */
  kappa?: number;
}

/** Fewer pairs than this give a kappa too unstable to show. */
export const MIN_KAPPA_PAIRS = 10;

/**
 * Agreement between two assessors over one criterion's levels. Kappa is unweighted:
 * (observed − expected) / (1 − expected), expected from each assessor's own marginals.
 */
export function agreement(pairs: readonly RatingPair[]): Agreement {
  const n = pairs.length;
  if (n === 0) return { pairs: 0, exact: 0, withinOne: 0 };
  const exact = pairs.filter((p) => p.first === p.second).length / n;
  const withinOne = pairs.filter((p) => Math.abs(p.first - p.second) <= 1).length / n;
  if (n < MIN_KAPPA_PAIRS) return { pairs: n, exact, withinOne };
  const levels = new Set(pairs.flatMap((p) => [p.first, p.second]));
  let expected = 0;
  for (const level of levels) {
    const a = pairs.filter((p) => p.first === level).length / n;
    const b = pairs.filter((p) => p.second === level).length / n;
    expected += a * b;
  }
  if (expected >= 1) return { pairs: n, exact, withinOne };
  return { pairs: n, exact, withinOne, kappa: (exact - expected) / (1 - expected) };
}

/** The median of durations (ms), or undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A share as a percentage with one decimal, or undefined when there is no denominator. */
export function rate(part: number, whole: number): number | undefined {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : undefined;
}

export interface ScaleSummary {
  responses: number;
  /** Undefined below the privacy floor. */
  mean?: number;
  /** Count per value of the scale, undefined below the privacy floor. */
  distribution?: Record<number, number>;
}

/** Survey answers on a scale (1–5, 0–10): shown only from PRIVACY_FLOOR answers up. */
export function summariseScale(answers: readonly number[], min: number, max: number): ScaleSummary {
  const valid = answers.filter((a) => Number.isInteger(a) && a >= min && a <= max);
  if (valid.length < PRIVACY_FLOOR) return { responses: valid.length };
  const distribution: Record<number, number> = {};
  for (let v = min; v <= max; v++) distribution[v] = valid.filter((a) => a === v).length;
  return { responses: valid.length, mean: Math.round((valid.reduce((s, a) => s + a, 0) / valid.length) * 100) / 100, distribution };
}

/** Net Promoter Score from 0–10 answers: % promoters (9–10) − % detractors (0–6); floor applies. */
export function netPromoterScore(answers: readonly number[]): number | undefined {
  const valid = answers.filter((a) => Number.isInteger(a) && a >= 0 && a <= 10);
  if (valid.length < PRIVACY_FLOOR) return undefined;
  const promoters = valid.filter((a) => a >= 9).length;
  const detractors = valid.filter((a) => a <= 6).length;
  return Math.round(((promoters - detractors) / valid.length) * 100);
}
