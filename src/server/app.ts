/**
 * The GraphQL HTTP application: a graphql-yoga instance serving the schema at /graphql
 * (GraphiQL for browsers, subscriptions over server-sent events), /healthz and /readyz, with
 * query limits and error masking. It never listens: call app.fetch(...) in tests, or hand it to
 * http.createServer (see start.ts), and to serveGraphQLOverWebSocket for the graphql-ws protocol
 * on the same path (websocket.ts), which runs operations through the same plugins.
 */
import { createYoga, maskError as yogaMaskError, type YogaLogger, type YogaServerInstance } from 'graphql-yoga';
import { Role } from '../flux/constants';
import { withCredentials } from '../flux/credentials-handle';
import { withDeadline } from '../flux/deadline-handle';
import type { FluxHandle } from '../flux/handle';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../jobinfo';
import { withOwnJobsOnly, type JobInfoOptions, type UserDatabase } from '../joblist';
import { createGraphQLContext, DEFAULT_PAGE_LIMITS, processViewer, type GraphQLContext, type PageLimits } from '../graphql/context';
import type { Viewer } from '../graphql/viewer';
import { LiveServices, type LiveOptions } from '../graphql/live/live-services';
import { useAuthentication, type IdentityOptions } from './auth/use-authentication';
import { ConcurrencyLimit, DEFAULT_MAX_CONCURRENT_PER_USER, useConcurrencyLimit, type ConcurrencyScope } from './concurrency-limit';
import { DEFAULT_SUBSCRIPTION_LIMITS, SubscriptionRegistry, useSubscriptionLimits, type SubscriptionLimits } from './subscriptions';
import { useSseStreams } from './sse-streams';
import { codedExecutionError } from '../graphql/errors';
import type { JobDetailsBatchListener } from '../graphql/loaders/job-details-loader';
import type { JobBatchListener } from '../graphql/loaders/job-loader';
import { schema } from '../graphql/schema';
import { useClientErrors } from './client-errors';
import { useCompression } from './compression';
import { useCsrfPrevention } from './csrf-prevention';
import { useFastExecution } from './fast-execution';
import { useDeferredErrors } from './deferred-errors';
import { DEFAULT_KEEPALIVE_MS, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_NODES, DEFAULT_MAX_SOCKET_BUFFERED_BYTES, DEFAULT_REQUEST_TIMEOUT_MS } from './http-limits';
import { GRAPHQL_PATH } from './server-address';
import { GRAPHIQL_OPTIONS, renderOfflineGraphiQL } from './graphiql';
import { useHealthCheck } from './health';
import { watchBrokerConnection } from './broker-connection';
import { useCodedHttpRefusals } from './http-refusals';
import type { Logger } from 'pino';
import { ServerMetrics, useMetrics } from './metrics';
import { useNodeLimit } from './node-limit';
import { useOperationChecks } from './operation-checks';
import { useRequestLog, useRequestObservation } from './request-log';
import { observationOf } from './request-observation';
import { observeRpcs } from './rpc-instrumentation';
import { DEFAULT_QUERY_LIMITS, useQueryLimits, type QueryLimits } from './query-limits';

export { GRAPHQL_PATH };

