/**
 * The GraphQL suite's second transport: the test app talks local:// to a `flux-graphql broker`
 * child process serving a snapshot of the in-process instance, instead of to the instance itself.
 * The jest project "graphql-over-wire" turns it on (test/support/graphql-over-wire.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddedInstance } from '../../src/embedded';
import { openHandle } from '../../src/flux/connect';
import { FluxError } from '../../src/flux/errors';
import type { FluxHandle, RpcOptions } from '../../src/flux/handle';
import type { Json, JsonObject } from '../../src/flux/json';
import { type BrokerChild, startBrokerChild, writeSnapshotOf } from '../support/broker-child';

/** The environment variable that selects the transport; "wire" for the broker child. */
export const TRANSPORT_ENV = 'FLUX_GRAPHQL_TEST_TRANSPORT';

export function wireTransportSelected(): boolean {
  return process.env[TRANSPORT_ENV] === 'wire';
}

interface Started {
  child: BrokerChild;
  handle: FluxHandle;
}

/**
 * A handle to a broker child serving `instance`'s jobs. Test apps are made while jest collects
 * the tests, where nothing can be awaited, so the snapshot is taken and the broker started on the
 * first RPC; an app whose requests never reach the handle (one wrapped in a failing handle)
 * starts no broker.
 */
class BrokerChildHandle implements FluxHandle {
  readonly uri: string;
  private starting: Promise<Started> | null = null;
  private closed = false;

  constructor(
    private readonly instance: EmbeddedInstance,
    private readonly directory: string,
  ) {
    this.uri = `local://${join(directory, 'broker.sock')}`;
  }

  rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> {
    return this.connected().then(({ handle }) => handle.rpc(topic, payload, options));
  }

  rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> {
    const connected = (): Promise<Started> => this.connected();
    return (async function* relay(): AsyncGenerator<Json | undefined> {
      const { handle } = await connected();
      yield* handle.rpcStream(topic, payload, options);
    })();
  }

  /** The app's close: the broker stays up for the other apps of the file until closeWireBackends(). */
  async close(): Promise<void> {
    if (this.starting === null) return;
    const { handle } = await this.starting;
    await handle.close();
  }

  /** Closes the connection, stops the broker and removes its socket and snapshot. */
  async dispose(): Promise<void> {
    this.closed = true;
    try {
      const started = await this.starting?.catch(() => undefined);
      if (started !== undefined) {
        await started.handle.close();
        const exit = await started.child.stop();
        if (exit.code !== 0) throw new Error(`the broker child for ${this.uri} did not stop cleanly (code ${String(exit.code)}, signal ${String(exit.signal)})`);
      }
    } finally {
      rmSync(this.directory, { recursive: true, force: true });
    }
  }

  private connected(): Promise<Started> {
    if (this.closed) return Promise.reject(new FluxError('FLUX_DISCONNECTED', `${this.uri}: the test's broker child was already stopped`));
    this.starting ??= this.start().catch((error: unknown) => {
      // Shown as the GraphQL error of every request, so a broker that cannot start is obvious.
      throw new FluxError('FLUX_CONNECT', `the test's broker child for ${this.uri} did not start: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    });
    return this.starting;
  }

  private async start(): Promise<Started> {
    const snapshot = join(this.directory, 'snapshot.json');
    const socket = join(this.directory, 'broker.sock');
    await writeSnapshotOf(this.instance, snapshot);
    const child = await startBrokerChild(socket, ['--snapshot', snapshot, '--no-live']);
    try {
      return { child, handle: await openHandle(`local://${socket}`) };
    } catch (error) {
      await child.stop();
      throw error;
    }
  }
}

const opened: BrokerChildHandle[] = [];

/** A handle reaching `instance`'s jobs through a broker child over a Unix socket. */
export function wireHandleFor(instance: EmbeddedInstance): FluxHandle {
  const handle = new BrokerChildHandle(instance, mkdtempSync(join(tmpdir(), 'fg-wire-')));
  opened.push(handle);
  return handle;
}

/** Stops every broker child this test file started (the wire project runs it after all tests). */
export async function closeWireBackends(): Promise<void> {
  const handles = opened.splice(0);
  const results = await Promise.allSettled(handles.map((handle) => handle.dispose()));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
  if (failures.length > 0) throw failures[0];
}
