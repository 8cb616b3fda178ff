/**
 * More than one core (issue 10): the dashboard query (jobs(first: 50), 11 fields) under 32
 * connections, `serve --workers 2` against `--workers 1`, in two settings:
 *   - a Flux instance: the bench broker (a process of its own, as Flux's broker is) holding the
 *     bench dataset, and the server with --flux-uri local://, each worker its own connection;
 *   - the embedded instance: --workers 1 serves it in-process, --workers 2 from its broker child.
 * Both servers of a setting run side by side and take turns, round by round (an idle server costs
 * next to nothing), so that a busy spell of the machine falls on both alike; each round's ratio
 * is taken against --workers 1 in that round. autocannon drives them from this process over
 * loopback; every answer is checked (HTTP 200, data, no errors).
 *
 * The load generator, the broker and the server's processes all share this machine's cores, so
 * on a 2-core machine 2 workers cannot reach 2x: the figure says what a second worker buys here.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { benchConfig, tmpSocketDir } from './bench-config';
import { startChild } from './child-process';
import { BenchCheckError, expectEqual, median, note, table } from './measure';
import { DASHBOARD_JOB_FIELDS, DASHBOARD_QUERY } from './selection';
import { waitUntilIdle } from './server-metrics';

const CONNECTIONS = 32;

const PROJECT_ROOT = resolve(__dirname, '..');
const CLI = resolve(PROJECT_ROOT, 'src/server/cli.ts');

interface Server {
  readonly url: string;
  /** The process started; with --workers, the primary, whose descendants are the workers (and a broker child). */
  readonly pid: number;
  stop(): Promise<void>;
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** The process and its descendants, from /proc (Linux). */
function processTree(pid: number): number[] {
  const tree = [pid];
  for (let k = 0; k < tree.length; k++) {
    const parent = tree[k] as number;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8').split(' ').filter((text) => text !== '');
        tree.push(...children.map(Number));
      } catch {
        // The task ended while being read.
      }
    }
  }
  return tree;
}

