/**
 * Several keys of one job in one job-info.lookup, with an outcome per key. Flux fails the whole
 * lookup when one key is absent ("R: key not found" for a job not yet allocated) and names only
 * the first one; then the lookup is sent again without it, until Flux answers or fails in
 * another way. A job with every key present costs one lookup; each absent key costs one more.
 *
 * jobspec and R are asked for decoded and current (JSON_DECODE | CURRENT), as `flux job info`
 * shows them, unless other flags are given; the other keys' values are their stored strings,
 * and so are jobspec and R without JSON_DECODE (flags 0: every value exactly as Flux stored it).
 */
import type { FluxHandle } from '../flux/handle';
import { LookupFlag } from '../flux/job-info-protocol';
import type { Json } from '../flux/json';
import { classifyJobInfoFailure, JobInfoFailure } from './job-info-failure';
import { JobInfoKey, JobInfoLookupRPC, type JobInfoAnswer, type LookupRequest } from './job-info-lookup';

export type JobKeyOutcome =
  /** jobspec and R as objects, every other key as its string. */
  | { readonly kind: 'found'; readonly value: Json }
  /** Flux has no such key for this job (yet): `error` is Flux's "<key>: key not found". */
  | { readonly kind: 'absent'; readonly error: Error }
  /** The job is unknown, the caller may not read it, or no answer came: `error` is why, `failure` its kind. */
  | { readonly kind: 'failed'; readonly failure: JobInfoFailure | undefined; readonly error: Error };

export interface JobKeysResult {
  readonly id: bigint;
  /** One outcome per key asked for. */
  readonly outcomes: ReadonlyMap<string, JobKeyOutcome>;
  /** The lookups sent, in order (one, plus one per absent key). */
  readonly requests: readonly LookupRequest[];
}

/** Flags for these keys: jobspec and R decoded and current, nothing for the others. */
export function lookupFlagsFor(keys: readonly string[]): number {
  return keys.some((key) => key === JobInfoKey.JOBSPEC || key === JobInfoKey.R) ? LookupFlag.JSON_DECODE | LookupFlag.CURRENT : 0;
}

function valueOf(answer: JobInfoAnswer, key: string, flags: number): Json {
  const decoded = (flags & LookupFlag.JSON_DECODE) !== 0 && (key === JobInfoKey.JOBSPEC || key === JobInfoKey.R);
  return decoded ? answer.document(key) : answer.text(key);
}

export interface LookupJobKeysOptions {
  /** LookupFlag bits for every lookup sent; lookupFlagsFor(keys) when absent. */
  readonly flags?: number;
}

/**
 * The outcome of each of `keys` of job `id`. The first lookup is sent before this returns, so
 * that lookups of several jobs started together are in flight together. Never rejects.
 */
export async function lookupJobKeys(handle: FluxHandle, id: bigint, keys: readonly string[], options: LookupJobKeysOptions = {}): Promise<JobKeysResult> {
  const outcomes = new Map<string, JobKeyOutcome>();
  const requests: LookupRequest[] = [];
  let remaining = [...new Set(keys)];
  while (remaining.length > 0) {
    const flags = options.flags ?? lookupFlagsFor(remaining);
    const rpc = new JobInfoLookupRPC(handle, { id, keys: remaining, flags });
    requests.push(rpc.request);
    try {
      const answer = await rpc.get();
      for (const key of remaining) outcomes.set(key, { kind: 'found', value: valueOf(answer, key, flags) });
      break;
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      const classified = classifyJobInfoFailure(error, remaining);
      const absent = classified?.failure === JobInfoFailure.KEY_NOT_FOUND ? classified.key : undefined;
      if (absent === undefined) {
        for (const key of remaining) outcomes.set(key, { kind: 'failed', failure: classified?.failure, error });
        break;
      }
      outcomes.set(absent, { kind: 'absent', error });
      remaining = remaining.filter((key) => key !== absent);
    }
  }
  return { id, outcomes: new Map(keys.map((key) => [key, outcomes.get(key) as JobKeyOutcome])), requests };
}
