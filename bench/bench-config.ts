/** What a benchmark run does: the full sizes, or a quick run of smaller ones (--quick). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunPlan } from './measure';

export interface BenchConfig {
  quick: boolean;
  /** Inactive jobs on the wire broker (Flux's figures: 20,000, plus 8 active). */
  wireInactiveJobs: number;
  /** Inactive jobs for the pagination benchmark (target 1,000,000). */
  paginationJobs: number;
  /** Store sizes whose heap use per job is measured. */
  memorySizes: number[];
  /** Plans for small requests (up to ~1000 jobs) and for whole listings. */
  smallPlan: RunPlan;
  largePlan: RunPlan;
  /** The request pairs of issue 10 (one page, lookups): more rounds, since each round's ratio is kept. */
  pairPlan: RunPlan;
  /** The load pair: seconds each case runs per round under autocannon, and the rounds (after one warm-up round). */
  loadSeconds: number;
  loadRounds: number;
  /** Where server children write CPU profiles (--profile-server DIR), if anywhere. */
  serverProfileDir?: string;
}

/** The configuration a bench script's command line asks for: --quick, --profile-server DIR. */
export function benchConfigFrom(argv: readonly string[]): BenchConfig {
  const config = benchConfig(argv.includes('--quick'));
  const at = argv.indexOf('--profile-server');
  if (at < 0) return config;
  const dir = argv[at + 1];
  if (dir === undefined || dir.startsWith('--')) throw new Error('--profile-server takes a directory for the CPU profiles');
  return { ...config, serverProfileDir: dir };
}

/**
 * Node flags for a server child: CPU profiles written on exit into DIR/NAME when --profile-server
 * was given. Node's own file names are kept: tsx's loader thread writes a profile of its own,
 * and one name for both would leave only the last thread's.
 */
export function serverNodeFlags(config: BenchConfig, name: string): string[] {
  if (config.serverProfileDir === undefined) return [];
  return ['--cpu-prof', '--cpu-prof-dir', join(config.serverProfileDir, name)];
}

export function benchConfig(quick: boolean): BenchConfig {
  return quick
    ? {
        quick,
        wireInactiveJobs: 5_000,
        paginationJobs: 100_000,
        memorySizes: [10_000, 100_000],
        smallPlan: { warmup: 2, runs: 5 },
        largePlan: { warmup: 1, runs: 3 },
        pairPlan: { warmup: 2, runs: 7 },
        loadSeconds: 1,
        loadRounds: 3,
      }
    : {
        quick,
        wireInactiveJobs: 20_000,
        paginationJobs: 1_000_000,
        memorySizes: [100_000, 1_000_000],
        smallPlan: { warmup: 3, runs: 9 },
        largePlan: { warmup: 1, runs: 5 },
        pairPlan: { warmup: 5, runs: 21 },
        loadSeconds: 5,
        loadRounds: 5,
      };
}

/** A private directory for sockets, removed by the returned function. */
export function tmpSocketDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'flux-graphql-bench-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
