import { formatRatioSummary, formatTarget, meetsTarget, pairedRatios, pairResultIn, summarizeRatios, verdict, type PairResult, type RatioTarget } from '../../bench/ratios';

describe('pairedRatios', () => {
  it('sets round k of ours against round k of the baseline', () => {
    expect(pairedRatios([30, 10, 45], [20, 10, 15])).toEqual([1.5, 1, 3]);
  });

  it.each([
    [[1, 2], [1], 'paired ratios need as many rounds on both sides (2 vs 1)'],
    [[], [], 'paired ratios of no rounds'],
    [[1, 2], [1, 0], 'baseline of round 2 is 0, not a positive measurement'],
  ])('refuses %j against %j', (ours, baseline, message) => {
    expect(() => pairedRatios(ours, baseline)).toThrow(message);
  });
});

describe('summarizeRatios and its text', () => {
  it('is the median and the spread of the rounds', () => {
    expect(summarizeRatios([1.5, 1, 3, 2])).toEqual({ median: 1.75, min: 1, max: 3, rounds: 4 });
  });

  it.each([
    [[0.45, 0.41, 0.48], '0.45x (0.41x-0.48x, 3 rounds)'],
    [[6.29, 4.744, 12.2], '6.29x (4.74x-12x, 3 rounds)'],
    [[0.05], '0.050x (0.050x-0.050x, 1 round)'],
  ])('%j reads %s', (ratios, text) => {
    expect(formatRatioSummary(summarizeRatios(ratios))).toBe(text);
  });
});

describe('targets', () => {
  const atLeastHalf: RatioTarget = { bound: 'atLeast', value: 0.5 };
  const atMost15: RatioTarget = { bound: 'atMost', value: 1.5 };

  it('are written as the issue writes them', () => {
    expect(formatTarget(atLeastHalf)).toBe('>= 0.50x');
    expect(formatTarget(atMost15)).toBe('<= 1.50x');
  });

  it.each([
    [atLeastHalf, 0.5, true],
    [atLeastHalf, 0.49, false],
    [atMost15, 1.5, true],
    [atMost15, 1.51, false],
  ])('%j met by %d: %s', (target, ratio, met) => {
    expect(meetsTarget(ratio, target)).toBe(met);
  });

  it.each([
    [[1.1, 1.2, 1.4], 'met (every round)'],
    [[1.1, 1.2, 1.7], 'met (median; not every round)'],
    [[1.4, 1.8, 2.0], 'not met (some rounds did)'],
    [[1.6, 1.8, 2.0], 'not met'],
  ])('a time ratio of %j: %s', (ratios, text) => {
    expect(verdict(summarizeRatios(ratios), atMost15)).toBe(text);
  });

  it('judges a throughput ratio by its slowest round', () => {
    expect(verdict(summarizeRatios([0.52, 0.55, 0.6]), atLeastHalf)).toBe('met (every round)');
    expect(verdict(summarizeRatios([0.21, 0.16, 0.55]), atLeastHalf)).toBe('not met (some rounds did)');
  });
});

describe('pairResultIn', () => {
  const result: PairResult = {
    name: 'page',
    what: 'one page',
    ours: '92 ms',
    baseline: '13 ms',
    ratio: { median: 6.3, min: 4.7, max: 9.5, rounds: 7 },
    target: { bound: 'atMost', value: 1.5 },
  };

  it('finds the result a bench script reported', () => {
    expect(pairResultIn({ pairResult: result })).toEqual(result);
  });

  it.each([
    ['another message', { ready: true }],
    ['no object', 'pairResult'],
    ['a null', null],
    ['a ratio without rounds', { pairResult: { ...result, ratio: { median: 1, min: 1, max: 1 } } }],
    ['an unknown bound', { pairResult: { ...result, target: { bound: 'about', value: 1 } } }],
    ['a missing name', { pairResult: { ...result, name: undefined } }],
  ])('ignores %s', (_what, message) => {
    expect(pairResultIn(message)).toBeUndefined();
  });
});
