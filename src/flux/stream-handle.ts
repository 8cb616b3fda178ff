/**
 * A FluxHandle over a byte stream to a broker: the part of libflux that the
 * local:// and ssh:// connectors share. Many RPCs run at once on one
 * connection, told apart by matchtag; a dropped connection fails everything
 * in flight at once, and later RPCs reconnect with a capped backoff (or the
 * handle itself does, with reconnectInBackground). Listeners given to
 * watchConnection hear of each loss and each reconnection.
 */
import { Errno, FLUX_MATCHTAG_NONE, FLUX_NODEID_ANY, FLUX_NODEID_UPSTREAM, FLUX_USERID_UNKNOWN, Role } from './constants';
import { FluxError, FluxRpcError, FluxUnavailableError } from './errors';
import { timeoutDelayMs, type ConnectionEvent, type ConnectionListener, type FluxHandle, type MessageCredentials, type RpcOptions } from './handle';
import type { Json, JsonObject } from './json';
import type { ByteTransport, TransportFactory } from './byte-transport';
import {
  decodeJsonObjectPayload,
  decodeMessage,
  encodeJsonPayload,
  encodeMessage,
  errorStringOf,
  type FluxMessage,
  MessageFlag,
  MessageType,
} from './message';
import { ResponseStream, type ResponseValue } from './response-stream';
import { DEFAULT_MAX_MESSAGE_SIZE, formatBytes, StreamDecoder, streamHeader } from './stream-framing';

export const DEFAULT_RPC_TIMEOUT_MS = 30_000;
export const DEFAULT_RECONNECT_DELAY_MS = 250;
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 30_000;
export const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;

export interface StreamHandleOptions {
  /** Per-RPC timeout; for rpcStream it bounds the wait between responses. Default 30 s; 0 = none. */
  timeoutMs?: number;
  /** Wait after the first failed reconnect attempt; doubles per failure. Default 250 ms. */
  reconnectDelayMs?: number;
  /** Cap on the reconnect wait. Default 30 s. */
  maxReconnectDelayMs?: number;
  /**
   * After a drop, keep trying to reconnect on the same backoff without waiting for an RPC, so that
   * the connection is back (and watchers hear of it) as soon as the broker is. Default false: only
   * RPCs reconnect, as libflux's handles do on demand.
   */
  reconnectInBackground?: boolean;
  /** Largest message accepted from the broker. Default 256 MiB. */
  maxMessageSize?: number;
  /** Requests are refused (FLUX_BUSY) while more than this many bytes wait to be written. Default 64 MiB. */
  maxQueuedBytes?: number;
  /**
   * Credentials to present instead of letting the broker fill them in, as
   * libflux's FLUX_HANDLE_USERID/ROLEMASK testing options do. A broker only
   * honours them on its owner's connections.
   */
  credentials?: MessageCredentials;
}

/** Lowest free matchtag first, as libflux's tag pool hands them out. */
class MatchtagPool {
  private nextFresh = 1;
  private readonly released: number[] = [];

  alloc(): number {
    if (this.released.length > 0) return this.released.shift() as number;
    if (this.nextFresh > 0xffffffff) throw new FluxError('FLUX_BUSY', 'all 2^32-1 matchtags are in use on this connection');
    return this.nextFresh++;
  }

  release(tag: number): void {
    let lo = 0;
    let hi = this.released.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.released[mid] as number) < tag) lo = mid + 1;
      else hi = mid;
    }
    this.released.splice(lo, 0, tag);
  }
}

interface PendingBase {
  topic: string;
  timer: NodeJS.Timeout | null;
}
interface PendingSingle extends PendingBase {
  kind: 'single';
  timeoutMs: number;
  resolve(value: ResponseValue): void;
  reject(error: Error): void;
}
interface PendingStream extends PendingBase {
  kind: 'stream';
  /** Bounds the wait for each next response. */
  timeoutMs: number;
  stream: ResponseStream;
  /** Sent with the stream's matchtag when the caller leaves early (RpcOptions.cancelTopic). */
  cancel?: StreamCancel;
}

