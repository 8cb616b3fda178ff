/**
 * Benchmark 2: looking up 100 jobs by ID over the wire. Baseline: one job-list.list-id after
 * another. Against it: all 100 in flight at once (JobListIdsFuture, as Flux's `flux jobs ID...`
 * does), and a GraphQL query of 100 aliased job(id:) fields, which the request's DataLoader
 * turns into one such batch.
 */
import { join } from 'node:path';
import { FLUX_USERID_UNKNOWN } from '../src/flux/constants';
import { openHandle } from '../src/flux/connect';
import type { FluxHandle } from '../src/flux/handle';
import { encodeJobId } from '../src/flux/jobid';
import type { JobBatch } from '../src/graphql/loaders/job-loader';
import { JobListIdRPC, JobListIdsFuture, JobListRPC, jobListPayload, type JobIdInput } from '../src/joblist';
import { createApp } from '../src/server/app';
import { benchConfig, tmpSocketDir, type BenchConfig } from './bench-config';
import { startChild } from './child-process';
import { graphqlData } from './graphql-client';
import { benchCase, BenchCheckError, expectEqual, formatMs, formatRatio, note, spread, table, timeCases, type Timing } from './measure';
import { PUBLISHED_LOOKUPS_MS, PUBLISHED_SOURCE } from './published';
import { BENCH_JOB_INFO } from './wire-listing';

export const LOOKUPS = 100;

/** LOOKUPS job IDs spread over the whole listing (so they are not all neighbours). */
export async function spreadIds(handle: FluxHandle): Promise<JobIdInput[]> {
  const all = await new JobListRPC(handle, jobListPayload({ maxEntries: 0, attrs: [], userid: FLUX_USERID_UNKNOWN }), true).getJobs();
  const step = Math.floor(all.length / LOOKUPS);
  if (step < 1) throw new BenchCheckError(`need at least ${LOOKUPS} jobs, the broker has ${all.length}`);
  return Array.from({ length: LOOKUPS }, (_unused, k) => {
    const id = (all[k * step] as { id: bigint }).id;
    return { input: id.toString(), id };
  });
}

/** spreadIds of the instance at `fluxUri`, over a connection of its own. */
export async function spreadIdsAt(fluxUri: string): Promise<JobIdInput[]> {
  const handle = await openHandle(fluxUri);
  try {
    return await spreadIds(handle);
  } finally {
    await handle.close();
  }
}

async function oneAfterAnother(handle: FluxHandle, ids: readonly JobIdInput[]): Promise<number> {
  let found = 0;
  for (const id of ids) {
    await new JobListIdRPC(handle, id, ['all']).getJob();
    found++;
  }
  return found;
}

async function allInFlight(handle: FluxHandle, ids: JobIdInput[]): Promise<number> {
  const future = new JobListIdsFuture(handle, ids, ['all']);
  const jobs = await future.getJobs();
  if (future.errors.length > 0) throw new BenchCheckError(`lookups failed: ${future.errors[0] ?? ''}`);
  return jobs.length;
}

/** One query of a job(id:) field per ID, aliased j0, j1, ... */
export function aliasedLookupQuery(ids: readonly JobIdInput[], fields = 'id state name'): string {
  const lookups = ids.map((id, k) => `j${k}: job(id: "${encodeJobId(id.id)}") { ${fields} }`);
  return `{ ${lookups.join(' ')} }`;
}

export async function runIdLookups(config: BenchConfig): Promise<void> {
  const sockets = tmpSocketDir();
  const socket = join(sockets.dir, 'local');
  const broker = startChild('broker-process.ts', [socket, String(config.wireInactiveJobs)]);
  let handle: FluxHandle | undefined;
  try {
    const ready = await broker.nextMessage<{ jobs: number }>();
    handle = await openHandle(`local://${socket}`);
    const wire = handle;
    const batches: JobBatch[] = [];
    const app = createApp({ handle: wire, logging: false, jobInfo: BENCH_JOB_INFO, onJobBatch: (batch) => batches.push(batch) });
    const ids = await spreadIds(wire);
    const query = aliasedLookupQuery(ids);
    const plan = config.smallPlan;
    const check = (found: number): void => expectEqual('jobs found', found, LOOKUPS);

    const viaGraphQL = async (): Promise<number> =>
      Object.values(await graphqlData<Record<string, { id: string } | null>>(app, query)).filter((job) => job !== null).length;
    batches.length = 0;
    const [sequential, concurrent, graphql] = (await timeCases(plan, [
      benchCase(() => oneAfterAnother(wire, ids), check),
      benchCase(() => allInFlight(wire, ids), check),
      benchCase(viaGraphQL, check),
    ])) as [Timing, Timing, Timing];
    // Every request must have been one batch of all 100 IDs, or the row measures something else.
    const requests = plan.warmup + plan.runs;
    expectEqual('GraphQL batches', batches.length, requests);
    for (const batch of batches) expectEqual('IDs per batch', batch.ids.length, LOOKUPS);
    table(
      `${LOOKUPS} lookups by ID over the wire (${ready.jobs} jobs on the broker; ${plan.runs} runs, median)`,
      ['case', 'median', 'min-max', 'ratio vs baseline', 'Flux 0.88, published'],
      [
        [
          'baseline: job-list.list-id one after another (all attrs)',
          formatMs(sequential.medianMs),
          spread(sequential),
          '1.00x',
          `${PUBLISHED_LOOKUPS_MS.sequential} ms`,
        ],
        [
          'all in flight at once (JobListIdsFuture, all attrs)',
          formatMs(concurrent.medianMs),
          spread(concurrent),
          formatRatio(concurrent.medianMs, sequential.medianMs),
          `${PUBLISHED_LOOKUPS_MS.concurrent} ms`,
        ],
        [
          `GraphQL: ${LOOKUPS} aliased job(id:) { id state name }`,
          formatMs(graphql.medianMs),
          spread(graphql),
          formatRatio(graphql.medianMs, sequential.medianMs),
          '',
        ],
      ],
    );
    note(
      `The GraphQL query was sent as ${requests} requests; each became exactly one DataLoader batch of ${LOOKUPS} IDs ` +
        `(one JobListIdsFuture, attrs ${JSON.stringify(batches[0]?.attrs ?? [])}). Published figures: ${PUBLISHED_SOURCE}.`,
    );
  } finally {
    await handle?.close();
    await broker.stop();
    sockets.remove();
  }
}

if (require.main === module) {
  runIdLookups(benchConfig(process.argv.includes('--quick'))).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
