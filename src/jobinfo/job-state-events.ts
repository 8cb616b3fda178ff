/**
 * A job's RFC 21 state from its events, as the job manager's state machine moves it
 * (flux-core src/modules/job-manager/event.c, event_job_update). The journal and the eventlog
 * carry event names, not states; a client that follows them derives the state with this.
 *
 * Each event moves the job only from the state it is defined for, and leaves it where it is
 * otherwise, so a journal read from any point cannot push a job backwards: the only way back is
 * SCHED to PRIORITY, where the job manager re-asks for a priority (urgency, jobspec-update,
 * flux-restart).
 */
import { JobState, StateMask } from '../flux/constants';
import type { EventlogEntry } from './eventlog';

const STATE_BITS: ReadonlySet<number> = new Set(Object.values(JobState));

/**
 * Jobs submitted before flux-core 0.42 have no `version` in their submit context (and no
 * validate event): they entered DEPEND on submit, as job-list still reads them (submit_version < 1).
 */
function stateAfterSubmit(entry: EventlogEntry): number {
  const version = entry.context?.['version'];
  const numeric = typeof version === 'bigint' ? Number(version) : version;
  return typeof numeric === 'number' && numeric >= 1 ? JobState.NEW : JobState.DEPEND;
}

function isFatalException(entry: EventlogEntry): boolean {
  const severity = entry.context?.['severity'];
  return severity === 0 || severity === 0n;
}

/** `state` moves to `to` if it is `from`, else stays. */
function from(state: number, from: number, to: number): number {
  return state === from ? to : state;
}

/**
 * The state after `entry`, for a job in `state` (undefined: the job has had no event yet, which
 * the job manager holds as NEW). Throws RangeError when `state` is not one JobState bit.
 */
export function stateAfterEvent(state: number | undefined, entry: EventlogEntry): number {
  const now = state ?? JobState.NEW;
  if (!STATE_BITS.has(now)) throw new RangeError(`stateAfterEvent: ${String(state)} is not a job state (one JobState bit)`);
  switch (entry.name) {
    case 'submit':
      return now === JobState.NEW ? stateAfterSubmit(entry) : now;
    // The job manager sets DEPEND on validate whatever the state, but posts it only in NEW.
    case 'validate':
      return from(now, JobState.NEW, JobState.DEPEND);
    // Rejected during validation: the job is gone (job-list drops it), never to change again.
    case 'invalidate':
      return JobState.INACTIVE;
    case 'depend':
      return from(now, JobState.DEPEND, JobState.PRIORITY);
    // A new priority in SCHED keeps the job in SCHED.
    case 'priority':
      return from(now, JobState.PRIORITY, JobState.SCHED);
    case 'urgency':
    case 'jobspec-update':
    // Posted at a restart to the jobs that were in SCHED (job-manager restart.c).
    case 'flux-restart':
      return from(now, JobState.SCHED, JobState.PRIORITY);
    case 'alloc':
      return from(now, JobState.SCHED, JobState.RUN);
    case 'finish':
      return from(now, JobState.RUN, JobState.CLEANUP);
    case 'exception':
      return isFatalException(entry) && (now & StateMask.ACTIVE) !== 0 ? JobState.CLEANUP : now;
    case 'clean':
      return from(now, JobState.CLEANUP, JobState.INACTIVE);
    default:
      return now;
  }
}
