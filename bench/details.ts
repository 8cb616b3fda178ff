/**
 * Job details batching: 100 jobs' eventlogs in one GraphQL request against one job's, when every
 * RPC takes 5 ms at the broker. The request's JobDetailsLoader sends one job-info.lookup per job,
 * all in flight at once, so the 100 wait together for about one round trip; the ratio shows what
 * the server spends per job beyond it.
 */
import type { JobIdInput } from '../src/joblist';
import { benchConfigFrom, type BenchConfig } from './bench-config';
import { HttpGraphQLClient } from './http-client';
import { LOOKUPS, spreadIdsAt } from './id-lookups';
import { encodeJobId } from '../src/flux/jobid';
import { benchCase, expectEqual, formatMs, note, sampleCases, spread, table, timingOf } from './measure';
import { formatRatioSummary, pairedRatios, summarizeRatios } from './ratios';
import { serveDataset } from './served-dataset';
import { fetchMetrics, okRpcCount } from './server-metrics';

const LATENCY_MS = 5;
const LOOKUP = 'job-info.lookup';

/** One query of a job(id:) { eventlog } field per ID, aliased j0, j1, ... */
function eventlogQuery(ids: readonly JobIdInput[]): string {
  return `{ ${ids.map((id, k) => `j${k}: job(id: "${encodeJobId(id.id)}") { eventlog { timestamp name context } }`).join(' ')} }`;
}

export async function runDetails(config: BenchConfig): Promise<void> {
  const served = await serveDataset(config, { name: 'details', latencyMs: LATENCY_MS });
  const client = new HttpGraphQLClient(served.server.url);
  try {
    const ids = await spreadIdsAt(served.fluxUri);
    const eventlogs = async (query: string): Promise<number> =>
      Object.values(await client.data<Record<string, { eventlog: unknown[] | null } | null>>(query)).filter((job) => (job?.eventlog?.length ?? 0) > 0).length;
    const before = okRpcCount(await fetchMetrics(served.server.url), LOOKUP);
    const cases = [
      benchCase(() => eventlogs(eventlogQuery(ids.slice(0, 1))), (count) => expectEqual('eventlogs', count, 1)),
      benchCase(() => eventlogs(eventlogQuery(ids)), (count) => expectEqual('eventlogs', count, LOOKUPS)),
    ];
    const samples = await sampleCases(config.pairPlan, cases);
    // Each query must have become exactly one job-info.lookup per job, or the rows measure something else.
    const expectedRpcs = (config.pairPlan.warmup + config.pairPlan.runs) * (LOOKUPS + 1);
    expectEqual(`${LOOKUP} RPCs sent`, okRpcCount(await fetchMetrics(served.server.url), LOOKUP) - before, expectedRpcs);
    const [oneTimes, manyTimes] = samples as [number[], number[]];
    const ratio = summarizeRatios(pairedRatios(manyTimes, oneTimes));
    const one = timingOf(oneTimes);
    const many = timingOf(manyTimes);
    table(
      `${LOOKUPS} jobs' eventlogs in one request vs one job's, ${LATENCY_MS} ms per RPC at the broker (${served.jobs} jobs; ${config.pairPlan.runs} rounds, median)`,
      ['case', 'median', 'min-max', 'ratio vs baseline (per round)'],
      [
        ['baseline: one job(id:) { eventlog }', formatMs(one.medianMs), spread(one), '1.00x'],
        [`${LOOKUPS} aliased job(id:) { eventlog }`, formatMs(many.medianMs), spread(many), formatRatioSummary(ratio)],
      ],
    );
    note(
      `Over HTTP to \`flux-graphql serve --flux-uri local://…\`, whose /metrics counted exactly one ${LOOKUP} per job and query ` +
        `(${expectedRpcs} in all); each job is first found by job-list.list-id (batched the same way), so both rows pay two round trips. ` +
        `The broker delays every request ${LATENCY_MS} ms (as \`broker --latency ${LATENCY_MS}\`); requests in flight together wait together.`,
    );
  } finally {
    client.close();
    await served.stop();
  }
}

if (require.main === module) {
  runDetails(benchConfigFrom(process.argv)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
