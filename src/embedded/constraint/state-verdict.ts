import { JobState } from '../../flux/constants';
import type { ConstraintNode, TimestampKey } from './parse';

/**
 * flux-core's list pre-filter: for each job state, can a constraint match a job in that state?
 * The service skips a whole job list when the answer is NEVER for all of its states. The
 * answer is coarse by design and, like Flux's, not always right (an empty `states` value says
 * ALWAYS but matches no job, so `{"not":[{"states":[]}]}` skips every list).
 */
export type StateVerdict = 'always' | 'maybe' | 'never';

/** The seven real state bits, NEW first, INACTIVE last. */
export const REAL_STATES: readonly number[] = Object.values(JobState);

/** Lowest state (by bit value) from which a job may have each timestamp. */
const TIMESTAMP_EARLIEST_STATE: Readonly<Record<TimestampKey, number>> = {
  t_submit: JobState.NEW,
  t_depend: JobState.DEPEND,
  t_priority: JobState.PRIORITY,
  // SCHED can fall back to PRIORITY, so a PRIORITY job may already have t_sched.
  t_sched: JobState.PRIORITY,
  t_run: JobState.RUN,
  t_cleanup: JobState.CLEANUP,
  t_inactive: JobState.INACTIVE,
};

function andVerdict(children: readonly ConstraintNode[], state: number): StateVerdict {
  let verdict: StateVerdict = 'always';
  for (const child of children) {
    const v = stateVerdict(child, state);
    if (v === 'never') return 'never';
    if (v === 'maybe') verdict = 'maybe';
  }
  return verdict;
}

function orVerdict(children: readonly ConstraintNode[], state: number): StateVerdict {
  if (children.length === 0) return 'always';
  let verdict: StateVerdict = 'never';
  for (const child of children) {
    const v = stateVerdict(child, state);
    if (v === 'always') return 'always';
    if (v === 'maybe') verdict = 'maybe';
  }
  return verdict;
}

/** Flux's answer for one real state bit. */
export function stateVerdict(node: ConstraintNode, state: number): StateVerdict {
  switch (node.kind) {
    case 'all':
      return 'always';
    case 'and':
      return andVerdict(node.children, state);
    case 'or':
      return orVerdict(node.children, state);
    case 'not': {
      const v = andVerdict(node.children, state);
      return v === 'always' ? 'never' : v === 'never' ? 'always' : 'maybe';
    }
    case 'userid':
    case 'name':
    case 'queue':
    case 'hostlist':
    case 'ranks':
      return 'maybe';
    case 'states':
      // Flux treats "no states named" as no restriction here, unlike its job matcher.
      return node.mask === 0 || (node.mask & state) !== 0 ? 'always' : 'never';
    case 'results':
      return state === JobState.INACTIVE ? 'maybe' : 'never';
    case 'timestamp':
      return state >= TIMESTAMP_EARLIEST_STATE[node.key] ? 'maybe' : 'never';
  }
}
