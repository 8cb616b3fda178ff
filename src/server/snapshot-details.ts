/**
 * What snapshot --details asks of job-info for each job: one job-info.lookup of the five keys
 * with flags 0 (the stored texts, as Flux keeps them), sent again without a key Flux reports
 * absent (R of a job never allocated, guest.* of one that never started), then bounded.
 */
import type { FluxHandle } from '../flux/handle';
import { JobInfoFailure, lookupJobKeys } from '../jobinfo';
import { boundJobDetails } from '../embedded/snapshot/detail-bound';
import type { DetailsFetch } from '../embedded/snapshot/take';
import { DETAIL_KEYS, type DetailKey } from '../embedded/store/recorded-details';

/** Jobs whose details are fetched at once unless told otherwise. */
export const DEFAULT_DETAILS_IN_FLIGHT = 64;

export interface DetailsFetchOptions {
  /** Most UTF-8 bytes of texts kept per job (see detail-bound.ts). */
  maxBytes: number;
  inFlight?: number;
}

/** A DetailsFetch over `handle`; a job job-info no longer knows comes back undefined. */
export function jobInfoDetailsFetch(handle: FluxHandle, options: DetailsFetchOptions): DetailsFetch {
  return {
    inFlight: options.inFlight ?? DEFAULT_DETAILS_IN_FLIGHT,
    async fetch(id) {
      const result = await lookupJobKeys(handle, id, DETAIL_KEYS, { flags: 0 });
      const texts: Partial<Record<DetailKey, string>> = {};
      for (const key of DETAIL_KEYS) {
        const outcome = result.outcomes.get(key);
        if (outcome === undefined || outcome.kind === 'absent') continue;
        if (outcome.kind === 'failed') {
          if (outcome.failure === JobInfoFailure.UNKNOWN_JOB) return undefined;
          throw outcome.error;
        }
        texts[key] = outcome.value as string;
      }
      return boundJobDetails(texts, options.maxBytes);
    },
  };
}
