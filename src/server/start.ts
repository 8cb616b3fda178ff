/**
 * Starting the commands for real: open the backend, listen, print where, stop cleanly on
 * SIGINT/SIGTERM. The line naming the GraphiQL address is printed once the server answers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from './app';
import { DEFAULT_SHUTDOWN_GRACE_SECONDS } from './http-limits';
import { consoleLog, type Log } from './log-line';
import { graphqlUrl } from './server-address';
import { ServerMetrics } from './metrics';
import { liveFailure, openBackend, openEmbeddedInstance, type Backend } from './backend';
import type { BrokerSettings, ServeSettings } from './cli';
import { serveBroker } from '../embedded/wire/broker';
import { withLatency } from '../embedded/wire/latency';
import { openSnapshotEmbedded } from './snapshot-backend';
import { setUpIdentity } from './auth/identity-setup';
import { keepServingOnUnhandledRejections } from './unhandled-rejections';
import { serveGraphQLOverWebSocket } from './websocket';

export interface RunningServer {
  /** e.g. http://127.0.0.1:4000/graphql */
  url: string;
  /** The port listened on (the one picked, for --port 0). */
  port: number;
  backend: Backend;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Stops accepting, lets requests in flight finish within the grace period, then cuts what is
 * left. Idle keep-alive connections are closed as they become idle, so that a client between
 * requests does not hold the shutdown for the whole grace period.
 */
function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function onSignals(stop: () => Promise<void>, log: Log): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`flux-graphql: ${signal}, shutting down`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

/** What a worker of `serve --workers` changes in how one server process runs (see cluster/worker.ts). */
export interface ServeHooks {
  log?: Log;
  /** Stop cleanly on SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  /** Print the backend and GraphiQL lines once listening (default true; a cluster's primary prints them once for all). */
  announce?: boolean;
  /** The worker's id, written into every request log line. */
  workerId?: number;
  /** Where the counts go and what GET /metrics answers (default: this process's own registry, with its process metrics). */
  metrics?: ServerMetrics;
}

export async function startServer(settings: ServeSettings, options: ServeHooks = {}): Promise<RunningServer> {
  const log = options.log ?? consoleLog;
  const backend = await openBackend(settings, { onLiveError: (error) => log(liveFailure(error)) });
  return serveBackend(backend, settings, options);
}

