import * as fs from 'node:fs';
import type * as net from 'node:net';
import { Errno, Role } from '../../src/flux/constants';
import { FluxError, FluxRpcError } from '../../src/flux/errors';
import type { ConnectionEvent, FluxHandle } from '../../src/flux/handle';
import type { Json } from '../../src/flux/json';
import { openLocalHandle, retryCountFromEnv } from '../../src/flux/local-connector';
import { encodeMessage, encodeStringPayload, type FluxMessage, MessageType } from '../../src/flux/message';
import { frameRecord } from '../../src/flux/stream-framing';
import type { StreamHandle } from '../../src/flux/stream-handle';
import { serveBroker, type RunningBroker } from '../../src/embedded/wire/broker';
import { createFakeService, type FakeService } from '../support/fake-service';
import { responseTo, type ScriptedBroker, startScriptedBroker, tmpSocketPath } from '../support/scripted-broker';

const dirs: string[] = [];
function socketPath(): string {
  const { dir, path } = tmpSocketPath();
  dirs.push(dir);
  return path;
}

async function collect(iterable: AsyncIterable<Json | undefined>): Promise<Array<Json | undefined>> {
  const out: Array<Json | undefined> = [];
  for await (const value of iterable) out.push(value);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<FluxError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(FluxError);
    return err as FluxError;
  }
  throw new Error('expected the promise to reject');
}

async function streamRejection(iterable: AsyncIterable<Json | undefined>, seen: Array<Json | undefined> = []): Promise<FluxError> {
  return rejection(
    (async () => {
      for await (const value of iterable) seen.push(value);
    })(),
  );
}

