/**
 * Expected answers for the snapshot fidelity tests, worked out from the records themselves
 * with the reference's rules written out plainly here, never through the service's matcher,
 * list code or stats counters.
 */
import type { FluxHandle } from '../../../src/flux/handle';
import type { Json, JsonObject } from '../../../src/flux/json';

/** list-attrs order (reference 4.4), which "all" expands to. */
export const ALL_ATTRS = [
  'userid', 'urgency', 'priority', 't_submit', 't_depend', 't_priority', 't_sched', 't_run', 't_cleanup', 't_inactive',
  'state', 'name', 'cwd', 'queue', 'project', 'bank', 'ntasks', 'ncores', 'duration', 'nnodes', 'ranks', 'nodelist',
  'success', 'exception_occurred', 'exception_type', 'exception_severity', 'exception_note', 'result', 'expiration',
  'annotations', 'waitstatus', 'dependencies',
];

export const TIMESTAMP_KEYS = ['t_submit', 't_depend', 't_priority', 't_sched', 't_run', 't_cleanup', 't_inactive'];

export type Rec = JsonObject & { id: bigint };

/** Ids as bigint whatever the handle delivered (numbers below 2^53, bigint above). */
export function normalise(job: Json | undefined): Rec {
  const record = { ...(job as JsonObject) };
  record.id = BigInt(record.id as number | bigint);
  return record as Rec;
}

/** Every job of a streamed job-list.list. */
export async function streamList(handle: FluxHandle, payload: JsonObject): Promise<Rec[]> {
  const jobs: Rec[] = [];
  for await (const response of handle.rpcStream('job-list.list', payload)) {
    for (const job of (response as { jobs: Json[] }).jobs) jobs.push(normalise(job));
  }
  return jobs;
}

/** The jobs of one non-streamed job-list.list. */
export async function onceList(handle: FluxHandle, payload: JsonObject): Promise<Rec[]> {
  const response = (await handle.rpc('job-list.list', payload)) as { jobs: Json[] };
  return response.jobs.map(normalise);
}

/** Key order matters too: job-list emits id first, then the attributes in request order. */
export function keysAndValues(records: readonly Rec[]): Array<[string, Json][]> {
  return records.map((record) => Object.keys(record).map((key) => [key, record[key] as Json]));
}

/** What a record looks like when `attrs` are asked for: id, then each present attribute at its first mention. */
export function project(record: Rec, attrs: readonly string[]): Rec {
  const out: JsonObject = { id: record.id };
  for (const attr of attrs.flatMap((a) => (a === 'all' ? ALL_ATTRS : [a]))) {
    if (attr in out) continue;
    const value = record[attr];
    if (value !== undefined) out[attr] = value;
  }
  return out as Rec;
}

// ---- simple, independent decoders for the hostlists and idsets in the fixtures ----------------

/** Splits at commas that are not inside brackets. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((part) => part !== '');
}

/** "node[0-2,5]" → node0 node1 node2 node5; "vm" → vm (zero padding kept per element). */
export function hosts(hostlist: string): string[] {
  const out: string[] = [];
  for (const part of topLevelParts(hostlist)) {
    const match = /^(.*)\[([^\]]*)\](.*)$/.exec(part);
    if (match === null) {
      out.push(part);
      continue;
    }
    const [, prefix, body, suffix] = match as unknown as [string, string, string, string];
    for (const element of body.split(',')) {
      const [lo, hi = lo] = element.split('-') as [string, string?];
      for (let n = Number(lo); n <= Number(hi); n++) out.push(`${prefix}${String(n).padStart(lo.length, '0')}${suffix}`);
    }
  }
  return out;
}

/** "[0-3,7]" or "0-3,7" → 0 1 2 3 7. */
export function ids(idset: string): number[] {
  const body = idset.startsWith('[') ? idset.slice(1, -1) : idset;
  const out: number[] = [];
  for (const element of body.split(',').filter((e) => e !== '')) {
    const [lo, hi = lo] = element.split('-') as [string, string?];
    for (let n = Number(lo); n <= Number(hi); n++) out.push(n);
  }
  return out;
}

// ---- job-stats ----------------------------------------------------------------------------------

interface Counts {
  job_states: Record<string, number>;
  successful: number;
  failed: number;
  canceled: number;
  timeout: number;
  inactive_purged: number;
  name?: string;
}

const STATE_KEYS: Record<number, string> = { 2: 'depend', 4: 'priority', 8: 'sched', 16: 'run', 32: 'cleanup', 64: 'inactive' };

function emptyCounts(): Counts {
  return {
    job_states: { depend: 0, priority: 0, sched: 0, run: 0, cleanup: 0, inactive: 0, total: 0 },
    successful: 0,
    failed: 0,
    canceled: 0,
    timeout: 0,
    inactive_purged: 0,
  };
}

function count(counts: Counts, job: Rec): void {
  const key = STATE_KEYS[job.state as number] as string;
  counts.job_states[key] = (counts.job_states[key] as number) + 1;
  counts.job_states.total = (counts.job_states.total as number) + 1;
  if (job.state !== 64) return;
  if (job.success === true) counts.successful++;
  else if (job.exception_occurred === true && job.exception_type === 'cancel') counts.canceled++;
  else if (job.exception_occurred === true && job.exception_type === 'timeout') counts.timeout++;
  else counts.failed++;
}

/** job-stats as flux-core's stats.c would count these records; queues sorted by name. */
export function expectedJobStats(records: readonly Rec[], configuredQueues: readonly string[]): JsonObject {
  const all = emptyCounts();
  const queues = new Map<string, Counts>(configuredQueues.map((name) => [name, emptyCounts()]));
  for (const job of records) {
    count(all, job);
    if (typeof job.queue !== 'string') continue;
    let counts = queues.get(job.queue);
    if (counts === undefined) queues.set(job.queue, (counts = emptyCounts()));
    count(counts, job);
  }
  const queueList = [...queues.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, counts]) => ({ ...counts, name }));
  return { ...all, queues: queueList } as unknown as JsonObject;
}

/** job-stats with its queues sorted by name (Flux sends them in hash order). */
export function sortedStats(stats: Json | undefined): JsonObject {
  const copy = { ...(stats as JsonObject) };
  copy.queues = [...(copy.queues as JsonObject[])].sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
  return copy;
}
