import { type FluxName, JOB_RESULT_NAMES, JOB_STATE_NAMES, STATE_MASK_NAMES } from '../../flux/constants';

/**
 * Name → bit mask tables for the `states` and `results` constraint operators. Flux accepts
 * exactly four spellings of each name (long and short, upper and lower case) and nothing else.
 */

function spellings(names: ReadonlyArray<FluxName>): ReadonlyMap<string, number> {
  const table = new Map<string, number>();
  for (const { name, abbrev, bits } of names) {
    for (const spelling of [name, name.toLowerCase(), abbrev, abbrev.toLowerCase()]) table.set(spelling, bits);
  }
  return table;
}

/** Real states and the virtual PENDING/RUNNING/ACTIVE masks, by every accepted spelling. */
export const STATE_MASK_BY_NAME: ReadonlyMap<string, number> = spellings([...JOB_STATE_NAMES, ...STATE_MASK_NAMES]);

export const RESULT_MASK_BY_NAME: ReadonlyMap<string, number> = spellings(JOB_RESULT_NAMES);
