/**
 * The soak's subscribers, one class per transport, with what both record: each result's receive
 * time and timestamp, how it ended. Server-sent events: one POST with Accept: text/event-stream
 * per subscription, each its own HTTP connection (node:http, so a thousand sockets cost this
 * process little). graphql-ws over WebSocket: a page's few subscriptions share one socket, as a
 * browser tab's do.
 */
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Samples, SseParser, type MixPart, type SubscriptionKind } from './soak-stats';

export type Transport = 'sse' | 'ws';
export type SubscriptionState = 'opening' | 'open' | 'completed' | 'failed' | 'closed';

export interface TimedEvents {
  /** Receive time, ms since the epoch. */
  readonly receivedAt: Samples;
  /** The event's own timestamp, Unix seconds. */
  readonly timestamp: Samples;
  /** When its subscription was asked for, ms (jobEvents: events stored before it are a replay, not a delay). */
  readonly subscribedAt: Samples;
}

export function timedEvents(): TimedEvents {
  return { receivedAt: new Samples(), timestamp: new Samples(), subscribedAt: new Samples() };
}

/** What the whole run saw, by field and transport. */
export interface Observed {
  readonly changes: Record<Transport, TimedEvents>;
  readonly events: Record<Transport, TimedEvents>;
  statsUpdates: number;
  /** Results received per second of the run (index: second since the subscriptions were asked for). */
  readonly perSecond: number[];
  /** Coded errors and unexpected ends, by description. */
  readonly problems: Map<string, number>;
}

export function observed(): Observed {
  return { changes: { sse: timedEvents(), ws: timedEvents() }, events: { sse: timedEvents(), ws: timedEvents() }, statsUpdates: 0, perSecond: [], problems: new Map() };
}

const CHANGES_QUERY =
  'subscription SoakChanges($filters: [JobFilter!], $queue: [String!], $user: String) { ' +
  'jobChanges(filters: $filters, queue: $queue, user: $user) { event timestamp job { id name state queue username runtime result } } }';
const STATS_QUERY = 'subscription SoakStats($queue: [String!]) { jobStats(interval: 1, queue: $queue) { total pending running inactive successful failed } }';
const EVENTS_QUERY = 'subscription SoakEvents($id: JobID!) { jobEvents(id: $id) { name timestamp context } }';

function queryFor(kind: SubscriptionKind): string {
  return kind.field === 'jobChanges' ? CHANGES_QUERY : kind.field === 'jobStats' ? STATS_QUERY : EVENTS_QUERY;
}

interface ResultLike {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; extensions?: { code?: unknown } }[];
}

/** One subscription, whichever transport carries it. */
export abstract class SoakSubscription {
  state: SubscriptionState = 'opening';
  sentAt = 0;
  /** When its connection was established (TCP for SSE, the WebSocket's connection_ack for graphql-ws). */
  connectedAt: number | undefined;
  /** When the server answered it (SSE: the response's headers; graphql-ws: the connection's ack). */
  openedAt: number | undefined;
  results = 0;
  /** jobChanges: the timestamps received, to compare subscribers of the same filters. */
  readonly timestamps: number[] = [];
  private settleReady!: (ok: boolean) => void;
  /** Resolves once the server answered (true) or refused (false). */
  readonly ready = new Promise<boolean>((done) => (this.settleReady = done));

  constructor(
    readonly slot: number,
    readonly part: MixPart,
    readonly variables: Record<string, unknown>,
    readonly transport: Transport,
    protected readonly observed: Observed,
    private readonly onJobDone: (subscription: SoakSubscription) => void,
    private readonly startedAt: number,
  ) {}

  get kind(): SubscriptionKind {
    return this.part.kind;
  }

  get query(): string {
    return queryFor(this.kind);
  }

  abstract open(): void;
  /** Ends it from the client's side, as a closed browser tab does. */
  abstract close(): void;
  abstract get keepAlives(): number;

