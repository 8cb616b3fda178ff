/**
 * `serve --workers N` (N > 1): this process becomes the primary of a node:cluster. It holds the
 * listening socket and hands each new connection to the next worker in turn (the cluster's
 * round-robin policy), while the N workers (worker.ts) serve, each with its own connection to
 * Flux. An embedded instance or snapshot runs once, in a broker child (broker-child.ts) the
 * workers reach over local://. The primary prints the start-up lines once every worker
 * listens, restarts a worker that dies (at a bounded rate), sums the workers' metrics for
 * GET /metrics, and on SIGTERM/SIGINT has every worker stop accepting and finish its requests
 * within --shutdown-grace, then stops the broker child, last.
 */
import { fork, type ChildProcess } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import type { ServeSettings } from '../cli';
import { DEFAULT_SHUTDOWN_GRACE_SECONDS } from '../http-limits';
import { consoleLog, type Log } from '../log-line';
import { graphqlUrl } from '../server-address';
import { asClusterMessage, clusterMessage, START_ENV, type BrokerChildStart, type ClusterMessage, type SharedInstance, type WorkerMetrics, type WorkerStart } from './messages';
import { RestartBudget } from './restart-budget';

/** The modules the children run: .ts from the sources (under tsx), .js once built. */
const WORKER_MODULE = join(__dirname, `worker${extname(__filename)}`);
const BROKER_MODULE = join(__dirname, `broker-child${extname(__filename)}`);

/** Restarts allowed per worker in any minute; beyond that a restart waits (see RestartBudget). */
export const RESTARTS_PER_WORKER_PER_MINUTE = 2;
/** How long a worker may take past --shutdown-grace (closing its Flux connection) before it is killed. */
const WORKER_EXIT_MARGIN_MS = 5_000;
/** How long the broker child may take to stop once the workers are gone, before it is killed. */
const BROKER_EXIT_MS = 5_000;
/** How long a scrape of GET /metrics waits for every worker's counts. */
const METRICS_COLLECT_TIMEOUT_MS = 5_000;

export interface RunningCluster {
  url: string;
  /** The process ids of the workers serving now. */
  workerPids(): number[];
  /** The broker child's process id, when an embedded instance or snapshot is served. */
  brokerPid?: number;
  /** Shuts every process down as SIGTERM does; resolves once all have exited. */
  close(): Promise<void>;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
}

/**
 * Sends a message to a child that may be going away: an IPC channel that closes between the check
 * and the send would otherwise raise an 'error' event nobody listens to, and take the primary down.
 */
function sendTo(child: { isConnected(): boolean; send(message: ClusterMessage, callback: (error: Error | null) => void): unknown }, message: ClusterMessage): void {
  if (child.isConnected()) child.send(message, () => undefined);
}

function waitForExit(child: { once(event: 'exit', listener: () => void): unknown }, alreadyExited: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (alreadyExited()) resolve();
    else child.once('exit', () => resolve());
  });
}

