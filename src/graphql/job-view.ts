import { JobInfo, type JobInfoOptions, type JobRecord } from '../joblist';

/**
 * What a Job field resolves against: the raw job-list record (to tell "not set" from a value)
 * and, built on first use, Flux's JobInfo view of it for the derived fields.
 */
export class JobView {
  private derived: JobInfo | undefined;

  constructor(
    readonly record: JobRecord,
    private readonly options: JobInfoOptions = {},
  ) {}

  get info(): JobInfo {
    this.derived ??= new JobInfo(this.record, this.options);
    return this.derived;
  }

  /** True when job-list sent the attribute (Flux has set it). */
  has(attr: string): boolean {
    return this.record[attr] !== undefined;
  }
}