  protected answered(ok: boolean): void {
    if (ok && this.state === 'opening') {
      this.state = 'open';
      this.openedAt = Date.now();
    }
    this.settleReady(ok);
  }

  protected onResult(result: ResultLike, receivedAt: number): void {
    if (this.state !== 'open') return;
    this.results++;
    const second = Math.floor((receivedAt - this.startedAt) / 1000);
    this.observed.perSecond[second] = (this.observed.perSecond[second] ?? 0) + 1;
    if (result.errors !== undefined && result.errors.length > 0) {
      const first = result.errors[0];
      this.fail(`${this.kind.field} (${this.transport}): ${String(first?.extensions?.code ?? 'no code')}: ${first?.message ?? ''}`);
      return;
    }
    if (this.kind.field === 'jobStats') {
      this.observed.statsUpdates++;
      return;
    }
    const field = result.data?.[this.kind.field] as { timestamp?: unknown } | undefined;
    if (field === undefined || typeof field.timestamp !== 'number') {
      this.fail(`${this.kind.field} (${this.transport}): a result without a timestamp`);
      return;
    }
    const into = (this.kind.field === 'jobChanges' ? this.observed.changes : this.observed.events)[this.transport];
    into.receivedAt.add(receivedAt);
    into.timestamp.add(field.timestamp);
    into.subscribedAt.add(this.sentAt);
    if (this.kind.field === 'jobChanges') this.timestamps.push(field.timestamp);
  }

  /** The server completed the stream: only jobEvents may (its job is clean); the others never end by themselves. */
  protected onStreamComplete(): void {
    if (this.state !== 'open') return;
    if (this.kind.field !== 'jobEvents') {
      this.fail(`${this.part.label} (${this.transport}): completed by the server`);
      return;
    }
    this.state = 'completed';
    this.onJobDone(this);
  }

  protected fail(what: string): void {
    if (this.state === 'closed' || this.state === 'completed' || this.state === 'failed') return;
    this.state = 'failed';
    this.observed.problems.set(what, (this.observed.problems.get(what) ?? 0) + 1);
    this.settleReady(false);
    this.stop();
  }

  /** Lets go of the transport's resources for this subscription. */
  protected abstract stop(): void;
}

/** A subscription over server-sent events: its own HTTP connection. */
export class SseSubscription extends SoakSubscription {
  private request: ClientRequest | undefined;
  private readonly parser = new SseParser();

  constructor(
    slot: number,
    part: MixPart,
    variables: Record<string, unknown>,
    observedEvents: Observed,
    onJobDone: (subscription: SoakSubscription) => void,
    startedAt: number,
    private readonly url: URL,
    private readonly agent: Agent,
  ) {
    super(slot, part, variables, 'sse', observedEvents, onJobDone, startedAt);
  }

  get keepAlives(): number {
    return this.parser.comments;
  }

  open(): void {
    const body = JSON.stringify({ query: this.query, variables: this.variables });
    this.sentAt = Date.now();
    const req = request(this.url, {
      method: 'POST',
      agent: this.agent,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        // As a browser's fetch sends it: the server must not hold events back to compress them.
        'accept-encoding': 'gzip, deflate, br',
        'content-length': Buffer.byteLength(body),
      },
    });
    this.request = req;
    req.once('socket', (socket) => socket.once('connect', () => (this.connectedAt = Date.now())));
    req.on('response', (res) => this.onResponse(res));
    req.on('error', (error) => this.fail(`${this.part.label} (sse): connection error: ${error.message}`));
    req.end(body);
  }

  close(): void {
    if (this.state === 'open' || this.state === 'opening') this.state = 'closed';
    this.request?.destroy();
  }

  protected stop(): void {
    this.request?.destroy();
  }

  private onResponse(res: IncomingMessage): void {
    const type = res.headers['content-type'] ?? '';
    if (res.statusCode !== 200 || !type.includes('text/event-stream')) {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => this.fail(`${this.part.label} (sse): HTTP ${String(res.statusCode)} ${type}: ${text.slice(0, 160)}`));
      return;
    }
    this.answered(true);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const receivedAt = Date.now();
      for (const message of this.parser.push(chunk)) {
        if (message.event === 'complete') this.onStreamComplete();
        else if (message.event === 'next') this.onResult(JSON.parse(message.data) as ResultLike, receivedAt);
      }
    });
    res.on('end', () => {
      if (this.state === 'open') this.fail(`${this.part.label} (sse): the server ended the stream without "complete"`);
    });
    res.on('error', () => undefined);
    res.on('aborted', () => {
      if (this.state === 'open') this.fail(`${this.part.label} (sse): the connection was cut`);
    });
  }
}