/** The embedded instance or snapshot, served by a broker child on a socket in a private directory. */
async function startBrokerChild(settings: ServeSettings, log: Log): Promise<{ child: ChildProcess; shared: SharedInstance; directory: string }> {
  const directory = mkdtempSync(join(tmpdir(), 'flux-graphql-'));
  const start: BrokerChildStart = {
    socketPath: join(directory, 'broker.sock'),
    embedded: settings.embedded,
    ...(settings.snapshot === undefined ? {} : { snapshot: settings.snapshot }),
  };
  const child = fork(BROKER_MODULE, [], { env: { ...process.env, [START_ENV]: JSON.stringify(start) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let onMessage: ((value: unknown) => void) | undefined;
  let onExit: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  try {
    const shared = await new Promise<SharedInstance>((resolve, reject) => {
      onMessage = (value) => {
        const message = asClusterMessage(value);
        if (message?.kind === 'broker-ready') resolve(message.shared);
        else if (message?.kind === 'failed') reject(new Error(message.message));
        else if (message?.kind === 'log') log(message.line);
      };
      onExit = (code, signal) => reject(new Error(`the embedded instance's broker ${describeExit(code, signal)} before it listened`));
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.once('error', reject);
    });
    return { child, shared, directory };
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    throw error;
  } finally {
    // The caller listens from here on, for as long as the server runs.
    if (onMessage !== undefined) child.off('message', onMessage);
    if (onExit !== undefined) child.off('exit', onExit);
  }
}

/** One scrape's collection of every serving worker's registry. */
interface Collection {
  pending: Set<number>;
  results: WorkerMetrics[];
  resolve(results: WorkerMetrics[]): void;
  reject(error: Error): void;
}

export async function startCluster(settings: ServeSettings, options: { log?: Log; handleSignals?: boolean } = {}): Promise<RunningCluster> {
  const log = options.log ?? consoleLog;
  const count = settings.workers ?? 1;
  const graceMs = (settings.shutdownGraceSeconds ?? DEFAULT_SHUTDOWN_GRACE_SECONDS) * 1000;
  const budget = new RestartBudget(RESTARTS_PER_WORKER_PER_MINUTE * count, 60_000);
  const printed = new Set<string>();
  // Every worker says the same things at start-up (a warning about --allow-anonymous, say): once is enough.
  const logOnce = (line: string): void => {
    if (printed.has(line)) return;
    printed.add(line);
    log(line);
  };

  const registry = new Registry();
  const workersGauge = new Gauge({ name: 'flux_graphql_workers', help: 'Worker processes serving (serve --workers)', registers: [registry] });
  const restarts = new Counter({ name: 'flux_graphql_worker_restarts_total', help: 'Workers started again after one died', registers: [registry] });

  let broker: { child: ChildProcess; shared: SharedInstance; directory: string } | undefined;
  let brokerExited = false;
  let shuttingDown: Promise<void> | undefined;
  let exitCode = 0;
  const ready = new Set<number>();
  const restartTimers = new Set<NodeJS.Timeout>();
  const failures = new Map<number, string>();
  const collections = new Map<number, Collection>();
  let nextCollectId = 0;
  let startup: { resolve(port: number): void; reject(error: Error): void } | undefined;
  const initial: Worker[] = [];
  let port = 0;

  const liveWorkers = (): Worker[] => Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);

  const forkWorker = (): Worker => {
    const start: WorkerStart = { settings, ...(broker === undefined ? {} : { shared: broker.shared }) };
    return cluster.fork({ [START_ENV]: JSON.stringify(start) });
  };

  const collectMetrics = (): Promise<WorkerMetrics[]> => {
    const serving = liveWorkers().filter((worker) => ready.has(worker.id) && worker.isConnected());
    const collectId = nextCollectId++;
    return new Promise<WorkerMetrics[]>((resolve, reject) => {
      const pending = new Set(serving.map((worker) => worker.id));
      const timer = setTimeout(() => {
        collections.delete(collectId);
        reject(new Error(`worker ${[...pending].join(', ')} did not send its metrics within ${METRICS_COLLECT_TIMEOUT_MS / 1000} s`));
      }, METRICS_COLLECT_TIMEOUT_MS);
      const done = (results: WorkerMetrics[]): void => {
        clearTimeout(timer);
        collections.delete(collectId);
        resolve(results);
      };
      if (pending.size === 0) {
        done([]);
        return;
      }
      collections.set(collectId, { pending, results: [], resolve: done, reject });
      for (const worker of serving) sendTo(worker, clusterMessage('metrics-collect', { collectId }));
    });
  };

  const answerMetrics = async (worker: Worker, requestId: number): Promise<void> => {
    let answer: ClusterMessage;
    try {
      const perWorker = await collectMetrics();
      const sum = AggregatorRegistry.aggregate([...perWorker, await registry.getMetricsAsJSON()]);
      answer = clusterMessage('metrics-answer', { requestId, text: await sum.metrics() });
    } catch (error) {
      answer = clusterMessage('metrics-answer', { requestId, error: error instanceof Error ? error.message : String(error) });
    }
    sendTo(worker, answer);
  };

  /** A worker gone: its counts leave the sum, and a scrape waiting for them waits no longer. */
  const forgetInCollections = (workerId: number): void => {
    for (const collection of collections.values()) {
      if (collection.pending.delete(workerId) && collection.pending.size === 0) collection.resolve(collection.results);
    }
  };

  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      for (const timer of restartTimers) clearTimeout(timer);
      restartTimers.clear();
      const workers = liveWorkers();
      for (const worker of workers) {
        if (worker.isConnected()) sendTo(worker, clusterMessage('shutdown', {}));
        else worker.process.kill('SIGTERM');
      }
      const allExited = Promise.all(workers.map((worker) => waitForExit(worker, () => worker.isDead())));
      const late = setTimeout(() => {
        for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
      }, graceMs + WORKER_EXIT_MARGIN_MS);
      await allExited;
      clearTimeout(late);
      if (broker !== undefined) {
        const { child, directory } = broker;
        if (!brokerExited) {
          const exited = waitForExit(child, () => brokerExited);
          if (child.connected) child.send(clusterMessage('shutdown', {}), () => undefined);
          else child.kill('SIGKILL');
          const kill = setTimeout(() => child.kill('SIGKILL'), BROKER_EXIT_MS);
          await exited;
          clearTimeout(kill);
        }
        rmSync(directory, { recursive: true, force: true });
      }
    })();
    return shuttingDown;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown !== undefined) return;
    log(`flux-graphql: ${signal}, shutting down`);
    shutdown().then(
      () => process.exit(exitCode),
      () => process.exit(1),
    );
  };
  if (options.handleSignals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  try {
    if (settings.fluxUri === undefined) {
      broker = await startBrokerChild(settings, logOnce);
      const { child } = broker;
      child.on('message', (value: unknown) => {
        const message = asClusterMessage(value);
        if (message?.kind === 'log') log(message.line);
        else if (message?.kind === 'description' && broker !== undefined) {
          // Workers started from now on begin with it too.
          broker.shared = { ...broker.shared, description: message.description };
          for (const worker of liveWorkers()) sendTo(worker, message);
        }
      });
      child.once('exit', (code, signal) => {
        brokerExited = true;
        if (shuttingDown !== undefined) return;
        log(`flux-graphql: the embedded instance's broker (pid ${String(child.pid)}) ${describeExit(code, signal)}; shutting down`);
        exitCode = 1;
        if (startup !== undefined) startup.reject(new Error(`the embedded instance's broker ${describeExit(code, signal)}`));
        else shutdown().then(() => process.exit(exitCode), () => process.exit(1));
      });
    }

    cluster.schedulingPolicy = cluster.SCHED_RR;
    cluster.setupPrimary({ exec: WORKER_MODULE, args: [], silent: false });

    cluster.on('message', (worker: Worker, value: unknown) => {
      const message = asClusterMessage(value);
      if (message === undefined) return;
      switch (message.kind) {
        case 'ready':
          ready.add(worker.id);
          workersGauge.set(ready.size);
          port = message.port;
          if (startup !== undefined) {
            if (ready.size === count) startup.resolve(port);
          } else {
            log(`flux-graphql: worker ${worker.id} (pid ${String(worker.process.pid)}) serving`);
          }
          break;
        case 'failed':
          failures.set(worker.id, message.message);
          if (startup !== undefined) startup.reject(new Error(message.message));
          // Once start-up has failed, the other workers' word on it is the same; the first was printed.
          else if (shuttingDown === undefined) logOnce(`flux-graphql: worker ${worker.id} could not start: ${message.message}`);
          break;
        case 'log':
          logOnce(message.line);
          break;
        case 'metrics-request':
          void answerMetrics(worker, message.requestId);
          break;
        case 'metrics-collected': {
          const collection = collections.get(message.collectId);
          if (collection !== undefined && collection.pending.delete(worker.id)) {
            collection.results.push(message.metrics);
            if (collection.pending.size === 0) collection.resolve(collection.results);
          }
          break;
        }
        default:
          break;
      }
    });

    cluster.on('exit', (worker: Worker, code: number | null, signal: NodeJS.Signals | null) => {
      const wasReady = ready.delete(worker.id);
      workersGauge.set(ready.size);
      forgetInCollections(worker.id);
      if (shuttingDown !== undefined) return;
      const failure = failures.get(worker.id);
      failures.delete(worker.id);
      if (startup !== undefined) {
        startup.reject(new Error(failure ?? `worker ${worker.id} ${describeExit(code, signal)} before it listened`));
        return;
      }
      const delay = budget.reserve(Date.now());
      const what = `flux-graphql: worker ${worker.id} (pid ${String(worker.process.pid)}) ${describeExit(code, signal)}${wasReady ? '' : ' before it listened'}`;
      log(
        delay === 0
          ? `${what}; starting another`
          : `${what}; starting another in ${Math.ceil(delay / 1000)} s (at most ${budget.limit} restarts a minute)`,
      );
      const timer = setTimeout(() => {
        restartTimers.delete(timer);
        if (shuttingDown !== undefined) return;
        restarts.inc();
        forkWorker();
      }, delay);
      restartTimers.add(timer);
    });

    port = await new Promise<number>((resolve, reject) => {
      startup = { resolve, reject };
      for (let k = 0; k < count; k++) initial.push(forkWorker());
    });
    startup = undefined;
  } catch (error) {
    startup = undefined;
    await shutdown();
    throw error;
  }

  const url = graphqlUrl(settings.host, port);
  const pids = initial.map((worker) => String(worker.process.pid)).join(', ');
  log(`flux-graphql: backend ${broker?.shared.description ?? settings.fluxUri ?? ''}`);
  log(
    `flux-graphql: ${count} workers (pids ${pids})` +
      (broker === undefined ? `, each with its own connection to ${settings.fluxUri ?? ''}` : `, sharing the instance in a broker child (pid ${String(broker.child.pid)}) at ${broker.shared.uri}`),
  );
  log(`flux-graphql: GraphiQL at ${url}`);
  return {
    url,
    workerPids: () => liveWorkers().map((worker) => worker.process.pid).filter((pid): pid is number => pid !== undefined),
    ...(broker?.child.pid === undefined ? {} : { brokerPid: broker.child.pid }),
    close: shutdown,
  };
}
