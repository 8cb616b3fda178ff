/**
 * Snapshots: the jobs of a real Flux instance, taken home as one JSON document
 *   {"version":1,"taken":<seconds>,"source":"<FLUX_URI>","queues":[...],"jobs":[<record>,...]}
 * where each record is exactly what job-list.list returned for that job with attrs ["all"],
 * in the instance's job-list order. This module reads and checks them; a snapshot that
 * fails a check is refused as a whole, naming the file, the job and the problem.
 */
import { readFile } from 'node:fs/promises';
import { parseJson, type Json, type JsonObject } from '../flux/json';
import { checkJobRecord, peekJobId, RecordProblem, type SnapshotJobRecord } from './snapshot-record';

export { JOB_LIST_ATTRIBUTES, REAL_ATTRIBUTES, type SnapshotJobRecord } from './snapshot-record';

export const SNAPSHOT_VERSION = 1;

export interface Snapshot {
  version: typeof SNAPSHOT_VERSION;
  /** When the listing was taken, Unix time in seconds. */
  taken: number;
  /** Where it was taken from, e.g. "local:///run/flux/local". */
  source: string;
  /** Queue names from the instance's job-stats (configured queues, including empty ones); absent in older files. */
  queues?: string[];
  /** Records in the source instance's job-list order, ids as bigint. */
  jobs: SnapshotJobRecord[];
}

/** Where in a snapshot a problem lies: a job by position in "jobs" and, when it has one, its id. */
export interface SnapshotJobLocation {
  index: number;
  id?: bigint;
}

export class SnapshotError extends Error {
  override readonly name: string = 'SnapshotError';
  readonly code = 'BAD_SNAPSHOT' as const;
  constructor(
    /** The file (or other source name) the snapshot came from. */
    readonly sourceName: string,
    /** What is wrong, without the location. */
    readonly problem: string,
    /** The job concerned, when the problem is in one job. */
    readonly job?: SnapshotJobLocation,
    options?: { cause?: unknown },
  ) {
    super(`bad snapshot ${sourceName}: ${job === undefined ? '' : `${describeJob(job)}: `}${problem}`, options);
  }
}

function describeJob(job: SnapshotJobLocation): string {
  return job.id === undefined ? `jobs[${job.index}]` : `jobs[${job.index}] (id ${job.id})`;
}

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

function kind(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value === 'bigint' ? 'number' : typeof value} ${String(value)}`;
}

/** Checks the document around the jobs; returns the header fields. */
function checkHeader(document: Json, sourceName: string): Omit<Snapshot, 'jobs'> & { jobs: Json[] } {
  const fail = (problem: string): never => {
    throw new SnapshotError(sourceName, problem);
  };
  if (!isObject(document)) return fail(`a snapshot is a JSON object, got ${kind(document)}`);
  const version = document.version;
  if (version === undefined) fail('"version" is missing (expected 1)');
  if (version !== SNAPSHOT_VERSION) {
    fail(`unsupported "version" ${kind(version)}: this flux-graphql reads snapshot version ${SNAPSHOT_VERSION}`);
  }
  const taken = document.taken;
  if (typeof taken !== 'number' || !Number.isFinite(taken) || taken < 0) {
    fail(`"taken" must be a time in seconds, got ${kind(taken)}`);
  }
  const source = document.source;
  if (typeof source !== 'string') fail(`"source" must be a string, got ${kind(source)}`);
  const queues = document.queues;
  let queueNames: string[] | undefined;
  if (queues !== undefined) {
    if (!Array.isArray(queues)) return fail(`"queues" must be an array of queue names, got ${kind(queues)}`);
    const seen = new Set<string>();
    queueNames = queues.map((queue, i) => {
      if (typeof queue !== 'string') return fail(`"queues"[${i}] must be a string, got ${kind(queue)}`);
      if (seen.has(queue)) fail(`"queues"[${i}]: queue "${queue}" is listed twice`);
      seen.add(queue);
      return queue;
    });
  }
  const jobs = document.jobs;
  if (jobs === undefined) fail('"jobs" is missing');
  if (!Array.isArray(jobs)) return fail(`"jobs" must be an array of job records, got ${kind(jobs)}`);
  return {
    version: SNAPSHOT_VERSION,
    taken: taken as number,
    source: source as string,
    ...(queueNames === undefined ? {} : { queues: queueNames }),
    jobs,
  };
}

/**
 * Checks job records one at a time, remembering ids to refuse duplicates. Used both when a
 * snapshot is read and while one is taken, so a file we write is always one we can read.
 */
export class SnapshotJobChecker {
  private readonly seen = new Map<bigint, number>();
  private index = 0;

  constructor(private readonly sourceName: string) {}

  /** The number of records accepted so far. */
  get count(): number {
    return this.index;
  }

  /** Checks the next record; returns it with its id as a bigint, or throws SnapshotError. */
  check(value: Json | undefined): SnapshotJobRecord {
    const index = this.index;
    let record: SnapshotJobRecord;
    try {
      record = checkJobRecord(value);
    } catch (error) {
      if (error instanceof RecordProblem) {
        const id = peekJobId(value);
        throw new SnapshotError(this.sourceName, error.message, id === undefined ? { index } : { index, id });
      }
      throw error;
    }
    const earlier = this.seen.get(record.id);
    if (earlier !== undefined) {
      throw new SnapshotError(this.sourceName, `duplicate id: jobs[${earlier}] has the same id`, { index, id: record.id });
    }
    this.seen.set(record.id, index);
    this.index++;
    return record;
  }
}

/** Parses and checks a snapshot's text; `sourceName` (usually the file path) goes into error messages. */
export function parseSnapshot(text: string, sourceName: string): Snapshot {
  let document: Json;
  try {
    document = parseJson(text);
  } catch (error) {
    // V8 quotes the start of the text in its message; keep that on one line.
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
    throw new SnapshotError(sourceName, `not valid JSON (${reason})`, undefined, { cause: error });
  }
  const header = checkHeader(document, sourceName);
  const checker = new SnapshotJobChecker(sourceName);
  const jobs = header.jobs.map((job) => checker.check(job));
  return { ...header, jobs };
}

/** "ENOENT: no such file or directory" from a Node file error, without the path we already name. */
function fileErrorReason(error: unknown): string {
  // Duck-typed: errors from node:fs may come from another realm (e.g. under a test runner).
  const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
  return message.replace(/^Error: /, '').replace(/, \w+ '[^']*'$/, '');
}

/** Reads and checks a snapshot file; every failure, unreadable file included, is a SnapshotError. */
export async function loadSnapshot(path: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SnapshotError(path, `cannot read the file (${fileErrorReason(error)})`, undefined, { cause: error });
  }
  return parseSnapshot(text, path);
}
