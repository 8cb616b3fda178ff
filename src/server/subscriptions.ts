/**
 * The subscriptions a server holds open, over either transport (server-sent events, graphql-ws
 * over WebSocket): at most so many per connection (a WebSocket; for SSE each request is its own
 * connection) and per user, across both transports; beyond, the subscription's only result is a
 * TOO_MANY_SUBSCRIPTIONS error. Each open subscription is tracked until its stream ends however
 * it ends (completed, failed, returned by the transport), so that a connection that goes can end
 * every subscription it still has: their event streams return, which releases their Flux streams.
 */
import { getOperationAST, GraphQLError, type ExecutionArgs } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context';
import { ErrorCode, graphqlError } from '../graphql/errors';
import type { ConcurrencyScope } from './concurrency-limit';
import { DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION, DEFAULT_MAX_SUBSCRIPTIONS_PER_USER } from './http-limits';
import type { ServerMetrics } from './metrics';

export type LiveTransport = 'sse' | 'ws';
export const LIVE_TRANSPORTS: readonly LiveTransport[] = ['sse', 'ws'];

export interface SubscriptionLimits {
  /** Most subscriptions one user may hold at once, over both transports. */
  maxPerUser: number;
  /** Most subscriptions at once on one WebSocket (an SSE request carries one). */
  maxPerConnection: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = { maxPerUser: DEFAULT_MAX_SUBSCRIPTIONS_PER_USER, maxPerConnection: DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION };

/** One subscription's stream, as the transport reads it; `end()` returns it from the server's side. */
class OpenSubscription<T> implements AsyncIterableIterator<T> {
  private iterator: AsyncIterator<T> | undefined;
  private closed = false;

  constructor(
    private readonly source: AsyncIterable<T>,
    private readonly onClose: () => void,
  ) {}

  next(): Promise<IteratorResult<T>> {
    return this.sourceIterator()
      .next()
      .then(
        (result) => {
          if (result.done === true) this.close();
          return result;
        },
        (error: unknown) => {
          this.close();
          throw error;
        },
      );
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    this.close();
    const returned = this.sourceIterator().return?.(value);
    return returned ?? Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.close();
    const thrown = this.sourceIterator().throw?.(error);
    return thrown ?? Promise.reject(error);
  }

