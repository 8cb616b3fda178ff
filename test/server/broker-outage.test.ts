/**
 * A GraphQL server whose broker dies and comes back. The broker is `flux-graphql broker` in a
 * child process and the server's handle a real local:// connection to it, reconnecting in the
 * background as the server's does: requests in flight when it is killed fail with
 * FLUX_UNAVAILABLE (no hang, no crash), the server goes on answering with that error while the
 * broker is down, and once a broker listens on the socket again the connection comes back by
 * itself and requests succeed, with no restart of the server. The server logs one line when the
 * connection goes and one when it is back, and /metrics shows the broker gauge and reconnects.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { EmbeddedInstance } from '../../src/embedded';
import { describeWorkload, forEachJob } from '../../src/embedded/workload/generate';
import { openHandle } from '../../src/flux/connect';
import type { FluxHandle, RpcOptions } from '../../src/flux/handle';
import type { Json, JsonObject } from '../../src/flux/json';
import type { JobInfoOptions } from '../../src/joblist';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { ServerMetrics } from '../../src/server/metrics';
import { type BrokerChild, startBrokerChild, writeSnapshotOf } from '../support/broker-child';

const NOW = 1795640000.25;
const QUERY = '{ jobs(first: 5) { totalCount nodes { id name state } } jobStats { total running } }';

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql(app: FluxGraphQLApp, query: string): Promise<GraphQLAnswer> {
  const response = await app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as GraphQLAnswer;
}

async function readiness(app: FluxGraphQLApp): Promise<{ status: number; body: { ok: boolean; backend: string; error?: string } }> {
  const response = await app.fetch('http://yoga/readyz');
  return { status: response.status, body: (await response.json()) as { ok: boolean; backend: string; error?: string } };
}

/** The value of an unlabelled metric on /metrics (which asks Flux nothing). */
async function metricValue(app: FluxGraphQLApp, name: string): Promise<number> {
  const text = await (await app.fetch('http://yoga/metrics')).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`/metrics has no ${name}`);
  return Number(line.slice(name.length + 1));
}

