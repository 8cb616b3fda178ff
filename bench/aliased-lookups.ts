/**
 * Issue 10, pair 4: 100 aliased job(id:) fields in one query against a query of one, when every
 * RPC takes 5 ms at the broker (as on a loaded or distant instance). The request's DataLoader
 * makes the 100 lookups one batch of list-id RPCs in flight together, so the pair measures what
 * the server spends per looked-up job beyond the one round trip both pay.
 */
import { benchConfigFrom, type BenchConfig } from './bench-config';
import { HttpGraphQLClient } from './http-client';
import { aliasedLookupQuery, LOOKUPS, spreadIdsAt } from './id-lookups';
import { benchCase, expectEqual, formatMs, note, sampleCases, spread, table, timingOf } from './measure';
import { formatRatioSummary, formatTarget, pairedRatios, reportPair, summarizeRatios, verdict, type RatioTarget } from './ratios';
import { DASHBOARD_JOB_FIELDS } from './selection';
import { serveDataset } from './served-dataset';
import { fetchMetrics, okRpcCount } from './server-metrics';

const LATENCY_MS = 5;
const TARGET: RatioTarget = { bound: 'atMost', value: 1.5 };
const LIST_ID = 'job-list.list-id';
/** The fields of the "Lookups by ID" table's query, and the dashboard's. */
const FIELD_SETS: readonly string[] = ['id state name', DASHBOARD_JOB_FIELDS];

export async function runAliasedLookups(config: BenchConfig): Promise<void> {
  const served = await serveDataset(config, { name: 'aliased-lookups', latencyMs: LATENCY_MS });
  const client = new HttpGraphQLClient(served.server.url);
  try {
    const ids = await spreadIdsAt(served.fluxUri);
    const found = async (query: string): Promise<number> =>
      Object.values(await client.data<Record<string, { id: string } | null>>(query)).filter((job) => job !== null).length;
    const before = okRpcCount(await fetchMetrics(served.server.url), LIST_ID);
    const cases = FIELD_SETS.flatMap((fields) => [
      benchCase(() => found(aliasedLookupQuery(ids.slice(0, 1), fields)), (count) => expectEqual('jobs found', count, 1)),
      benchCase(() => found(aliasedLookupQuery(ids, fields)), (count) => expectEqual('jobs found', count, LOOKUPS)),
    ]);
    const samples = await sampleCases(config.pairPlan, cases);
    // Each query must have become exactly one list-id per ID, or the rows measure something else.
    const requests = config.pairPlan.warmup + config.pairPlan.runs;
    const expectedRpcs = requests * (LOOKUPS + 1) * FIELD_SETS.length;
    expectEqual(`${LIST_ID} RPCs sent`, okRpcCount(await fetchMetrics(served.server.url), LIST_ID) - before, expectedRpcs);
    const rows: string[][] = [];
    for (const [k, fields] of FIELD_SETS.entries()) {
      const oneTimes = samples[2 * k] as number[];
      const manyTimes = samples[2 * k + 1] as number[];
      const ratio = summarizeRatios(pairedRatios(manyTimes, oneTimes));
      const oneTiming = timingOf(oneTimes);
      const manyTiming = timingOf(manyTimes);
      rows.push(
        [`baseline: one job(id:) { ${fields} }`, formatMs(oneTiming.medianMs), spread(oneTiming), '1.00x', ''],
        [`${LOOKUPS} aliased job(id:), same fields`, formatMs(manyTiming.medianMs), spread(manyTiming), formatRatioSummary(ratio), verdict(ratio, TARGET)],
      );
      reportPair({
        name: 'aliased-lookups',
        what: `${LOOKUPS} aliased job(id:) { ${fields === DASHBOARD_JOB_FIELDS ? 'the 11 dashboard fields' : fields} } vs one, ${LATENCY_MS} ms per RPC`,
        ours: formatMs(manyTiming.medianMs),
        baseline: formatMs(oneTiming.medianMs),
        ratio,
        target: TARGET,
      });
    }
    table(
      `${LOOKUPS} aliased job(id:) vs one, ${LATENCY_MS} ms per RPC at the broker (${served.jobs} jobs; ${config.pairPlan.runs} rounds, median)`,
      ['case', 'median', 'min-max', 'ratio vs baseline (per round)', `target ${formatTarget(TARGET)}`],
      rows,
    );
    note(
      `Over HTTP to \`flux-graphql serve --flux-uri local://…\`, whose /metrics counted exactly one ${LIST_ID} RPC per looked-up ID ` +
        `(${expectedRpcs} in all); the IDs are spread over the whole listing. The broker process delays every request ${LATENCY_MS} ms ` +
        `(as \`broker --latency ${LATENCY_MS}\`); requests in flight together wait together. \`id state name\` is the query of the ` +
        '"Lookups by ID" table; the dashboard fields add user names (NSS, batched per answer) and the derived columns.',
    );
  } finally {
    client.close();
    await served.stop();
  }
}

if (require.main === module) {
  runAliasedLookups(benchConfigFrom(process.argv)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
