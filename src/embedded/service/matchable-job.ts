/**
 * One job of the store seen as a MatchableJob (the shape the constraint matcher reads). The view
 * is moved from slot to slot while a list is scanned, so matching allocates nothing per job.
 */
import { JobState } from '../../flux/constants';
import type { MatchableJob } from '../constraint/compile';
import type { JobTable } from '../store/job-table';

export class JobView implements MatchableJob {
  slot = 0;

  constructor(private readonly jobs: JobTable) {}

  at(slot: number): this {
    this.slot = slot;
    return this;
  }

  private reached(state: number): boolean {
    return ((this.jobs.statesMask[this.slot] as number) & state) !== 0;
  }

  get userid(): number {
    return this.jobs.userid[this.slot] as number;
  }
  get state(): number {
    return this.jobs.state[this.slot] as number;
  }
  get result(): number {
    return this.jobs.result[this.slot] as number;
  }
  get name(): string | undefined {
    return this.jobs.str(this.jobs.name, this.slot);
  }
  get queue(): string | undefined {
    return this.jobs.str(this.jobs.queue, this.slot);
  }
  get nodelist(): string | undefined {
    return this.jobs.str(this.jobs.nodelist, this.slot);
  }
  get ranks(): string | undefined {
    return this.jobs.str(this.jobs.ranks, this.slot);
  }
  get t_submit(): number {
    return this.jobs.tSubmit[this.slot] as number;
  }
  /** Jobs from before the validate event existed (submit version < 1) entered DEPEND on submit. */
  get t_depend(): number | undefined {
    if ((this.jobs.submitVersion[this.slot] as number) < 1) return this.jobs.tSubmit[this.slot] as number;
    return this.reached(JobState.DEPEND) ? (this.jobs.tDepend[this.slot] as number) : undefined;
  }
  /** PRIORITY and SCHED may be entered again; their times are those of the first entry. */
  get t_priority(): number | undefined {
    const t = this.jobs.tPriority[this.slot] as number;
    return t === 0 ? undefined : t;
  }
  get t_sched(): number | undefined {
    const t = this.jobs.tSched[this.slot] as number;
    return t === 0 ? undefined : t;
  }
  get t_run(): number | undefined {
    return this.reached(JobState.RUN) ? (this.jobs.tRun[this.slot] as number) : undefined;
  }
  get t_cleanup(): number | undefined {
    return this.reached(JobState.CLEANUP) ? (this.jobs.tCleanup[this.slot] as number) : undefined;
  }
  get t_inactive(): number | undefined {
    return this.reached(JobState.INACTIVE) ? (this.jobs.tInactive[this.slot] as number) : undefined;
  }
}