/** Resolves once `predicate` holds, checking after each turn of the event loop (bounded). */
async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const silent = (): void => undefined;

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('local connector against the embedded broker', () => {
  let service: FakeService;
  let broker: RunningBroker;
  let handle: StreamHandle;
  let path: string;

  beforeAll(async () => {
    path = socketPath();
    service = createFakeService();
    broker = await serveBroker(service, { path, userid: 4242, serviceNames: ['test'], log: silent });
    handle = await openLocalHandle(path);
  });
  afterAll(async () => {
    await handle.close();
    await broker.close();
  });

  it('answers an RPC with the service payload; the broker stamps its credentials and a sender id', async () => {
    const answer = (await handle.rpc('test.echo', { id: 2n ** 63n + 5n, t_submit: 12.5, name: 'ü' })) as Record<string, Json>;
    expect(answer.echo).toEqual({ id: 2n ** 63n + 5n, t_submit: 12.5, name: 'ü' });
    expect(answer.userid).toBe(4242);
    expect(answer.rolemask).toBe(Role.OWNER | Role.LOCAL);
    expect(answer.streaming).toBe(false);
    expect(answer.payloadKind).toBe('raw');
    expect(answer.sender).toMatch(/^[0-9a-f-]{36}$/);
    expect(handle.uri).toBe(`local://${path}`);
  });

  it('sends no payload frame when the caller gives no payload', async () => {
    const answer = (await handle.rpc('test.echo')) as Record<string, Json>;
    expect(answer.payloadKind).toBe('none');
    expect(answer.echo).toBeNull();
  });

  it('resolves undefined for a success response without payload', async () => {
    await expect(handle.rpc('test.empty', {})).resolves.toBeUndefined();
  });

  it('multiplexes many concurrent RPCs whose answers come back in reverse order', async () => {
    const calls = Array.from({ length: 40 }, (_, i) => handle.rpc('test.deferred', { n: i }));
    await until(() => service.requests.filter((r) => r.topic === 'test.deferred').length === 40, 'all 40 requests');
    service.releaseDeferred('reverse');
    const answers = await Promise.all(calls);
    expect(answers).toEqual(Array.from({ length: 40 }, (_, i) => ({ answer: { n: i } })));
  });

  it('streams every success response and ends at ENODATA', async () => {
    expect(await collect(handle.rpcStream('test.count', { n: 4 }))).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
    expect(await collect(handle.rpcStream('test.count', { n: 0 }))).toEqual([]);
    const last = service.requests[service.requests.length - 1];
    expect(last?.streaming).toBe(true);
  });

  it('runs streams and single RPCs side by side', async () => {
    const [a, b, c] = await Promise.all([
      collect(handle.rpcStream('test.count', { n: 3 })),
      handle.rpc('test.echo', { x: 1 }),
      collect(handle.rpcStream('test.count', { n: 2 })),
    ]);
    expect(a).toHaveLength(3);
    expect((b as Record<string, Json>).echo).toEqual({ x: 1 });
    expect(c).toHaveLength(2);
  });

  it('turns an error response into FluxRpcError with topic, errno and the service text', async () => {
    const err = (await rejection(handle.rpc('test.fail', {}))) as FluxRpcError;
    expect(err).toBeInstanceOf(FluxRpcError);
    expect(err.code).toBe('FLUX_RPC');
    expect(err.topic).toBe('test.fail');
    expect(err.errno).toBe(Errno.EINVAL);
    expect(err.errorString).toBe('bad thing requested');
    expect(err.message).toBe('test.fail: bad thing requested (EINVAL)');
  });

  it('uses the errno text when the error response has no string', async () => {
    const err = (await rejection(handle.rpc('test.enoent', {}))) as FluxRpcError;
    expect(err.errno).toBe(Errno.ENOENT);
    expect(err.errorString).toBeUndefined();
    expect(err.message).toBe('test.enoent: No such file or directory (ENOENT)');
  });

  it('ends a stream with FluxRpcError on a non-ENODATA error', async () => {
    const err = (await streamRejection(handle.rpcStream('test.nosuch', {}))) as FluxRpcError;
    expect(err.errno).toBe(Errno.ENOSYS);
    expect(err.errorString).toBe("Unknown service method 'test.nosuch'");
  });

  it('gets ENOSYS from the broker for a service nobody provides', async () => {
    const err = (await rejection(handle.rpc('other.thing', {}))) as FluxRpcError;
    expect(err.errno).toBe(Errno.ENOSYS);
    expect(err.errorString).toBe('No service matching other.thing is registered');
  });

  it('turns a service that throws into an error response, and the broker carries on', async () => {
    const err = (await rejection(handle.rpc('test.throw', {}))) as FluxRpcError;
    expect(err.errno).toBe(Errno.EPROTO);
    expect(err.errorString).toBe('internal error: service exploded');
    await expect(handle.rpc('test.empty', {})).resolves.toBeUndefined();
  });

  it('times out an RPC that gets no answer (FLUX_TIMEOUT), leaving the connection usable', async () => {
    const err = await rejection(handle.rpc('test.hang', {}, { timeoutMs: 30 }));
    expect(err.code).toBe('FLUX_TIMEOUT');
    expect(err.message).toBe(`test.hang: no response from local://${path} within 30 ms`);
    await expect(handle.rpc('test.empty', {})).resolves.toBeUndefined();
  });

  it('times out a stream whose next response does not come, after delivering the ones that did', async () => {
    const seen: Array<Json | undefined> = [];
    const err = await streamRejection(handle.rpcStream('test.hold', {}, { timeoutMs: 300 }), seen);
    expect(seen).toEqual([{ i: 0 }, { i: 1 }]);
    expect(err.code).toBe('FLUX_TIMEOUT');
    expect(err.message).toBe(`test.hold: no further response from local://${path} within 300 ms`);
  });

  it('rejects bad arguments before sending anything', async () => {
    expect((await rejection(handle.rpc('', {}))).message).toMatch(/topic: expected a non-empty string/);
    expect((await rejection(handle.rpc('test.echo', { x: Number.NaN }))).message).toMatch(/test.echo: cannot encode the request payload/);
    expect((await rejection(handle.rpc('test.echo', {}, { nodeid: -1 }))).message).toMatch(/nodeid: expected an unsigned 32-bit integer/);
    expect((await streamRejection(handle.rpcStream('', {}))).code).toBe('FLUX_PROTOCOL');
  });
});

