/**
 * The four pairs of issue 10: each a measurement of ours against a baseline taken in the same
 * run, round by round, summarised as the median of the per-round ratios and their spread, and
 * set against the target. A pair's bench script reports its result to `npm run bench`
 * (over the IPC channel run.ts opens), which prints them together at the end.
 */
import { formatTimes, median } from './measure';

/** The target for a ratio: at least (throughput) or at most (time) some value. */
export interface RatioTarget {
  bound: 'atLeast' | 'atMost';
  value: number;
}

export interface RatioSummary {
  median: number;
  min: number;
  max: number;
  rounds: number;
}

/** What a pair's script reports: the ratio, its target, and the medians it came from. */
export interface PairResult {
  /** The --only name of the benchmark. */
  name: string;
  what: string;
  ours: string;
  baseline: string;
  ratio: RatioSummary;
  target: RatioTarget;
}

/**
 * Round k of ours against round k of the baseline: cases take turns within a round, so the two
 * of a round saw the same state of the machine.
 */
export function pairedRatios(ours: readonly number[], baseline: readonly number[]): number[] {
  if (ours.length !== baseline.length) throw new RangeError(`paired ratios need as many rounds on both sides (${ours.length} vs ${baseline.length})`);
  if (ours.length === 0) throw new RangeError('paired ratios of no rounds');
  return ours.map((value, round) => {
    const base = baseline[round] as number;
    if (!(base > 0)) throw new RangeError(`baseline of round ${round + 1} is ${base}, not a positive measurement`);
    return value / base;
  });
}

export function summarizeRatios(ratios: readonly number[]): RatioSummary {
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), rounds: ratios.length };
}

/** e.g. "0.45x (0.41x-0.48x, 5 rounds)". */
export function formatRatioSummary(summary: RatioSummary): string {
  return `${formatTimes(summary.median)} (${formatTimes(summary.min)}-${formatTimes(summary.max)}, ${summary.rounds} ${summary.rounds === 1 ? 'round' : 'rounds'})`;
}

export function formatTarget(target: RatioTarget): string {
  return `${target.bound === 'atLeast' ? '>=' : '<='} ${formatTimes(target.value)}`;
}

export function meetsTarget(ratio: number, target: RatioTarget): boolean {
  return target.bound === 'atLeast' ? ratio >= target.value : ratio <= target.value;
}

/** Whether the median met the target, and whether the whole spread did. */
export function verdict(summary: RatioSummary, target: RatioTarget): string {
  const worst = target.bound === 'atLeast' ? summary.min : summary.max;
  const best = target.bound === 'atLeast' ? summary.max : summary.min;
  if (meetsTarget(worst, target)) return 'met (every round)';
  if (meetsTarget(summary.median, target)) return 'met (median; not every round)';
  if (meetsTarget(best, target)) return 'not met (some rounds did)';
  return 'not met';
}

/** Hands a pair's result to `npm run bench` when it started this script; a script run alone has no channel. */
export function reportPair(result: PairResult): void {
  process.send?.({ pairResult: result });
}

function isRatioSummary(value: unknown): value is RatioSummary {
  if (typeof value !== 'object' || value === null) return false;
  const { median: mid, min, max, rounds } = value as Record<string, unknown>;
  return typeof mid === 'number' && typeof min === 'number' && typeof max === 'number' && typeof rounds === 'number';
}

function isRatioTarget(value: unknown): value is RatioTarget {
  if (typeof value !== 'object' || value === null) return false;
  const { bound, value: limit } = value as Record<string, unknown>;
  return (bound === 'atLeast' || bound === 'atMost') && typeof limit === 'number';
}

/** The PairResult in a message from a bench script, or undefined when the message is something else. */
export function pairResultIn(message: unknown): PairResult | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const result = (message as { pairResult?: unknown }).pairResult;
  if (typeof result !== 'object' || result === null) return undefined;
  const fields = result as Record<string, unknown>;
  const texts = ['name', 'what', 'ours', 'baseline'].every((key) => typeof fields[key] === 'string');
  if (!texts || !isRatioSummary(fields['ratio']) || !isRatioTarget(fields['target'])) return undefined;
  return result as PairResult;
}
