/**
 * One worker of `serve --workers N`, started by the primary through node:cluster (this file is
 * what it runs). The worker is a whole server: its own connection to Flux (or to the broker child
 * that holds the shared embedded instance), the app, the limits; it listens on the port the
 * primary holds, which hands it connections in turn. It tells the primary when it listens or why
 * it could not; its request log lines carry its worker id; GET /metrics answers the sum over all
 * workers, which the primary collects. On the primary's word, or SIGTERM/SIGINT of its own, it
 * stops accepting, lets requests in flight finish within --shutdown-grace, and exits.
 */
import '../production-mode';
import cluster from 'node:cluster';
import pino from 'pino';
import { openBackend, type Backend } from '../backend';
import { ServerMetrics } from '../metrics';
import { serveBackend, type RunningServer } from '../start';
import { asClusterMessage, clusterMessage, sendToPrimary, takeStartSettings, type WorkerStart } from './messages';
import { openSharedInstanceBackend } from './shared-instance';
import { keepServingOnUnhandledRejections } from '../unhandled-rejections';

/** How long a worker waits for the primary's sum of the workers' metrics before GET /metrics fails with 503. */
const METRICS_ANSWER_TIMEOUT_MS = 10_000;

/** GET /metrics in a worker: asks the primary, which sums every worker's registry. */
class MetricsFromPrimary {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();

  ask(): Promise<string> {
    const requestId = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        reject(new Error('the primary process did not answer with the workers\' metrics'));
      }, METRICS_ANSWER_TIMEOUT_MS);
      timer.unref();
      this.waiting.set(requestId, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      void sendToPrimary(clusterMessage('metrics-request', { requestId }));
    });
  }

  answered(requestId: number, text: string | undefined, error: string | undefined): void {
    const waiter = this.waiting.get(requestId);
    if (waiter === undefined) return;
    this.waiting.delete(requestId);
    if (text !== undefined) waiter.resolve(text);
    else waiter.reject(new Error(error ?? 'no metrics'));
  }
}

async function main(): Promise<void> {
  const worker = cluster.worker;
  if (worker === undefined) throw new Error('the worker module runs in a worker of flux-graphql serve --workers');
  const { settings, shared } = takeStartSettings<WorkerStart>();
  const fromPrimary = new MetricsFromPrimary();
  const metrics = new ServerMetrics({ processMetrics: true, exposition: () => fromPrimary.ask() });
  let running: RunningServer | undefined;
  let backend: (Backend & { describe?(description: string): void }) | undefined;
  let stopping = false;

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // Before it listens there is nothing in flight to wait for.
    if (running === undefined) process.exit(0);
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };

  process.on('message', (value: unknown) => {
    const message = asClusterMessage(value);
    if (message === undefined) return;
    switch (message.kind) {
      case 'shutdown':
        stop();
        break;
      case 'description':
        backend?.describe?.(message.description);
        break;
      case 'metrics-collect':
        void metrics.registry.getMetricsAsJSON().then((values) => sendToPrimary(clusterMessage('metrics-collected', { collectId: message.collectId, metrics: values })));
        break;
      case 'metrics-answer':
        fromPrimary.answered(message.requestId, message.text, message.error);
        break;
      default:
        break;
    }
  });
  // An operator's signal (or the terminal's Ctrl-C, which reaches the whole process group) drains this worker as the primary's word does.
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  keepServingOnUnhandledRejections(pino({ base: { worker: worker.id }, timestamp: pino.stdTimeFunctions.isoTime }));

  try {
    backend = shared === undefined ? await openBackend(settings) : await openSharedInstanceBackend(shared);
    running = await serveBackend(backend, settings, {
      log: (line) => void sendToPrimary(clusterMessage('log', { line })),
      handleSignals: false,
      announce: false,
      workerId: worker.id,
      metrics,
    });
  } catch (error) {
    await sendToPrimary(clusterMessage('failed', { message: error instanceof Error ? error.message : String(error) }));
    process.exit(1);
  }
  await sendToPrimary(clusterMessage('ready', { port: running.port }));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`flux-graphql worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
