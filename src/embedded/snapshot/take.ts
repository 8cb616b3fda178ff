/**
 * Takes a snapshot of a running instance through any FluxHandle: the queue names from
 * job-list.job-stats, then every job from one streamed job-list.list with attrs ["all"],
 * written record by record as the responses arrive (job-list builds the whole listing
 * before it sends the first response, so the records are one consistent moment).
 *
 * With details, each job's job-info texts are fetched as its record arrives, a bounded number
 * of jobs in flight, and written with the record in listing order: the snapshot holds at most
 * that many jobs' details at a time, whatever its size.
 */
import { Errno } from '../../flux/constants';
import { FluxRpcError } from '../../flux/errors';
import type { FluxHandle } from '../../flux/handle';
import type { Json, JsonObject } from '../../flux/json';
import type { RecordedJobDetails } from '../store/recorded-details';
import { detailBytes } from './detail-bound';
import { SNAPSHOT_DETAILS_VERSION, SnapshotError, SnapshotJobChecker, type SnapshotJobRecord, type SnapshotVersion } from './format';
import { SnapshotStreamWriter, type TextSink } from './writer';

/** The one listing a snapshot is made of: every job, every attribute, in job-list order. */
export const SNAPSHOT_LIST_REQUEST: JsonObject = { max_entries: 0, attrs: ['all'], constraint: { and: [] } };

export interface TakeSnapshotOptions {
  /** Called after each record is written; `expected` is job-stats' total when it was known. */
  onProgress?: (written: number, expected: number | undefined) => void;
  /** The clock for "taken" (seconds); Date.now() by default. */
  now?: () => number;
  /** Told about anything the snapshot lacks and why (one sentence each). */
  onNotice?: (text: string) => void;
  /** Take each job's details too (a version 2 snapshot). */
  details?: DetailsFetch;
}

export interface DetailsFetch {
  /**
   * The job's details, already bounded; undefined when the job is gone (purged since the
   * listing). Rejects when the details cannot be taken at all, which fails the snapshot.
   */
  fetch(id: bigint): Promise<RecordedJobDetails | undefined>;
  /** Most jobs whose details are being fetched (or waiting to be written) at once. */
  inFlight: number;
}

export interface TakenDetails {
  /** Jobs written with their details. */
  jobs: number;
  /** Of those, jobs over the bound (some keys cut). */
  cut: number;
  /** Jobs that vanished before their details could be taken. */
  missing: number;
  /** UTF-8 bytes of the texts kept, over all jobs. */
  bytes: number;
}

export interface TakenSnapshot {
  jobs: number;
  taken: number;
  source: string;
  /** Absent when job-stats was refused (private mode), and so from the file. */
  queues?: string[];
  /** With details: what was taken of them. */
  details?: TakenDetails;
}

/** Records waiting for their details, written in listing order as each one's arrive. */
class DetailsPipeline {
  private readonly queue: { record: SnapshotJobRecord; details: Promise<RecordedJobDetails | undefined> }[] = [];
  readonly taken: TakenDetails = { jobs: 0, cut: 0, missing: 0, bytes: 0 };

  constructor(
    private readonly fetcher: DetailsFetch,
    private readonly write: (record: SnapshotJobRecord, details: RecordedJobDetails | undefined) => Promise<void>,
  ) {}

  async add(record: SnapshotJobRecord): Promise<void> {
    const details = this.fetcher.fetch(record.id);
    // Awaited in turn below; until then a failure must not count as unhandled.
    details.catch(() => undefined);
    this.queue.push({ record, details });
    while (this.queue.length >= Math.max(1, this.fetcher.inFlight)) await this.writeFirst();
  }

  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.writeFirst();
  }

  private async writeFirst(): Promise<void> {
    const { record, details } = this.queue.shift() as (typeof this.queue)[number];
    const recorded = await details;
    if (recorded === undefined) this.taken.missing++;
    else {
      this.taken.jobs++;
      if (recorded.cut.length > 0) this.taken.cut++;
      this.taken.bytes += detailBytes(recorded);
    }
    await this.write(record, recorded);
  }
}

function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

