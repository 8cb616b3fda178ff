import { JobResult, JobState, StateMask } from '../../flux/constants';

/**
 * Name → bit mask tables for the `states` and `results` constraint operators. Flux accepts
 * exactly four spellings of each name (long and short, upper and lower case) and nothing else.
 */

function spellings(entries: ReadonlyArray<readonly [longUpper: string, shortUpper: string, mask: number]>): ReadonlyMap<string, number> {
  const table = new Map<string, number>();
  for (const [longUpper, shortUpper, mask] of entries) {
    for (const name of [longUpper, longUpper.toLowerCase(), shortUpper, shortUpper.toLowerCase()]) table.set(name, mask);
  }
  return table;
}

/** Real states and the virtual PENDING/RUNNING/ACTIVE masks, by every accepted spelling. */
export const STATE_MASK_BY_NAME: ReadonlyMap<string, number> = spellings([
  ['NEW', 'N', JobState.NEW],
  ['DEPEND', 'D', JobState.DEPEND],
  ['PRIORITY', 'P', JobState.PRIORITY],
  ['SCHED', 'S', JobState.SCHED],
  ['RUN', 'R', JobState.RUN],
  ['CLEANUP', 'C', JobState.CLEANUP],
  ['INACTIVE', 'I', JobState.INACTIVE],
  ['PENDING', 'PD', StateMask.PENDING],
  ['RUNNING', 'RU', StateMask.RUNNING],
  ['ACTIVE', 'A', StateMask.ACTIVE],
]);

export const RESULT_MASK_BY_NAME: ReadonlyMap<string, number> = spellings([
  ['COMPLETED', 'CD', JobResult.COMPLETED],
  ['FAILED', 'F', JobResult.FAILED],
  ['CANCELED', 'CA', JobResult.CANCELED],
  ['TIMEOUT', 'TO', JobResult.TIMEOUT],
]);