/** Waits, checking every 25 ms for at most 10 s, until `condition` holds. */
async function eventually(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (await condition()) return;
    await pause(25);
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Every error of a failed answer, which must all be FLUX_UNAVAILABLE; returns their messages. */
function unavailableMessages(answer: GraphQLAnswer): string[] {
  expect(answer.data ?? null).toBeNull();
  expect(answer.errors?.length).toBeGreaterThan(0);
  for (const error of answer.errors ?? []) expect(error.extensions?.code).toBe('FLUX_UNAVAILABLE');
  return (answer.errors ?? []).map((error) => error.message);
}

/** Passes requests on and lets a test wait until the next one has been handed to the connection. */
class WatchedHandle implements FluxHandle {
  private waiting: (() => void)[] = [];

  readonly watchConnection: FluxHandle['watchConnection'];

  constructor(private readonly inner: FluxHandle) {
    this.watchConnection = inner.watchConnection?.bind(inner);
  }

  get uri(): string {
    return this.inner.uri;
  }

  nextRequest(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> {
    const result = this.inner.rpc(topic, payload, options);
    this.announce();
    return result;
  }

  rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> {
    const stream = this.inner.rpcStream(topic, payload, options);
    const announce = (): void => this.announce();
    return {
      [Symbol.asyncIterator]: () => {
        const iterator = stream[Symbol.asyncIterator]();
        announce();
        return iterator;
      },
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private announce(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/** Lets the connection write what it was handed (it does so after a promise tick). */
function afterPendingIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('a GraphQL server over local:// when its broker is killed and restarted', () => {
  const workload = { jobs: 40, seed: 5, now: NOW };
  const description = describeWorkload(workload);
  const instance = new EmbeddedInstance({ queues: description.queues, now: () => NOW, ownerUserid: description.owner });
  forEachJob(workload, (job) => instance.sink.ingest(job));
  const names = new Map(description.users.map((user) => [user.uid, user.name]));
  const jobInfo: JobInfoOptions = { now: () => NOW, timeZone: 'UTC', usernameOf: (uid) => names.get(uid) };
  const directory = mkdtempSync(join(tmpdir(), 'fg-outage-'));
  const socket = join(directory, 'broker.sock');
  const brokerArgs = ['--snapshot', join(directory, 'snapshot.json'), '--no-live'];
  let broker: BrokerChild | undefined;
  let connection: FluxHandle | undefined;
  let watched: WatchedHandle;
  let app: FluxGraphQLApp;
  let expected: GraphQLAnswer;
  const logLines: Record<string, unknown>[] = [];
  const logSink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const uri = `local://${socket}`;
  const connectionLines = (): Record<string, unknown>[] => logLines.filter((line) => String(line['msg']).startsWith('flux connection'));

  beforeAll(async () => {
    await writeSnapshotOf(instance, join(directory, 'snapshot.json'));
    broker = await startBrokerChild(socket, brokerArgs);
    // No RPC timeout: a request that lost its broker must fail because the connection went,
    // not because a timer ran out. Short reconnect waits keep the test quick.
    connection = await openHandle(uri, { timeoutMs: 0, connectRetries: 0, reconnectDelayMs: 50, maxReconnectDelayMs: 200, reconnectInBackground: true });
    watched = new WatchedHandle(connection);
    app = createApp({ handle: watched, logging: false, jobInfo, metrics: new ServerMetrics(), connectionLogger: pino({ base: null }, logSink) });
    expected = await gql(createApp({ handle: instance.handle(), logging: false, jobInfo }), QUERY);
  });

  afterAll(async () => {
    await connection?.close();
    await broker?.stop();
    instance.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('answers as the in-process instance does while the broker is up', async () => {
    expect(expected.errors).toBeUndefined();
    expect(expected.data?.['jobs']).toMatchObject({ totalCount: 40 });
    expect(await gql(app, QUERY)).toEqual(expected);
    expect(await readiness(app)).toEqual({ status: 200, body: { ok: true, backend: `local://${socket}` } });
    expect(await metricValue(app, 'flux_graphql_broker_connected')).toBe(1);
    expect(await metricValue(app, 'flux_graphql_broker_reconnects_total')).toBe(0);
    expect(connectionLines()).toEqual([]);
  });

  it('fails a query in flight when the broker is killed, with FLUX_UNAVAILABLE', async () => {
    const running = broker as BrokerChild;
    // Frozen, the broker takes the request off the socket only once it runs again, which it never
    // does: the request is in flight, certainly unanswered, when the broker is killed.
    running.signal('SIGSTOP');
    const sent = watched.nextRequest();
    const answer = gql(app, QUERY);
    await sent;
    await afterPendingIo();
    running.signal('SIGKILL');
    expect(await running.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const messages = unavailableMessages(await answer);
    // The requests that were already sent lost their connection (later ones could not connect).
    expect(messages[0]).toMatch(new RegExp(`^Flux instance at local://${socket} is unavailable: (the connection was closed|connection error: )`));
    expect(await metricValue(app, 'flux_graphql_broker_connected')).toBe(0);
  });

  it('goes on answering while the broker is down: FLUX_UNAVAILABLE, and /readyz not ok', async () => {
    // The killed broker could not remove its socket; nobody accepts connections there.
    expect(existsSync(socket)).toBe(true);
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const message of unavailableMessages(await gql(app, QUERY))) {
        expect(message).toMatch(new RegExp(`^Flux instance at local://${socket} is unavailable: `));
      }
    }
    const down = await readiness(app);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ ok: false, backend: `local://${socket}` });
    expect(down.body.error).toMatch(/is unavailable: /);
    // However many requests failed, and however often the handle tried to reconnect: one line.
    expect(connectionLines()).toEqual([{ level: 40, time: expect.any(Number), uri, reason: expect.stringMatching(/^(the connection was closed|connection error: )/), msg: 'flux connection lost' }]);
    expect(await metricValue(app, 'flux_graphql_broker_connected')).toBe(0);
    expect(await metricValue(app, 'flux_graphql_broker_reconnects_total')).toBe(0);
  });

  it('answers again once a broker listens on the same socket, without restarting the server', async () => {
    broker = await startBrokerChild(socket, brokerArgs);
    // The handle retries on its own with a growing (here at most 200 ms) wait between attempts;
    // nothing here sends an RPC until it is back (/metrics asks Flux nothing).
    await eventually(async () => (await metricValue(app, 'flux_graphql_broker_connected')) === 1, 'the broker gauge to read 1');
    expect(await metricValue(app, 'flux_graphql_broker_reconnects_total')).toBe(1);
    const [lost, back] = connectionLines();
    expect(connectionLines()).toHaveLength(2);
    expect(lost).toMatchObject({ msg: 'flux connection lost', uri });
    expect(back).toEqual({ level: 30, time: expect.any(Number), uri, downMs: expect.any(Number), attempts: expect.any(Number), msg: 'flux connection back' });
    // At least one attempt failed while nobody listened on the socket.
    expect(back?.['attempts']).toBeGreaterThanOrEqual(2);
    expect(back?.['downMs']).toBeGreaterThanOrEqual(0);
    expect(await readiness(app)).toEqual({ status: 200, body: { ok: true, backend: `local://${socket}` } });
    expect(await gql(app, QUERY)).toEqual(expected);
    expect(await gql(app, QUERY)).toEqual(expected);
    expect(connectionLines()).toHaveLength(2);
  });
});