/** Queue names and the job total from a job-stats answer; throws SnapshotError when it has neither shape. */
export function readJobStats(answer: Json | undefined, source: string): { queues: string[]; total: number | undefined } {
  if (!isObject(answer) || !Array.isArray(answer.queues)) {
    throw new SnapshotError(source, 'job-list.job-stats answered without a "queues" array');
  }
  const queues = answer.queues.map((entry, i) => {
    if (!isObject(entry) || typeof entry.name !== 'string') {
      throw new SnapshotError(source, `job-list.job-stats "queues"[${i}] has no name`);
    }
    return entry.name;
  });
  const states = answer.job_states;
  const total = isObject(states) && typeof states.total === 'number' ? states.total : undefined;
  return { queues, total };
}

/**
 * The queue names for the header. In private mode job-list refuses job-stats to guests (EPERM)
 * while still listing their own jobs; the snapshot is then taken without queue names.
 */
async function queueNames(
  handle: FluxHandle,
  source: string,
  onNotice: ((text: string) => void) | undefined,
): Promise<{ queues: string[] | undefined; total: number | undefined }> {
  let answer: Json | undefined;
  try {
    answer = await handle.rpc('job-list.job-stats', {});
  } catch (error) {
    if (!(error instanceof FluxRpcError) || error.errno !== Errno.EPERM) throw error;
    onNotice?.(`job-list.job-stats was refused (${error.text}), as in private mode: the snapshot has no queue names and holds only the jobs job-list lists for this user`);
    return { queues: undefined, total: undefined };
  }
  return readJobStats(answer, source);
}

/**
 * Lists every job of the instance behind `handle` and writes the snapshot to `sink`. On any
 * failure the sink is aborted (a file destination is left as it was) and the error rethrown;
 * a record Flux sends that we could not load back later fails the whole run with SnapshotError.
 */
export async function takeSnapshot(handle: FluxHandle, sink: TextSink, options: TakeSnapshotOptions = {}): Promise<TakenSnapshot> {
  const now = options.now ?? ((): number => Date.now() / 1000);
  const source = handle.uri;
  let writer: SnapshotStreamWriter | undefined;
  try {
    const { queues, total } = await queueNames(handle, source, options.onNotice);
    const taken = now();
    const detailsVersion: { version?: SnapshotVersion } = options.details === undefined ? {} : { version: SNAPSHOT_DETAILS_VERSION };
    writer = await SnapshotStreamWriter.start(sink, { ...detailsVersion, taken, source, ...(queues === undefined ? {} : { queues }) });
    const out = writer;
    const pipeline =
      options.details === undefined
        ? undefined
        : new DetailsPipeline(options.details, async (record, details) => {
            await out.write(record, details);
            options.onProgress?.(out.written, total);
          });
    const checker = new SnapshotJobChecker(source);
    let first = true;
    for await (const payload of handle.rpcStream('job-list.list', SNAPSHOT_LIST_REQUEST)) {
      if (!isObject(payload) || !Array.isArray(payload.jobs)) {
        throw new SnapshotError(source, 'job-list.list answered without a "jobs" array');
      }
      for (const job of payload.jobs) {
        if (pipeline !== undefined) {
          await pipeline.add(checker.check(job));
          continue;
        }
        await writer.write(checker.check(job));
        options.onProgress?.(writer.written, total);
      }
      // A service without the streaming protocol (no "version" in its first answer) sends
      // the whole listing in that one answer and no end-of-stream.
      const oneShot = first && payload.version === undefined;
      first = false;
      if (oneShot) break;
    }
    await pipeline?.drain();
    const jobs = writer.written;
    await writer.close();
    if (pipeline !== undefined && pipeline.taken.missing > 0) {
      const n = pipeline.taken.missing;
      options.onNotice?.(`${n} ${n === 1 ? 'job was' : 'jobs were'} gone before ${n === 1 ? 'its' : 'their'} details could be taken: written without them`);
    }
    return { jobs, taken, source, ...(queues === undefined ? {} : { queues }), ...(pipeline === undefined ? {} : { details: pipeline.taken }) };
  } catch (error) {
    await (writer ?? { abort: () => sink.abort() }).abort();
    throw error;
  }
}
