/**
 * Benchmark 3: deep pages. An embedded instance with a million inactive jobs is paged through
 * GraphQL keyset cursors, 100 jobs a page. Page 1 is the baseline; page 500 should cost about
 * the same, because its cursor becomes a t_inactive bound that the service finds by binary
 * search instead of skipping 49,900 jobs. For contrast, what an offset would cost: listing the
 * 50,000 jobs up to that page and keeping the last 100.
 */
import { EmbeddedInstance } from '../src/embedded';
import { FLUX_USERID_UNKNOWN } from '../src/flux/constants';
import { encodeJobId } from '../src/flux/jobid';
import { JobListRPC, jobListPayload } from '../src/joblist';
import { createApp } from '../src/server/app';
import { benchConfig, type BenchConfig } from './bench-config';
import { DATASET_NOW, DATASET_QUEUES, datasetChunks } from './dataset';
import { graphqlData, type BenchApp } from './graphql-client';
import { benchCase, BenchCheckError, expectEqual, formatMs, formatRatio, note, spread, table, timeCases, type Timing } from './measure';
import { BENCH_JOB_INFO } from './wire-listing';

const PAGE_SIZE = 100;
const DEEP_PAGE = 500;
/** Largest build time the brief allows before a smaller instance must be used instead. */
const BUILD_LIMIT_MS = 60_000;

const PAGE_QUERY = `query Page($after: String) {
  jobs(first: ${PAGE_SIZE}, after: $after) {
    edges { cursor node { id state name } }
    pageInfo { endCursor hasNextPage }
  }
}`;

interface PageData {
  jobs: { edges: { cursor: string; node: { id: string } }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
}

async function page(app: BenchApp, after: string | null): Promise<PageData['jobs']> {
  return (await graphqlData<PageData>(app, PAGE_QUERY, { after })).jobs;
}

function fullPage(jobs: PageData['jobs']): void {
  expectEqual('jobs on the page', jobs.edges.length, PAGE_SIZE);
}

/** Loads `inactive` jobs; returns the instance and how long that took. */
function buildInstance(inactive: number): { instance: EmbeddedInstance; buildMs: number } {
  const started = performance.now();
  const instance = new EmbeddedInstance({ queues: DATASET_QUEUES, now: () => DATASET_NOW });
  for (const chunk of datasetChunks({ inactive, active: false })) instance.loadRecords(chunk);
  return { instance, buildMs: performance.now() - started };
}

export async function runPagination(config: BenchConfig): Promise<void> {
  let size = config.paginationJobs;
  let { instance, buildMs } = buildInstance(size);
  if (buildMs > BUILD_LIMIT_MS) {
    // Too slow for this machine: scale down to what builds within the limit (with margin).
    instance.close();
    size = Math.max(PAGE_SIZE * DEEP_PAGE, Math.floor((size * BUILD_LIMIT_MS * 0.8) / buildMs / 10_000) * 10_000);
    note(`Building ${config.paginationJobs} jobs took ${formatMs(buildMs)} (over ${BUILD_LIMIT_MS / 1000} s); using ${size} jobs instead.`);
    ({ instance, buildMs } = buildInstance(size));
  }
  const handle = instance.handle();
  try {
    const app = createApp({ handle, logging: false, jobInfo: BENCH_JOB_INFO });

    // Walk to page DEEP_PAGE once, to get the cursor a client would hold there.
    const walkStarted = performance.now();
    let after: string | null = null;
    let lastOfPrevious = '';
    for (let n = 1; n < DEEP_PAGE; n++) {
      const jobs = await page(app, after);
      fullPage(jobs);
      if (jobs.edges[0]?.node.id === lastOfPrevious) throw new BenchCheckError(`page ${n} repeats the previous page's last job`);
      lastOfPrevious = jobs.edges[jobs.edges.length - 1]?.node.id ?? '';
      after = jobs.pageInfo.endCursor;
    }
    const walkMs = performance.now() - walkStarted;
    const deepCursor = after;

    // The deep page must be exactly the jobs an offset listing puts there.
    const offsetPayload = jobListPayload({ maxEntries: PAGE_SIZE * DEEP_PAGE, attrs: ['state', 'name'], userid: FLUX_USERID_UNKNOWN });
    const offsetListing = (): Promise<unknown[]> =>
      new JobListRPC(handle, offsetPayload, false).getJobs().then((records) => records.slice(-PAGE_SIZE));
    const expected = (await offsetListing()) as { id: bigint }[];
    const deep = await page(app, deepCursor);
    const deepIds = deep.edges.map((edge) => edge.node.id);
    expectEqual('page 500 equals jobs 49,901-50,000 of the listing', deepIds.join(), expected.map((job) => encodeJobId(job.id)).join());

    // Pages take a millisecond or two, so one GC pause moves a median: take many runs.
    const plan = { warmup: 5, runs: config.quick ? 21 : 51 };
    const [first, deepTiming] = (await timeCases(plan, [
      benchCase(() => page(app, null), fullPage),
      benchCase(() => page(app, deepCursor), fullPage),
    ])) as [Timing, Timing];
    const offset = (await timeCases(config.smallPlan, [
      benchCase(offsetListing, (jobs) => expectEqual('offset page size', jobs.length, PAGE_SIZE)),
    ]))[0] as Timing;

    table(
      `Pagination through GraphQL keyset cursors: ${size} inactive jobs in an embedded instance (built in ${formatMs(buildMs)}; ${plan.runs} runs, median)`,
      ['case', 'jobs', 'median', 'min-max', 'ratio vs page 1'],
      [
        [`baseline: page 1 (first: ${PAGE_SIZE})`, size, formatMs(first.medianMs), spread(first), '1.00x'],
        [
          `page ${DEEP_PAGE} (first: ${PAGE_SIZE}, after: cursor of page ${DEEP_PAGE - 1})`,
          size,
          formatMs(deepTiming.medianMs),
          spread(deepTiming),
          formatRatio(deepTiming.medianMs, first.medianMs),
        ],
        [
          `contrast: offset paging, job-list.list of ${PAGE_SIZE * DEEP_PAGE} jobs (state,name) keeping the last ${PAGE_SIZE}`,
          size,
          formatMs(offset.medianMs),
          spread(offset),
          formatRatio(offset.medianMs, first.medianMs),
        ],
      ],
    );
    note(
      `Walking pages 1-${DEEP_PAGE - 1} one after another took ${formatMs(walkMs)} (${formatMs(walkMs / (DEEP_PAGE - 1))} a page). ` +
        `Page ${DEEP_PAGE} was checked against jobs ${PAGE_SIZE * (DEEP_PAGE - 1) + 1}-${PAGE_SIZE * DEEP_PAGE} of a plain listing. ` +
        'In-process handle (no socket): this measures the server and the job-list service, not the wire.',
    );
  } finally {
    await handle.close();
    instance.close();
  }
}

if (require.main === module) {
  runPagination(benchConfig(process.argv.includes('--quick'))).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
