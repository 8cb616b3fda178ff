import { benchCase, BenchCheckError, expectEqual, formatMs, formatRatio, formatTimes, median, sampleCases, timeCases, timingOf, type Timing } from '../../bench/measure';
import { suggestedThreshold, type CrossoverPoint } from '../../bench/wire-listing';

describe('median', () => {
  it.each([
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1, 10], 10],
  ])('of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow('median of no values');
  });
});

describe('timeCases', () => {
  it('runs the cases in turns, warm-up rounds first, and times only the measured rounds', async () => {
    const calls: string[] = [];
    const timings = await timeCases({ warmup: 1, runs: 2 }, [
      benchCase(() => calls.push('a'), () => undefined),
      benchCase(async () => calls.push('b'), () => undefined),
    ]);
    expect(calls).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(timings.map((t) => t.runs)).toEqual([2, 2]);
  });

  it('fails when a check rejects a result, warm-up included', async () => {
    const run = timeCases({ warmup: 1, runs: 3 }, [benchCase(() => 0, (count) => expectEqual('jobs', count, 20008))]);
    await expect(run).rejects.toThrow(new BenchCheckError('jobs: expected 20008, got 0'));
  });
});

describe('sampleCases', () => {
  it('keeps each case\'s measured rounds in order, so that round k of two cases can be paired', async () => {
    let clock = 0;
    const spy = jest.spyOn(performance, 'now').mockImplementation(() => clock);
    try {
      const cost = { a: [1, 2, 3], b: [10, 20, 30] };
      let round = 0;
      const samples = await sampleCases({ warmup: 1, runs: 2 }, [
        benchCase(() => (clock += cost.a[round] as number), () => undefined),
        benchCase(() => (clock += cost.b[round++] as number), () => undefined),
      ]);
      expect(samples).toEqual([
        [2, 3],
        [20, 30],
      ]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('timingOf', () => {
  it('is the median, fastest and slowest of the runs', () => {
    expect(timingOf([5, 1, 9, 3])).toEqual({ medianMs: 4, minMs: 1, maxMs: 9, runs: 4 });
  });
});

describe('formatting', () => {
  it.each([
    [0.2134, '0.21x'],
    [0.05, '0.050x'],
    [1.5, '1.50x'],
    [15.4, '15x'],
  ])('formatTimes(%d) is %s', (ratio, text) => {
    expect(formatTimes(ratio)).toBe(text);
  });

  it.each([
    [0.271, '0.27 ms'],
    [27.06, '27.1 ms'],
    [882.4, '882 ms'],
    [8870, '8.87 s'],
  ])('formatMs(%d) is %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });

  it.each([
    [882, 882, '1.00x'],
    [600, 882, '0.68x'],
    [18, 1.8, '10x'],
    [4, 100, '0.040x'],
    [1500, 100, '15x'],
  ])('formatRatio(%d, %d) is %s', (value, baseline, text) => {
    expect(formatRatio(value, baseline)).toBe(text);
  });
});

describe('suggestedThreshold', () => {
  const timing = (medianMs: number): Timing => ({ medianMs, minMs: medianMs, maxMs: medianMs, runs: 1 });
  const point = (jobs: number, attrs: string, single: number, stream: number): CrossoverPoint => ({
    jobs,
    attrs,
    single: timing(single),
    stream: timing(stream),
  });

  it('is the largest size where one reply is faster for every attribute set and small enough', () => {
    const points = [
      point(100, 'all', 1, 2),
      point(100, 'ids', 1, 2),
      point(1000, 'all', 10, 20),
      point(1000, 'ids', 1, 8),
      point(5000, 'all', 50, 90),
      point(5000, 'ids', 5, 40),
    ];
    // 5000 jobs of 500 bytes is over 1 MB: not allowed however fast.
    expect(suggestedThreshold(points, 500, 1_000_000)).toBe(1000);
    expect(suggestedThreshold(points, 100, 1_000_000)).toBe(5000);
  });

  it('stops at the first size where streaming won for some attribute set', () => {
    const points = [point(100, 'all', 1, 2), point(1000, 'all', 30, 20), point(1000, 'ids', 1, 8), point(5000, 'all', 1, 90)];
    expect(suggestedThreshold(points, 10, 1_000_000)).toBe(100);
  });

  it('compares the fastest runs, not the medians', () => {
    const noisy: CrossoverPoint = { jobs: 500, attrs: 'all', single: { medianMs: 12, minMs: 8, maxMs: 30, runs: 9 }, stream: timing(10) };
    expect(suggestedThreshold([noisy], 10, 1_000_000)).toBe(500);
  });

  it('is 0 when one reply never wins', () => {
    expect(suggestedThreshold([point(50, 'all', 3, 2)], 10, 1_000_000)).toBe(0);
  });
});
