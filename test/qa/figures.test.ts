// The dashboard's pure parts: figures from rows, the SVG charts, the CSV writer, the review form.
import { formatCsv } from '../../src/credentials/csv';
import { barChart } from '../../src/qa/charts';
import { credentialFigures, criterionAgreement, formatDuration } from '../../src/qa/figures';
import { reviewProblems } from '../../src/qa/qualityPages';

const at = (hours: number) => new Date(Date.UTC(2026, 0, 1) + hours * 3600000);
const scale = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i + 1}`, title: `L${i + 1}`, descriptor: '', points: i }));

describe('credentialFigures', () => {
  it('counts the funnel, rates, median time and resubmissions as by hand', () => {
    // Learner 1: awarded at the first attempt, 2 h after submitting. Learner 2: returned, then
    // awarded 10 h after the first submission. Learner 3: rejected. Learner 4: a draft only.
    const f = credentialFigures({
      enrolled: 5,
      attempts: [
        { learnerId: 1, attemptNo: 1, status: 'accepted', submittedAt: at(0) },
        { learnerId: 2, attemptNo: 1, status: 'returned', submittedAt: at(0) },
        { learnerId: 2, attemptNo: 2, status: 'accepted', submittedAt: at(8) },
        { learnerId: 3, attemptNo: 1, status: 'rejected', submittedAt: at(1) },
        { learnerId: 4, attemptNo: 1, status: 'draft', submittedAt: null },
      ],
      awards: [
        { learnerId: 1, awardedAt: at(2) },
        { learnerId: 2, awardedAt: at(10) },
      ],
      revoked: 1,
      pairs: [],
    });
    expect(f).toMatchObject({
      enrolled: 5,
      started: 4,
      submitted: 3,
      awarded: 2,
      returned: 1,
      rejected: 1,
      revoked: 1,
      resubmissions: 1,
      learnersWhoResubmitted: 1,
      secondMarked: 0,
    });
    expect(f.completionRate).toBe(40); // 2 of 5
    expect(f.passRate).toBe(66.7); // 2 of 3 who submitted
    expect(f.medianTimeToAwardMs).toBe(6 * 3600000); // median of 2 h and 10 h
    expect(f.attemptsToAward).toEqual({ 1: 1, 2: 1 });
  });

  it('gives no rates without a denominator', () => {
    const f = credentialFigures({ enrolled: 0, attempts: [], awards: [], revoked: 0, pairs: [] });
    expect(f.completionRate).toBeUndefined();
    expect(f.passRate).toBeUndefined();
    expect(f.medianTimeToAwardMs).toBeUndefined();
  });

  it('compares assessors by level position per criterion, skipping criteria one of them left empty', () => {
    const criteria = [
      { id: 'a', title: 'Planning', levels: scale('a', 4) },
      { id: 'b', title: 'Publishing', levels: scale('b', 3) },
    ];
    const out = criterionAgreement([
      { criteria, primary: { a: 'a-1', b: 'b-3' }, second: { a: 'a-2', b: 'b-1' } },
      { criteria, primary: { a: 'a-4', b: 'b-2' }, second: { a: 'a-4' } },
    ]);
    expect(out).toEqual([
      { criterionId: 'a', title: 'Planning', pairs: 2, exact: 0.5, withinOne: 1 },
      { criterionId: 'b', title: 'Publishing', pairs: 1, exact: 0, withinOne: 0 },
    ]);
  });

  it('says durations in words', () => {
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(12 * 60000)).toBe('12 minutes');
    expect(formatDuration(5 * 3600000)).toBe('5 hours');
    expect(formatDuration(76 * 3600000)).toBe('3 days 4 hours');
  });
});

describe('barChart', () => {
  it('is an accessible SVG image with every value in its description, and escapes labels', () => {
    const svg = barChart({
      id: 'x',
      title: 'Funnel <b>',
      bars: [
        { label: '<script>alert(1)</script>', value: 3 },
        { label: 'Awarded', value: 1, text: '33.3%' },
      ],
    });
    expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*aria-labelledby="x-t x-d"/);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('<title id="x-t">Funnel &lt;b&gt;</title>');
    expect(svg).toContain('Awarded: 33.3%');
    // The widest bar is the largest value; the other is a third of it.
    const widths = [...svg.matchAll(/fill="#2f6fab"/g)].length;
    expect(widths).toBe(2);
    const bars = [...svg.matchAll(/<rect x="190" y="\d+" width="(\d+)" height="20" fill="#2f6fab"/g)].map((m) => Number(m[1]));
    expect(bars[0]).toBe(300);
    expect(bars[1]).toBe(100);
  });
});

describe('formatCsv', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    const csv = formatCsv([
      ['a', 'b,c', 'say "hi"', 'line\nbreak'],
      ['=HYPERLINK("x")', '+1', '-2', '@sum', 1.5, undefined, null],
    ]);
    expect(csv).toBe('a,"b,c","say ""hi""","line\nbreak"\r\n"\'=HYPERLINK(""x"")",\'+1,\'-2,\'@sum,1.5,,\r\n');
  });
});

describe('reviewProblems', () => {
  it('asks for a real summary and the changes, and limits their length', () => {
    expect(reviewProblems({ summary: 'ok', changesMade: '' })).toEqual({
      summary: expect.stringContaining('10 characters'),
      changesMade: expect.stringContaining('No changes'),
    });
    expect(reviewProblems({ summary: 'x'.repeat(4001), changesMade: 'No changes' }).summary).toContain('4000');
    expect(reviewProblems({ summary: 'Completion is good; agreement on criterion 2 is low.', changesMade: 'No changes' })).toEqual({});
  });
});
