/**
 * Serves a snapshot: an embedded instance holding exactly the snapshot's jobs, answering
 * job-list requests as the source instance did at the moment the snapshot was taken.
 * Its clock stands still at that moment unless a running clock is asked for, so fields
 * derived from "now" (a running job's runtime, time remaining) read as they did then.
 */
import { parseIdsetRanges } from '../flux/idset';
import { EmbeddedInstance, type EmbeddedInstanceOptions } from './embedded-instance';
import { EmbeddedInputError } from './input-error';
import { loadSnapshot, SnapshotError, type Snapshot } from './snapshot';

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
 * The number of brokers the source instance had at least: one more than the highest rank any
 * job ran on. It bounds hostlist/ranks constraints (Flux allows max(size, 1024) values), so
 * the copy accepts every constraint the source accepted.
 */
export function impliedInstanceSize(snapshot: Snapshot): number {
  let highest = -1;
  for (const job of snapshot.jobs) {
    if (typeof job.ranks !== 'string') continue;
    for (const range of parseIdsetRanges(job.ranks)) if (range.hi > highest) highest = range.hi;
  }
  return Math.max(1, highest + 1);
}

function clockFor(snapshot: Snapshot, options: SnapshotInstanceOptions): () => number {
  if ((options.clock ?? 'frozen') === 'frozen') return () => snapshot.taken;
  const realTimeMs = options.realTimeMs ?? Date.now;
  const loadedAt = realTimeMs();
  return () => snapshot.taken + (realTimeMs() - loadedAt) / 1000;
}

/**
 * An embedded instance holding `snapshot`'s jobs in its job-list order, with its queues.
 * `sourceName` (usually the file) goes into the URI and into error messages.
 */
export function createSnapshotInstance(snapshot: Snapshot, sourceName: string, options: SnapshotInstanceOptions = {}): EmbeddedInstance {
  const { clock: _clock, realTimeMs: _realTimeMs, ...instanceOptions } = options;
  const instance = new EmbeddedInstance({
    ...instanceOptions,
    queues: snapshot.queues ?? [],
    instanceSize: impliedInstanceSize(snapshot),
    now: clockFor(snapshot, options),
    uri: snapshotUri(sourceName),
  });
  try {
    instance.loadRecords(snapshot.jobs);
  } catch (error) {
    instance.close();
    if (error instanceof EmbeddedInputError) {
      // parseSnapshot checks what the store checks, so this means the two disagree; still say where.
      const index = error.jobId === undefined ? -1 : snapshot.jobs.findIndex((job) => job.id === error.jobId);
      const where = index < 0 ? undefined : { index, id: error.jobId as bigint };
      throw new SnapshotError(sourceName, error.problem, where, { cause: error });
    }
    throw error;
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

/**
 * Reads, checks and serves a snapshot file; SnapshotError when it cannot be served. The parsed
 * records are not kept once the instance holds the jobs.
 */
export async function openSnapshotInstance(
  path: string,
  options: SnapshotInstanceOptions = {},
): Promise<{ instance: EmbeddedInstance; summary: SnapshotSummary }> {
  const snapshot = await loadSnapshot(path);
  const instance = createSnapshotInstance(snapshot, path, options);
  return {
    instance,
    summary: { jobs: snapshot.jobs.length, taken: snapshot.taken, source: snapshot.source, queues: snapshot.queues ?? [] },
  };
}
