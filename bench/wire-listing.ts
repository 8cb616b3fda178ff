/**
 * Benchmark 1: listing jobs through the wire (a broker process on a Unix socket, a local://
 * handle), as Flux's own tools were measured. Baseline: what Flux's Python JobList does
 * (streaming job-list.list with attrs ["all"], a JobInfo and to_dict() for every job). Then our
 * GraphQL server on the same handle, and the raw RPCs streaming and not, to find where
 * streaming starts to pay.
 */
import { join } from 'node:path';
import { FLUX_USERID_UNKNOWN } from '../src/flux/constants';
import { openHandle } from '../src/flux/connect';
import type { FluxHandle } from '../src/flux/handle';
import { stringifyJson } from '../src/flux/json';
import { DEFAULT_PAGE_LIMITS } from '../src/graphql/context';
import {
  DEFAULT_STREAM_THRESHOLD_BYTES,
  JobList,
  JobListRPC,
  estimateJobBytes,
  jobListPayload,
  shouldStream,
  type JobInfoOptions,
  type JobRecord,
} from '../src/joblist';
import { createApp } from '../src/server/app';
import { benchConfig, tmpSocketDir, type BenchConfig } from './bench-config';
import { startChild } from './child-process';
import { DATASET_NOW } from './dataset';
import { graphqlData, type BenchApp } from './graphql-client';
import {
  benchCase,
  expectEqual,
  formatBytes,
  formatMs,
  formatRatio,
  note,
  spread,
  table,
  timeCases,
  type Cell,
  type RunPlan,
  type Timing,
} from './measure';
import { RequestLogHandle, summarizeRequests } from './request-log-handle';
import { PUBLISHED_BYTES_PER_JOB, PUBLISHED_LISTING_MS, PUBLISHED_SOURCE, published } from './published';

const USER_NAMES = new Map([1001, 1002, 1003, 1004, 1005].map((uid, k) => [uid, `user${k + 1}`]));

/** The clock and user names both paths use (the dataset's users exist only in the dataset). */
export const BENCH_JOB_INFO: JobInfoOptions = { now: () => DATASET_NOW, usernameOf: (uid) => USER_NAMES.get(uid), timeZone: 'UTC' };

/** The columns of `flux jobs`' default format, as Job fields. */
const FLUX_JOBS_DEFAULT_FIELDS = 'id queue username name statusAbbrev ntasks nnodes contextualTime contextualInfo';

/**
 * What `JobList(h, user="all", max_entries=n).jobs()` followed by formatting does in Flux's
 * Python: a streamed listing of every attribute, a JobInfo per job, and its to_dict().
 */
async function pythonJobListEquivalent(handle: FluxHandle, maxEntries: number): Promise<number> {
  const list = new JobList(handle, { user: 'all', maxEntries, attrs: ['all'], streamThresholdBytes: 0, jobInfo: BENCH_JOB_INFO });
  const jobs = await list.jobs();
  let fields = 0;
  for (const job of jobs) fields += Object.keys(job.toDict()).length;
  if (jobs.length > 0 && fields === 0) throw new Error('to_dict() produced nothing');
  return jobs.length;
}

async function graphqlJobs(app: BenchApp, first: number, fields: string): Promise<number> {
  const data = await graphqlData<{ jobs: { nodes: unknown[] } }>(app, `{ jobs(first: ${first}) { nodes { ${fields} } } }`);
  return data.jobs.nodes.length;
}

function rawList(handle: FluxHandle, maxEntries: number, attrs: string[], streaming: boolean): Promise<JobRecord[]> {
  const payload = jobListPayload({ maxEntries, attrs, userid: FLUX_USERID_UNKNOWN });
  return new JobListRPC(handle, payload, streaming).getJobs();
}

interface AttrSet {
  label: string;
  attrs: string[];
  publishedStream: Readonly<Record<number, number>>;
  publishedSingle: Readonly<Record<number, number>>;
  publishedBytes: number;
}

const ATTR_SETS: readonly AttrSet[] = [
  {
    label: 'all',
    attrs: ['all'],
    publishedStream: PUBLISHED_LISTING_MS.streamAll,
    publishedSingle: PUBLISHED_LISTING_MS.singleAll,
    publishedBytes: PUBLISHED_BYTES_PER_JOB.all,
  },
  {
    label: 'state,name',
    attrs: ['state', 'name'],
    publishedStream: PUBLISHED_LISTING_MS.streamStateName,
    publishedSingle: PUBLISHED_LISTING_MS.singleStateName,
    publishedBytes: PUBLISHED_BYTES_PER_JOB.stateName,
  },
  {
    label: 'ids only',
    attrs: [],
    publishedStream: PUBLISHED_LISTING_MS.streamIds,
    publishedSingle: PUBLISHED_LISTING_MS.singleIds,
    publishedBytes: PUBLISHED_BYTES_PER_JOB.ids,
  },
];

