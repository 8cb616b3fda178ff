/**
 * What watchConnection reports, on transports a test controls and with a clock it sets: a loss
 * once, failed attempts as no news, a connection that breaks as it is set up as a failed attempt
 * (the backoff goes on growing, and no second loss is reported), and the reconnection with the
 * attempts it took and how long the connection was down.
 */
import { PassThrough } from 'node:stream';
import { FluxError } from '../../src/flux/errors';
import type { ConnectionEvent } from '../../src/flux/handle';
import type { ByteTransport } from '../../src/flux/byte-transport';
import { StreamHandle } from '../../src/flux/stream-handle';

type Opening = 'ok' | 'garbage' | 'refused';

interface FakeTransport extends ByteTransport {
  readonly input: PassThrough;
}

function fakeTransport(initialBytes: Uint8Array): FakeTransport {
  const input = new PassThrough();
  const output = new PassThrough();
  output.resume();
  return {
    input,
    output,
    initialBytes,
    dispose: async () => {
      input.destroy();
      output.destroy();
    },
  };
}

/** Hands out what `openings` says, one per connection attempt, and keeps the transports it opened. */
function scriptedOpenings(openings: Opening[]): { open: () => Promise<ByteTransport>; opened: FakeTransport[]; attempts: () => number } {
  const opened: FakeTransport[] = [];
  let attempts = 0;
  return {
    opened,
    attempts: () => attempts,
    open: async () => {
      const next = openings[attempts++];
      if (next === undefined || next === 'refused') throw new FluxError('FLUX_CONNECT', 'cannot connect to Flux at fake://: refused');
      const transport = fakeTransport(next === 'garbage' ? Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0) : new Uint8Array(0));
      opened.push(transport);
      return transport;
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<FluxError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FluxError);
    return error as FluxError;
  }
  throw new Error('expected a rejection');
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('StreamHandle.watchConnection', () => {
  let clock = 1_000_000;
  beforeEach(() => {
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
  });
  afterEach(() => jest.restoreAllMocks());

  it('counts a connection that breaks as it is set up as a failed attempt, not a second loss', async () => {
    const openings = scriptedOpenings(['ok', 'garbage', 'refused', 'ok']);
    const handle = await StreamHandle.open('fake://', openings.open, { timeoutMs: 0, reconnectDelayMs: 1000, maxReconnectDelayMs: 8000 });
    const events: ConnectionEvent[] = [];
    handle.watchConnection((event) => events.push(event));
    try {
      openings.opened[0]?.input.end();
      await until(() => !handle.connected, 'the drop');
      expect(events).toEqual([{ state: 'connected' }, { state: 'lost', reason: 'the connection was closed' }]);

      clock += 500;
      // The first RPC after the drop tries at once; the broker it reaches sends garbage.
      const broken = await failure(handle.rpc('t.a', {}));
      expect(broken.message).toBe('Flux instance at fake:// is unavailable: it sent an invalid message: corrupt stream: expected magic 12 00 ee ff (or ff ee 00 12), received de ad be ef');
      expect(events).toHaveLength(2);
      // That was a failed attempt: the next one waits the first backoff step.
      expect((await failure(handle.rpc('t.b', {}))).message).toMatch(/invalid message: .* \(next reconnect attempt in 1000 ms\)$/);
      expect(openings.attempts()).toBe(2);

      clock += 1000;
      expect((await failure(handle.rpc('t.c', {}))).message).toBe('Flux instance at fake:// is unavailable: cannot connect to Flux at fake://: refused');
      // And the backoff doubled.
      expect((await failure(handle.rpc('t.d', {}))).message).toMatch(/\(next reconnect attempt in 2000 ms\)$/);

      clock += 2000;
      const answer = handle.rpc('t.e', {}).catch((error: unknown) => error);
      await until(() => handle.connected, 'the reconnection');
      expect(events).toEqual([
        { state: 'connected' },
        { state: 'lost', reason: 'the connection was closed' },
        { state: 'reconnected', attempts: 3, downMs: 3500 },
      ]);
      await handle.close();
      expect(await answer).toMatchObject({ message: 'the handle to fake:// was closed' });
      // Closing is not a loss.
      expect(events).toHaveLength(3);
    } finally {
      await handle.close();
    }
  });

  it('tells a watcher that starts while the connection is down that it is lost, and why', async () => {
    const openings = scriptedOpenings(['ok', 'refused']);
    const handle = await StreamHandle.open('fake://', openings.open, { timeoutMs: 0 });
    try {
      openings.opened[0]?.input.destroy(new Error('read ECONNRESET'));
      await until(() => !handle.connected, 'the drop');
      const events: ConnectionEvent[] = [];
      const stop = handle.watchConnection((event) => events.push(event));
      expect(events).toEqual([{ state: 'lost', reason: 'connection error: read ECONNRESET' }]);
      stop();
      await failure(handle.rpc('t.a', {}));
      expect(events).toHaveLength(1);
    } finally {
      await handle.close();
    }
  });
});