/** CPU time (user + system) the process and its descendants have used so far, in milliseconds. */
function cpuMsOfTree(pid: number): number {
  let ticks = 0;
  for (const member of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${member}/stat`, 'utf8');
      // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended while being read.
    }
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** `flux-graphql serve --port 0 --no-request-log ARGS...` in a process of its own, once it prints its address. */
function startServer(args: readonly string[]): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--no-request-log', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NODE_ENV: process.env['NODE_ENV'] ?? 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((done, fail) => {
    let started = false;
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const ready = /GraphiQL at (\S+)/.exec(line);
      if (!started && ready !== null) {
        started = true;
        done({ url: ready[1] as string, pid: child.pid as number, stop });
      }
    });
    child.once('close', (code, signal) => {
      if (!started) fail(new Error(`serve ${args.join(' ')} exited before it answered (code ${String(code)}, signal ${String(signal)})`));
    });
  });
}

interface LoadRun {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** CPU the server's processes (and `alsoCounted`, e.g. the broker) used per request answered. */
  cpuMsPerRequest: number;
  /** CPU this process (autocannon, the client) used per request. */
  clientCpuMsPerRequest: number;
  /** Cores kept busy on average by the server and the client together during the run. */
  coresBusy: number;
}

async function load(server: Server, seconds: number, alsoCounted: readonly number[]): Promise<LoadRun> {
  const url = server.url;
  await waitUntilIdle(url);
  const cpu = (): number => [server.pid, ...alsoCounted].reduce((sum, pid) => sum + cpuMsOfTree(pid), 0);
  const cpuBefore = cpu();
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: DASHBOARD_QUERY }),
    verifyBody: (body) => {
      const text = typeof body === 'string' ? body : (body?.toString('utf8') ?? '');
      return text.startsWith('{"data":') && !text.includes('"errors":');
    },
  });
  const failures = { errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, mismatches: result.mismatches };
  if (Object.values(failures).some((count) => count > 0)) throw new BenchCheckError(`autocannon run on ${url} had failures: ${JSON.stringify(failures)}`);
  if (result.requests.total === 0) throw new BenchCheckError(`autocannon run on ${url} completed no request`);
  // autocannon stops counting at the deadline; what is still in flight is served (and costs CPU) after it.
  await waitUntilIdle(url);
  const elapsedMs = performance.now() - started;
  const client = process.cpuUsage(clientBefore);
  const clientMs = (client.user + client.system) / 1000;
  const serverMs = cpu() - cpuBefore;
  const answered = result.requests.sent;
  return {
    requestsPerSecond: result.requests.total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    cpuMsPerRequest: serverMs / answered,
    clientCpuMsPerRequest: clientMs / answered,
    coresBusy: (serverMs + clientMs) / elapsedMs,
  };
}

/** The dashboard's answer, checked once before the load: 50 jobs with the 11 fields. */
async function checkAnswer(url: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: DASHBOARD_QUERY }) });
  const body = (await response.json()) as { data?: { jobs: { nodes: Record<string, unknown>[] } }; errors?: unknown[] };
  if (body.errors !== undefined) throw new BenchCheckError(`the dashboard query failed on ${url}: ${JSON.stringify(body.errors)}`);
  expectEqual('dashboard jobs', body.data?.jobs.nodes.length, 50);
  expectEqual('dashboard fields', Object.keys(body.data?.jobs.nodes[0] ?? {}).length, DASHBOARD_JOB_FIELDS.split(' ').length);
}

interface Setting {
  label: string;
  /** serve's arguments besides --workers. */
  args: readonly string[];
  /** Processes whose CPU counts as the server's too (the bench broker that plays the Flux instance). */
  alsoCounted: readonly number[];
}

/** Both servers of a setting side by side, taking turns: rounds of `seconds` each after a warm-up round. */
async function measureSetting(setting: Setting, rounds: number, seconds: number): Promise<void> {
  const one = await startServer([...setting.args, '--workers', '1']);
  let two: Server | undefined;
  try {
    two = await startServer([...setting.args, '--workers', '2']);
    await checkAnswer(one.url);
    await checkAnswer(two.url);
    await load(one, seconds, setting.alsoCounted);
    await load(two, seconds, setting.alsoCounted);
    const single: LoadRun[] = [];
    const double: LoadRun[] = [];
    for (let round = 0; round < rounds; round++) {
      single.push(await load(one, seconds, setting.alsoCounted));
      double.push(await load(two, seconds, setting.alsoCounted));
    }
    const ratios = double.map((run, k) => run.requestsPerSecond / (single[k] as LoadRun).requestsPerSecond);
    const row = (label: string, runs: readonly LoadRun[], ratio: string): string[] => {
      const rates = runs.map((run) => run.requestsPerSecond);
      return [
        label,
        median(rates).toFixed(0),
        `${Math.min(...rates).toFixed(0)}-${Math.max(...rates).toFixed(0)}`,
        median(runs.map((run) => run.latencyP50Ms)).toFixed(1),
        median(runs.map((run) => run.latencyP99Ms)).toFixed(1),
        median(runs.map((run) => run.cpuMsPerRequest)).toFixed(2),
        median(runs.map((run) => run.clientCpuMsPerRequest)).toFixed(2),
        median(runs.map((run) => run.coresBusy)).toFixed(2),
        ratio,
      ];
    };
    table(`${setting.label}: the dashboard query under ${CONNECTIONS} connections (${rounds} rounds of ${seconds} s per case after a warm-up round)`, ['case', 'req/s median', 'req/s min-max', 'latency p50 ms', 'latency p99 ms', 'server CPU ms/request', 'client CPU ms/request', 'cores busy', 'req/s ratio vs --workers 1 (per round)'], [
      row('baseline: --workers 1', single, '1.00x'),
      row('--workers 2', double, `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`),
    ]);
  } finally {
    if (two !== undefined) {
      await waitUntilIdle(two.url).catch(() => undefined);
      await two.stop();
    }
    await waitUntilIdle(one.url).catch(() => undefined);
    await one.stop();
  }
}

function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
}

async function main(): Promise<void> {
  const config = benchConfig(process.argv.includes('--quick'));
  const rounds = config.quick ? 2 : 5;
  const seconds = config.quick ? 3 : 5;
  const loadBefore = loadAverage();
  const sockets = tmpSocketDir();
  const socket = join(sockets.dir, 'local');
  const broker = startChild('broker-process.ts', [socket, String(config.wireInactiveJobs)]);
  try {
    const ready = await broker.nextMessage<{ ready: boolean; jobs: number }>();
    await measureSetting(
      { label: `A Flux instance (the bench broker, ${ready.jobs} jobs, over local://)`, args: ['--flux-uri', `local://${socket}`], alsoCounted: [broker.process.pid as number] },
      rounds,
      seconds,
    );
  } finally {
    await broker.stop();
    sockets.remove();
  }
  await measureSetting({ label: 'The embedded instance (3000 generated jobs, --no-live)', args: ['--embedded', '--jobs', '3000', '--no-live'], alsoCounted: [] }, rounds, seconds);
  note(
    `${cpus().length} cores; load average ${loadBefore} before, ${loadAverage()} after. autocannon runs in the bench process on the same cores as ` +
      "the server's primary, its workers and the broker, and other work on the machine shows up as spread: read the per-round ratios, not the rates. " +
      'Server CPU per request is the user and system time of the server\'s processes (primary, workers, broker child; for the Flux instance also ' +
      'the bench broker) over the requests answered: what a second worker costs, whatever the machine has to spare. Client CPU is this ' +
      "process's (autocannon's), and cores busy is the server's and the client's CPU over the run's time: when it is near the machine's cores " +
      'with one worker, a second one has no core to run on. Requests per second can scale with workers only as far as there are idle cores for them.',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
