/**
 * A broker process for the wire benchmarks: an embedded instance holding the benchmark dataset,
 * served on a Unix socket by the wire broker. Usage: broker-process.ts SOCKET INACTIVE_JOBS [LATENCY_MS]
 * (a delay every request waits before the service sees it, as `broker --latency` adds).
 * Prints {"ready":true,...} once listening; exits when its parent closes stdin.
 */
import { EmbeddedInstance } from '../src/embedded';
import { serveBroker } from '../src/embedded/wire/broker';
import { withLatency } from '../src/embedded/wire/latency';
import { exitWhenParentGoes, sendToParent } from './child-process';
import { DATASET_NOW, DATASET_QUEUES, datasetChunks, datasetSize } from './dataset';

async function main(): Promise<void> {
  const [socket, inactiveText, latencyText = '0'] = process.argv.slice(2);
  const inactive = Number(inactiveText);
  const latencyMs = Number(latencyText);
  if (socket === undefined || !Number.isSafeInteger(inactive) || inactive < 0 || !(latencyMs >= 0)) {
    throw new Error('usage: broker-process.ts SOCKET INACTIVE_JOBS [LATENCY_MS]');
  }
  const started = performance.now();
  const instance = new EmbeddedInstance({ queues: DATASET_QUEUES, now: () => DATASET_NOW });
  const shape = { inactive, active: true };
  for (const chunk of datasetChunks(shape)) instance.loadRecords(chunk);
  // job-list, job-info (for the details bench) and attr.get, as `flux-graphql broker` serves them.
  const services = instance.services;
  const broker = await serveBroker(withLatency(services, latencyMs), { path: socket, serviceNames: services.names, log: () => undefined });
  exitWhenParentGoes(async () => {
    await broker.close();
    instance.close();
  });
  sendToParent({ ready: true, jobs: datasetSize(shape), buildMs: performance.now() - started });
}

main().catch((err: unknown) => {
  process.stderr.write(`broker-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