describe('local connector wire behaviour (scripted broker)', () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const thing of open.reverse()) await thing.close();
  });

  async function scripted(
    script: Parameters<typeof startScriptedBroker>[1],
    options?: Parameters<typeof startScriptedBroker>[2],
  ): Promise<ScriptedBroker> {
    const broker = await startScriptedBroker(socketPath(), script, options);
    open.push(broker);
    return broker;
  }
  async function connect(path: string, options: Parameters<typeof openLocalHandle>[1] = {}): Promise<StreamHandle> {
    const handle = await openLocalHandle(path, { connectRetries: 0, ...options });
    open.push(handle);
    return handle;
  }

  it('builds requests as libflux does: TOPIC|ROUTE(|PAYLOAD)(|STREAMING), unknown creds, nodeid ANY, small matchtags', async () => {
    const broker = await scripted((msg, peer) => {
      if (msg.topic === 'a.stream') peer.send(responseTo(msg, { errnum: Errno.ENODATA }));
      else peer.send(responseTo(msg, { json: {} }));
    });
    const handle = await connect(broker.path);
    await handle.rpc('a.one', { x: 1 });
    await handle.rpc('a.two');
    await collect(handle.rpcStream('a.stream', {}));
    await handle.rpc('a.ranked', {}, { nodeid: 3 });
    expect(broker.received.map((m) => [m.topic, m.flags, m.userid, m.rolemask, m.aux1, m.aux2, m.routes])).toEqual([
      ['a.one', 0x0b, 0xffffffff, 0, 0xffffffff, 1, []],
      ['a.two', 0x09, 0xffffffff, 0, 0xffffffff, 1, []],
      ['a.stream', 0x4b, 0xffffffff, 0, 0xffffffff, 1, []],
      ['a.ranked', 0x0b, 0xffffffff, 0, 3, 1, []],
    ]);
  });

  it('presents configured credentials instead of unknown ones', async () => {
    const broker = await scripted((msg, peer) => peer.send(responseTo(msg, { json: {} })));
    const handle = await connect(broker.path, { credentials: { userid: 77, rolemask: Role.USER } });
    await handle.rpc('a.b', {});
    expect([broker.received[0]?.userid, broker.received[0]?.rolemask]).toEqual([77, Role.USER]);
  });

  it('hands out the lowest free matchtag and reuses one only after its final response', async () => {
    const pending = new Map<number, FluxMessage>();
    const broker = await scripted((msg) => pending.set(msg.aux2, msg));
    const handle = await connect(broker.path);
    const reply = (tag: number, answer: Parameters<typeof responseTo>[1]): void => {
      const peer = [...broker.peers][0] as net.Socket;
      peer.write(frameRecord(encodeMessage(responseTo(pending.get(tag) as FluxMessage, answer))));
    };

    const first = handle.rpc('t.a', {});
    const streamIter = handle.rpcStream('t.s', {})[Symbol.asyncIterator]();
    const streamNext = streamIter.next();
    const third = handle.rpc('t.c', {});
    await until(() => pending.size === 3, 'three requests');
    expect([...pending.keys()]).toEqual([1, 2, 3]);

    reply(1, { json: { a: 1 } });
    await expect(first).resolves.toEqual({ a: 1 });
    reply(2, { json: { s: 0 } });
    await expect(streamNext).resolves.toEqual({ value: { s: 0 }, done: false });
    // Leaving the stream early does not free its tag: more responses may still come.
    await streamIter.return?.();
    const fourth = handle.rpc('t.d', {});
    await until(() => broker.received.length === 4, 'fourth request');
    expect(broker.received[3]?.aux2).toBe(1);
    reply(2, { json: { s: 1 } }); // ignored: nobody listens any more
    reply(2, { errnum: Errno.ENODATA }); // final: tag 2 is free again
    reply(3, { json: { c: 3 } });
    await expect(third).resolves.toEqual({ c: 3 });
    reply(1, { json: { d: 4 } });
    await expect(fourth).resolves.toEqual({ d: 4 });
    const fifth = handle.rpc('t.e', {});
    await until(() => broker.received.length === 5, 'fifth request');
    expect(broker.received[4]?.aux2).toBe(1);
    const sixth = handle.rpc('t.f', {});
    await until(() => broker.received.length === 6, 'sixth request');
    expect(broker.received[5]?.aux2).toBe(2);
    reply(1, { json: {} });
    reply(2, { json: {} });
    await Promise.all([fifth, sixth]);
  });

  it('ignores events, responses for unknown matchtags and responses that still carry routes', async () => {
    const broker = await scripted((msg, peer) => {
      peer.send({ type: MessageType.EVENT, flags: 0x01, userid: 0, rolemask: 0, aux1: 9, aux2: 0, routes: [], topic: 'heartbeat.pulse' });
      peer.send({ ...responseTo(msg, { json: { wrong: 'tag' } }), aux2: msg.aux2 + 100 });
      peer.send({ ...responseTo(msg, { json: { wrong: 'routed' } }), routes: ['someone-else'] });
      peer.send(responseTo(msg, { json: { right: true } }));
    });
    const handle = await connect(broker.path);
    await expect(handle.rpc('x.y', {})).resolves.toEqual({ right: true });
  });

  it('fails only the affected RPC when a response payload is not a JSON object', async () => {
    const broker = await scripted((msg, peer) => {
      if (msg.topic === 'x.bad') peer.send({ ...responseTo(msg, { json: {} }), payload: encodeStringPayload('[1,2]') });
      else peer.send(responseTo(msg, { json: { fine: 1 } }));
    });
    const handle = await connect(broker.path);
    const err = await rejection(handle.rpc('x.bad', {}));
    expect(err.code).toBe('FLUX_PROTOCOL');
    expect(err.message).toBe('x.bad: invalid response payload: JSON payload: expected an object, received an array');
    await expect(handle.rpc('x.good', {})).resolves.toEqual({ fine: 1 });
  });

  it('reports a handshake refusal as FLUX_CONNECT naming the errno', async () => {
    const broker = await scripted(() => undefined, { handshakeByte: Errno.EPERM });
    const err = await rejection(openLocalHandle(broker.path, { connectRetries: 0 }));
    expect(err.code).toBe('FLUX_CONNECT');
    expect(err.message).toBe(`cannot connect to Flux at local://${broker.path}: the broker refused the connection: Operation not permitted (EPERM)`);
  });

  it('reports EOF instead of the handshake byte as ECONNRESET', async () => {
    const broker = await scripted(() => undefined, { handshakeByte: null });
    const err = await rejection(openLocalHandle(broker.path, { connectRetries: 0 }));
    expect(err.code).toBe('FLUX_CONNECT');
    expect(err.message).toMatch(/the connection closed before the handshake byte arrived: Connection reset by peer \(ECONNRESET\)$/);
  });

  it('reports a missing socket as FLUX_CONNECT after the configured retries', async () => {
    const path = socketPath();
    const err = await rejection(openLocalHandle(path, { connectRetries: 2 }));
    expect(err.code).toBe('FLUX_CONNECT');
    expect(err.message).toBe(`cannot connect to Flux at local://${path}: broker socket ${path} was not found`);
  });

  it('reads FLUX_LOCAL_CONNECTOR_RETRY_COUNT as the C client does', () => {
    expect(retryCountFromEnv({})).toBeUndefined();
    expect(retryCountFromEnv({ FLUX_LOCAL_CONNECTOR_RETRY_COUNT: '0' })).toBe(0);
    expect(retryCountFromEnv({ FLUX_LOCAL_CONNECTOR_RETRY_COUNT: '12' })).toBe(12);
    expect(() => retryCountFromEnv({ FLUX_LOCAL_CONNECTOR_RETRY_COUNT: 'five' })).toThrow(
      'FLUX_LOCAL_CONNECTOR_RETRY_COUNT must be an integer, received "five"',
    );
  });

  it('fails every pending RPC with FLUX_PROTOCOL when the broker sends garbage, then reconnects', async () => {
    let garbage = true;
    const broker = await scripted((msg, peer) => {
      if (msg.topic === 'g.trigger' && garbage) {
        garbage = false;
        peer.sendRaw(Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0));
      } else if (msg.topic !== 'g.wait') {
        peer.send(responseTo(msg, { json: { ok: true } }));
      }
    });
    const handle = await connect(broker.path);
    const events: ConnectionEvent[] = [];
    handle.watchConnection((event) => events.push(event));
    const waiting = handle.rpc('g.wait', {});
    const streaming = streamRejection(handle.rpcStream('g.wait', {}));
    await until(() => broker.received.length === 2, 'the waiting requests');
    const trigger = handle.rpc('g.trigger', {});
    const errors = await Promise.all([rejection(waiting), streaming, rejection(trigger)]);
    for (const err of errors) {
      expect(err.code).toBe('FLUX_PROTOCOL');
      expect(err.message).toBe(
        `Flux instance at local://${broker.path} sent an invalid message: corrupt stream: expected magic 12 00 ee ff (or ff ee 00 12), received de ad be ef`,
      );
    }
    expect(handle.connected).toBe(false);
    await expect(handle.rpc('g.again', {})).resolves.toEqual({ ok: true });
    expect(events).toEqual([
      { state: 'connected' },
      { state: 'lost', reason: 'it sent an invalid message: corrupt stream: expected magic 12 00 ee ff (or ff ee 00 12), received de ad be ef' },
      { state: 'reconnected', attempts: 1, downMs: expect.any(Number) },
    ]);
  });

  it('refuses new requests with FLUX_BUSY once too many bytes wait for a broker that does not read', async () => {
    const broker = await scripted(() => undefined, { pauseReading: true });
    const handle = await connect(broker.path, { maxQueuedBytes: 256 * 1024 });
    const big = { blob: 'x'.repeat(100 * 1024) };
    const outcomes: string[] = [];
    const calls = Array.from({ length: 100 }, () =>
      handle.rpc('b.big', big, { timeoutMs: 0 }).then(
        () => outcomes.push('answered'),
        (err: FluxError) => outcomes.push(err.code === 'FLUX_BUSY' ? `${err.code} ${err.message}` : err.code),
      ),
    );
    await until(() => outcomes.length > 0, 'a refused request');
    await handle.close();
    await Promise.all(calls);
    const busy = outcomes.filter((o) => o.startsWith('FLUX_BUSY'));
    expect(busy.length).toBeGreaterThan(0);
    expect(busy[0]).toMatch(
      new RegExp(`^FLUX_BUSY b\\.big: \\d+ bytes of requests are still waiting to be written to local://${broker.path} \\(limit 262144 bytes\\); the broker is not reading$`),
    );
    expect(outcomes.filter((o) => !o.startsWith('FLUX_BUSY')).every((o) => o === 'FLUX_DISCONNECTED')).toBe(true);
    expect(outcomes).toHaveLength(100);
  });
});

