/**
 * `npm run bench [-- --quick] [-- --only wire,lookups,pagination,memory]`: runs the benchmarks
 * and prints their tables as Markdown. Every ratio is against a baseline measured in this same
 * run; Flux's published figures appear beside ours for context only.
 */
import { cpus, totalmem } from 'node:os';
import { benchConfig } from './bench-config';
import { runIdLookups } from './id-lookups';
import { formatMs } from './measure';
import { runMemory } from './memory';
import { runPagination } from './pagination';
import { runWireListing } from './wire-listing';

const BENCHMARKS = {
  wire: { title: '1. Listing jobs over the wire', run: runWireListing },
  lookups: { title: '2. Lookups by ID', run: runIdLookups },
  pagination: { title: '3. Deep pages', run: runPagination },
  memory: { title: '4. Memory per job', run: runMemory },
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

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const config = benchConfig(argv.includes('--quick'));
  const names = selected(argv);
  const cpuList = cpus();
  process.stdout.write(
    `# flux-graphql benchmarks (${config.quick ? 'quick' : 'full'} run)\n\n` +
      `${new Date().toISOString()}; Node ${process.version}; ${cpuList.length} cores (${cpuList[0]?.model ?? 'unknown CPU'}); ` +
      `${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM\n\n`,
  );
  const started = performance.now();
  for (const name of names) {
    const bench = BENCHMARKS[name];
    process.stdout.write(`## ${bench.title}\n\n`);
    const benchStarted = performance.now();
    await bench.run(config);
    process.stdout.write(`(${name}: ${formatMs(performance.now() - benchStarted)})\n\n`);
  }
  process.stdout.write(`Total: ${formatMs(performance.now() - started)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