export interface AppOptions {
  /** Where jobs come from: a real instance's handle or an embedded instance's. */
  handle: FluxHandle;
  /** Named by /healthz (default: the handle's URI); a function is asked on every request, for a backend whose state changes. */
  backend?: string | (() => string);
  /** Connection page sizes (default 50, at most 1000). */
  pageLimits?: Partial<PageLimits>;
  queryLimits?: Partial<QueryLimits>;
  /** Serve GraphiQL to browsers at /graphql (default true). */
  graphiql?: boolean;
  /** yoga's logging: false for none, a level, or a logger (default "info"). */
  logging?: boolean | YogaLogger | 'debug' | 'info' | 'warn' | 'error';
  /** Clock and user names for derived Job fields (default: the system's); an embedded instance passes its clock. */
  jobInfo?: JobInfoOptions;
  /** Where user names are looked up, both ways (default: this machine's password database). */
  userDatabase?: UserDatabase;
  /** Told about each batch of job-by-ID lookups (instrumentation and tests). */
  onJobBatch?: JobBatchListener;
  /** Told about each batch of job-info lookups (instrumentation and tests). */
  onJobDetailsBatch?: JobDetailsBatchListener;
  /** Most bytes of a job's output Job.output keeps (default 1 MiB); `truncated` says when it cut. */
  maxOutputBytes?: number;
  /**
   * Origins whose pages may call the API from a browser (exact `scheme://host[:port]`). Default none:
   * CORS is off, so a page the user happens to open cannot read the jobs through their browser.
   */
  corsOrigins?: readonly string[];
  /** Largest request body accepted (default 1 MiB); larger ones get HTTP 413, REQUEST_ENTITY_TOO_LARGE. */
  maxBodyBytes?: number;
  /** Most job nodes one request may ask for, variables and aliases included (default 10,000). */
  maxNodes?: number;
  /** Deadline for all the Flux RPCs of one request, in milliseconds (default 60 s); FLUX_TIMEOUT beyond. */
  requestTimeoutMs?: number;
  /** Subscriptions: the bound on each subscriber's unread events. */
  live?: LiveOptions;
  /** Where /metrics counts go (default: a registry of this app's own, without process metrics). */
  metrics?: ServerMetrics;
  /** One JSON line per GraphQL request (default: none). */
  requestLogger?: Logger;
  /** One line when the connection to Flux is lost and one when it is back (default: none). */
  connectionLogger?: Logger;
  /**
   * Who each request is for (default: nobody authenticates, and every request is served as the
   * user this process runs as, with the handle's own credentials).
   */
  identity?: IdentityOptions;
  /**
   * Answer queries with the lean executor first, graphql's own when it gives up (default true;
   * false runs graphql's alone, which tests compare against).
   */
  fastExecution?: boolean;
  /** Most GraphQL requests of one user in flight at once (default 32); HTTP 429 beyond. */
  maxConcurrentPerUser?: number;
  /** Whom maxConcurrentPerUser and the subscription limits count: this server (default), or this worker of several (the messages say so). */
  concurrencyScope?: ConcurrencyScope;
  /** Most subscriptions at once per WebSocket connection (default 50) and per user over both transports (default 100). */
  subscriptionLimits?: Partial<SubscriptionLimits>;
  /** How often a quiet subscription's connection gets a keep-alive: an SSE comment, a WebSocket ping (default 12 s). */
  keepAliveMs?: number;
  /** Most bytes a WebSocket client may leave unsent in the server's buffer before it is cut off (default 4 MiB). */
  maxSocketBufferedBytes?: number;
}

/** What the WebSocket transport shares with the app it serves (see websocket.ts). */
export interface AppTransportParts {
  readonly identity: IdentityOptions | undefined;
  /** Who is served when nobody authenticates. */
  readonly anonymous: Viewer;
  readonly corsOrigins: readonly string[];
  readonly concurrency: ConcurrencyLimit;
  readonly metrics: ServerMetrics;
  readonly requestLogger: Logger | undefined;
  readonly keepAliveMs: number;
  readonly maxSocketBufferedBytes: number;
  /** Largest message a client may send (the HTTP body limit). */
  readonly maxMessageBytes: number;
}

const transportParts = new WeakMap<FluxGraphQLApp, AppTransportParts>();

export function transportPartsOf(app: FluxGraphQLApp): AppTransportParts {
  const parts = transportParts.get(app);
  if (parts === undefined) throw new Error('this app was not made by createApp');
  return parts;
}

/**
 * The handle a request's resolvers use: with the viewer's credentials in every message, so that
 * Flux applies its access rules to them; an admin gets the server's own.
 */
function handleFor(viewer: Viewer, handle: FluxHandle, ownJobsOnly: boolean): FluxHandle {
  if (viewer.admin) return handle;
  const asUser = withCredentials(handle, { userid: viewer.userid, rolemask: Role.USER });
  return ownJobsOnly ? withOwnJobsOnly(asUser, viewer.userid) : asUser;
}


export type FluxGraphQLApp = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

function checkPageLimits(limits: PageLimits): PageLimits {
  const { defaultPageSize, maxPageSize } = limits;
  if (!Number.isSafeInteger(maxPageSize) || maxPageSize < 1) throw new RangeError(`maxPageSize must be a positive integer (got ${maxPageSize})`);
  if (!Number.isSafeInteger(defaultPageSize) || defaultPageSize < 0 || defaultPageSize > maxPageSize) {
    throw new RangeError(`defaultPageSize must be an integer from 0 to maxPageSize ${maxPageSize} (got ${defaultPageSize})`);
  }
  return limits;
}

function corsOptions(origins: readonly string[]): false | { origin: string[]; credentials: boolean; methods: string[] } {
  return origins.length === 0 ? false : { origin: [...origins], credentials: true, methods: ['GET', 'POST'] };
}

