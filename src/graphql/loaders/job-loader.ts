/**
 * Every job-by-ID lookup of one request (job, node, nodes, jobs(ids:), under any alias) goes
 * through one JobLoader. Lookups made in the same tick become one batch: one
 * JobListIdsFuture with all its list-id RPCs in flight at once, each ID asked for once, with
 * the union of the attributes the lookups of that batch need.
 */
import DataLoader from 'dataloader';
import type { FluxHandle } from '../../flux/handle';
import { inServiceOrder, JobListIdsFuture, type JobRecord } from '../../joblist';
import { jobLookupError } from '../errors';

export interface JobBatch {
  ids: bigint[];
  attrs: string[];
}
export type JobBatchListener = (batch: JobBatch) => void;

interface CacheEntry {
  /** The attributes the lookup was sent with; undefined while its batch has not been sent. */
  attrs: ReadonlySet<string> | undefined;
  promise: Promise<JobRecord | null>;
}

export class JobLoader {
  private readonly cache = new Map<bigint, CacheEntry>();
  private readonly queuedAttrs = new Set<string>();
  private readonly loader: DataLoader<bigint, JobRecord | null>;

  constructor(
    private readonly handle: FluxHandle,
    private readonly onBatch?: JobBatchListener,
  ) {
    // Our own cache decides what may be reused (it must also cover the attributes), so
    // DataLoader only batches; it never sees the same key twice in one batch.
    this.loader = new DataLoader((ids) => this.fetchBatch(ids), { cache: false });
  }

  /**
   * The job's record with at least `attrs`, or null when Flux does not know the ID.
   * Rejects only when the lookup of this ID fails in another way.
   */
  load(id: bigint, attrs: readonly string[]): Promise<JobRecord | null> {
    const entry = this.cache.get(id);
    if (entry !== undefined) {
      if (entry.attrs === undefined) {
        // Its batch has not been sent yet: widen the batch instead of asking twice.
        for (const attr of attrs) this.queuedAttrs.add(attr);
        return entry.promise;
      }
      if (attrs.every((attr) => entry.attrs?.has(attr))) return entry.promise;
    }
    for (const attr of attrs) this.queuedAttrs.add(attr);
    const fresh: CacheEntry = { attrs: undefined, promise: this.loader.load(id) };
    this.cache.set(id, fresh);
    return fresh.promise;
  }

  private async fetchBatch(ids: readonly bigint[]): Promise<(JobRecord | null | Error)[]> {
    const attrs = inServiceOrder(this.queuedAttrs);
    this.queuedAttrs.clear();
    const sentWith: ReadonlySet<string> = new Set(attrs);
    for (const id of ids) {
      const entry = this.cache.get(id);
      if (entry !== undefined) entry.attrs = sentWith;
    }
    this.onBatch?.({ ids: [...ids], attrs });

    const future = new JobListIdsFuture(
      this.handle,
      ids.map((id) => ({ input: id.toString(), id })),
      attrs,
    );
    // One outcome per ID in key order, so each key gets its own record, null or Error and
    // one failed list-id fails no other key (DataLoader's contract).
    const outcomes = await future.getOutcomes();
    return outcomes.map((outcome): JobRecord | null | Error => {
      switch (outcome.kind) {
        case 'found':
          return outcome.record;
        case 'notFound':
          return null;
        case 'failed':
          return jobLookupError(outcome.jobid.id, outcome.error);
      }
    });
  }
}
