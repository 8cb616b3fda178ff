/**
 * Snapshots: the jobs of a real Flux instance, taken home as one JSON document
 *   {"version":1,"taken":<seconds>,"source":"<FLUX_URI>","queues":[...],"jobs":[<record>,...]}
 * where each record is exactly what job-list.list returned for that job with attrs ["all"],
 * in the instance's job-list order. This module reads and checks them; a snapshot that
 * fails a check is refused as a whole, naming the file, the job and the problem.
 *
 * Version 2 (snapshot --details) is the same document, except that a record may carry one
 * more member, "job-info": what job-info.lookup with flags 0 returned for the job's keys
 *   {"eventlog":"<text>","jobspec":"<text>","R":"<text>","guest.exec.eventlog":"<text>",
 *    "guest.output":"<text>","cut":["guest.output",...]}
 * each the stored string exactly (a key the job did not have is left out). A job whose texts
 * together exceed the bound (--max-detail-bytes, UTF-8 bytes) keeps its eventlog, then each
 * other key in the order above that still fits; the keys left out are listed in "cut" ("cut"
 * itself only when some were). A record without "job-info" is a job whose details were not
 * taken (it vanished between the listing and its lookup). Version 1 files are read as before.
 */
import { createReadStream } from 'node:fs';
import type { Json, JsonObject } from '../../flux/json';
import { checkJobRecord, peekJobId, RecordProblem, type SnapshotJobRecord } from '../store/record-check';
import { DETAIL_KEY_SET, type DetailKey, type RecordedJobDetails } from '../store/recorded-details';
import { SnapshotScanner, SnapshotSyntaxError } from './scanner';

export { JOB_LIST_ATTRIBUTES, REAL_ATTRIBUTES, type SnapshotJobRecord } from '../store/record-check';

export const SNAPSHOT_VERSION = 1;
/** The version of snapshots taken with --details; records may carry DETAILS_MEMBER. */
export const SNAPSHOT_DETAILS_VERSION = 2;
export type SnapshotVersion = typeof SNAPSHOT_VERSION | typeof SNAPSHOT_DETAILS_VERSION;

/** The record member that holds a job's details in a version 2 snapshot. */
export const DETAILS_MEMBER = 'job-info';
const CUT_MEMBER = 'cut';

