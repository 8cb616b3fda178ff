/**
 * Issue 10, pair 3: every job of the instance with every Job field, walked over HTTP in pages
 * of 1,000 (following endCursor), against the raw listing of the same jobs by our own client
 * over local://: one streamed job-list.list with every attribute, decoded, and written out as
 * JSON, a line a job, which is what Flux's C client (`flux job list -A -c 0`) does. When
 * FLUX_URI names a real instance, the pair runs against it too (and `flux job list` beside it
 * when the flux command is on PATH).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { FLUX_USERID_UNKNOWN } from '../src/flux/constants';
import { openHandle } from '../src/flux/connect';
import type { FluxHandle } from '../src/flux/handle';
import { stringifyJson } from '../src/flux/json';
import { JobListRPC, jobListPayload } from '../src/joblist';
import { benchConfigFrom, serverNodeFlags, type BenchConfig } from './bench-config';
import { startCliServer, type CliServer } from './cli-server';
import { HttpGraphQLClient } from './http-client';
import { benchCase, BenchCheckError, expectEqual, formatMs, note, sampleCases, spread, table, timingOf, type BenchCase, type Cell } from './measure';
import { everyJobField } from './page-floor';
import { formatRatioSummary, formatTarget, pairedRatios, reportPair, summarizeRatios, verdict, type RatioSummary, type RatioTarget } from './ratios';
import { serveDataset } from './served-dataset';

const PAGE = 1000;
const TARGET: RatioTarget = { bound: 'atMost', value: 1.0 };

interface WalkPage {
  jobs: { pageInfo: { endCursor: string | null; hasNextPage: boolean }; nodes: unknown[] };
}

/** Walks every job, page after page, as a client exporting the whole instance would. */
async function walk(client: HttpGraphQLClient, query: string): Promise<number> {
  let count = 0;
  let after: string | null = null;
  for (;;) {
    const page: WalkPage = await client.data<WalkPage>(query, after === null ? {} : { after });
    count += page.jobs.nodes.length;
    if (!page.jobs.pageInfo.hasNextPage) return count;
    after = page.jobs.pageInfo.endCursor;
    if (after === null) throw new BenchCheckError('a page with a next page but no endCursor');
  }
}

/** Our client as Flux's C client: a streamed listing of every attribute, each job written out as a JSON line. */
async function rawListing(handle: FluxHandle, out: number): Promise<number> {
  const payload = jobListPayload({ maxEntries: 0, attrs: ['all'], userid: FLUX_USERID_UNKNOWN });
  const jobs = await new JobListRPC(handle, payload, true).getJobs();
  const lines: string[] = [];
  for (const job of jobs) lines.push(stringifyJson(job));
  writeSync(out, `${lines.join('\n')}\n`);
  return jobs.length;
}

/** `flux job list -A -c 0` on `uri`, counting its lines; undefined when there is no flux command. */
function fluxJobList(uri: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn('flux', ['job', 'list', '-A', '-c', '0'], { env: { ...process.env, FLUX_URI: uri }, stdio: ['ignore', 'pipe', 'inherit'] });
    let lines = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 0x0a) lines++;
    });
    child.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(undefined) : reject(error)));
    child.once('close', (code) => (code === 0 ? resolve(lines) : reject(new BenchCheckError(`flux job list exited with ${String(code)}`))));
  });
}

interface WalkResult {
  /** Jobs of the instance, as our client listed them before the rounds. */
  jobs: number;
  walk: number[];
  raw: number[];
  fluxC?: number[];
  ratio: RatioSummary;
}

/**
 * The pair on one instance: `server` serves it, `uri` reaches it. `expectedJobs` is checked
 * exactly for the bench's own broker; a real instance may gain jobs between two cases, so
 * there each case only has to list some.
 */
async function walkPair(config: BenchConfig, server: CliServer, uri: string, expectedJobs: number | undefined, withFluxC: boolean): Promise<WalkResult> {
  const query = `query Walk($after: String) { jobs(first: ${PAGE}, after: $after) { pageInfo { endCursor hasNextPage } nodes { ${everyJobField()} } } }`;
  const client = new HttpGraphQLClient(server.url);
  const handle = await openHandle(uri);
  const devNull = openSync('/dev/null', 'w');
  try {
    const check =
      (what: string) =>
      (count: number | undefined): void => {
        if (expectedJobs !== undefined) expectEqual(what, count, expectedJobs);
        else if (count === undefined || count === 0) throw new BenchCheckError(`${what}: none`);
      };
    const jobs = await rawListing(handle, devNull);
    const cases: BenchCase<unknown>[] = [
      benchCase(() => rawListing(handle, devNull), check('jobs listed by our client')),
      benchCase(() => walk(client, query), check('jobs walked over HTTP')),
    ];
    if (withFluxC) cases.push(benchCase(() => fluxJobList(uri), check('jobs listed by flux job list')));
    const [raw, walked, fluxC] = (await sampleCases(config.largePlan, cases)) as [number[], number[], number[] | undefined];
    return { jobs, walk: walked, raw, ...(fluxC === undefined ? {} : { fluxC }), ratio: summarizeRatios(pairedRatios(walked, raw)) };
  } finally {
    closeSync(devNull);
    client.close();
    await handle.close();
  }
}

