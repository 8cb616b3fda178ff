/**
 * The way jobs and events reach the embedded store, with job-list's test hook for holding them
 * back (job-list.job-state-pause / job-state-unpause): while paused, updates queue up and are
 * applied in order on unpause.
 */
import type { EventlogEntry, ResourceSet } from '../../flux/jobspec';
import type { JobDocuments, JobSink } from '../store/job-documents';

export class JournalGate implements JobSink {
  private paused = false;
  private readonly backlog: Array<() => void> = [];

  constructor(private readonly target: JobSink) {}

  get isPaused(): boolean {
    return this.paused;
  }

  ingest(job: JobDocuments): void {
    if (this.paused) this.backlog.push(() => this.target.ingest(job));
    else this.target.ingest(job);
  }

  post(id: bigint, entry: EventlogEntry, R?: ResourceSet): void {
    if (this.paused) this.backlog.push(() => this.target.post(id, entry, R));
    else this.target.post(id, entry, R);
  }

  advanceTo(time: number): void {
    if (this.paused) this.backlog.push(() => this.target.advanceTo?.(time));
    else this.target.advanceTo?.(time);
  }

  pause(): void {
    this.paused = true;
  }

  /**
   * Applies the held updates, then resumes. If one fails, it and the rest stay held, the gate
   * stays paused, and the error propagates (as a journal error does in Flux).
   */
  unpause(): void {
    while (this.backlog.length > 0) {
      (this.backlog[0] as () => void)();
      this.backlog.shift();
    }
    this.paused = false;
  }
}