/** What the cancel request of a stream needs of the stream's own request. */
interface StreamCancel {
  topic: string;
  nodeid: number;
  credentials: MessageCredentials | undefined;
}
/** Given up on locally; its matchtag stays reserved until the final response arrives. */
interface PendingAbandoned extends PendingBase {
  kind: 'abandoned';
  streaming: boolean;
}
type Pending = PendingSingle | PendingStream | PendingAbandoned;

/** One live connection: its transport, decoder and the RPCs sent on it. */
interface Link {
  transport: ByteTransport;
  decoder: StreamDecoder;
  pending: Map<number, Pending>;
  tags: MatchtagPool;
  down: boolean;
}

function checkTopic(topic: string): void {
  if (typeof topic !== 'string' || topic.length === 0) {
    throw new FluxError('FLUX_PROTOCOL', `topic: expected a non-empty string, received ${JSON.stringify(topic)}`);
  }
}

function checkCredentials(credentials: MessageCredentials): void {
  for (const [name, value] of [['userid', credentials.userid], ['rolemask', credentials.rolemask]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new FluxError('FLUX_PROTOCOL', `credentials ${name}: expected an unsigned 32-bit integer, received ${value}`);
    }
  }
}

function checkNodeid(nodeid: number): void {
  if (nodeid === FLUX_NODEID_UPSTREAM) {
    throw new FluxError('FLUX_PROTOCOL', 'nodeid FLUX_NODEID_UPSTREAM needs the broker rank, which this client does not look up; use a rank or FLUX_NODEID_ANY');
  }
  if (!Number.isInteger(nodeid) || nodeid < 0 || nodeid > 0xffffffff) {
    throw new FluxError('FLUX_PROTOCOL', `nodeid: expected an unsigned 32-bit integer, received ${nodeid}`);
  }
}

export class StreamHandle implements FluxHandle {
  private link: Link | null = null;
  private connecting: Promise<Link> | null = null;
  private closed = false;
  private lastFailure = 'not connected';
  private reconnectDelay = 0;
  private nextAttemptAt = 0;
  /** What watchers were last told: up (connected or reconnected) or not (lost). */
  private reportedUp = false;
  /** Connection attempts since the last loss, and when that was (Date.now()). */
  private attemptsSinceLoss = 0;
  private lostAt = 0;
  private backgroundTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<ConnectionListener>();
  private readonly timeoutMs: number;
  private readonly reconnectDelayMs: number;
  private readonly maxReconnectDelayMs: number;
  private readonly maxMessageSize: number;
  private readonly maxQueuedBytes: number;

