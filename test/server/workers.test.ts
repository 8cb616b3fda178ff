/**
 * `serve --workers 2` started for real: the primary hands connections to both workers, whose
 * answers equal one process's; the embedded instance lives once, in a broker child; /metrics sums
 * the workers; a killed worker is replaced; SIGTERM lets a request in flight finish, stops the
 * workers, then the broker child, and leaves no process behind; so does the primary killed
 * outright. `--workers 1` starts no other process.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/start';
import { startBrokerChild, type BrokerChild } from '../support/broker-child';
import { COMPARISON_QUERIES, getOnNewConnection, postOnNewConnection } from '../support/one-connection-post';
import { childrenOf, commandLineOf, isRunning, startServeProcess, waitUntilGone, type ServeProcess, type ServeProcessOptions } from '../support/serve-process';
import { collect, wsClient } from '../support/live-server';

// Each test starts three or four Node processes from source on a machine that may be busy.
jest.setTimeout(90_000);

const SNAPSHOT = join(__dirname, '../fixtures/flux-0.88-snapshot.json');
const SNAPSHOT_JOBS = (JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { jobs: unknown[] }).jobs.length;

/** The pids the primary names in its start-up line. */
function processesOf(serve: ServeProcess): { workers: number[]; broker?: number } {
  const line = serve.lines.find((text) => /^flux-graphql: \d+ workers \(pids /.test(text));
  if (line === undefined) throw new Error(`no workers line in:\n${serve.lines.join('\n')}`);
  const workers = (/pids ([\d, ]+)\)/.exec(line)?.[1] ?? '').split(', ').map(Number);
  const broker = /broker child \(pid (\d+)\)/.exec(line)?.[1];
  return { workers, ...(broker === undefined ? {} : { broker: Number(broker) }) };
}

function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function metrics(serve: ServeProcess): Promise<string> {
  const answer = await getOnNewConnection(serve.url.replace('/graphql', '/metrics'));
  expect(answer.status).toBe(200);
  return answer.body;
}

/**
 * The children of a server process, without the esbuild service that tsx (which runs the server
 * from source in these tests) may start on its own: that one is not the product's.
 */
function serverChildrenOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => !/\/esbuild --service=/.test(commandLineOf(child)));
}

const running: ServeProcess[] = [];
afterEach(async () => {
  for (const serve of running.splice(0)) {
    if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL');
    await serve.exited;
  }
});

async function start(args: readonly string[], options: ServeProcessOptions = {}): Promise<ServeProcess> {
  const serve = await startServeProcess(['--port', '0', ...args], options);
  running.push(serve);
  return serve;
}