export interface Snapshot {
  version: SnapshotVersion;
  /** When the listing was taken, Unix time in seconds. */
  taken: number;
  /** Where it was taken from, e.g. "local:///run/flux/local". */
  source: string;
  /** Queue names from the instance's job-stats (configured queues, including empty ones); absent in older files. */
  queues?: string[];
  /** Records in the source instance's job-list order, ids as bigint. */
  jobs: SnapshotJobRecord[];
  /** The recorded details of the jobs that have them (version 2 only), by job id. */
  details?: Map<bigint, RecordedJobDetails>;
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

function kind(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value === 'bigint' ? 'number' : typeof value} ${String(value)}`;
}

/** The document's fields besides the jobs. */
export type SnapshotHeader = Omit<Snapshot, 'jobs'>;

/** Checks the version as soon as it is known, so a newer format is refused before its jobs are read. */
function checkVersion(version: Json | undefined, sourceName: string): SnapshotVersion {
  if (version === undefined) throw new SnapshotError(sourceName, `"version" is missing (expected ${SNAPSHOT_VERSION} or ${SNAPSHOT_DETAILS_VERSION})`);
  if (version !== SNAPSHOT_VERSION && version !== SNAPSHOT_DETAILS_VERSION) {
    throw new SnapshotError(sourceName, `unsupported "version" ${kind(version)}: this flux-graphql reads snapshot versions ${SNAPSHOT_VERSION} and ${SNAPSHOT_DETAILS_VERSION}`);
  }
  return version;
}

/** A record's "job-info" member, checked; throws RecordProblem. */
export function checkJobDetails(value: Json): RecordedJobDetails {
  const where = `"${DETAILS_MEMBER}"`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RecordProblem(`${where} must be an object, got ${kind(value)}`);
  const texts: Partial<Record<DetailKey, string>> = {};
  let cut: DetailKey[] = [];
  for (const key of Object.keys(value)) {
    const member = value[key] as Json;
    if (key === CUT_MEMBER) {
      if (!Array.isArray(member)) throw new RecordProblem(`${where}.cut must be an array of key names, got ${kind(member)}`);
      cut = member.map((name, i) => {
        if (typeof name !== 'string' || !DETAIL_KEY_SET.has(name)) throw new RecordProblem(`${where}.cut[${i}] is not a key snapshot --details takes, got ${kind(name)}`);
        return name as DetailKey;
      });
      continue;
    }
    if (!DETAIL_KEY_SET.has(key)) throw new RecordProblem(`${where} has an unknown key "${key}"`);
    if (typeof member !== 'string') throw new RecordProblem(`${where}.${key} must be the stored text (a string), got ${kind(member)}`);
    texts[key as DetailKey] = member;
  }
  for (const key of cut) if (texts[key] !== undefined) throw new RecordProblem(`${where}: "${key}" is both kept and listed as cut`);
  if (texts.eventlog === undefined) throw new RecordProblem(`${where} has no eventlog (every job has one, and the size bound always keeps it)`);
  return { texts, cut };
}

function checkQueues(queues: Json | undefined, sourceName: string): string[] | undefined {
  if (queues === undefined) return undefined;
  const fail = (problem: string): never => {
    throw new SnapshotError(sourceName, problem);
  };
  if (!Array.isArray(queues)) return fail(`"queues" must be an array of queue names, got ${kind(queues)}`);
  const seen = new Set<string>();
  return queues.map((queue, i) => {
    if (typeof queue !== 'string') return fail(`"queues"[${i}] must be a string, got ${kind(queue)}`);
    if (seen.has(queue)) fail(`"queues"[${i}]: queue "${queue}" is listed twice`);
    seen.add(queue);
    return queue;
  });
}

/** Checks the members around the jobs (`jobs` itself: whether an array was seen). */
function checkHeader(fields: JsonObject, sawJobsArray: boolean, sourceName: string): SnapshotHeader {
  const fail = (problem: string): never => {
    throw new SnapshotError(sourceName, problem);
  };
  checkVersion(fields.version, sourceName);
  const taken = fields.taken;
  if (typeof taken !== 'number' || !Number.isFinite(taken) || taken < 0) {
    fail(`"taken" must be a time in seconds, got ${kind(taken)}`);
  }
  const source = fields.source;
  if (typeof source !== 'string') fail(`"source" must be a string, got ${kind(source)}`);
  const queues = checkQueues(fields.queues, sourceName);
  if (!sawJobsArray) {
    if (fields.jobs === undefined) fail('"jobs" is missing');
    fail(`"jobs" must be an array of job records, got ${kind(fields.jobs)}`);
  }
  return {
    version: checkVersion(fields.version, sourceName),
    taken: taken as number,
    source: source as string,
    ...(queues === undefined ? {} : { queues }),
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
    return this.checkElement(value, false).record;
  }

  /** Checks the next element of a version 2 snapshot: the record, and its details when it has them. */
  checkWithDetails(value: Json | undefined): { record: SnapshotJobRecord; details: RecordedJobDetails | undefined } {
    return this.checkElement(value, true);
  }

  private checkElement(value: Json | undefined, detailsAllowed: boolean): { record: SnapshotJobRecord; details: RecordedJobDetails | undefined } {
    const index = this.index;
    let record: SnapshotJobRecord;
    let details: RecordedJobDetails | undefined;
    try {
      let plain = value;
      if (detailsAllowed && plain !== null && typeof plain === 'object' && !Array.isArray(plain) && Object.hasOwn(plain, DETAILS_MEMBER)) {
        const { [DETAILS_MEMBER]: recorded, ...rest } = plain;
        details = checkJobDetails(recorded as Json);
        plain = rest;
      }
      record = checkJobRecord(plain);
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
    return { record, details };
  }
}

/** What a SnapshotReader hands on while it reads. */
export interface SnapshotConsumer {
  /**
   * The "jobs" array begins; `queues` are the queue names read so far (undefined when the
   * document names them after the jobs, or not at all).
   */
  jobsStart?(queues: string[] | undefined): void;
  /** One checked record, in file order, with its recorded details when the snapshot has them. */
  job(record: SnapshotJobRecord, index: number, details: RecordedJobDetails | undefined): void;
}

/**
 * Reads a snapshot piece by piece (feed text, then finish), checking as it goes and handing
 * each job on as soon as it is read: the whole text is never needed at once.
 */
export class SnapshotReader {
  private readonly scanner: SnapshotScanner;
  private readonly fields: JsonObject = {};
  private readonly checker: SnapshotJobChecker;
  private sawJobsArray = false;
  private version: SnapshotVersion | undefined;

  constructor(
    private readonly sourceName: string,
    consumer: SnapshotConsumer,
  ) {
    this.checker = new SnapshotJobChecker(sourceName);
    this.scanner = new SnapshotScanner({
      member: (key, value) => {
        this.fields[key] = value;
        if (key === 'version') this.version = checkVersion(value, sourceName);
      },
      jobsStart: () => {
        this.sawJobsArray = true;
        if (this.fields.version !== undefined) this.version = checkVersion(this.fields.version, sourceName);
        consumer.jobsStart?.(checkQueues(this.fields.queues, sourceName));
      },
      job: (value) => {
        const index = this.checker.count;
        // Details are read only when the version, which comes first in files we write, allows them.
        if (this.version === SNAPSHOT_DETAILS_VERSION) {
          const { record, details } = this.checker.checkWithDetails(value);
          consumer.job(record, index, details);
        } else {
          consumer.job(this.checker.check(value), index, undefined);
        }
      },
    });
  }

  feed(text: string): void {
    this.guard(() => this.scanner.feed(text));
  }

  /** The text is complete: checks the header and returns it with the number of jobs. */
  finish(): SnapshotHeader & { jobCount: number } {
    this.guard(() => this.scanner.finish());
    return { ...checkHeader(this.fields, this.sawJobsArray, this.sourceName), jobCount: this.checker.count };
  }

  private guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      if (error instanceof SnapshotSyntaxError) {
        const where = error.jobIndex === undefined ? ` at ${error.position}` : '';
        throw new SnapshotError(this.sourceName, `${error.message}${where}`, error.jobIndex === undefined ? undefined : { index: error.jobIndex }, { cause: error });
      }
      throw error;
    }
  }
}

/** Parses and checks a snapshot's text; `sourceName` (usually the file path) goes into error messages. */
export function parseSnapshot(text: string, sourceName: string): Snapshot {
  const collected = collector();
  const reader = new SnapshotReader(sourceName, collected.consumer);
  reader.feed(text);
  const { jobCount: _count, ...header } = reader.finish();
  return collected.snapshot(header);
}

/** A consumer keeping every record (and details) in memory. */
function collector(): { consumer: SnapshotConsumer; snapshot(header: SnapshotHeader): Snapshot } {
  const jobs: SnapshotJobRecord[] = [];
  const details = new Map<bigint, RecordedJobDetails>();
  return {
    consumer: {
      job: (record, _index, recorded) => {
        jobs.push(record);
        if (recorded !== undefined) details.set(record.id, recorded);
      },
    },
    snapshot: (header) => ({ ...header, jobs, ...(header.version === SNAPSHOT_DETAILS_VERSION ? { details } : {}) }),
  };
}

/** "ENOENT: no such file or directory" from a Node file error, without the path we already name. */
function fileErrorReason(error: unknown): string {
  // Duck-typed: errors from node:fs may come from another realm (e.g. under a test runner).
  const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
  return message.replace(/^Error: /, '').replace(/, \w+ '[^']*'$/, '');
}

/** Bytes read from a snapshot file at a time. */
const READ_CHUNK_BYTES = 1 << 20;

/**
 * Streams a snapshot file through `consumer`; returns the header and job count. Every failure,
 * an unreadable file included, is a SnapshotError naming the file.
 */
export async function readSnapshotFile(path: string, consumer: SnapshotConsumer): Promise<SnapshotHeader & { jobCount: number }> {
  const reader = new SnapshotReader(path, consumer);
  try {
    // The utf8 decoder of a read stream keeps multi-byte characters split across chunks whole.
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: READ_CHUNK_BYTES })) {
      reader.feed(chunk as string);
    }
  } catch (error) {
    if (error instanceof SnapshotError) throw error;
    throw new SnapshotError(path, `cannot read the file (${fileErrorReason(error)})`, undefined, { cause: error });
  }
  return reader.finish();
}

/** Reads and checks a snapshot file into memory; every failure is a SnapshotError naming the file. */
export async function loadSnapshot(path: string): Promise<Snapshot> {
  const collected = collector();
  const { jobCount: _count, ...header } = await readSnapshotFile(path, collected.consumer);
  return collected.snapshot(header);
}