/** One WebSocket (graphql-ws) that a page's subscriptions share. */
export class WsConnection {
  readonly client: Client;
  connectedAt: number | undefined;
  /** WebSocket pings from the server (its keep-alive). */
  pings = 0;
  /** How the socket closed, when it did. */
  closed: { code: number; reason: string } | undefined;
  private settleConnected!: (ok: boolean) => void;
  readonly connected = new Promise<boolean>((done) => (this.settleConnected = done));

  constructor(url: string) {
    this.client = createClient({
      url,
      webSocketImpl: WebSocket,
      // A dropped socket must show as an error, not be hidden by reconnecting.
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
    });
    this.client.on('opened', (socket) => (socket as WebSocket).on('ping', () => this.pings++));
    this.client.on('connected', () => {
      this.connectedAt = Date.now();
      this.settleConnected(true);
    });
    this.client.on('closed', (event) => {
      const close = event as { code?: number; reason?: string };
      this.closed = { code: close.code ?? 0, reason: close.reason ?? '' };
      this.settleConnected(false);
    });
  }

  close(): void {
    void this.client.dispose();
  }
}

/** A subscription over a shared WebSocket. */
export class WsSubscription extends SoakSubscription {
  private unsubscribe: (() => void) | undefined;

  constructor(
    slot: number,
    part: MixPart,
    variables: Record<string, unknown>,
    observedEvents: Observed,
    onJobDone: (subscription: SoakSubscription) => void,
    startedAt: number,
    readonly connection: WsConnection,
  ) {
    super(slot, part, variables, 'ws', observedEvents, onJobDone, startedAt);
  }

  get keepAlives(): number {
    return 0;
  }

  open(): void {
    this.sentAt = Date.now();
    this.unsubscribe = this.connection.client.subscribe(
      { query: this.query, variables: this.variables },
      {
        next: (result) => this.onResult(result as ResultLike, Date.now()),
        error: (error) => this.fail(`${this.part.label} (ws): ${describeWsError(error)}`),
        complete: () => this.onStreamComplete(),
      },
    );
    void this.connection.connected.then((ok) => {
      this.connectedAt = this.connection.connectedAt;
      if (ok) this.answered(true);
      else this.fail(`${this.part.label} (ws): the WebSocket closed before connection_ack (${this.connection.closed?.code ?? '?'} ${this.connection.closed?.reason ?? ''})`);
    });
  }

  close(): void {
    if (this.state === 'open' || this.state === 'opening') this.state = 'closed';
    this.unsubscribe?.();
  }

  protected stop(): void {
    this.unsubscribe?.();
  }
}

function describeWsError(error: unknown): string {
  if (Array.isArray(error)) {
    const first = error[0] as { message?: string; extensions?: { code?: unknown } } | undefined;
    return `${String(first?.extensions?.code ?? 'no code')}: ${first?.message ?? ''}`;
  }
  if (error !== null && typeof error === 'object' && 'code' in error) {
    const close = error as { code: unknown; reason?: unknown };
    return `the WebSocket closed (${String(close.code)} ${String(close.reason ?? '')})`;
  }
  return error instanceof Error ? error.message : String(error);
}
