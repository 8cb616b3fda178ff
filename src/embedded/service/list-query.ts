/**
 * The job scan behind job-list.list (flux-core list.c get_jobs): pending, then running, then
 * inactive jobs, each list in its own order, collecting matches until max_entries are found.
 *
 * Work stays proportional to what is scanned, not to the instance: lists the constraint rules
 * out are skipped, `since` ends the inactive scan, and when the constraint bounds t_inactive or
 * t_run from above the scan starts at the first job within the bound (the lists are sorted on
 * those keys, so the jobs skipped could not match). Flux scans from the start and charges the
 * comparison budget for every job, so a request Flux refuses as too costly may succeed here.
 */
import { StateMask, JobState } from '../../flux/constants';
import type { Json, JsonObject } from '../../flux/json';
import { JobListErrno } from '../../flux/job-list-errnos';
import { ExcessiveComparisonsError, timestampUpperBound, type ComparisonBudget, type CompiledConstraint } from '../constraint/compile';
import type { AttributePlan } from './attribute-projection';
import type { JobStore } from '../store/job-store';
import { JobView } from './matchable-job';
import type { ListPosition, SortedSlotList } from '../store/sorted-slot-list';

export interface ListQuery {
  /** 0 = no limit. */
  readonly maxEntries: number;
  /** Only inactive jobs with t_inactive > since (0 = all). */
  readonly since: number;
  readonly constraint: CompiledConstraint;
  /** The constraint as JSON, read for timestamp bounds; undefined when there is none. */
  readonly constraintJson: Json | undefined;
  readonly attributes: AttributePlan;
  readonly budget: ComparisonBudget;
}

export type ListOutcome = { ok: true; jobs: JsonObject[] } | { ok: false; errnum: number; message: string };

function startWithin(list: SortedSlotList, times: Float64Array, constraintJson: Json | undefined, key: 't_inactive' | 't_run'): ListPosition {
  const bound = timestampUpperBound(constraintJson, key);
  if (bound === undefined) return list.start;
  const { value, inclusive } = bound;
  return list.seek(inclusive ? (slot) => (times[slot] as number) <= value : (slot) => (times[slot] as number) < value);
}

export function listJobs(store: JobStore, query: ListQuery): ListOutcome {
  const jobs: JsonObject[] = [];
  const view = new JobView(store.jobs);
  const { constraint, budget, attributes, maxEntries } = query;
  let failure: { errnum: number; message: string } | undefined;
  /** The page is full or an attribute is refused: no list is scanned further. */
  let stopped = false;

  const visit = (slot: number): boolean => {
    if (!constraint.matches(view.at(slot), budget)) return true;
    if (attributes.error !== undefined) {
      failure = attributes.error;
      stopped = true;
      return false;
    }
    jobs.push(attributes.build(slot));
    if (jobs.length === maxEntries) stopped = true;
    return !stopped;
  };
  const tInactive = store.jobs.tInactive;
  const since = query.since;
  const visitInactive = (slot: number): boolean => {
    const t = tInactive[slot] as number;
    if (t > 0 && t <= since) return false;
    return visit(slot);
  };

  try {
    if (constraint.listMayMatch(StateMask.PENDING)) store.lists.pending.scan(store.lists.pending.start, visit);
    if (!stopped && constraint.listMayMatch(StateMask.RUNNING)) {
      const running = store.lists.running;
      running.scan(startWithin(running, store.jobs.tRun, query.constraintJson, 't_run'), visit);
    }
    if (!stopped && constraint.listMayMatch(JobState.INACTIVE)) {
      const inactive = store.lists.inactive;
      inactive.scan(startWithin(inactive, tInactive, query.constraintJson, 't_inactive'), visitInactive);
    }
  } catch (err) {
    if (err instanceof ExcessiveComparisonsError) return { ok: false, errnum: JobListErrno.EXCESSIVE_COMPARISONS, message: err.message };
    throw err;
  }
  if (failure !== undefined) return { ok: false, ...failure };
  return { ok: true, jobs };
}