  private constructor(
    readonly uri: string,
    private readonly openTransport: TransportFactory,
    private readonly options: StreamHandleOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.reconnectDelayMs = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
    this.maxReconnectDelayMs = options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    for (const [name, value] of [
      ['timeoutMs', this.timeoutMs],
      ['reconnectDelayMs', this.reconnectDelayMs],
      ['maxReconnectDelayMs', this.maxReconnectDelayMs],
      ['maxQueuedBytes', this.maxQueuedBytes],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number, received ${value}`);
    }
  }

  /** Connects now; a failure is the connector's FLUX_CONNECT error. */
  static async open(uri: string, openTransport: TransportFactory, options: StreamHandleOptions = {}): Promise<StreamHandle> {
    const handle = new StreamHandle(uri, openTransport, options);
    handle.attach(await openTransport());
    handle.reportedUp = handle.connected;
    return handle;
  }

  /** True while a connection is up (false after a drop until an RPC, or the background retry, reconnects). */
  get connected(): boolean {
    return this.link !== null;
  }

  watchConnection(listener: ConnectionListener): () => void {
    this.listeners.add(listener);
    this.tell(listener, this.reportedUp ? { state: 'connected' } : { state: 'lost', reason: this.lastFailure });
    return () => {
      this.listeners.delete(listener);
    };
  }

  async rpc(topic: string, payload?: JsonObject, options: RpcOptions = {}): Promise<Json | undefined> {
    const request = this.prepare(topic, payload, options, false);
    const link = await this.ensureLink();
    return new Promise<ResponseValue>((resolve, reject) => {
      const entry: PendingSingle = { kind: 'single', topic, timer: null, timeoutMs: options.timeoutMs ?? this.timeoutMs, resolve, reject };
      this.send(link, request, entry);
    });
  }

  rpcStream(topic: string, payload?: JsonObject, options: RpcOptions = {}): AsyncIterable<Json | undefined> {
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<ResponseValue> => this.startStream(topic, payload, options),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.backgroundTimer) clearTimeout(this.backgroundTimer);
    this.backgroundTimer = null;
    const closedError = this.closedError();
    if (this.connecting) await this.connecting.catch(() => undefined);
    const link = this.link;
    if (link) await this.takeDown(link, closedError);
  }

  private closedError(): FluxError {
    return new FluxError('FLUX_DISCONNECTED', `the handle to ${this.uri} was closed`);
  }

  /** Validates and encodes what does not depend on the connection; throws synchronously-bad input early. */
  private prepare(topic: string, payload: JsonObject | undefined, options: RpcOptions, streaming: boolean): FluxMessage {
    if (this.closed) throw this.closedError();
    checkTopic(topic);
    const nodeid = options.nodeid ?? FLUX_NODEID_ANY;
    checkNodeid(nodeid);
    let payloadBytes: Uint8Array | undefined;
    if (payload !== undefined) {
      try {
        payloadBytes = encodeJsonPayload(payload);
      } catch (err) {
        throw new FluxError('FLUX_PROTOCOL', `${topic}: cannot encode the request payload: ${(err as Error).message}`, { cause: err });
      }
    }
    const credentials = options.credentials ?? this.options.credentials;
    if (credentials !== undefined) checkCredentials(credentials);
    let flags = MessageFlag.TOPIC | MessageFlag.ROUTE;
    if (payloadBytes !== undefined) flags |= MessageFlag.PAYLOAD;
    if (streaming) flags |= MessageFlag.STREAMING;
    return {
      type: MessageType.REQUEST,
      flags,
      userid: credentials?.userid ?? FLUX_USERID_UNKNOWN,
      rolemask: credentials?.rolemask ?? Role.NONE,
      aux1: nodeid,
      aux2: 0,
      routes: [],
      topic,
      payload: payloadBytes,
    };
  }

  private startStream(topic: string, payload: JsonObject | undefined, options: RpcOptions): AsyncIterator<ResponseValue> {
    let entry: PendingStream | null = null;
    let sentOn: Link | null = null;
    const stream = new ResponseStream(() => {
      if (entry && sentOn) this.abandon(sentOn, entry);
    });
    let request: FluxMessage;
    try {
      request = this.prepare(topic, payload, options, true);
    } catch (err) {
      stream.finish(err as Error);
      return stream;
    }
    this.ensureLink().then(
      (link) => {
        if (stream.isAbandoned) return;
        entry = { kind: 'stream', topic, timer: null, timeoutMs: options.timeoutMs ?? this.timeoutMs, stream };
        if (options.cancelTopic !== undefined) {
          entry.cancel = { topic: options.cancelTopic, nodeid: options.nodeid ?? FLUX_NODEID_ANY, credentials: options.credentials };
        }
        sentOn = link;
        this.send(link, request, entry);
      },
      (err: Error) => stream.finish(err),
    );
    return stream;
  }

  private async ensureLink(): Promise<Link> {
    if (this.closed) throw this.closedError();
    if (this.link) return this.link;
    if (this.connecting) return this.connecting;
    const waitMs = this.nextAttemptAt - Date.now();
    if (waitMs > 0) {
      throw new FluxUnavailableError(this.uri, `${this.lastFailure} (next reconnect attempt in ${Math.ceil(waitMs)} ms)`);
    }
    this.connecting = this.reconnect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async reconnect(): Promise<Link> {
    let transport: ByteTransport;
    this.attemptsSinceLoss++;
    try {
      transport = await this.openTransport();
    } catch (err) {
      this.backOff();
      this.lastFailure = err instanceof Error ? err.message : String(err);
      this.retryInBackground();
      throw new FluxUnavailableError(this.uri, this.lastFailure, { cause: err });
    }
    if (this.closed) {
      await transport.dispose();
      throw this.closedError();
    }
    this.reconnectDelay = 0;
    this.nextAttemptAt = 0;
    const link = this.attach(transport);
    if (!link.down) {
      const attempts = this.attemptsSinceLoss;
      this.attemptsSinceLoss = 0;
      this.reportedUp = true;
      this.notify({ state: 'reconnected', attempts, downMs: Math.max(0, Date.now() - this.lostAt) });
    }
    return link;
  }

  private backOff(): void {
    this.reconnectDelay = this.reconnectDelay === 0 ? this.reconnectDelayMs : Math.min(this.reconnectDelay * 2, this.maxReconnectDelayMs);
    this.nextAttemptAt = Date.now() + this.reconnectDelay;
  }

  /**
   * With reconnectInBackground, makes the next attempt once the backoff allows it, and never sooner
   * than reconnectDelayMs, so that a broker that accepts and then drops every connection is not
   * retried in a tight loop; RPCs may still get there first.
   */
  private retryInBackground(): void {
    if (this.options.reconnectInBackground !== true || this.closed || this.link || this.backgroundTimer) return;
    this.backgroundTimer = setTimeout(() => {
      this.backgroundTimer = null;
      if (this.closed || this.link || this.connecting) return;
      // A timer may fire a little before the time it was set for; ensureLink would then fail fast.
      if (this.nextAttemptAt > Date.now()) {
        this.retryInBackground();
        return;
      }
      // A failed attempt schedules the next one in reconnect().
      this.ensureLink().catch(() => undefined);
    }, Math.max(this.reconnectDelayMs, this.nextAttemptAt - Date.now()));
    this.backgroundTimer.unref();
  }

  private notify(event: ConnectionEvent): void {
    for (const listener of [...this.listeners]) this.tell(listener, event);
  }

  private tell(listener: ConnectionListener, event: ConnectionEvent): void {
    try {
      listener(event);
    } catch (err) {
      process.emitWarning(`a connection listener of the handle to ${this.uri} threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private attach(transport: ByteTransport): Link {
    const link: Link = {
      transport,
      decoder: new StreamDecoder(this.maxMessageSize),
      pending: new Map(),
      tags: new MatchtagPool(),
      down: false,
    };
    this.link = link;
    let readError: Error | null = null;
    const lost = (): void => {
      if (link.down) return;
      let detail = readError ? `connection error: ${readError.message}` : 'the connection was closed';
      const extra = transport.lossDetail?.();
      if (extra !== undefined) detail += ` (${extra})`;
      void this.takeDown(link, new FluxUnavailableError(this.uri, detail), detail);
    };
    transport.input.on('data', (chunk: Buffer) => this.receive(link, chunk));
    transport.input.on('error', (err: Error) => {
      readError = err;
      lost();
    });
    transport.input.on('end', lost);
    transport.input.on('close', lost);
    transport.output.on('error', (err: Error) => {
      readError = err;
      lost();
    });
    if (transport.initialBytes.length > 0) this.receive(link, transport.initialBytes);
    if (!link.down) transport.input.resume();
    return link;
  }

  private receive(link: Link, chunk: Uint8Array): void {
    if (link.down) return;
    let bodies: Uint8Array[];
    const messages: FluxMessage[] = [];
    try {
      bodies = link.decoder.push(chunk);
      for (const body of bodies) messages.push(decodeMessage(body));
    } catch (err) {
      // Dispatch what decoded cleanly before the bad bytes, then give up on the stream.
      for (const msg of messages) this.dispatch(link, msg);
      const detail = err instanceof Error ? err.message : String(err);
      void this.takeDown(
        link,
        new FluxError('FLUX_PROTOCOL', `Flux instance at ${this.uri} sent an invalid message: ${detail}`, { cause: err }),
        `it sent an invalid message: ${detail}`,
      );
      return;
    }
    for (const msg of messages) this.dispatch(link, msg);
  }

  private send(link: Link, request: FluxMessage, entry: PendingSingle | PendingStream): void {
    const fail = (error: Error): void => {
      if (entry.kind === 'single') entry.reject(error);
      else entry.stream.finish(error);
    };
    if (link.down) {
      fail(new FluxUnavailableError(this.uri, this.lastFailure));
      return;
    }
    const output = link.transport.output;
    let tag: number;
    let body: Uint8Array;
    try {
      tag = link.tags.alloc();
      body = encodeMessage({ ...request, aux2: tag });
    } catch (err) {
      fail(err as Error);
      return;
    }
    if (output.writableLength + body.length > this.maxQueuedBytes) {
      link.tags.release(tag);
      fail(
        new FluxError(
          'FLUX_BUSY',
          `${entry.topic}: ${formatBytes(output.writableLength)} of requests are still waiting to be written to ${this.uri} (limit ${formatBytes(this.maxQueuedBytes)}); the broker is not reading`,
        ),
      );
      return;
    }
    link.pending.set(tag, entry);
    this.armTimer(link, tag, entry);
    output.cork();
    output.write(streamHeader(body.length));
    output.write(body);
    output.uncork();
  }

  private armTimer(link: Link, tag: number, entry: PendingSingle | PendingStream): void {
    if (entry.timer) clearTimeout(entry.timer);
    const timeoutMs = timeoutDelayMs(entry.timeoutMs);
    if (timeoutMs === undefined) {
      entry.timer = null;
      return;
    }
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (link.pending.get(tag) !== entry) return;
      const what = entry.kind === 'stream' ? 'no further response' : 'no response';
      const error = new FluxError('FLUX_TIMEOUT', `${entry.topic}: ${what} from ${this.uri} within ${timeoutMs} ms`);
      link.pending.set(tag, { kind: 'abandoned', topic: entry.topic, timer: null, streaming: entry.kind === 'stream' });
      if (entry.kind === 'single') entry.reject(error);
      else entry.stream.finish(error);
    }, timeoutMs);
  }

  private abandon(link: Link, entry: PendingStream): void {
    for (const [tag, pending] of link.pending) {
      if (pending === entry) {
        if (entry.timer) clearTimeout(entry.timer);
        link.pending.set(tag, { kind: 'abandoned', topic: entry.topic, timer: null, streaming: true });
        if (entry.cancel !== undefined) this.sendCancel(link, tag, entry.cancel);
        return;
      }
    }
  }

  /**
   * The service's cancel request for the stream on `tag`, as libflux callers send it: no
   * response wanted (matchtag none), the same credentials and rank as the stream, on its connection.
   * The stream's own final response then arrives and frees the tag.
   */
  private sendCancel(link: Link, tag: number, cancel: StreamCancel): void {
    if (link.down) return;
    const credentials = cancel.credentials ?? this.options.credentials;
    const body = encodeMessage({
      type: MessageType.REQUEST,
      flags: MessageFlag.TOPIC | MessageFlag.ROUTE | MessageFlag.PAYLOAD | MessageFlag.NORESPONSE,
      userid: credentials?.userid ?? FLUX_USERID_UNKNOWN,
      rolemask: credentials?.rolemask ?? Role.NONE,
      aux1: cancel.nodeid,
      aux2: FLUX_MATCHTAG_NONE,
      routes: [],
      topic: cancel.topic,
      payload: encodeJsonPayload({ matchtag: tag }),
    });
    const output = link.transport.output;
    output.cork();
    output.write(streamHeader(body.length));
    output.write(body);
    output.uncork();
  }

  private complete(link: Link, tag: number, entry: Pending): void {
    if (entry.timer) clearTimeout(entry.timer);
    link.pending.delete(tag);
    link.tags.release(tag);
  }

  private dispatch(link: Link, msg: FluxMessage): void {
    // Only responses, and only in our own matchtag domain: one that still
    // carries routes belongs to someone further along (flux_msg_cmp_matchtag).
    if (msg.type !== MessageType.RESPONSE || msg.routes.length > 0) return;
    const tag = msg.aux2;
    const entry = link.pending.get(tag);
    if (!entry) return;
    const errnum = msg.aux1;
    switch (entry.kind) {
      case 'abandoned':
        if (!entry.streaming || errnum !== 0) this.complete(link, tag, entry);
        return;
      case 'single': {
        this.complete(link, tag, entry);
        if (errnum !== 0) {
          entry.reject(new FluxRpcError(entry.topic, errnum, errorStringOf(msg)));
          return;
        }
        try {
          entry.resolve(this.payloadOf(entry.topic, msg));
        } catch (err) {
          entry.reject(err as Error);
        }
        return;
      }
      case 'stream': {
        if (errnum !== 0) {
          this.complete(link, tag, entry);
          entry.stream.finish(errnum === Errno.ENODATA ? null : new FluxRpcError(entry.topic, errnum, errorStringOf(msg)));
          return;
        }
        let value: ResponseValue;
        try {
          value = this.payloadOf(entry.topic, msg);
        } catch (err) {
          if (entry.timer) clearTimeout(entry.timer);
          link.pending.set(tag, { kind: 'abandoned', topic: entry.topic, timer: null, streaming: true });
          entry.stream.finish(err as Error);
          return;
        }
        entry.stream.push(value);
        this.armTimer(link, tag, entry);
        return;
      }
    }
  }

  private payloadOf(topic: string, msg: FluxMessage): ResponseValue {
    if (msg.payload === undefined) return undefined;
    try {
      return decodeJsonObjectPayload(msg.payload);
    } catch (err) {
      throw new FluxError('FLUX_PROTOCOL', `${topic}: invalid response payload: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Fails everything in flight on `link` with `error` and releases the transport; `why` is kept for later fail-fast errors. */
  private async takeDown(link: Link, error: FluxError, why: string = error.message): Promise<void> {
    if (link.down) return;
    link.down = true;
    // A drop of the current connection, not the handle being closed.
    const lost = this.link === link && !this.closed;
    if (this.link === link) {
      this.link = null;
      this.lastFailure = why;
      if (this.reportedUp || this.closed) {
        // The first RPC after a drop may try to reconnect at once.
        this.reconnectDelay = 0;
        this.nextAttemptAt = 0;
      } else {
        // Lost as it was set up: a failed attempt, so the backoff goes on growing.
        this.backOff();
      }
    }
    const pending = [...link.pending.values()];
    link.pending.clear();
    for (const entry of pending) {
      if (entry.timer) clearTimeout(entry.timer);
      if (entry.kind === 'single') entry.reject(error);
      else if (entry.kind === 'stream') entry.stream.finish(error);
    }
    if (lost) {
      // A connection that fails as it is set up was never reported up: its loss is no news.
      if (this.reportedUp) {
        this.reportedUp = false;
        this.lostAt = Date.now();
        this.attemptsSinceLoss = 0;
        this.notify({ state: 'lost', reason: why });
      }
      this.retryInBackground();
    }
    await link.transport.dispose();
  }
}