describe('losing the broker and getting it back', () => {
  it('fails in-flight RPCs promptly with FLUX_DISCONNECTED when the broker goes, and reconnects once it is back', async () => {
    const path = socketPath();
    const service = createFakeService();
    let broker = await serveBroker(service, { path, serviceNames: ['test'], log: silent });
    const handle = await openLocalHandle(path, { connectRetries: 0 });
    try {
      const seen: Array<Json | undefined> = [];
      const stream = streamRejection(handle.rpcStream('test.hold', {}), seen);
      const single = rejection(handle.rpc('test.hang', {}));
      await until(() => service.held.length === 2 && seen.length === 2, 'both requests held');
      await broker.close();
      const [streamErr, singleErr] = await Promise.all([stream, single]);
      for (const err of [streamErr, singleErr]) {
        expect(err.code).toBe('FLUX_DISCONNECTED');
        expect(err.message).toBe(`Flux instance at local://${path} is unavailable: the connection was closed`);
      }
      expect(seen).toEqual([{ i: 0 }, { i: 1 }]);
      // The broker told the service that the client went away.
      const disconnects = service.requests.filter((r) => r.topic === 'test.disconnect');
      expect(disconnects).toHaveLength(1);
      expect(disconnects[0]?.sender).toBe(service.requests[0]?.sender);

      broker = await serveBroker(service, { path, serviceNames: ['test'], log: silent });
      expect(await handle.rpc('test.echo', { back: true })).toMatchObject({ echo: { back: true } });
      expect(handle.connected).toBe(true);
    } finally {
      await handle.close();
      await broker.close();
    }
  });

  it('while the broker is down, fails fast and backs off between reconnect attempts', async () => {
    const path = socketPath();
    const service = createFakeService();
    let broker = await serveBroker(service, { path, serviceNames: ['test'], log: silent });
    const handle = await openLocalHandle(path, { connectRetries: 0, reconnectDelayMs: 500, maxReconnectDelayMs: 1000 });
    try {
      await broker.close();
      await until(() => !handle.connected, 'the drop to be noticed');
      const first = await rejection(handle.rpc('test.echo', {}));
      expect(first.code).toBe('FLUX_DISCONNECTED');
      expect(first.message).toBe(`Flux instance at local://${path} is unavailable: cannot connect to Flux at local://${path}: broker socket ${path} was not found`);
      const second = await rejection(handle.rpc('test.echo', {}));
      expect(second.code).toBe('FLUX_DISCONNECTED');
      expect(second.message).toMatch(/was not found \(next reconnect attempt in \d+ ms\)$/);
      const stream = await streamRejection(handle.rpcStream('test.count', { n: 1 }));
      expect(stream.code).toBe('FLUX_DISCONNECTED');

      broker = await serveBroker(service, { path, serviceNames: ['test'], log: silent });
      let answer: Json | undefined;
      for (let attempt = 0; attempt < 500 && answer === undefined; attempt++) {
        answer = await handle.rpc('test.echo', { n: 1 }).catch(async (err: FluxError) => {
          expect(err.code).toBe('FLUX_DISCONNECTED');
          await new Promise((resolve) => setTimeout(resolve, 5));
          return undefined;
        });
      }
      expect(answer).toMatchObject({ echo: { n: 1 } });
    } finally {
      await handle.close();
      await broker.close();
    }
  });

  it('tells watchers of the loss once and of the reconnection with the attempts it took; nothing on close', async () => {
    const path = socketPath();
    const service = createFakeService();
    let broker = await serveBroker(service, { path, serviceNames: ['test'], log: silent });
    // No wait between attempts: each RPC while the broker is away is one failed attempt.
    const handle = await openLocalHandle(path, { connectRetries: 0, reconnectDelayMs: 0 });
    const events: ConnectionEvent[] = [];
    const late: ConnectionEvent[] = [];
    const stopWatching = handle.watchConnection((event) => events.push(event));
    try {
      expect(events).toEqual([{ state: 'connected' }]);
      await broker.close();
      await until(() => !handle.connected, 'the drop to be noticed');
      expect(events).toEqual([{ state: 'connected' }, { state: 'lost', reason: 'the connection was closed' }]);
      for (let attempt = 0; attempt < 2; attempt++) expect((await rejection(handle.rpc('test.echo', {}))).code).toBe('FLUX_DISCONNECTED');
      // Failed attempts are no news: still the one loss.
      expect(events).toHaveLength(2);
      // A watcher that starts now learns that the connection is down, and the latest reason.
      handle.watchConnection((event) => late.push(event));
      expect(late).toEqual([{ state: 'lost', reason: `cannot connect to Flux at local://${path}: broker socket ${path} was not found` }]);

      broker = await serveBroker(service, { path, serviceNames: ['test'], log: silent });
      expect(await handle.rpc('test.echo', { back: true })).toMatchObject({ echo: { back: true } });
      expect(events).toHaveLength(3);
      const back = events[2] as Extract<ConnectionEvent, { state: 'reconnected' }>;
      expect(back).toEqual({ state: 'reconnected', attempts: 3, downMs: expect.any(Number) });
      expect(back.downMs).toBeGreaterThanOrEqual(0);
      expect(late).toEqual([late[0], { state: 'reconnected', attempts: 3, downMs: back.downMs }]);

      stopWatching();
      await broker.close();
      await until(() => !handle.connected, 'the second drop');
      expect(events).toHaveLength(3);
      expect(late.map((event) => event.state)).toEqual(['lost', 'reconnected', 'lost']);
      broker = await serveBroker(service, { path, serviceNames: ['test'], log: silent });
      await handle.rpc('test.echo', {});
      await handle.close();
      expect(late.map((event) => event.state)).toEqual(['lost', 'reconnected', 'lost', 'reconnected']);
    } finally {
      await handle.close();
      await broker.close();
    }
  });

  it('with reconnectInBackground, reconnects once the broker is back without any RPC', async () => {
    const path = socketPath();
    const service = createFakeService();
    let broker = await serveBroker(service, { path, serviceNames: ['test'], log: silent });
    const handle = await openLocalHandle(path, { connectRetries: 0, reconnectDelayMs: 5, maxReconnectDelayMs: 20, reconnectInBackground: true });
    const events: ConnectionEvent[] = [];
    handle.watchConnection((event) => events.push(event));
    try {
      await broker.close();
      await until(() => events.length === 2, 'the loss');
      expect(events[1]).toEqual({ state: 'lost', reason: 'the connection was closed' });
      broker = await serveBroker(service, { path, serviceNames: ['test'], log: silent });
      await until(() => handle.connected, 'the background reconnection');
      expect(events).toEqual([{ state: 'connected' }, events[1], { state: 'reconnected', attempts: expect.any(Number), downMs: expect.any(Number) }]);
      expect((events[2] as Extract<ConnectionEvent, { state: 'reconnected' }>).attempts).toBeGreaterThanOrEqual(1);
      // Nothing was asked meanwhile: the handle reconnected on its own.
      expect(service.requests.filter((r) => r.topic !== 'test.disconnect')).toEqual([]);
      expect(await handle.rpc('test.echo', { n: 2 })).toMatchObject({ echo: { n: 2 } });
    } finally {
      await handle.close();
      await broker.close();
    }
  });

  it('keeps a watcher that throws from breaking the handle, as a process warning', async () => {
    const path = socketPath();
    const service = createFakeService();
    let broker = await serveBroker(service, { path, serviceNames: ['test'], log: silent });
    const handle = await openLocalHandle(path, { connectRetries: 0, reconnectDelayMs: 0 });
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const events: ConnectionEvent[] = [];
    try {
      handle.watchConnection((event) => {
        if (event.state === 'lost') throw new Error('watcher bug');
      });
      handle.watchConnection((event) => events.push(event));
      const pending = rejection(handle.rpc('test.hang', {}));
      await until(() => service.held.length === 1, 'the held request');
      await broker.close();
      expect((await pending).code).toBe('FLUX_DISCONNECTED');
      broker = await serveBroker(service, { path, serviceNames: ['test'], log: silent });
      expect(await handle.rpc('test.echo', {})).toMatchObject({ echo: {} });
      expect(events.map((event) => event.state)).toEqual(['connected', 'lost', 'reconnected']);
      expect(emitWarning.mock.calls).toEqual([[`a connection listener of the handle to local://${path} threw: watcher bug`]]);
    } finally {
      emitWarning.mockRestore();
      await handle.close();
      await broker.close();
    }
  });

  it('close() fails what is in flight and every later call', async () => {
    const path = socketPath();
    const service = createFakeService();
    const broker = await serveBroker(service, { path, serviceNames: ['test'], log: silent });
    const handle: FluxHandle = await openLocalHandle(path);
    try {
      const pending = rejection(handle.rpc('test.hang', {}));
      await until(() => service.held.length === 1, 'the held request');
      await handle.close();
      const err = await pending;
      expect(err.code).toBe('FLUX_DISCONNECTED');
      expect(err.message).toBe(`the handle to local://${path} was closed`);
      expect((await rejection(handle.rpc('test.echo', {}))).message).toBe(`the handle to local://${path} was closed`);
      expect((await streamRejection(handle.rpcStream('test.count', { n: 1 }))).code).toBe('FLUX_DISCONNECTED');
      await until(() => service.requests.some((r) => r.topic === 'test.disconnect'), 'the disconnect');
    } finally {
      await handle.close();
      await broker.close();
    }
  });
});