  /** Ends the stream from the server's side: the transport's pending read completes. */
  end(): void {
    this.return().catch(() => undefined);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private sourceIterator(): AsyncIterator<T> {
    return (this.iterator ??= this.source[Symbol.asyncIterator]());
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}

/** A client connection subscriptions are counted against and ended with. */
export class LiveConnection {
  private readonly open = new Set<OpenSubscription<unknown>>();
  /** Subscriptions admitted whose stream is not there yet (their subscribe resolvers still run). */
  pending = 0;
  private gone = false;

  constructor(readonly transport: LiveTransport) {}

  get subscriptions(): number {
    return this.open.size + this.pending;
  }

  get isGone(): boolean {
    return this.gone;
  }

  /** The client went (or is cut off): every subscription still open ends, and any that opens later ends at once. */
  endAll(): void {
    this.gone = true;
    for (const subscription of [...this.open]) subscription.end();
  }

  add(subscription: OpenSubscription<unknown>): void {
    this.open.add(subscription);
    if (this.gone) subscription.end();
  }

  remove(subscription: OpenSubscription<unknown>): void {
    this.open.delete(subscription);
  }
}

/** A slot taken for one subscription before its stream exists: tracked with its stream, or given back. */
export interface SubscriptionSlot {
  track<T>(stream: AsyncIterable<T>): AsyncIterableIterator<T>;
  cancel(): void;
}

export class SubscriptionRegistry {
  private readonly perUser = new Map<string, number>();

  constructor(
    readonly limits: SubscriptionLimits,
    private readonly metrics: ServerMetrics,
    private readonly scope: ConcurrencyScope = 'server',
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer (got ${String(value)})`);
    }
  }

  /** How many subscriptions `username` holds (admitted ones included). */
  heldBy(username: string): number {
    return this.perUser.get(username) ?? 0;
  }

  /** A slot on `connection` for `username`, or the error the subscription gets instead. */
  reserve(connection: LiveConnection, username: string): SubscriptionSlot | GraphQLError {
    const { maxPerConnection, maxPerUser } = this.limits;
    if (connection.transport === 'ws' && connection.subscriptions >= maxPerConnection) {
      return graphqlError(
        ErrorCode.TOO_MANY_SUBSCRIPTIONS,
        `Too many subscriptions on this connection: at most ${maxPerConnection} at once (--max-subscriptions-per-connection); complete one before starting another, or open another connection.`,
        { limit: maxPerConnection, per: 'connection' },
      );
    }
    const held = this.heldBy(username);
    if (held >= maxPerUser) {
      const where = this.scope === 'worker' ? ' in this worker process' : '';
      return graphqlError(
        ErrorCode.TOO_MANY_SUBSCRIPTIONS,
        `Too many subscriptions for user "${username}": at most ${maxPerUser} at once${where}, over server-sent events and WebSocket together (--max-subscriptions-per-user); complete one before starting another.`,
        { limit: maxPerUser, per: 'user' },
      );
    }
    this.perUser.set(username, held + 1);
    connection.pending++;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      connection.pending--;
    };
    const release = (): void => {
      const left = this.heldBy(username) - 1;
      if (left <= 0) this.perUser.delete(username);
      else this.perUser.set(username, left);
    };
    return {
      track: <T>(stream: AsyncIterable<T>): AsyncIterableIterator<T> => {
        settle();
        this.metrics.subscriptionOpened(connection.transport);
        const subscription: OpenSubscription<T> = new OpenSubscription<T>(stream, () => {
          connection.remove(subscription as OpenSubscription<unknown>);
          this.metrics.subscriptionClosed(connection.transport);
          release();
        });
        connection.add(subscription as OpenSubscription<unknown>);
        return subscription;
      },
      cancel: () => {
        if (settled) return;
        settle();
        release();
      },
    };
  }
}

/** What a WebSocket operation's initial context carries (see websocket.ts); an SSE request has none. */
export interface LiveConnectionContext {
  liveConnection?: LiveConnection;
}

const sseConnections = new WeakMap<Request, LiveConnection>();

/** An SSE request's connection: it goes when the client does (yoga aborts the request's signal). */
function sseConnectionOf(request: Request): LiveConnection {
  let connection = sseConnections.get(request);
  if (connection === undefined) {
    const made = new LiveConnection('sse');
    connection = made;
    sseConnections.set(request, made);
    const signal = request.signal as AbortSignal | undefined;
    if (signal?.aborted === true) made.endAll();
    else signal?.addEventListener('abort', () => made.endAll(), { once: true });
  }
  return connection;
}

type SubscribeFunction = (args: ExecutionArgs) => unknown;

/**
 * Counts and bounds every subscription, whichever transport carries it. Needs the viewer of the
 * context (GraphQLContext), so it runs at subscribe time, once the context is built.
 */
export function useSubscriptionLimits(registry: SubscriptionRegistry): Plugin {
  return {
    onSubscribe({ args, subscribeFn, setSubscribeFn, setResultAndStopExecution }) {
      // yoga's context: the initial one (request, or a WebSocket operation's connection) with GraphQLContext's fields.
      const context = args.contextValue as unknown as Pick<GraphQLContext, 'viewer'> & LiveConnectionContext & { request?: Request };
      // Only a subscription operation opens a stream (graphql's subscribe answers anything else with an error).
      if (getOperationAST(args.document, args.operationName)?.operation !== 'subscription') return;
      const connection = context.liveConnection ?? (context.request === undefined ? undefined : sseConnectionOf(context.request));
      if (connection === undefined) return;
      const slot = registry.reserve(connection, context.viewer.username);
      if (slot instanceof GraphQLError) {
        setResultAndStopExecution({ errors: [slot] });
        return;
      }
      const subscribe = subscribeFn as SubscribeFunction;
      const tracked: SubscribeFunction = async (subscribeArgs) => {
        let result: unknown;
        try {
          result = await subscribe(subscribeArgs);
        } catch (error) {
          slot.cancel();
          throw error;
        }
        if (!isAsyncIterable(result)) {
          slot.cancel();
          return result;
        }
        return slot.track(result);
      };
      setSubscribeFn(tracked as typeof subscribeFn);
    },
  };
}