function planFor(config: BenchConfig, jobs: number): RunPlan {
  return jobs > 2000 ? config.largePlan : config.smallPlan;
}

function countIs(what: string, expected: number): (count: number) => void {
  return (count) => expectEqual(what, count, expected);
}

/** Where the listing is a page of the whole, the published row is Flux's for that page size. */
function sizesFor(total: number): number[] {
  return [50, 1000, total];
}

export interface CrossoverPoint {
  jobs: number;
  attrs: string;
  single: Timing;
  stream: Timing;
}

/**
 * The streaming threshold the measurements suggest: going up the measured sizes, the last one
 * before a single response stops being faster than streaming for some attribute set, or the
 * reply with every attribute grows over `maxReplyBytes` (a large reply holds up other traffic
 * on a real overlay network, which is why Flux streams). Compares the fastest runs, which other
 * work on the machine disturbs least.
 */
export function suggestedThreshold(points: readonly CrossoverPoint[], bytesPerJobAll: number, maxReplyBytes: number): number {
  const sizes = [...new Set(points.map((p) => p.jobs))].sort((a, b) => a - b);
  let best = 0;
  for (const size of sizes) {
    const singleWins = points.filter((p) => p.jobs === size).every((p) => p.single.minMs <= p.stream.minMs);
    if (!singleWins || size * bytesPerJobAll > maxReplyBytes) break;
    best = size;
  }
  return best;
}

/** Largest single reply the suggestion allows: 1 MiB, about 2,000 jobs with every attribute. */
const MAX_SUGGESTED_REPLY_BYTES = 1 << 20;

/**
 * How the client's rule (shouldStream with the default byte budget) decided for each measured
 * size, against what was faster in the fastest runs. Above the budget it streams on purpose,
 * even where one reply was faster: that is the price of not holding up other traffic.
 */
function budgetNote(points: readonly CrossoverPoint[], measuredBytesPerJob: ReadonlyMap<string, number>): string {
  const attrsOf = (label: string): string[] => ATTR_SETS.find((set) => set.label === label)?.attrs ?? [];
  const limits = ATTR_SETS.map((set) => {
    const estimate = estimateJobBytes(set.attrs);
    const measured = measuredBytesPerJob.get(set.label) ?? Number.NaN;
    return `${Math.floor(DEFAULT_STREAM_THRESHOLD_BYTES / estimate)} with ${set.label} (estimated ${estimate} B/job, measured here ${measured.toFixed(0)})`;
  });
  const describe = (p: CrossoverPoint): string => `${p.jobs} jobs with ${p.attrs} (single/stream ${formatRatio(p.single.minMs, p.stream.minMs)})`;
  const single = points.filter((p) => !shouldStream(p.jobs, attrsOf(p.attrs)));
  const streamed = points.filter((p) => shouldStream(p.jobs, attrsOf(p.attrs)));
  const singleSlower = single.filter((p) => p.single.minMs > p.stream.minMs);
  return (
    `The client streams when max_entries is 0 or max_entries × the estimated bytes per job of the attributes asked exceeds ` +
    `DEFAULT_STREAM_THRESHOLD_BYTES (${formatBytes(DEFAULT_STREAM_THRESHOLD_BYTES)}), so one reply carries up to ${limits.join(', ')}. ` +
    `Of the ${points.length} measured cases it asked for one reply in ${single.length}` +
    (singleSlower.length === 0
      ? `, each faster than streaming in the fastest runs`
      : `; streaming was faster in ${singleSlower.map(describe).join(', ')}`) +
    `, and streamed ${streamed.length === 0 ? 'none' : streamed.map(describe).join(', ')}.`
  );
}

