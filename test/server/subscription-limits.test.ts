/**
 * What bounds the subscriptions of a real server, over server-sent events and WebSocket alike:
 * how many one connection and one user may hold (TOO_MANY_SUBSCRIPTIONS beyond), that a client
 * that goes takes every Flux stream of its subscriptions with it (the embedded instance's count
 * of open watches falls back to 0), that neither the per-user request limit nor the request
 * deadline cuts a long quiet subscription, and what /metrics and the request log say of them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import WebSocket from 'ws';
import { EmbeddedInstance } from '../../src/embedded';
import { encodeJobId } from '../../src/flux/jobid';
import { createApp } from '../../src/server/app';
import { ServerMetrics } from '../../src/server/metrics';
import { serveGraphQLOverWebSocket, type WebSocketTransport } from '../../src/server/websocket';
import { ev, job } from '../embedded/job-builders';
import { acknowledgedSocket, ALICE, BOB, collect, openWatches, settlesTo, sse, startLiveServer, T0, wsClient, type LiveServer } from '../support/live-server';

const EVENTS = 'subscription Watch($id: JobID!) { jobEvents(id: $id) { name } }';
const AS_ALICE = { 'x-remote-user': ALICE.name };
const AS_BOB = { 'x-remote-user': BOB.name };

interface ErrorResult {
  errors: { message: string; extensions: Record<string, unknown> }[];
}

async function metricsOf(live: LiveServer): Promise<string> {
  return (await fetch(live.server.url.replace('/graphql', '/metrics'))).text();
}

function gauge(text: string, name: string): number {
  const match = new RegExp(`^${name.replace(/[{}]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text);
  if (match === null) throw new Error(`${name} is not in /metrics`);
  return Number(match[1]);
}

const openSubscriptions = async (live: LiveServer, transport: 'sse' | 'ws'): Promise<number> => gauge(await metricsOf(live), `flux_graphql_open_subscriptions{transport="${transport}"}`);

describe('subscriptions at once', () => {
  let live: LiveServer;
  beforeAll(async () => {
    live = await startLiveServer(undefined, { maxSubscriptionsPerConnection: 2, maxSubscriptionsPerUser: 3 });
    for (const id of [1000n, 1001n, 1002n, 1003n]) live.instance.sink.ingest(job(id, 'run', T0, { userid: ALICE.uid }));
    live.instance.sink.ingest(job(2000n, 'run', T0, { userid: BOB.uid }));
  });
  afterAll(() => live?.close());

  it('per WebSocket connection: one past the limit gets TOO_MANY_SUBSCRIPTIONS as its only result, the others go on', async () => {
    const client = wsClient(live.wsUrl, AS_ALICE);
    const first = collect(client, EVENTS, { id: encodeJobId(1000n) });
    const second = collect(client, EVENTS, { id: encodeJobId(1001n) });
    await first.atLeast(6);
    await second.atLeast(6);
    const third = collect(client, EVENTS, { id: encodeJobId(1002n) });
    expect(await third.ended).toBeUndefined();
    expect(third.values).toEqual([
      {
        errors: [
          {
            message: 'Too many subscriptions on this connection: at most 2 at once (--max-subscriptions-per-connection); complete one before starting another, or open another connection.',
            extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 2, per: 'connection' },
          },
        ],
      },
    ]);
    live.instance.sink.post(1000n, ev('exception', T0 + 10, { type: 'test', severity: 1, note: '' }));
    expect((await first.atLeast(7))[6]).toEqual({ data: { jobEvents: { name: 'exception' } } });
    // Another connection of the same user has slots of its own (the user's limit is 3).
    const other = wsClient(live.wsUrl, AS_ALICE);
    const elsewhere = collect(other, EVENTS, { id: encodeJobId(1002n) });
    await elsewhere.atLeast(6);
    // Completing one frees its slot on the connection.
    first.unsubscribe();
    expect(await settlesTo(() => openSubscriptions(live, 'ws'), 2)).toBe(2);
    const again = collect(client, EVENTS, { id: encodeJobId(1003n) });
    await again.atLeast(6);
    await client.dispose();
    await other.dispose();
    expect(await settlesTo(() => openWatches(live.instance), 0)).toBe(0);
  });

  it('per user, over SSE and WebSocket together; other users are not counted with them', async () => {
    const sseOne = await sse(live.server.url, EVENTS, { id: encodeJobId(1000n) }, AS_ALICE);
    const sseTwo = await sse(live.server.url, EVENTS, { id: encodeJobId(1001n) }, AS_ALICE);
    await sseOne.reader.results(6);
    await sseTwo.reader.results(6);
    const client = wsClient(live.wsUrl, AS_ALICE);
    const overWs = collect(client, EVENTS, { id: encodeJobId(1002n) });
    await overWs.atLeast(6);
    const refusal: ErrorResult = {
      errors: [
        {
          message: 'Too many subscriptions for user "alice": at most 3 at once, over server-sent events and WebSocket together (--max-subscriptions-per-user); complete one before starting another.',
          extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 3, per: 'user' },
        },
      ],
    };
    const fourthWs = collect(client, EVENTS, { id: encodeJobId(1003n) });
    await fourthWs.ended;
    expect(fourthWs.values).toEqual([refusal]);
    const fourthSse = await sse(live.server.url, EVENTS, { id: encodeJobId(1003n) }, AS_ALICE);
    expect(fourthSse.response.status).toBe(200);
    expect(await fourthSse.reader.results()).toEqual([refusal]);
    const bobs = collect(wsClient(live.wsUrl, AS_BOB), EVENTS, { id: encodeJobId(2000n) });
    expect((await bobs.atLeast(1))[0]).toEqual({ data: { jobEvents: { name: 'submit' } } });
    bobs.unsubscribe();
    // One of alice's SSE streams ends: she may subscribe once more.
    await sseOne.reader.close();
    expect(await settlesTo(() => openSubscriptions(live, 'sse'), 1)).toBe(1);
    const fifth = collect(client, EVENTS, { id: encodeJobId(1003n) });
    await fifth.atLeast(6);
    await sseTwo.reader.close();
    await client.dispose();
    expect(await settlesTo(() => openWatches(live.instance), 0)).toBe(0);
  });
});

describe('a client that goes', () => {
  let live: LiveServer;
  beforeAll(async () => {
    live = await startLiveServer();
    for (const id of [1000n, 1001n]) live.instance.sink.ingest(job(id, 'run', T0, { userid: ALICE.uid }));
  });
  afterAll(() => live?.close());

  it('over WebSocket: every Flux stream of its subscriptions (eventlog watches, the journal) is cancelled when the socket closes', async () => {
    const { socket } = await acknowledgedSocket(live.wsUrl, AS_ALICE);
    const subscribe = (id: string, query: string, variables: Record<string, unknown>): void => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    subscribe('a', EVENTS, { id: encodeJobId(1000n) });
    subscribe('b', 'subscription($id: JobID!) { jobEvents(id: $id, eventlog: EXEC) { name } }', { id: encodeJobId(1001n) });
    subscribe('c', 'subscription($id: JobID!) { jobOutput(id: $id) { data } }', { id: encodeJobId(1000n) });
    subscribe('d', 'subscription { jobChanges { event } }', {});
    expect(await settlesTo(() => openWatches(live.instance), 3)).toBe(3);
    expect(await settlesTo(async () => live.instance.journal.openStreams, 1)).toBe(1);
    expect(await openSubscriptions(live, 'ws')).toBe(4);
    expect(gauge(await metricsOf(live), 'flux_graphql_websocket_connections')).toBe(1);
    // Gone without a close frame, as a client whose machine went away.
    socket.terminate();
    expect(await settlesTo(() => openWatches(live.instance), 0)).toBe(0);
    expect(await settlesTo(async () => live.instance.journal.openStreams, 0)).toBe(0);
    expect(await settlesTo(() => openSubscriptions(live, 'ws'), 0)).toBe(0);
    expect(gauge(await metricsOf(live), 'flux_graphql_websocket_connections')).toBe(0);
  });

  it('over WebSocket: a subscription the client completes lets go of its stream, the others stay', async () => {
    const { socket } = await acknowledgedSocket(live.wsUrl, AS_ALICE);
    socket.send(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: EVENTS, variables: { id: encodeJobId(1000n) } } }));
    socket.send(JSON.stringify({ id: 'b', type: 'subscribe', payload: { query: EVENTS, variables: { id: encodeJobId(1001n) } } }));
    expect(await settlesTo(() => openWatches(live.instance), 2)).toBe(2);
    socket.send(JSON.stringify({ id: 'a', type: 'complete' }));
    expect(await settlesTo(() => openWatches(live.instance), 1)).toBe(1);
    socket.close();
    expect(await settlesTo(() => openWatches(live.instance), 0)).toBe(0);
  });

  it('over SSE: the subscription ends when the request is aborted, while it is quiet', async () => {
    const aborting = new AbortController();
    const { reader } = await sse(live.server.url, 'subscription($id: JobID!) { jobOutput(id: $id) { data } }', { id: encodeJobId(1000n) }, AS_ALICE, aborting.signal);
    const events = await sse(live.server.url, EVENTS, { id: encodeJobId(1001n) }, AS_ALICE, aborting.signal);
    await events.reader.results(6);
    expect(await settlesTo(() => openWatches(live.instance), 2)).toBe(2);
    expect(await openSubscriptions(live, 'sse')).toBe(2);
    aborting.abort();
    await reader.close().catch(() => undefined);
    expect(await settlesTo(() => openWatches(live.instance), 0)).toBe(0);
    expect(await settlesTo(() => openSubscriptions(live, 'sse'), 0)).toBe(0);
  });
});

describe('long quiet subscriptions', () => {
  let live: LiveServer;
  beforeAll(async () => {
    live = await startLiveServer(undefined, { maxConcurrentPerUser: 1, requestTimeoutSeconds: 0.05 });
    live.instance.sink.ingest(job(1000n, 'run', T0, { userid: ALICE.uid }));
  });
  afterAll(() => live?.close());

  it('hold no slot of --max-concurrent-per-user once streaming, and outlive --request-timeout', async () => {
    const overSse = await sse(live.server.url, EVENTS, { id: encodeJobId(1000n) }, AS_ALICE);
    await overSse.reader.results(6);
    const client = wsClient(live.wsUrl, AS_ALICE);
    const overWs = collect(client, EVENTS, { id: encodeJobId(1000n) });
    await overWs.atLeast(6);
    // With one request at once allowed, a query of the same user is still answered.
    const query = await fetch(live.server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...AS_ALICE }, body: JSON.stringify({ query: '{ jobs { totalCount } }' }) });
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ data: { jobs: { totalCount: 1 } } });
    const overWsQuery = collect(client, '{ jobs { totalCount } }');
    await overWsQuery.ended;
    expect(overWsQuery.values).toEqual([{ data: { jobs: { totalCount: 1 } } }]);
    // Well past the request deadline (50 ms), both streams still deliver.
    await new Promise((resolve) => setTimeout(resolve, 300));
    live.instance.sink.post(1000n, ev('exception', T0 + 10, { type: 'test', severity: 1, note: '' }));
    expect(await overSse.reader.results(1)).toEqual([{ data: { jobEvents: { name: 'exception' } } }]);
    expect((await overWs.atLeast(7))[6]).toEqual({ data: { jobEvents: { name: 'exception' } } });
    await overSse.reader.close();
    await client.dispose();
  });
});

describe('the request log and /metrics', () => {
  let instance: EmbeddedInstance;
  let server: Server;
  let webSockets: WebSocketTransport;
  let url: string;
  const lines: Record<string, unknown>[] = [];
  const metrics = new ServerMetrics();

  beforeAll(async () => {
    instance = new EmbeddedInstance({ ownerUserid: 0, now: () => T0 + 100 });
    instance.sink.ingest(job(1000n, 'run', T0, { userid: 1000 }));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const app = createApp({ handle: instance.handle(), logging: false, metrics, requestLogger: pino({ base: null }, sink), subscriptionLimits: { maxPerConnection: 1 } });
    server = createServer(app);
    webSockets = serveGraphQLOverWebSocket(server, app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await webSockets.close(100);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    instance.close();
  });

  it('writes a subscription\'s line when it ends, with its transport and the results it sent', async () => {
    const overSse = await sse(url, EVENTS, { id: encodeJobId(1000n) }, { 'x-request-id': 'sse-1' });
    await overSse.reader.results(6);
    const client = wsClient(url.replace('http:', 'ws:'), { 'x-request-id': 'conn-1' });
    const overWs = collect(client, EVENTS, { id: encodeJobId(1000n) });
    await overWs.atLeast(6);
    const refused = collect(client, EVENTS, { id: encodeJobId(1000n) });
    await refused.ended;
    const open = await metrics.exposition();
    expect(open).toContain('flux_graphql_open_subscriptions{transport="sse"} 1');
    expect(open).toContain('flux_graphql_open_subscriptions{transport="ws"} 1');
    // Nothing yet of the two that go on; the refused one has ended.
    expect(lines.filter((line) => line['errorCodes'] !== undefined && (line['errorCodes'] as string[]).length === 0)).toEqual([]);
    // Its one result was the refusal.
    expect(lines).toMatchObject([{ msg: 'request', operation: 'Watch', transport: 'ws', connection: 'conn-1', results: 1, errorCodes: ['TOO_MANY_SUBSCRIPTIONS'] }]);
    instance.sink.post(1000n, ev('exception', T0 + 10, { type: 'test', severity: 1, note: '' }));
    await overSse.reader.results(1);
    await overWs.atLeast(7);
    await overSse.reader.close();
    await client.dispose();
    while (lines.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(lines.slice(1).sort((a, b) => String(a['transport']).localeCompare(String(b['transport'])))).toMatchObject([
      { msg: 'request', reqId: 'sse-1', user: null, operation: 'Watch', status: 200, transport: 'sse', rpcs: 2, results: 7, errorCodes: [] },
      { msg: 'request', user: null, operation: 'Watch', transport: 'ws', connection: 'conn-1', rpcs: 2, results: 7, errorCodes: [] },
    ]);
    const closed = await metrics.exposition();
    expect(closed).toContain('flux_graphql_open_subscriptions{transport="sse"} 0');
    expect(closed).toContain('flux_graphql_open_subscriptions{transport="ws"} 0');
    expect(closed).toContain('flux_graphql_errors_total{code="TOO_MANY_SUBSCRIPTIONS"} 1');
  });

  it('writes a line for each query over WebSocket, as over HTTP, and one for a refused upgrade', async () => {
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Count { jobs { totalCount } }' }) });
    const overHttp = lines[lines.length - 1] as Record<string, unknown>;
    expect(overHttp).toMatchObject({ operation: 'Count', status: 200 });
    const before = lines.length;
    const client = wsClient(url.replace('http:', 'ws:'));
    const query = collect(client, 'query Count { jobs { totalCount } }');
    await query.ended;
    await client.dispose();
    const refused = new WebSocket(url.replace('http:', 'ws:'), 'graphql-transport-ws', { headers: { origin: 'https://evil.example.com', 'x-request-id': 'evil-1' } });
    await new Promise((resolve) => refused.once('unexpected-response', resolve));
    refused.once('error', () => undefined);
    expect(lines.slice(before)).toMatchObject([
      { operation: 'Count', transport: 'ws', rpcs: overHttp['rpcs'], results: 1, errorCodes: [] },
      { reqId: 'evil-1', status: 403, transport: 'ws', errorCodes: ['ORIGIN_NOT_ALLOWED'] },
    ]);
  });
});
