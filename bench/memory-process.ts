/**
 * Measures the memory the embedded job store takes per job, in a fresh process run with
 * --expose-gc. Usage: memory-process.ts JOBS [dataset|workload]. Prints one JSON line:
 * {jobs, heapBytes, externalBytes, jsonBytes, buildMs}, where jsonBytes is the size of the same
 * jobs' job-list records (attrs ["all"]) as compact JSON, the baseline the store is judged by.
 */
import { EmbeddedInstance } from '../src/embedded';
import { describeWorkload, forEachJob } from '../src/embedded/workload/generate';
import { stringifyJson, type Json } from '../src/flux/json';
import { sendToParent } from './child-process';
import { DATASET_NOW, DATASET_QUEUES, datasetChunks } from './dataset';

export interface MemoryResult {
  source: 'dataset' | 'workload';
  jobs: number;
  heapBytes: number;
  externalBytes: number;
  jsonBytes: number;
  buildMs: number;
}

function collect(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  // Twice: the first pass can leave objects that only a second one frees (weak refs, finalizers).
  gc();
  gc();
  return process.memoryUsage();
}

function jsonSize(records: readonly Json[]): number {
  let bytes = 0;
  for (const record of records) bytes += Buffer.byteLength(stringifyJson(record));
  return bytes;
}

/** The store's whole listing with every attribute, in pages (to size its JSON afterwards). */
async function listedJsonBytes(instance: EmbeddedInstance): Promise<number> {
  const handle = instance.handle();
  const response = (await handle.rpc('job-list.list', { max_entries: 0, attrs: ['all'], since: 0.0, constraint: { and: [] } })) as {
    jobs: Json[];
  };
  await handle.close();
  return jsonSize(response.jobs);
}

async function main(): Promise<void> {
  const jobs = Number(process.argv[2]);
  const source = process.argv[3] === 'workload' ? 'workload' : 'dataset';
  if (!Number.isSafeInteger(jobs) || jobs <= 0) throw new Error('usage: memory-process.ts JOBS [dataset|workload]');

  let instance: EmbeddedInstance;
  let jsonBytes = 0;
  let before: NodeJS.MemoryUsage;
  const started = performance.now();
  if (source === 'dataset') {
    before = collect();
    instance = new EmbeddedInstance({ queues: DATASET_QUEUES, now: () => DATASET_NOW });
    for (const chunk of datasetChunks({ inactive: jobs, active: false })) {
      jsonBytes += jsonSize(chunk);
      instance.loadRecords(chunk);
    }
  } else {
    const options = { jobs, seed: 1, now: DATASET_NOW };
    const description = describeWorkload(options);
    before = collect();
    instance = new EmbeddedInstance({ queues: description.queues, now: () => DATASET_NOW, ownerUserid: description.owner });
    const target = instance;
    forEachJob(options, (job) => target.sink.ingest(job));
  }
  const buildMs = performance.now() - started;
  const after = collect();
  if (source === 'workload') jsonBytes = await listedJsonBytes(instance);
  const result: MemoryResult = {
    source,
    jobs: instance.store.size,
    heapBytes: after.heapUsed - before.heapUsed,
    // Typed arrays (the columnar job table, the ID index) live outside the JS heap.
    externalBytes: after.external - before.external,
    jsonBytes,
    buildMs,
  };
  sendToParent(result);
  instance.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`memory-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