describe('serve --workers 2 on a snapshot', () => {
  let single: RunningServer;
  beforeAll(async () => {
    single = await startServer(
      { port: 0, host: '127.0.0.1', snapshot: { path: SNAPSHOT, live: false }, embedded: { jobs: 3000, seed: 1, live: false, latencyMs: 0 }, maxPageSize: 1000, defaultPageSize: 50 },
      { log: () => undefined, handleSignals: false },
    );
  });
  afterAll(() => single.close());

  it('answers from both workers, each answer what one process answers, then stops every process on SIGTERM', async () => {
    const serve = await start(['--workers', '2', '--snapshot', SNAPSHOT]);
    const { workers, broker } = processesOf(serve);
    expect(workers).toHaveLength(2);
    expect(broker).toBeDefined();
    expect(serve.lines.slice(0, 3)).toEqual([
      `flux-graphql: backend snapshot ${SNAPSHOT}: ${SNAPSHOT_JOBS} jobs of a flux-core 0.88 test instance taken 2026-11-25T20:16:38Z, frozen`,
      expect.stringMatching(/^flux-graphql: 2 workers \(pids \d+, \d+\), sharing the instance in a broker child \(pid \d+\) at local:\/\/\/.*\/broker\.sock$/),
      `flux-graphql: GraphiQL at ${serve.url}`,
    ]);
    // Compared as command lines, so that an unexpected child says what it is.
    const expected = new Set([...workers, broker]);
    expect(serverChildrenOf(serve.pid).filter((pid) => !expected.has(pid)).map(commandLineOf)).toEqual([]);
    expect(serverChildrenOf(serve.pid).filter((pid) => expected.has(pid))).toHaveLength(expected.size);

    const ids: string[] = [];
    for (const round of [1, 2]) {
      for (const [k, payload] of COMPARISON_QUERIES.entries()) {
        const id = `cmp-${round}-${k}`;
        ids.push(id);
        const [fromWorkers, fromSingle] = await Promise.all([postOnNewConnection(serve.url, payload, { 'x-request-id': id }), postOnNewConnection(single.url, payload)]);
        expect({ id, status: fromWorkers.status, body: JSON.parse(fromWorkers.body) as unknown }).toEqual({ id, status: fromSingle.status, body: JSON.parse(fromSingle.body) as unknown });
      }
    }
    const logged = await serve.waitForRequests(ids);
    expect(logged).toHaveLength(ids.length);
    expect(new Set(logged.map((entry) => entry.worker))).toEqual(new Set([1, 2]));

    // /healthz and /readyz answer from whichever worker gets them, naming the snapshot.
    for (const path of ['/healthz', '/readyz', '/healthz', '/readyz']) {
      const answer = await getOnNewConnection(serve.url.replace('/graphql', path));
      expect({ path, status: answer.status, body: JSON.parse(answer.body) as unknown }).toEqual({
        path,
        status: 200,
        body: { ok: true, backend: `snapshot ${SNAPSHOT}: ${SNAPSHOT_JOBS} jobs of a flux-core 0.88 test instance taken 2026-11-25T20:16:38Z, frozen` },
      });
    }

    // /metrics is the sum over both workers, whichever of them is asked.
    const first = await metrics(serve);
    const second = await metrics(serve);
    for (const text of [first, second]) {
      expect(metricValue(text, 'flux_graphql_http_requests_total{status="200"}')).toBe(ids.length);
      expect(metricValue(text, 'flux_graphql_workers')).toBe(2);
      expect(metricValue(text, 'flux_graphql_worker_restarts_total')).toBe(0);
    }

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(serve.lines).toContain('flux-graphql: SIGTERM, shutting down');
    expect([...workers, broker as number].filter(isRunning)).toEqual([]);
  });

  it('serves graphql-ws on the same port from both workers: a query and a subscription on each connection', async () => {
    const serve = await start(['--workers', '2', '--snapshot', SNAPSHOT]);
    const wsUrl = serve.url.replace(/^http:/, 'ws:');
    // Round-robin: of consecutive connections, each worker gets its share.
    for (const connection of ['ws-1', 'ws-2', 'ws-3', 'ws-4']) {
      // Not lazy: one socket for both operations, however long between them.
      const client = wsClient(wsUrl, { 'x-request-id': connection }, { lazy: false });
      const count = collect(client, 'query Count { jobs { totalCount } }');
      expect(await count.ended).toBeUndefined();
      expect(count.values).toEqual([{ data: { jobs: { totalCount: SNAPSHOT_JOBS } } }]);
      const stats = collect(client, 'subscription Stats { jobStats { total } }');
      expect(await stats.atLeast(1)).toEqual([{ data: { jobStats: { total: SNAPSHOT_JOBS } } }]);
      stats.unsubscribe();
      await client.dispose();
    }
    const servedBy = new Map<string, Set<number>>();
    for (const connection of ['ws-1', 'ws-2', 'ws-3', 'ws-4']) {
      for (const operation of ['Count', 'Stats']) {
        const match = await serve.waitForLine(new RegExp(`"operation":"${operation}".*"connection":"${connection}"`));
        const line = JSON.parse(match.input) as { worker: number; transport: string };
        expect(line.transport).toBe('ws');
        servedBy.set(connection, (servedBy.get(connection) ?? new Set()).add(line.worker));
      }
    }
    // Both operations of a connection by the one worker that has it; both workers serving.
    expect([...servedBy.values()].map((workers) => workers.size)).toEqual([1, 1, 1, 1]);
    expect(new Set([...servedBy.values()].flatMap((workers) => [...workers]))).toEqual(new Set([1, 2]));
  });
});

