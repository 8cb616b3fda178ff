/**
 * `npm run bench [-- --quick] [-- --only wire,lookups,pagination,memory,codec,workers]`: runs the benchmarks
 * and prints their tables as Markdown. Every ratio is against a baseline measured in this same
 * run; Flux's published figures appear beside ours for context only.
 *
 * Each benchmark runs in a process of its own, started with --expose-gc: none inherits the heap
 * another left behind, and runs can start from a collected heap (see measure.ts).
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { formatMs } from './measure';

const BENCHMARKS = {
  wire: { title: '1. Listing jobs over the wire', script: 'wire-listing.ts' },
  lookups: { title: '2. Lookups by ID', script: 'id-lookups.ts' },
  pagination: { title: '3. Deep pages', script: 'pagination.ts' },
  memory: { title: '4. Memory per job', script: 'memory.ts' },
  codec: { title: '5. The JSON codec', script: 'json-codec.ts' },
  workers: { title: '6. More than one core: serve --workers', script: 'workers.ts' },
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

function runScript(script: string, quick: boolean): Promise<void> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', resolve(__dirname, script), ...(quick ? ['--quick'] : [])], {
    cwd: resolve(__dirname, '..'),
    // As the server runs (see src/server/production-mode.ts), unless the caller says otherwise.
    env: { ...process.env, NODE_ENV: process.env['NODE_ENV'] ?? 'production' },
    stdio: 'inherit',
  });
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code, signal) => {
      if (code === 0) done();
      else fail(new Error(`${script} failed (exit code ${String(code)}, signal ${String(signal)})`));
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const names = selected(argv);
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
    await runScript(bench.script, quick);
    process.stdout.write(`(${name}: ${formatMs(performance.now() - benchStarted)})\n\n`);
  }
  // Other work on the machine shows up as spread in the timings; the load says how much there was.
  process.stdout.write(`Total: ${formatMs(performance.now() - started)}; ${loadAverage()}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