/** Serves an open backend: identity checks, the app, listening; closes the backend when any of it fails. */
export async function serveBackend(backend: Backend, settings: ServeSettings, options: ServeHooks = {}): Promise<RunningServer> {
  const log = options.log ?? consoleLog;
  let identity;
  try {
    identity = await setUpIdentity({
      access: settings.access ?? { auth: { mode: 'none' }, admins: [], ownJobsOnly: false },
      host: settings.host,
      allowAnonymous: settings.allowAnonymous === true,
      handle: backend.handle,
      serverUser: backend.serverUser,
      ...(backend.userDatabase === undefined ? {} : { userDatabase: backend.userDatabase }),
      warn: log,
    });
  } catch (error) {
    await backend.close();
    throw error;
  }
  const logger = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime });
  const workerId = options.workerId;
  const app = createApp({
    identity,
    ...(settings.maxConcurrentPerUser === undefined ? {} : { maxConcurrentPerUser: settings.maxConcurrentPerUser }),
    ...(workerId === undefined ? {} : { concurrencyScope: 'worker' as const }),
    handle: backend.handle,
    // Read on every /healthz request: a live workload that failed is no longer described as live.
    backend: () => backend.description,
    ...(backend.jobInfo === undefined ? {} : { jobInfo: backend.jobInfo }),
    ...(backend.userDatabase === undefined ? {} : { userDatabase: backend.userDatabase }),
    pageLimits: { maxPageSize: settings.maxPageSize, defaultPageSize: settings.defaultPageSize },
    corsOrigins: settings.corsOrigins ?? [],
    ...(settings.maxBodyBytes === undefined ? {} : { maxBodyBytes: settings.maxBodyBytes }),
    ...(settings.maxNodes === undefined ? {} : { maxNodes: settings.maxNodes }),
    ...(settings.maxOutputBytes === undefined ? {} : { maxOutputBytes: settings.maxOutputBytes }),
    ...(settings.requestTimeoutSeconds === undefined ? {} : { requestTimeoutMs: settings.requestTimeoutSeconds * 1000 }),
    subscriptionLimits: {
      ...(settings.maxSubscriptionsPerUser === undefined ? {} : { maxPerUser: settings.maxSubscriptionsPerUser }),
      ...(settings.maxSubscriptionsPerConnection === undefined ? {} : { maxPerConnection: settings.maxSubscriptionsPerConnection }),
    },
    ...(settings.keepAliveSeconds === undefined ? {} : { keepAliveMs: settings.keepAliveSeconds * 1000 }),
    ...(settings.wsMaxBufferedBytes === undefined ? {} : { maxSocketBufferedBytes: settings.wsMaxBufferedBytes }),
    metrics: options.metrics ?? new ServerMetrics({ processMetrics: true }),
    ...(settings.requestLog === true ? { requestLogger: workerId === undefined ? logger : logger.child({ worker: workerId }) } : {}),
    connectionLogger: workerId === undefined ? logger : logger.child({ worker: workerId }),
  });
  const server = createServer(app);
  // The graphql-ws protocol on the same port and path; a worker of serve --workers gets the upgrades of the connections it is handed.
  const webSockets = serveGraphQLOverWebSocket(server, app);
  let address: AddressInfo;
  try {
    address = await listen(server, settings.port, settings.host);
  } catch (error) {
    await backend.close();
    throw new Error(`cannot listen on ${settings.host}:${settings.port}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const url = graphqlUrl(settings.host, address.port);
  const close = async (): Promise<void> => {
    const graceMs = (settings.shutdownGraceSeconds ?? DEFAULT_SHUTDOWN_GRACE_SECONDS) * 1000;
    // A WebSocket's subscriptions never finish on their own: its clients are told to go (1001) at once.
    await Promise.all([webSockets.close(graceMs), closeServer(server, graceMs)]);
    await backend.close();
  };
  if (options.handleSignals !== false) {
    onSignals(close, log);
    keepServingOnUnhandledRejections(logger);
  }
  if (options.announce !== false) {
    log(`flux-graphql: backend ${backend.description}`);
    log(`flux-graphql: GraphiQL at ${url}`);
  }
  return { url, port: address.port, backend, close };
}

export async function startBroker(settings: BrokerSettings, options: { log?: Log; handleSignals?: boolean } = {}): Promise<{ path: string; close(): Promise<void> }> {
  const log = options.log ?? consoleLog;
  const instance =
    settings.snapshot === undefined
      ? await openEmbeddedInstance(settings.embedded, { onLiveError: (error) => log(liveFailure(error)) })
      : await openSnapshotEmbedded(settings.snapshot);
  // Every client of this broker gets its credentials, so this process's user owns the instance it serves.
  const owner = typeof process.getuid === 'function' ? process.getuid() : 0;
  const services = instance.instance.servicesOwnedBy(owner);
  let broker;
  try {
    broker = await serveBroker(withLatency(services, settings.embedded.latencyMs), { path: settings.listen, userid: owner, serviceNames: services.names });
  } catch (error) {
    await instance.close();
    throw error;
  }
  const close = async (): Promise<void> => {
    await broker.close();
    await instance.close();
  };
  if (options.handleSignals !== false) onSignals(close, log);
  log(`flux-graphql: broker for ${instance.description}`);
  log(`flux-graphql: listening on local://${broker.path} (e.g. FLUX_URI=local://${broker.path} flux jobs -a)`);
  return { path: broker.path, close };
}