describe('serve --workers 2 on the embedded instance', () => {
  it('lets a request in flight finish after SIGTERM, refusing new connections meanwhile, then exits 0 with no process left', async () => {
    const serve = await start(['--workers', '2', '--jobs', '20', '--no-live', '--latency', '2000', '--shutdown-grace', '20']);
    const { workers, broker } = processesOf(serve);
    let answered = false;
    const inFlight = postOnNewConnection(serve.url, { query: '{ jobs(first: 3) { totalCount nodes { id username } } }' }).then((answer) => {
      answered = true;
      return answer;
    });
    // In flight once a worker counts it (the sum over the workers, whichever answers /metrics).
    while (metricValue(await metrics(serve), 'flux_graphql_active_requests') !== 1) await new Promise((resolve) => setTimeout(resolve, 50));
    serve.child.kill('SIGTERM');
    await serve.waitForLine(/SIGTERM, shutting down/);
    // The port closes once both workers have stopped accepting, while the request is still being served.
    // (A connection the primary took at the very moment the workers closed may be held until it
    // exits, by node's round-robin handle; each attempt therefore gives up after a while.)
    let refused = false;
    while (!refused && !answered) {
      refused = await getOnNewConnection(serve.url.replace('/graphql', '/healthz'), 500).then(
        () => false,
        (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
      );
    }
    expect({ refused, answered }).toEqual({ refused: true, answered: false });
    // The broker child serves it to the end: it stops last.
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body) as { data: { jobs: { totalCount: number; nodes: { id: string; username: string }[] } } };
    expect(body.data.jobs.totalCount).toBe(20);
    expect(body.data.jobs.nodes).toHaveLength(3);
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect([...workers, broker as number].filter(isRunning)).toEqual([]);
  });

  it('finishes a request in flight when SIGTERM reaches every process at once, as systemd\'s default KillMode sends it', async () => {
    const serve = await start(['--workers', '2', '--jobs', '20', '--no-live', '--latency', '2000', '--shutdown-grace', '20'], { ownProcessGroup: true });
    const { workers, broker } = processesOf(serve);
    const inFlight = postOnNewConnection(serve.url, { query: '{ jobs(first: 2) { totalCount nodes { id } } }' });
    while (metricValue(await metrics(serve), 'flux_graphql_active_requests') !== 1) await new Promise((resolve) => setTimeout(resolve, 50));
    process.kill(-serve.pid, 'SIGTERM');
    // The broker child outlives the signal: the workers still need it.
    const answer = await inFlight;
    expect({ status: answer.status, body: JSON.parse(answer.body) as unknown }).toEqual({ status: 200, body: { data: { jobs: { totalCount: 20, nodes: [expect.anything(), expect.anything()] } } } });
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(serve.lines.filter((line) => line.includes('shutting down'))).toEqual(['flux-graphql: SIGTERM, shutting down']);
    expect([...workers, broker as number].filter(isRunning)).toEqual([]);
  });

  it('starts another worker when one is killed, and serves on with it', async () => {
    const serve = await start(['--workers', '2', '--jobs', '20', '--no-live']);
    const { workers, broker } = processesOf(serve);
    const [victim, survivor] = workers as [number, number];
    process.kill(victim, 'SIGKILL');
    await serve.waitForLine(new RegExp(`^flux-graphql: worker 1 \\(pid ${victim}\\) was killed by SIGKILL; starting another$`));
    const replacement = Number((await serve.waitForLine(/^flux-graphql: worker 3 \(pid (\d+)\) serving$/))[1]);
    expect(new Set(serverChildrenOf(serve.pid))).toEqual(new Set([survivor, replacement, broker]));

    // Job IDs count milliseconds from when the history was made: a worker with an instance of its
    // own would show other IDs. The replacement shows the ones the survivor does.
    const ids = ['after-1', 'after-2', 'after-3', 'after-4'];
    const bodies = new Set<string>();
    for (const id of ids) {
      const answer = await postOnNewConnection(serve.url, { query: '{ jobs(first: 20) { totalCount nodes { id } } }' }, { 'x-request-id': id });
      expect(answer.status).toBe(200);
      bodies.add(answer.body);
    }
    expect(bodies.size).toBe(1);
    expect((JSON.parse([...bodies][0] as string) as { data: { jobs: { totalCount: number } } }).data.jobs.totalCount).toBe(20);
    expect(new Set((await serve.waitForRequests(ids)).map((entry) => entry.worker))).toEqual(new Set([2, 3]));
    const text = await metrics(serve);
    expect(metricValue(text, 'flux_graphql_workers')).toBe(2);
    expect(metricValue(text, 'flux_graphql_worker_restarts_total')).toBe(1);

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect([survivor, replacement, broker as number].filter(isRunning)).toEqual([]);
  });

  it('holds back a restart beyond twice the workers a minute, serving on with the workers left', async () => {
    const serve = await start(['--workers', '2', '--jobs', '5', '--no-live']);
    const { workers, broker } = processesOf(serve);
    const [first, survivor] = workers as [number, number];
    // Four restarts within the minute go at once: workers 3 to 6 replace 1, 3, 4 and 5 in turn.
    let victim = { id: 1, pid: first };
    for (let id = 3; id <= 6; id++) {
      process.kill(victim.pid, 'SIGKILL');
      await serve.waitForLine(new RegExp(`^flux-graphql: worker ${victim.id} \\(pid ${victim.pid}\\) was killed by SIGKILL; starting another$`));
      victim = { id, pid: Number((await serve.waitForLine(new RegExp(`^flux-graphql: worker ${id} \\(pid (\\d+)\\) serving$`)))[1]) };
    }
    process.kill(victim.pid, 'SIGKILL');
    const held = await serve.waitForLine(/^flux-graphql: worker 6 \(pid \d+\) was killed by SIGKILL; starting another in (\d+) s \(at most 4 restarts a minute\)$/);
    expect(Number(held[1])).toBeGreaterThan(0);
    expect(Number(held[1])).toBeLessThanOrEqual(60);
    const text = await metrics(serve);
    expect(metricValue(text, 'flux_graphql_workers')).toBe(1);
    expect(metricValue(text, 'flux_graphql_worker_restarts_total')).toBe(4);
    const answer = await postOnNewConnection(serve.url, { query: '{ jobs { totalCount } }' });
    expect(JSON.parse(answer.body)).toEqual({ data: { jobs: { totalCount: 5 } } });
    // The restart held back is called off by the shutdown: nothing new starts, nothing is left.
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(serve.lines.filter((line) => /worker 7/.test(line))).toEqual([]);
    expect([survivor, broker as number].filter(isRunning)).toEqual([]);
  });

  it('leaves no process behind when the primary itself is killed outright', async () => {
    const serve = await start(['--workers', '2', '--jobs', '5', '--no-live']);
    const { workers, broker } = processesOf(serve);
    serve.child.kill('SIGKILL');
    await serve.exited;
    // The workers and the broker child see their IPC channel close and exit on their own.
    await waitUntilGone([...workers, broker as number]);
  });

  it('prints a start-up failure once and exits 1, leaving no process behind', async () => {
    // Every child the primary ever had, seen while it starts up and gives up.
    const children = new Set<number>();
    let watching: NodeJS.Timeout | undefined;
    const serve = startServeProcess(['--port', '0', '--workers', '2', '--jobs', '5', '--no-live', '--host', '0.0.0.0'], {
      onSpawn: (child) => {
        watching = setInterval(() => {
          for (const pid of serverChildrenOf(child.pid as number)) children.add(pid);
        }, 10);
      },
    });
    const failure = (await serve.catch((error: Error) => error)) as Error;
    clearInterval(watching);
    expect(failure.message).toMatch(/serve exited \(\{"code":1,"signal":null\}\)/);
    expect(failure.message.match(/refusing to listen on 0\.0\.0\.0 with --auth none/g)).toHaveLength(1);
    // The broker child and both workers were there, and are gone.
    expect(children.size).toBeGreaterThanOrEqual(3);
    expect([...children].filter(isRunning)).toEqual([]);
  });
});

