/**
 * Measures the memory the embedded job store takes per job, in a fresh process run with
 * --expose-gc. Usage: memory-process.ts JOBS [dataset|workload|details]. Prints one JSON line:
 * {jobs, heapBytes, externalBytes, jsonBytes, buildMs}, where jsonBytes is the size of the same
 * jobs' job-list records (attrs ["all"]) as compact JSON, the baseline the store is judged by.
 *
 * "details" is the workload after every job's job-info documents (eventlog, jobspec, R, exec
 * eventlog, output) have been looked up once: the memory then shows that nothing is kept of
 * them, and detailsBytes is the text those documents add up to (what storing them would cost).
 */
import { EmbeddedInstance } from '../src/embedded';
import { describeWorkload, forEachJob } from '../src/embedded/workload/generate';
import { Role } from '../src/flux/constants';
import { stringifyJson, type Json } from '../src/flux/json';
import type { ServiceRequest } from '../src/embedded/service/service-types';
import { sendToParent } from './child-process';
import { DATASET_NOW, DATASET_QUEUES, datasetChunks } from './dataset';

export interface MemoryResult {
  source: 'dataset' | 'workload' | 'details';
  jobs: number;
  heapBytes: number;
  externalBytes: number;
  jsonBytes: number;
  buildMs: number;
  /** details: the job-info documents' text, summed over all jobs, and the time to compose them. */
  detailsBytes?: number;
  detailsMs?: number;
}

const DETAIL_KEYS = ['eventlog', 'jobspec', 'R', 'guest.exec.eventlog', 'guest.output'];

/** Looks every job's documents up once through the job-info service; returns the text's size. */
function readEveryJobsDetails(instance: EmbeddedInstance): number {
  let bytes = 0;
  const t = instance.store.jobs;
  const slots = [instance.store.lists.pending, instance.store.lists.running, instance.store.lists.inactive].flatMap((list) => list.toArray());
  for (const slot of slots) {
    for (const key of DETAIL_KEYS) {
      const request: ServiceRequest = {
        topic: 'job-info.lookup',
        payload: { kind: 'json', value: { id: t.idJson(slot), keys: [key], flags: 0 } },
        streaming: false,
        userid: instance.ownerUserid,
        rolemask: Role.OWNER,
        sender: 'bench',
      };
      instance.services.handle(request, (response) => {
        const value = (response.payload as Record<string, Json> | undefined)?.[key];
        if (typeof value === 'string') bytes += Buffer.byteLength(value);
      });
    }
  }
  return bytes;
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
  const source = process.argv[3] === 'workload' || process.argv[3] === 'details' ? process.argv[3] : 'dataset';
  if (!Number.isSafeInteger(jobs) || jobs <= 0) throw new Error('usage: memory-process.ts JOBS [dataset|workload|details]');

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
    target.sink.advanceTo?.(DATASET_NOW);
  }
  const buildMs = performance.now() - started;
  let detailsBytes: number | undefined;
  let detailsMs: number | undefined;
  if (source === 'details') {
    const reading = performance.now();
    detailsBytes = readEveryJobsDetails(instance);
    detailsMs = performance.now() - reading;
  }
  const after = collect();
  if (source !== 'dataset') jsonBytes = await listedJsonBytes(instance);
  const result: MemoryResult = {
    source,
    jobs: instance.store.size,
    heapBytes: after.heapUsed - before.heapUsed,
    // Typed arrays (the columnar job table, the ID index) live outside the JS heap.
    externalBytes: after.external - before.external,
    jsonBytes,
    buildMs,
    ...(detailsBytes === undefined ? {} : { detailsBytes, detailsMs }),
  };
  sendToParent(result);
  instance.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`memory-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