export function createApp(options: AppOptions): FluxGraphQLApp {
  const { handle, onJobBatch, onJobDetailsBatch } = options;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  if (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 0) throw new RangeError(`maxOutputBytes must be a non-negative integer (got ${maxOutputBytes})`);
  const maxPageSize = options.pageLimits?.maxPageSize ?? DEFAULT_PAGE_LIMITS.maxPageSize;
  const pageLimits = checkPageLimits({
    maxPageSize,
    defaultPageSize: options.pageLimits?.defaultPageSize ?? Math.min(DEFAULT_PAGE_LIMITS.defaultPageSize, maxPageSize),
  });
  const metrics = options.metrics ?? new ServerMetrics();
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const queryLimits: QueryLimits = { ...DEFAULT_QUERY_LIMITS, ...options.queryLimits };
  const identity = options.identity;
  const anonymous: Viewer = identity === undefined ? processViewer() : { ...identity.serverUser, admin: true };
  const live = new LiveServices({ serverHandle: handle, ...options.live });
  const concurrencyScope = options.concurrencyScope ?? 'server';
  const concurrency = new ConcurrencyLimit(options.maxConcurrentPerUser ?? DEFAULT_MAX_CONCURRENT_PER_USER, concurrencyScope);
  const subscriptions = new SubscriptionRegistry({ ...DEFAULT_SUBSCRIPTION_LIMITS, ...options.subscriptionLimits }, metrics, concurrencyScope);
  const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
  const maxSocketBufferedBytes = options.maxSocketBufferedBytes ?? DEFAULT_MAX_SOCKET_BUFFERED_BYTES;
  if (!Number.isSafeInteger(maxSocketBufferedBytes) || maxSocketBufferedBytes < 1) throw new RangeError(`maxSocketBufferedBytes must be a positive integer (got ${maxSocketBufferedBytes})`);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // Watched for the handle's lifetime: an app has no close of its own.
  watchBrokerConnection(handle, { metrics, ...(options.connectionLogger === undefined ? {} : { logger: options.connectionLogger }) });

  const app = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    graphiql: options.graphiql === false ? false : GRAPHIQL_OPTIONS,
    renderGraphiQL: renderOfflineGraphiQL,
    logging: options.logging ?? 'info',
    cors: corsOptions(options.corsOrigins ?? []),
    maxRequestBodySize: maxBodyBytes,
    // No field takes a file: multipart bodies (uploads) have nothing to carry, and yoga's parser
    // of them answers malformed ones without a code. Such a body gets 415 like any unread type.
    multipart: false,
    context: ({ request }) => {
      const observation = observationOf(request);
      const viewer = observation.viewer ?? anonymous;
      const count = (topic: string, seconds: number, outcome: Parameters<ServerMetrics['observeRpc']>[2]): void => {
        observation.rpcCount++;
        metrics.observeRpc(topic, seconds, outcome);
      };
      const observed = observeRpcs(withDeadline(handle, requestTimeoutMs), count);
      const ownJobsOnly = identity?.ownJobsOnly === true;
      return createGraphQLContext({
        handle: handleFor(viewer, observed, ownJobsOnly),
        // Subscriptions outlive any request deadline: their streams are bounded by the client staying.
        liveHandle: handleFor(viewer, observeRpcs(handle, count), ownJobsOnly),
        live,
        viewer,
        pageLimits,
        onJobBatch,
        onJobDetailsBatch,
        maxOutputBytes,
        jobInfo: options.jobInfo,
        userDatabase: options.userDatabase,
      });
    },
    maskedErrors: {
      // Failures a client can act on keep their message and get a code; the rest stay masked.
      maskError: (error, message, isDev) => codedExecutionError(error)?.error ?? yogaMaskError(error, message, isDev),
    },
    plugins: [
      useCompression(),
      useMetrics(metrics, GRAPHQL_PATH),
      useRequestObservation(),
      ...(identity === undefined ? [] : [useAuthentication(identity, GRAPHQL_PATH, options.graphiql !== false)]),
      useConcurrencyLimit(concurrency),
      ...(options.requestLogger === undefined ? [] : [useRequestLog(options.requestLogger)]),
      useSseStreams({ keepAliveMs, metrics }),
      useSubscriptionLimits(subscriptions),
      useHealthCheck({ handle, backend: options.backend ?? handle.uri }),
      useCodedHttpRefusals(),
      useCsrfPrevention(),
      useQueryLimits(queryLimits),
      useOperationChecks(),
      useNodeLimit({ maxNodes: options.maxNodes ?? DEFAULT_MAX_NODES, defaultPageSize: pageLimits.defaultPageSize }),
      useDeferredErrors(),
      ...(options.fastExecution === false ? [] : [useFastExecution()]),
      useClientErrors(),
    ],
  });
  transportParts.set(app, {
    identity,
    anonymous,
    corsOrigins: options.corsOrigins ?? [],
    concurrency,
    metrics,
    requestLogger: options.requestLogger,
    keepAliveMs,
    maxSocketBufferedBytes,
    maxMessageBytes: maxBodyBytes,
  });
  return app;
}
