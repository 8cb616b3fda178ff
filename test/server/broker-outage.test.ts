/**
 * A GraphQL server whose broker dies and comes back. The broker is `flux-graphql broker` in a
 * child process and the server's handle a real local:// connection to it: requests in flight
 * when it is killed fail with FLUX_UNAVAILABLE (no hang, no crash), the server goes on answering
 * with that error while the broker is down, and once a broker listens on the socket again later
 * requests succeed, with no restart of the server.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedInstance } from '../../src/embedded';
import { describeWorkload, forEachJob } from '../../src/embedded/workload/generate';
import { openHandle } from '../../src/flux/connect';
import type { FluxHandle, RpcOptions } from '../../src/flux/handle';
import type { Json, JsonObject } from '../../src/flux/json';
import type { JobInfoOptions } from '../../src/joblist';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
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

  constructor(private readonly inner: FluxHandle) {}

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

  beforeAll(async () => {
    await writeSnapshotOf(instance, join(directory, 'snapshot.json'));
    broker = await startBrokerChild(socket, brokerArgs);
    // No RPC timeout: a request that lost its broker must fail because the connection went,
    // not because a timer ran out. Short reconnect waits keep the test quick.
    connection = await openHandle(`local://${socket}`, { timeoutMs: 0, connectRetries: 0, reconnectDelayMs: 50, maxReconnectDelayMs: 200 });
    watched = new WatchedHandle(connection);
    app = createApp({ handle: watched, logging: false, jobInfo });
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
  });

  it('answers again once a broker listens on the same socket, without restarting the server', async () => {
    broker = await startBrokerChild(socket, brokerArgs);
    // The connector retries on later requests with a growing (here at most 200 ms) wait between
    // attempts; until its next attempt it fails requests at once, as FLUX_UNAVAILABLE.
    let answer = await gql(app, QUERY);
    for (let attempt = 0; answer.errors !== undefined && attempt < 200; attempt++) {
      unavailableMessages(answer);
      await pause(25);
      answer = await gql(app, QUERY);
    }
    expect(answer).toEqual(expected);
    expect(await gql(app, QUERY)).toEqual(expected);
    expect(await readiness(app)).toEqual({ status: 200, body: { ok: true, backend: `local://${socket}` } });
  });
});