function rows(result: WalkResult): Cell[][] {
  const jobs = result.jobs;
  const raw = timingOf(result.raw);
  const walked = timingOf(result.walk);
  const lines: Cell[][] = [
    ['baseline: our client, streamed job-list.list (all attrs), a JSON line a job', jobs, formatMs(raw.medianMs), spread(raw), '1.00x'],
    [`GraphQL walk, pages of ${PAGE}, every Job field, over HTTP`, jobs, formatMs(walked.medianMs), spread(walked), formatRatioSummary(result.ratio)],
  ];
  if (result.fluxC !== undefined) {
    const fluxC = timingOf(result.fluxC);
    lines.push(['Flux\'s C client: flux job list -A -c 0', jobs, formatMs(fluxC.medianMs), spread(fluxC), formatRatioSummary(summarizeRatios(pairedRatios(result.fluxC, result.raw)))]);
  }
  return lines;
}

export async function runWalk(config: BenchConfig): Promise<void> {
  const served = await serveDataset(config, { name: 'walk' });
  let result: WalkResult;
  try {
    result = await walkPair(config, served.server, served.fluxUri, served.jobs, false);
  } finally {
    await served.stop();
  }
  table(
    `Every job with every field: a GraphQL walk over HTTP vs our client's raw listing over local:// (${served.jobs} jobs; ${config.largePlan.runs} rounds, median)`,
    ['case', 'jobs', 'median', 'min-max', 'ratio vs baseline (per round)'],
    rows(result),
  );
  note(
    `Target (issue 10): ${formatTarget(TARGET)}; ${verdict(result.ratio, TARGET)}. The walk asks \`jobs(first: ${PAGE}, after: $after)\` ` +
      'with pageInfo and every Job field until hasNextPage is false, one request after another over one kept-alive connection, ' +
      'uncompressed, and parses each page; the server (`flux-graphql serve --flux-uri local://…`) and the broker run in processes of ' +
      'their own. The baseline runs in the bench process against the same broker.',
  );
  reportPair({
    name: 'walk',
    what: `a walk of ${served.jobs} jobs, every field, pages of ${PAGE} over HTTP, vs the raw listing of the same jobs over local://`,
    ours: formatMs(timingOf(result.walk).medianMs),
    baseline: formatMs(timingOf(result.raw).medianMs),
    ratio: result.ratio,
    target: TARGET,
  });

  const realUri = process.env['FLUX_URI'];
  if (realUri === undefined || realUri === '') {
    note('FLUX_URI is not set, so the walk did not run against a real instance.');
    return;
  }
  // Why Flux's C client cannot join the pair, if it cannot.
  const noFluxC = await fluxJobList(realUri).then(
    (lines) => (lines === undefined ? 'the flux command is not on PATH' : undefined),
    (error: unknown) => `flux job list failed (${error instanceof Error ? error.message : String(error)})`,
  );
  const hasFluxC = noFluxC === undefined;
  const server = await startCliServer(['--flux-uri', realUri], { nodeFlags: serverNodeFlags(config, 'walk-real') });
  let real: WalkResult;
  try {
    real = await walkPair(config, server, realUri, undefined, hasFluxC);
  } finally {
    await server.stop();
  }
  table(
    `The same walk against FLUX_URI=${realUri} (${config.largePlan.runs} rounds, median)`,
    ['case', 'jobs', 'median', 'min-max', 'ratio vs baseline (per round)'],
    rows(real),
  );
  note(
    `Target (issue 10): ${formatTarget(TARGET)}; ${verdict(real.ratio, TARGET)}. ` +
      (noFluxC === undefined ? '' : `\`flux job list\` did not run: ${noFluxC}. `) +
      'The instance may change between cases; each case was only checked to list some jobs.',
  );
  reportPair({
    name: 'walk',
    what: `the same walk against the instance at FLUX_URI (${realUri})`,
    ours: formatMs(timingOf(real.walk).medianMs),
    baseline: formatMs(timingOf(real.raw).medianMs),
    ratio: real.ratio,
    target: TARGET,
  });
}

if (require.main === module) {
  runWalk(benchConfigFrom(process.argv)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
