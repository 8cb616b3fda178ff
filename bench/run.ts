/**
 * `npm run bench [-- --quick] [-- --only NAME,...] [-- --profile-server DIR]`: runs the benchmarks
 * and prints their tables as Markdown. Every ratio is against a baseline measured in this same
 * run; Flux's published figures appear beside ours for context only. The last four are the
 * pairs of issue 10, whose ratios are printed together at the end against the issue's targets;
 * --profile-server writes a CPU profile of each of their server children into DIR.
 *
 * Each benchmark runs in a process of its own, started with --expose-gc: none inherits the heap
 * another left behind, and runs can start from a collected heap (see measure.ts).
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { formatMs, table } from './measure';
import { formatRatioSummary, formatTarget, pairResultIn, verdict, type PairResult } from './ratios';

const BENCHMARKS = {
  wire: { title: '1. Listing jobs over the wire', script: 'wire-listing.ts' },
  lookups: { title: '2. Lookups by ID', script: 'id-lookups.ts' },
  pagination: { title: '3. Deep pages', script: 'pagination.ts' },
  memory: { title: '4. Memory per job', script: 'memory.ts' },
  codec: { title: '5. The JSON codec', script: 'json-codec.ts' },
  dashboard: { title: '6. Issue 10: the dashboard under load', script: 'dashboard-load.ts' },
  page: { title: '7. Issue 10: one page of 1,000 jobs against a bare server', script: 'page-floor.ts' },
  walk: { title: '8. Issue 10: walking every job', script: 'walk.ts' },
  'aliased-lookups': { title: '9. Issue 10: 100 aliased lookups against one, 5 ms per RPC', script: 'aliased-lookups.ts' },
  workers: { title: '10. More than one core: serve --workers', script: 'workers.ts' },
  details: { title: "11. Job details: 100 jobs' eventlogs against one, 5 ms per RPC", script: 'details.ts' },
} as const;

type BenchName = keyof typeof BENCHMARKS;

function selected(argv: readonly string[]): BenchName[] {
  const names = Object.keys(BENCHMARKS) as BenchName[];
  const at = argv.indexOf('--only');
  if (at < 0) return names;
  const wanted = (argv[at + 1] ?? '').split(',').filter((name) => name !== '');
  const unknown = wanted.filter((name) => !names.includes(name as BenchName));
  if (wanted.length === 0 || unknown.length > 0) {
    throw new Error(`--only takes a comma-separated list of: ${names.join(', ')}${unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  }
  return wanted as BenchName[];
}

function loadAverage(): string {
  return `load average ${loadavg()
    .map((load) => load.toFixed(2))
    .join(', ')}`;
}

/** The options a bench script understands, passed on as given. */
function scriptArgs(argv: readonly string[]): string[] {
  const args = argv.includes('--quick') ? ['--quick'] : [];
  const at = argv.indexOf('--profile-server');
  if (at >= 0) {
    const dir = argv[at + 1];
    if (dir === undefined || dir.startsWith('--')) throw new Error('--profile-server takes a directory for the CPU profiles');
    args.push('--profile-server', resolve(dir));
  }
  return args;
}

/** Runs one bench script; the pair results it reports over the IPC channel go to `onPair`. */
function runScript(script: string, args: readonly string[], onPair: (result: PairResult) => void): Promise<void> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', resolve(__dirname, script), ...args], {
    cwd: resolve(__dirname, '..'),
    // As the server runs (see src/server/production-mode.ts), unless the caller says otherwise.
    env: { ...process.env, NODE_ENV: process.env['NODE_ENV'] ?? 'production' },
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (message) => {
    const result = pairResultIn(message);
    if (result !== undefined) onPair(result);
  });
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      if (code === 0) done();
      else fail(new Error(`${script} failed (exit code ${String(code)}, signal ${String(signal)})`));
    });
  });
}

/** The issue-10 pairs of this run, side by side with their targets. */
function printPairs(pairs: readonly PairResult[]): void {
  table(
    "Issue 10's ratios in this run (median of the per-round ratios, min-max over the rounds)",
    ['--only', 'pair', 'ours (median)', 'baseline (median)', 'ratio', 'target', 'verdict'],
    pairs.map((pair) => [pair.name, pair.what, pair.ours, pair.baseline, formatRatioSummary(pair.ratio), formatTarget(pair.target), verdict(pair.ratio, pair.target)]),
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const names = selected(argv);
  const args = scriptArgs(argv);
  const pairs: PairResult[] = [];
  const cpuList = cpus();
  process.stdout.write(
    `# flux-graphql benchmarks (${quick ? 'quick' : 'full'} run)\n\n` +
      `${new Date().toISOString()}; Node ${process.version}; ${cpuList.length} cores (${cpuList[0]?.model ?? 'unknown CPU'}); ` +
      `${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; ${loadAverage()}\n\n`,
  );
  const started = performance.now();
  for (const name of names) {
    const bench = BENCHMARKS[name];
    process.stdout.write(`## ${bench.title}\n\n`);
    const benchStarted = performance.now();
    await runScript(bench.script, args, (result) => pairs.push(result));
    process.stdout.write(`(${name}: ${formatMs(performance.now() - benchStarted)})\n\n`);
  }
  if (pairs.length > 0) {
    process.stdout.write('## Summary\n\n');
    printPairs(pairs);
  }
  // Other work on the machine shows up as spread in the timings; the load says how much there was.
  process.stdout.write(`Total: ${formatMs(performance.now() - started)}; ${loadAverage()}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
