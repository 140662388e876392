// QA figures against values computed by hand.
import { agreement, median, netPromoterScore, PRIVACY_FLOOR, rate, summariseScale } from '../../src/qa/metrics';

describe('agreement', () => {
  it('computes exact agreement, within one level and Cohen’s kappa as by hand', () => {
    // 10 pairs on a 3-level scale. Observed agreement 7/10 = 0.7.
    // First assessor: level 0 ×3, 1 ×4, 2 ×3; second: 0 ×2, 1 ×5, 2 ×3.
    // Expected = 0.3·0.2 + 0.4·0.5 + 0.3·0.3 = 0.06 + 0.20 + 0.09 = 0.35.
    // Kappa = (0.7 − 0.35) / (1 − 0.35) = 0.35 / 0.65 = 0.538461…
    const pairs = [
      [0, 0],
      [0, 0],
      [0, 1],
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 2],
      [2, 2],
      [2, 2],
      [2, 1],
    ].map(([first, second]) => ({ first, second }));
    const a = agreement(pairs);
    expect(a.pairs).toBe(10);
    expect(a.exact).toBeCloseTo(0.7, 10);
    expect(a.withinOne).toBe(1);
    expect(a.kappa).toBeCloseTo(0.35 / 0.65, 10);
  });

  it('gives no kappa for fewer than 10 pairs, or when every rating is the same level', () => {
    expect(agreement([{ first: 1, second: 1 }]).kappa).toBeUndefined();
    expect(agreement(Array.from({ length: 12 }, () => ({ first: 2, second: 2 }))).kappa).toBeUndefined();
    expect(agreement([])).toEqual({ pairs: 0, exact: 0, withinOne: 0 });
    // Two levels apart counts as neither exact nor within one.
    expect(agreement([{ first: 0, second: 2 }])).toMatchObject({ exact: 0, withinOne: 0 });
  });

  it('is 1 for perfect agreement and negative for systematic disagreement', () => {
    const perfect = Array.from({ length: 10 }, (_, i) => ({ first: i % 3, second: i % 3 }));
    expect(agreement(perfect).kappa).toBe(1);
    const opposite = Array.from({ length: 10 }, (_, i) => ({ first: i % 2, second: 1 - (i % 2) }));
    // Observed 0, expected 0.5 → kappa −1.
    expect(agreement(opposite).kappa).toBe(-1);
  });
});

describe('rates, medians and survey aggregates', () => {
  it('computes the median and rates', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
    expect(rate(2, 3)).toBe(66.7);
    expect(rate(1, 0)).toBeUndefined();
  });

  it('never shows an aggregate of fewer than five answers', () => {
    expect(PRIVACY_FLOOR).toBe(5);
    expect(summariseScale([5, 4, 4, 3], 1, 5)).toEqual({ responses: 4 });
    expect(summariseScale([5, 4, 4, 3, 1], 1, 5)).toEqual({ responses: 5, mean: 3.4, distribution: { 1: 1, 2: 0, 3: 1, 4: 2, 5: 1 } });
    // Out-of-scale answers do not count towards the floor.
    expect(summariseScale([5, 4, 4, 3, 9], 1, 5)).toEqual({ responses: 4 });
    expect(netPromoterScore([10, 9, 8])).toBeUndefined();
    // 3 promoters, 1 passive, 2 detractors of 6 → (3 − 2) / 6 = 16.7% → 17.
    expect(netPromoterScore([10, 9, 9, 7, 6, 0])).toBe(17);
  });
});
