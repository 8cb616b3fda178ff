/**
 * Serves a snapshot: an embedded instance holding exactly the snapshot's jobs, answering
 * job-list requests as the source instance did at the moment the snapshot was taken.
 * Its clock stands still at that moment unless a running clock is asked for, so fields
 * derived from "now" (a running job's runtime, time remaining) read as they did then.
 */
import { JobState } from '../../flux/constants';
import { parseIdsetRanges } from '../../flux/idset';
import { EmbeddedInstance, type EmbeddedInstanceOptions } from '../embedded-instance';
import { EmbeddedInputError } from '../store/input-error';
import { readSnapshotFile, SnapshotError, type Snapshot } from './format';
import type { SnapshotJobRecord } from '../store/record-check';
import type { RecordedJobDetails } from '../store/recorded-details';
import type { JobStore } from '../store/job-store';

/** Hands recorded details (snapshot --details) to the jobs the store now holds. */
function attachDetails(store: JobStore, details: Iterable<[bigint, RecordedJobDetails]>): void {
  for (const [id, recorded] of details) {
    const slot = store.lookup(id);
    if (slot >= 0) store.recorded.set(slot, recorded);
  }
}

export type SnapshotClock = 'frozen' | 'running';

export interface SnapshotInstanceOptions extends Omit<EmbeddedInstanceOptions, 'queues' | 'now' | 'uri' | 'instanceSize'> {
  /**
   * "frozen" (default): the instance's clock reads the snapshot's `taken` time forever.
   * "running": it starts at `taken` and advances with real time from the moment of loading.
   */
  clock?: SnapshotClock;
  /** Milliseconds of real time, for the running clock (tests pass a fake). */
  realTimeMs?: () => number;
}

/** The URI handles of a snapshot instance report, e.g. "snapshot:/data/jobs.json". */
export function snapshotUri(sourceName: string): string {
  return `snapshot:${sourceName}`;
}

/**
 * The number of brokers a source instance had at least: one more than the highest rank any
 * job ran on. It bounds hostlist/ranks constraints (Flux allows max(size, 1024) values), so
 * the copy accepts every constraint the source accepted.
 */
class InstanceSizeTracker {
  private highest = -1;

  see(record: SnapshotJobRecord): void {
    if (typeof record.ranks !== 'string') return;
    for (const range of parseIdsetRanges(record.ranks)) if (range.hi > this.highest) this.highest = range.hi;
  }

  get size(): number {
    return Math.max(1, this.highest + 1);
  }
}

export function impliedInstanceSize(snapshot: Snapshot): number {
  const tracker = new InstanceSizeTracker();
  for (const job of snapshot.jobs) tracker.see(job);
  return tracker.size;
}

/** A clock reading `taken()` (which may become known only after construction). */
function clockFor(taken: () => number, options: SnapshotInstanceOptions): () => number {
  if ((options.clock ?? 'frozen') === 'frozen') return taken;
  const realTimeMs = options.realTimeMs ?? Date.now;
  const loadedAt = realTimeMs();
  return () => taken() + (realTimeMs() - loadedAt) / 1000;
}

function newInstance(sourceName: string, queues: readonly string[], now: () => number, options: SnapshotInstanceOptions): EmbeddedInstance {
  const { clock: _clock, realTimeMs: _realTimeMs, ...instanceOptions } = options;
  return new EmbeddedInstance({ ...instanceOptions, queues, now, uri: snapshotUri(sourceName) });
}

/** Store complaints name the job by id; say where it is in the file, too. */
function asSnapshotError(error: unknown, sourceName: string, indexOf: (id: bigint) => number): unknown {
  if (!(error instanceof EmbeddedInputError)) return error;
  const index = error.jobId === undefined ? -1 : indexOf(error.jobId);
  const where = index < 0 ? undefined : { index, id: error.jobId as bigint };
  return new SnapshotError(sourceName, error.problem, where, { cause: error });
}

/**
 * An embedded instance holding `snapshot`'s jobs in its job-list order, with its queues.
 * `sourceName` (usually the file) goes into the URI and into error messages.
 */
export function createSnapshotInstance(snapshot: Snapshot, sourceName: string, options: SnapshotInstanceOptions = {}): EmbeddedInstance {
  const instance = newInstance(sourceName, snapshot.queues ?? [], clockFor(() => snapshot.taken, options), options);
  instance.service.setInstanceSize(impliedInstanceSize(snapshot));
  try {
    instance.loadRecords(snapshot.jobs);
    attachDetails(instance.store, snapshot.details ?? []);
  } catch (error) {
    instance.close();
    throw asSnapshotError(error, sourceName, (id) => snapshot.jobs.findIndex((job) => job.id === id));
  }
  return instance;
}

/** What a served snapshot holds, without its records (the instance has its own copy). */
export interface SnapshotSummary {
  jobs: number;
  taken: number;
  source: string;
  queues: string[];
}

function isRunning(record: SnapshotJobRecord): boolean {
  return record.state === JobState.RUN || record.state === JobState.CLEANUP;
}

/**
 * Reads, checks and serves a snapshot file, streaming its jobs straight into the instance so
 * that neither the text nor the parsed records are ever held whole. SnapshotError when the
 * file cannot be served; nothing is left running then.
 */
export async function openSnapshotInstance(
  path: string,
  options: SnapshotInstanceOptions = {},
): Promise<{ instance: EmbeddedInstance; summary: SnapshotSummary }> {
  let taken = 0;
  const now = clockFor(() => taken, options);
  const sizes = new InstanceSizeTracker();
  // Running jobs with equal t_run keep file order only when added together, last first; the
  // other lists order by their keys alone, so those jobs go in as they are read.
  const running: SnapshotJobRecord[] = [];
  const runningDetails = new Map<bigint, RecordedJobDetails>();
  const positions = new Map<bigint, number>();
  let instance: EmbeddedInstance | undefined;
  const ensureInstance = (queues: readonly string[]): EmbeddedInstance => (instance ??= newInstance(path, queues, now, options));
  try {
    const header = await readSnapshotFile(path, {
      jobsStart: (queues) => void ensureInstance(queues ?? []),
      job: (record, index, details) => {
        const target = ensureInstance([]);
        sizes.see(record);
        if (isRunning(record)) {
          running.push(record);
          positions.set(record.id, index);
          if (details !== undefined) runningDetails.set(record.id, details);
        } else {
          try {
            target.store.ingestRecord(record);
          } catch (error) {
            throw asSnapshotError(error, path, () => index);
          }
          if (details !== undefined) attachDetails(target.store, [[record.id, details]]);
        }
      },
    });
    taken = header.taken;
    const served = ensureInstance(header.queues ?? []);
    // Queues named only after the jobs: still listed, after those the jobs named.
    served.store.stats.addConfiguredQueues(header.queues ?? []);
    served.service.setInstanceSize(sizes.size);
    try {
      served.loadRecords(running);
    } catch (error) {
      throw asSnapshotError(error, path, (id) => positions.get(id) ?? -1);
    }
    attachDetails(served.store, runningDetails);
    return {
      instance: served,
      summary: { jobs: header.jobCount, taken: header.taken, source: header.source, queues: header.queues ?? [] },
    };
  } catch (error) {
    instance?.close();
    throw error;
  }
}