describe('serve --workers 2 on a Flux instance', () => {
  let dir: string;
  let broker: BrokerChild;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'workers-flux-'));
    broker = await startBrokerChild(join(dir, 'flux.sock'), ['--jobs', '30', '--no-live']);
  });
  afterAll(async () => {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('connects each worker to the instance itself, with no broker child of its own, and prints what every worker warns once', async () => {
    const uri = `local://${broker.socketPath}`;
    const serve = await start(['--workers', '2', '--flux-uri', uri, '--host', '0.0.0.0', '--allow-anonymous']);
    const { workers, broker: own } = processesOf(serve);
    expect(own).toBeUndefined();
    expect(serve.lines.slice(0, 3)).toEqual([
      expect.stringMatching(/^flux-graphql: warning: --auth none on 0\.0\.0\.0: every client is served as .+, without authentication \(--allow-anonymous\)$/),
      `flux-graphql: backend ${uri}`,
      expect.stringMatching(new RegExp(`^flux-graphql: 2 workers \\(pids \\d+, \\d+\\), each with its own connection to ${uri}$`)),
    ]);
    expect(serve.lines.filter((line) => line.includes('warning'))).toHaveLength(1);
    expect(new Set(serverChildrenOf(serve.pid))).toEqual(new Set(workers));
    const ids = ['flux-1', 'flux-2', 'flux-3', 'flux-4'];
    for (const id of ids) {
      const answer = await postOnNewConnection(serve.url, { query: '{ jobs { totalCount } }' }, { 'x-request-id': id });
      expect(JSON.parse(answer.body)).toEqual({ data: { jobs: { totalCount: 30 } } });
    }
    expect(new Set((await serve.waitForRequests(ids)).map((entry) => entry.worker))).toEqual(new Set([1, 2]));
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(workers.filter(isRunning)).toEqual([]);
  });
});

describe('serve --workers 1 (the default)', () => {
  it('serves from this one process, as before: no other process, no worker in the log', async () => {
    const serve = await start(['--jobs', '5', '--no-live']);
    expect(serve.lines).toEqual(['flux-graphql: backend embedded:jobs=5,seed=1,fixed', `flux-graphql: GraphiQL at ${serve.url}`]);
    expect(serverChildrenOf(serve.pid)).toEqual([]);
    await postOnNewConnection(serve.url, { query: '{ jobs { totalCount } }' }, { 'x-request-id': 'one' });
    const [entry] = await serve.waitForRequests(['one']);
    expect(entry).not.toHaveProperty('worker');
    const text = await metrics(serve);
    expect(metricValue(text, 'flux_graphql_workers')).toBeUndefined();
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  });
});
