/**
 * Benchmark 4: memory per job of the embedded job store, each size measured in a fresh process
 * (node --expose-gc). Baseline, measured in the same run: the size of the same jobs' job-list
 * records as compact JSON, i.e. what holding the listing as text would cost at the least.
 */
import { benchConfig, type BenchConfig } from './bench-config';
import { startChild } from './child-process';
import { formatBytes, formatMs, formatRatio, note, table, type Cell } from './measure';
import type { MemoryResult } from './memory-process';
import { PUBLISHED_BROKER_BYTES_PER_JOB, PUBLISHED_SOURCE } from './published';

async function measure(jobs: number, source: MemoryResult['source']): Promise<MemoryResult> {
  const child = startChild('memory-process.ts', [String(jobs), source], { nodeFlags: ['--expose-gc'] });
  try {
    return await child.nextMessage<MemoryResult>();
  } finally {
    await child.stop();
  }
}

export async function runMemory(config: BenchConfig): Promise<void> {
  const runs: MemoryResult[] = [];
  for (const jobs of config.memorySizes) runs.push(await measure(jobs, 'dataset'));
  // The generated workload replays eventlogs (slow to build), so it is measured at one size only.
  const workloadJobs = config.memorySizes[0] as number;
  runs.push(await measure(workloadJobs, 'workload'));
  const details = await measure(workloadJobs, 'details');
  runs.push(details);

  const rows: Cell[][] = runs.map((run) => {
    const perJob = (run.heapBytes + run.externalBytes) / run.jobs;
    const jsonPerJob = run.jsonBytes / run.jobs;
    return [
      run.source === 'dataset'
        ? 'bench dataset (inactive, completed)'
        : run.source === 'workload'
          ? 'generated workload (eventlogs replayed)'
          : "generated workload, every job's details looked up once",
      run.jobs,
      (run.heapBytes / run.jobs).toFixed(0),
      (run.externalBytes / run.jobs).toFixed(0),
      perJob.toFixed(0),
      `${formatBytes(run.heapBytes + run.externalBytes)}`,
      jsonPerJob.toFixed(0),
      formatRatio(perJob, jsonPerJob),
      formatRatio(perJob, PUBLISHED_BROKER_BYTES_PER_JOB),
      formatMs(run.buildMs),
    ];
  });
  table(
    'Memory of the embedded job store per job (after gc, each size in a fresh process)',
    [
      'jobs held',
      'jobs',
      'JS heap B/job',
      'off-heap B/job',
      'total B/job',
      'total',
      'JSON records B/job (baseline)',
      'ratio vs JSON',
      'ratio vs Flux broker ~50 KB/job',
      'build',
    ],
    rows,
  );
  const lookups = details.jobs * 5;
  note(
    `Job details (job-info: eventlog, jobspec, R, exec eventlog, output) are composed when looked up, from the record and ` +
      `what the store keeps beside it (store/job-trail.ts); the workload rows include that. Looking up all ${details.jobs} jobs' ` +
      `five documents (${lookups} lookups, ${formatMs((details.detailsMs ?? 0) / lookups)} each) produced ` +
      `${formatBytes(details.detailsBytes ?? 0)} of text, ${((details.detailsBytes ?? 0) / details.jobs).toFixed(0)} B/job, ` +
      'which is what storing them would cost; the memory after the lookups shows none of it is kept.',
  );
  note(
    'JS heap = process.memoryUsage().heapUsed growth; off-heap = growth of `external` (the columnar job table and the ID index are ' +
      'typed arrays, which live outside the JS heap; their capacity doubles, so part of it is headroom). ' +
      `The Flux broker's ~50 KB/job (mostly job-manager state, not job-list) is ${PUBLISHED_SOURCE}; it is not the same ` +
      'thing as our store, which keeps what job-list reports and what job-info needs besides to write each job\'s documents ' +
      'back (active jobs also keep their jobspec and R until they finish).',
  );
}

if (require.main === module) {
  runMemory(benchConfig(process.argv.includes('--quick'))).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