export async function runWireListing(config: BenchConfig): Promise<void> {
  const sockets = tmpSocketDir();
  const socket = join(sockets.dir, 'local');
  const broker = startChild('broker-process.ts', [socket, String(config.wireInactiveJobs)]);
  let handle: FluxHandle | undefined;
  try {
    const ready = await broker.nextMessage<{ ready: boolean; jobs: number; buildMs: number }>();
    const total = ready.jobs;
    handle = await openHandle(`local://${socket}`);
    const wire = handle;
    const logged = new RequestLogHandle(wire);
    const app = createApp({
      handle: logged,
      logging: false,
      jobInfo: BENCH_JOB_INFO,
      userDatabase: { nameOf: (uid) => USER_NAMES.get(uid), uidOf: () => undefined },
      // One page of every job, as `flux jobs -a -c 0` lists them; all three are server settings.
      pageLimits: { maxPageSize: total },
      maxNodes: total,
      queryLimits: { maxCost: Number.MAX_SAFE_INTEGER },
    });
    note(
      `Broker: a separate process holding ${total} jobs (${total - 8} inactive completed, 2 running, 4 scheduled, 2 dependent), ` +
        `built in ${formatMs(ready.buildMs)}; client and broker share the machine's 2 cores, as in Flux's measurement.`,
    );

    // ---- 1a-c: Python JobList equivalent vs GraphQL -------------------------------------------
    const rows: Cell[][] = [];
    for (const jobs of sizesFor(total)) {
      const plan = planFor(config, jobs);
      const check = countIs(`jobs listed (${jobs})`, jobs);
      const requestsOf = async (fields: string): Promise<string> => {
        logged.log.length = 0;
        check(await graphqlJobs(app, jobs, fields));
        return summarizeRequests(logged.log);
      };
      const oursRequests = await requestsOf('id state name');
      const fullRequests = await requestsOf(FLUX_JOBS_DEFAULT_FIELDS);
      const [baseline, ours, full] = (await timeCases(plan, [
        benchCase(() => pythonJobListEquivalent(wire, jobs), check),
        benchCase(() => graphqlJobs(app, jobs, 'id state name'), check),
        benchCase(() => graphqlJobs(app, jobs, FLUX_JOBS_DEFAULT_FIELDS), check),
      ])) as [Timing, Timing, Timing];
      // Flux's figures are for 50, 1000 and all 20,008 jobs; a quick run lists fewer.
      const isAll = jobs === total && total === 20008;
      rows.push(
        [
          'baseline: JobList equivalent (stream, all attrs, JobInfo + toDict)',
          jobs,
          formatMs(baseline.medianMs),
          spread(baseline),
          '1.00x',
          '1 × stream, all attrs',
          published(PUBLISHED_LISTING_MS.jobListAll, jobs),
        ],
        [
          'GraphQL jobs { nodes { id state name } }',
          jobs,
          formatMs(ours.medianMs),
          spread(ours),
          formatRatio(ours.medianMs, baseline.medianMs),
          oursRequests,
          isAll ? `${published(PUBLISHED_LISTING_MS.fluxJobsIdStateName, 20008)} (flux jobs -o "{id.f58} {state} {name}")` : '',
        ],
        [
          'GraphQL jobs, the columns of `flux jobs`',
          jobs,
          formatMs(full.medianMs),
          spread(full),
          formatRatio(full.medianMs, baseline.medianMs),
          fullRequests,
          isAll
            ? `${published(PUBLISHED_LISTING_MS.fluxJobsDefault, 20008)} (flux jobs -a -c 0)`
            : jobs === total
              ? ''
              : `${published(PUBLISHED_LISTING_MS.fluxJobsCount, jobs)} (flux jobs -a -c ${jobs})`,
        ],
      );
    }
    table(
      `Listing jobs over the wire: GraphQL vs the Python JobList path (${config.smallPlan.runs}/${config.largePlan.runs} runs, median)`,
      ['case', 'jobs', 'median', 'min-max', 'ratio vs baseline', 'job-list requests sent', 'Flux 0.88, published'],
      rows,
    );
    const largestPage = DEFAULT_PAGE_LIMITS.maxPageSize;
    if (total > largestPage) {
      // A page of the default largest size: the pager asks for one job more (to know hasNextPage).
      const pageOf = (first: number) => benchCase(() => graphqlJobs(app, first, 'id state name'), countIs('jobs', first));
      const requestsOfPage = async (first: number): Promise<string> => {
        logged.log.length = 0;
        await pageOf(first).run();
        return summarizeRequests(logged.log);
      };
      const belowRequests = await requestsOfPage(largestPage - 1);
      const atLargestRequests = await requestsOfPage(largestPage);
      const [below, atLargest] = (await timeCases(config.smallPlan, [pageOf(largestPage - 1), pageOf(largestPage)])) as [Timing, Timing];
      note(
        `The largest page (maxPageSize ${largestPage} by default): jobs(first: ${largestPage}) { nodes { id state name } } took ` +
          `${formatMs(atLargest.medianMs)} (${atLargestRequests}), jobs(first: ${largestPage - 1}) ${formatMs(below.medianMs)} ` +
          `(${belowRequests}).`,
      );
    }
    note(
      'In the "Flux 0.88, published" column, baseline rows show Flux\'s own JobList(...).jobs() with all attributes, and GraphQL rows ' +
        'the `flux jobs` command printing the same listing (about 0.2 s of it is Python start-up). The GraphQL rows include HTTP ' +
        `request handling (app.fetch), execution and the JSON response. Published figures: ${PUBLISHED_SOURCE}.`,
    );

    // ---- 1d: raw job-list.list, single response vs streaming ----------------------------------
    const crossoverSizes = config.quick ? [50, 500, 1000, 2000, total] : [50, 200, 500, 1000, 2000, 5000, total];
    const points: CrossoverPoint[] = [];
    const rawRows: Cell[][] = [];
    const bytesPerJob = new Map<string, number>();
    for (const set of ATTR_SETS) {
      const sample = await rawList(wire, total, set.attrs, false);
      bytesPerJob.set(set.label, Buffer.byteLength(stringifyJson({ jobs: sample })) / sample.length);
    }
    for (const jobs of crossoverSizes) {
      for (const set of ATTR_SETS) {
        const plan = planFor(config, jobs);
        const check = (records: JobRecord[]): void => expectEqual(`raw ${set.label} (${jobs})`, records.length, jobs);
        const [single, stream] = (await timeCases(plan, [
          benchCase(() => rawList(wire, jobs, set.attrs, false), check),
          benchCase(() => rawList(wire, jobs, set.attrs, true), check),
        ])) as [Timing, Timing];
        points.push({ jobs, attrs: set.label, single, stream });
        const pubStream = published(set.publishedStream, jobs);
        const pubSingle = published(set.publishedSingle, jobs);
        rawRows.push([
          jobs,
          set.label,
          formatMs(stream.medianMs),
          formatMs(single.medianMs),
          formatRatio(single.medianMs, stream.medianMs),
          formatRatio(single.minMs, stream.minMs),
          `${(((stream.medianMs - single.medianMs) / jobs) * 1000).toFixed(1)}`,
          pubStream === '' ? '' : `${pubStream} / ${pubSingle}`,
        ]);
      }
    }
    table(
      'Raw job-list.list over the wire: streaming (baseline) vs one response',
      [
        'jobs',
        'attrs',
        'streaming',
        'single response',
        'ratio single/stream',
        'ratio, fastest runs',
        'streaming cost µs/job',
        'Flux 0.88 published (stream / single)',
      ],
      rawRows,
    );
    const bytesRows: Cell[][] = ATTR_SETS.map((set) => {
      const bytes = bytesPerJob.get(set.label) as number;
      return [set.label, bytes.toFixed(0), formatBytes(bytes * total), `${set.publishedBytes}`];
    });
    table('Payload per job (compact JSON of the records received)', ['attrs', 'bytes/job', `${total} jobs`, 'Flux 0.88 published bytes/job'], bytesRows);

    const allBytes = bytesPerJob.get('all') as number;
    const threshold = suggestedThreshold(points, allBytes, MAX_SUGGESTED_REPLY_BYTES);
    const streamWins = points.filter((p) => p.single.minMs > p.stream.minMs);
    note(
      (streamWins.length === 0
        ? 'Comparing fastest runs, one response beat streaming at every size measured, so time alone sets no crossover; '
        : `Comparing fastest runs, one response beat streaming everywhere except ${streamWins
            .map((p) => `${p.jobs} jobs with ${p.attrs} (${formatRatio(p.single.minMs, p.stream.minMs)})`)
            .join(', ')}; `) +
        `the largest measured size up to which one response is faster for every attribute set ` +
        `and a reply with every attribute stays under ${formatBytes(MAX_SUGGESTED_REPLY_BYTES)} ` +
        `(the reason Flux streams at all is that one huge reply holds up other traffic) is **${threshold} jobs**; ` +
        `the client budgets bytes instead, as follows.`,
    );
    note(budgetNote(points, bytesPerJob));
  } finally {
    await handle?.close();
    await broker.stop();
    sockets.remove();
  }
}

if (require.main === module) {
  runWireListing(benchConfig(process.argv.includes('--quick'))).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
