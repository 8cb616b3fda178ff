/**
 * Every job-info key a request selects (Job.eventlog, execEventlog, jobspec, R, output, under
 * any alias, on any job) goes through one JobDetailsLoader. Keys asked for in the same tick
 * become one batch: one job-info.lookup per job with every key the batch asks of that job, all
 * the batch's lookups in flight at once, each (job, key) asked for once per request. Lookups go
 * through the request's handle, so they carry the user's credentials like every other RPC.
 */
import DataLoader from 'dataloader';
import type { FluxHandle } from '../../flux/handle';
import type { Json } from '../../flux/json';
import { lookupJobKeys, type JobKeyOutcome, type JobKeysResult } from '../../jobinfo';
import { jobDetailAbsentError, jobDetailError } from '../errors';

interface DetailKey {
  id: bigint;
  key: string;
}

/** One batch: the lookups it started, one per job, with the keys asked of each (absent keys cost one more, see job-keys.ts). */
export interface JobDetailsBatch {
  jobs: { id: bigint; keys: string[] }[];
}
export type JobDetailsBatchListener = (batch: JobDetailsBatch) => void;

export class JobDetailsLoader {
  private readonly loader: DataLoader<DetailKey, Json | null, string>;

  constructor(
    private readonly handle: FluxHandle,
    private readonly onBatch?: JobDetailsBatchListener,
  ) {
    this.loader = new DataLoader((keys) => this.fetchBatch(keys), { cacheKeyFn: ({ id, key }) => `${id}\u0000${key}` });
  }

  /**
   * The key's value for the job (jobspec and R as objects with their updates applied, the
   * others as their stored strings). Rejects with a coded GraphQL error when Flux has no such
   * key for the job (yet), the job is unknown or the user may not read it.
   */
  load(id: bigint, key: string): Promise<Json | null> {
    return this.loader.load({ id, key });
  }

  private async fetchBatch(keys: readonly DetailKey[]): Promise<(Json | null | Error)[]> {
    const byJob = new Map<bigint, string[]>();
    for (const { id, key } of keys) {
      const wanted = byJob.get(id);
      if (wanted === undefined) byJob.set(id, [key]);
      else wanted.push(key);
    }
    this.onBatch?.({ jobs: [...byJob].map(([id, wanted]) => ({ id, keys: [...wanted] })) });
    // Every job's first lookup is sent before the first await: all of them are in flight at once.
    const lookups = new Map<bigint, Promise<JobKeysResult>>([...byJob].map(([id, wanted]) => [id, lookupJobKeys(this.handle, id, wanted)]));
    const results = new Map<bigint, JobKeysResult>();
    for (const [id, lookup] of lookups) results.set(id, await lookup);
    // One result per key in key order (DataLoader's contract): a failed job fails its own keys only.
    return keys.map(({ id, key }) => valueOf(id, key, (results.get(id) as JobKeysResult).outcomes.get(key) as JobKeyOutcome));
  }
}

function valueOf(id: bigint, key: string, outcome: JobKeyOutcome): Json | null | Error {
  switch (outcome.kind) {
    case 'found':
      return outcome.value;
    case 'absent':
      return jobDetailAbsentError(id, key, outcome.error);
    case 'failed':
      return jobDetailError(id, outcome.failure, outcome.error);
  }
}
