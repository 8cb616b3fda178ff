/**
 * Issue 10, pair 1: the dashboard query (jobs(first: 50) with 11 fields) under 32 concurrent
 * connections, against `{ __typename }` on the same server: how much of the server's ceiling of
 * requests per second a real query keeps. autocannon drives the server child over loopback for
 * a bounded time per case; the cases take turns, round by round, and each round's ratio is
 * taken against the ceiling measured in that round.
 */
import autocannon from 'autocannon';
import { benchConfigFrom, type BenchConfig } from './bench-config';
import { HttpGraphQLClient } from './http-client';
import { BenchCheckError, expectEqual, median, note, table } from './measure';
import { formatRatioSummary, formatTarget, pairedRatios, reportPair, summarizeRatios, verdict, type RatioTarget } from './ratios';
import { DASHBOARD_JOB_FIELDS, DASHBOARD_QUERY, TYPENAME_QUERY } from './selection';
import { serveDataset } from './served-dataset';
import { processCpuMs } from './process-cpu';
import { waitUntilIdle } from './server-metrics';

const CONNECTIONS = 32;
const TARGET: RatioTarget = { bound: 'atLeast', value: 0.5 };

/** CPU ms of the server, the broker and this process (the client). */
interface CpuShares {
  server: number;
  broker: number;
  client: number;
}

interface LoadRound {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** CPU ms per request answered; undefined without /proc. */
  cpuMsPerRequest: CpuShares | undefined;
}

/** The processes whose CPU a run's requests are charged. */
interface LoadProcesses {
  serverPid: number;
  brokerPid: number;
}

function cpuNow(processes: LoadProcesses): CpuShares | undefined {
  const server = processCpuMs(processes.serverPid);
  const broker = processCpuMs(processes.brokerPid);
  if (server === undefined || broker === undefined) return undefined;
  const own = process.cpuUsage();
  return { server, broker, client: (own.user + own.system) / 1000 };
}

/**
 * One bounded autocannon run of `query`, once the server has finished the last run's requests.
 * Every answer is checked (HTTP 200, no "errors" key): a server that answers fast with errors
 * (429 beyond --max-concurrent-per-user, 32 by default) has measured nothing.
 */
async function load(url: string, query: string, seconds: number, processes: LoadProcesses): Promise<LoadRound> {
  await waitUntilIdle(url);
  const cpuBefore = cpuNow(processes);
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
    verifyBody: (body) => {
      const text = typeof body === 'string' ? body : (body?.toString('utf8') ?? '');
      return text.startsWith('{"data":') && !text.includes('"errors":');
    },
  });
  const failures = { errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, mismatches: result.mismatches };
  if (Object.values(failures).some((count) => count > 0)) {
    throw new BenchCheckError(`autocannon run of ${query.slice(0, 40)}… had failures: ${JSON.stringify(failures)}`);
  }
  if (result.requests.total === 0) throw new BenchCheckError(`autocannon run of ${query.slice(0, 40)}… completed no request`);
  // The requests still in flight when the run stopped are served too: charge their CPU to this run.
  await waitUntilIdle(url);
  const cpuAfter = cpuNow(processes);
  const requests = result.requests.total;
  const cpuMsPerRequest =
    cpuBefore === undefined || cpuAfter === undefined
      ? undefined
      : {
          server: (cpuAfter.server - cpuBefore.server) / requests,
          broker: (cpuAfter.broker - cpuBefore.broker) / requests,
          client: (cpuAfter.client - cpuBefore.client) / requests,
        };
  return { requestsPerSecond: requests / result.duration, latencyP50Ms: result.latency.p50, latencyP99Ms: result.latency.p99, cpuMsPerRequest };
}

/** Medians over the rounds of the CPU each request cost each process, e.g. "1.21 / 0.40 / 0.35". */
function cpuText(rounds: readonly LoadRound[]): string {
  const costs = rounds.map((r) => r.cpuMsPerRequest);
  if (costs.some((cost) => cost === undefined)) return 'n/a (no /proc)';
  const of = (pick: (cost: CpuShares) => number): string => median(costs.map((cost) => pick(cost as CpuShares))).toFixed(2);
  return `${of((c) => c.server)} / ${of((c) => c.broker)} / ${of((c) => c.client)}`;
}

