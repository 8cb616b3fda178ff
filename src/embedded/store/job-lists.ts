/**
 * The three ordered job lists of flux-core's job-list service (job_state.c) and which list a
 * state belongs to. NEW jobs are on none of them.
 */
import { JobState } from '../../flux/constants';
import type { JobTable } from './job-table';
import { SortedSlotList } from './sorted-slot-list';

export type ListName = 'pending' | 'running' | 'inactive';

export function listOfState(state: number): ListName | undefined {
  switch (state) {
    case JobState.DEPEND:
    case JobState.PRIORITY:
    case JobState.SCHED:
      return 'pending';
    case JobState.RUN:
    case JobState.CLEANUP:
      return 'running';
    case JobState.INACTIVE:
      return 'inactive';
    default:
      return undefined;
  }
}

export class JobLists {
  /**
   * Priority descending, then ID ascending. Jobs not yet given a priority hold 0, so they sort
   * by ID among held jobs; a job that fell back from SCHED keeps its last priority.
   */
  readonly pending: SortedSlotList;
  /**
   * t_run descending. Ties keep no key order: a newly inserted job goes before the jobs it ties
   * with, as Flux's list insert does. Jobs that never ran (t_run 0) come last.
   */
  readonly running: SortedSlotList;
  /** t_inactive descending, then ID descending. */
  readonly inactive: SortedSlotList;

  constructor(jobs: JobTable) {
    // Columns are read through `jobs` on every comparison: the table replaces its arrays when it grows.
    this.pending = new SortedSlotList((a, b) => {
      const pa = jobs.priority[a] as number;
      const pb = jobs.priority[b] as number;
      if (pa !== pb) return pa > pb ? -1 : 1;
      return jobs.compareIds(a, b);
    });
    this.running = new SortedSlotList((a, b) => {
      const ta = jobs.tRun[a] as number;
      const tb = jobs.tRun[b] as number;
      return ta === tb ? 0 : ta > tb ? -1 : 1;
    });
    this.inactive = new SortedSlotList((a, b) => {
      const ta = jobs.tInactive[a] as number;
      const tb = jobs.tInactive[b] as number;
      if (ta !== tb) return ta > tb ? -1 : 1;
      return jobs.compareIds(b, a);
    });
  }

  list(name: ListName): SortedSlotList {
    return this[name];
  }
}
