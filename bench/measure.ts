/**
 * Timing and reporting for the benchmarks: medians over repeated runs after warm-up, and tables
 * whose ratios are taken against a baseline measured in the same run (never a fixed number).
 */

export interface RunPlan {
  /** Runs whose times are thrown away (JIT warm-up, caches, socket buffers). */
  warmup: number;
  /** Runs whose median is reported. */
  runs: number;
}

export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface BenchCase<T> {
  run: () => Promise<T> | T;
  /** Sees every result, so a case that silently returns the wrong thing (an empty page, an error) fails loudly. */
  check: (result: T) => void;
}

/**
 * Collects garbage when the process was started with --expose-gc (npm run bench does that), so
 * that a set of cases does not pay for the garbage of whatever ran before it. Only before the
 * warm-up: a full collection before every run made millisecond-sized runs about twice as slow
 * (measured), which is not how a server runs.
 */
function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Times each case plan.runs times after plan.warmup untimed rounds. Cases take turns within
 * each round, so a slow spell of the machine (other processes) falls on all of them alike
 * instead of on whichever case happened to run then; the ratios stay fair. Returns each case's
 * times in round order, so that round k of one case can be set against round k of another.
 */
export async function sampleCases(plan: RunPlan, cases: readonly BenchCase<unknown>[]): Promise<number[][]> {
  const times: number[][] = cases.map(() => []);
  settle();
  for (let round = 0; round < plan.warmup + plan.runs; round++) {
    for (const [index, benchCase] of cases.entries()) {
      const start = performance.now();
      const result = await benchCase.run();
      const elapsed = performance.now() - start;
      benchCase.check(result);
      if (round >= plan.warmup) times[index]?.push(elapsed);
    }
  }
  return times;
}

/** Median, fastest and slowest of some runs' times. */
export function timingOf(times: readonly number[]): Timing {
  return { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), runs: times.length };
}

/** As sampleCases, summarised per case. */
export async function timeCases(plan: RunPlan, cases: readonly BenchCase<unknown>[]): Promise<Timing[]> {
  return (await sampleCases(plan, cases)).map(timingOf);
}

/** A case whose result type is checked where it is written. */
export function benchCase<T>(run: () => Promise<T> | T, check: (result: T) => void): BenchCase<unknown> {
  return { run, check: (result) => check(result as T) };
}

/** A failed check: what the benchmark expected and what it got. */
export class BenchCheckError extends Error {
  override readonly name = 'BenchCheckError';
  readonly code = 'BENCH_CHECK';
}

export function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new BenchCheckError(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** The fastest and slowest run, e.g. "1.20-1.45 ms". */
export function spread(timing: Timing): string {
  return `${formatMs(timing.minMs)}-${formatMs(timing.maxMs)}`;
}

/** "0.12x" style: how many times the baseline's value this row's value is. */
export function formatRatio(value: number, baseline: number): string {
  return formatTimes(value / baseline);
}

/** A ratio as "0.12x", "1.50x", "15x". */
export function formatTimes(ratio: number): string {
  if (ratio >= 10) return `${ratio.toFixed(0)}x`;
  if (ratio >= 0.1) return `${ratio.toFixed(2)}x`;
  return `${ratio.toFixed(3)}x`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes.toFixed(0)} B`;
}

export type Cell = string | number;

/** Prints a Markdown table (readable in a terminal, pasteable into RESULTS.md). */
export function table(title: string, header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  const numeric = header.map((_h, col) => rows.every((row) => /^[\d.,\-+]/.test(String(row[col] ?? '')) || row[col] === ''));
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => String(row[col] ?? '').length)));
  const line = (cells: readonly Cell[]): string =>
    `| ${cells.map((cell, col) => (numeric[col] ? String(cell).padStart(widths[col] as number) : String(cell).padEnd(widths[col] as number))).join(' | ')} |`;
  const rule = `|${widths.map((w, col) => (numeric[col] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  process.stdout.write([`### ${title}`, '', line(header), rule, ...rows.map(line), '', ''].join('\n'));
}

/** Prints a note under a table. */
export function note(text: string): void {
  process.stdout.write(`${text}\n\n`);
}
