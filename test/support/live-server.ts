/**
 * A real listening server (serveBackend, as `serve` runs it) on an embedded instance the test
 * drives itself (instance.sink), with three users (the owner, alice, bob), for the transports of
 * subscriptions: SSE over HTTP, graphql-ws over WebSocket. Clients for both, and the instance's
 * own count of open eventlog watches (job-info.stats-get), which tells whether the server has
 * released a subscriber's Flux streams.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { EmbeddedInstance } from '../../src/embedded';
import { userTableOf, type Backend } from '../../src/server/backend';
import type { ServeSettings } from '../../src/server/cli';
import type { AuthSettings } from '../../src/server/auth/auth-settings';
import { serveBackend, type RunningServer } from '../../src/server/start';
import { SseReader } from './sse';

export const T0 = 1796190000;
export const OWNER = { uid: 500, name: 'owner' };
export const ALICE = { uid: 1000, name: 'alice' };
export const BOB = { uid: 1001, name: 'bob' };
export const TRUSTED_LOOPBACK: AuthSettings = { mode: 'trusted-header', header: 'X-Remote-User', trustedProxies: ['127.0.0.1'] };

export interface LiveServer {
  instance: EmbeddedInstance;
  server: RunningServer;
  /** ws://127.0.0.1:PORT/graphql */
  wsUrl: string;
  close(): Promise<void>;
}

export async function startLiveServer(auth: AuthSettings = TRUSTED_LOOPBACK, settings: Partial<ServeSettings> = {}, log: (line: string) => void = () => undefined): Promise<LiveServer> {
  const instance = new EmbeddedInstance({ ownerUserid: OWNER.uid, now: () => T0 + 100 });
  const { usernameOf, userDatabase } = userTableOf([OWNER, ALICE, BOB]);
  const backend: Backend = {
    handle: instance.handle(),
    description: 'embedded:test',
    jobInfo: { now: instance.now, usernameOf },
    userDatabase,
    serverUser: { userid: OWNER.uid, username: OWNER.name },
    close: async () => instance.close(),
  };
  const server = await serveBackend(
    backend,
    {
      port: 0,
      host: '127.0.0.1',
      embedded: { jobs: 0, seed: 1, live: false, latencyMs: 0 },
      maxPageSize: 100,
      defaultPageSize: 10,
      access: { auth, admins: [], ownJobsOnly: false },
      shutdownGraceSeconds: 1,
      requestLog: false,
      ...settings,
    },
    { log, handleSignals: false, announce: false },
  );
  return { instance, server, wsUrl: server.url.replace(/^http:/, 'ws:'), close: () => server.close() };
}

/** A `ws` WebSocket class that sends these headers with its upgrade (graphql-ws constructs it itself). */
export function webSocketWith(headers: Record<string, string>, options: WebSocket.ClientOptions = {}): typeof WebSocket {
  const withHeaders = class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { ...options, headers: { ...headers, ...options.headers } });
    }
  };
  return withHeaders as unknown as typeof WebSocket;
}

export function wsClient(url: string, headers: Record<string, string> = {}, extra: Partial<Parameters<typeof createClient>[0]> = {}): Client {
  return createClient({ url, webSocketImpl: webSocketWith(headers), retryAttempts: 0, lazy: true, ...extra });
}

export interface Results {
  readonly values: unknown[];
  /** Settles with the error the subscription ended with, or undefined when it completed. */
  readonly ended: Promise<unknown>;
  /** Resolves once `count` results have come. */
  atLeast(count: number): Promise<unknown[]>;
  unsubscribe(): void;
}

/** Subscribes on `client` and collects what comes. */
export function collect(client: Client, query: string, variables: Record<string, unknown> = {}): Results {
  const values: unknown[] = [];
  const waiters: { count: number; resolve(values: unknown[]): void }[] = [];
  let settle: (error: unknown) => void = () => undefined;
  const ended = new Promise<unknown>((resolve) => (settle = resolve));
  const wake = (): void => {
    for (const waiter of [...waiters]) {
      if (values.length < waiter.count) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(values);
    }
  };
  const unsubscribe = client.subscribe(
    { query, variables },
    {
      next: (value) => {
        values.push(value);
        wake();
      },
      error: (error) => settle(error),
      complete: () => settle(undefined),
    },
  );
  return {
    values,
    ended,
    atLeast: (count) =>
      new Promise<unknown[]>((resolve, reject) => {
        waiters.push({ count, resolve });
        wake();
        void ended.then((error) => {
          if (values.length < count) reject(new Error(`the subscription ended after ${values.length} results (${error === undefined ? 'completed' : JSON.stringify(error)})`));
        });
      }),
    unsubscribe,
  };
}

/** Starts a subscription over SSE on the real server (POST, Accept: text/event-stream). */
export async function sse(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<{ response: Response; reader: SseReader }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
    ...(signal === undefined ? {} : { signal }),
  });
  return { response, reader: new SseReader(response) };
}

/** Eventlog watches the instance has open now (job-info.stats-get). */
export async function openWatches(instance: EmbeddedInstance): Promise<number> {
  const stats = (await instance.handle().rpc('job-info.stats-get', {})) as { watchers: number; guest_watchers: number };
  return stats.watchers + stats.guest_watchers;
}

/**
 * Waits until `read` gives `expected` (the server lets go of streams asynchronously, after the
 * client's close reaches it), giving up after many rounds: returns the last value read.
 */
export async function settlesTo<T>(read: () => Promise<T>, expected: T, rounds = 200): Promise<T> {
  let value = await read();
  for (let round = 0; round < rounds && value !== expected; round++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    value = await read();
  }
  return value;
}

/** The WebSocket upgrade's answer when the server refuses it: status, headers and coded body. */
export function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: { errors: { message: string; extensions: { code: string } }[] } }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
    socket.once('open', () => {
      socket.close();
      reject(new Error('the upgrade was accepted'));
    });
    socket.once('unexpected-response', (_request, response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) as never }));
    });
    socket.once('error', () => undefined);
  });
}

/**
 * A graphql-ws session by hand, for what a protocol client hides (pings, pausing): the socket
 * once the server has acknowledged connection_init, and where its close will come.
 */
export async function acknowledgedSocket(url: string, headers: Record<string, string> = {}, options: WebSocket.ClientOptions = {}): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new (webSocketWith(headers, options))(url, 'graphql-transport-ws');
  const closed = closeOf(socket);
  await new Promise((resolve) => socket.once('open', resolve));
  const acknowledged = new Promise<void>((resolve, reject) => {
    socket.once('message', (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as { type: string };
      if (message.type === 'connection_ack') resolve();
      else reject(new Error(`expected connection_ack, got ${data.toString()}`));
    });
    void closed.then((close) => reject(new Error(`closed before connection_ack: ${close.code} ${close.reason}`)));
  });
  socket.send(JSON.stringify({ type: 'connection_init' }));
  await acknowledged;
  return { socket, closed };
}

/** A socket's close, as the peer saw it. */
export function closeOf(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
}