export async function runDashboardLoad(config: BenchConfig): Promise<void> {
  const served = await serveDataset(config, { name: 'dashboard' });
  const client = new HttpGraphQLClient(served.server.url);
  try {
    // The answer a dashboard gets, checked once before the load.
    const page = await client.data<{ jobs: { nodes: Record<string, unknown>[] } }>(DASHBOARD_QUERY);
    expectEqual('dashboard jobs', page.jobs.nodes.length, 50);
    expectEqual('dashboard fields', Object.keys(page.jobs.nodes[0] ?? {}).length, DASHBOARD_JOB_FIELDS.split(' ').length);
    expectEqual('ceiling answer', (await client.data<{ __typename: string }>(TYPENAME_QUERY)).__typename, 'Query');

    const processes: LoadProcesses = { serverPid: served.server.pid, brokerPid: served.brokerPid };
    const ceiling: LoadRound[] = [];
    const dashboard: LoadRound[] = [];
    // A warm-up round (JIT, connection set-up, caches), not counted.
    await load(served.server.url, TYPENAME_QUERY, config.loadSeconds, processes);
    await load(served.server.url, DASHBOARD_QUERY, config.loadSeconds, processes);
    for (let round = 0; round < config.loadRounds; round++) {
      ceiling.push(await load(served.server.url, TYPENAME_QUERY, config.loadSeconds, processes));
      dashboard.push(await load(served.server.url, DASHBOARD_QUERY, config.loadSeconds, processes));
    }
    const rate = (rounds: readonly LoadRound[]): number[] => rounds.map((r) => r.requestsPerSecond);
    const ratio = summarizeRatios(pairedRatios(rate(dashboard), rate(ceiling)));
    const row = (label: string, rounds: readonly LoadRound[], ratioText: string): string[] => {
      const rates = rate(rounds);
      return [
        label,
        median(rates).toFixed(0),
        `${Math.min(...rates).toFixed(0)}-${Math.max(...rates).toFixed(0)}`,
        median(rounds.map((r) => r.latencyP50Ms)).toFixed(1),
        median(rounds.map((r) => r.latencyP99Ms)).toFixed(1),
        cpuText(rounds),
        ratioText,
      ];
    };
    table(
      `Dashboard query under ${CONNECTIONS} connections vs the { __typename } ceiling (${served.jobs} jobs; ${config.loadRounds} rounds of ${config.loadSeconds} s per case after a warm-up round)`,
      ['case', 'req/s median', 'req/s min-max', 'latency p50 ms', 'latency p99 ms', 'CPU ms/request: server / broker / client', 'ratio vs baseline (per round)'],
      [
        row('baseline: { __typename }', ceiling, '1.00x'),
        row(`jobs(first: 50) { nodes { ${DASHBOARD_JOB_FIELDS} } }`, dashboard, formatRatioSummary(ratio)),
      ],
    );
    note(
      `Target (issue 10): ${formatTarget(TARGET)} of the ceiling; ${verdict(ratio, TARGET)}. autocannon ${CONNECTIONS} connections over loopback ` +
        `from the bench process, the server (\`flux-graphql serve --flux-uri local://…\`, NODE_ENV=${process.env['NODE_ENV'] ?? 'unset'}, ` +
        `request log off) in its own process, the broker in a third; every answer was checked for HTTP 200 and no errors. ` +
        'CPU per request is each process\'s user+system time over the run (from /proc, 10 ms ticks) divided by the requests answered; ' +
        'the three processes share the machine\'s cores, so the broker\'s and the client\'s CPU is taken from the server\'s.',
    );
    reportPair({
      name: 'dashboard',
      what: `dashboard query (jobs(first: 50), 11 fields) under ${CONNECTIONS} connections, vs { __typename } on the same server`,
      ours: `${median(rate(dashboard)).toFixed(0)} req/s`,
      baseline: `${median(rate(ceiling)).toFixed(0)} req/s`,
      ratio,
      target: TARGET,
    });
  } finally {
    client.close();
    // The last run's requests are still being served; stopping now would fail them noisily.
    await waitUntilIdle(served.server.url).catch(() => undefined);
    await served.stop();
  }
}

if (require.main === module) {
  runDashboardLoad(benchConfigFrom(process.argv)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
