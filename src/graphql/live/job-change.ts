/**
 * What Subscription.jobChanges sends: one change of one job, with the job as job-list shows it
 * after the change (to the subscriber, with their credentials).
 */
import type { JobRecord } from '../../joblist';

export interface JobChange {
  /** The job-manager event (RFC 21: submit, validate, depend, priority, alloc, start, exception, urgency, memo, finish, clean, ...). */
  readonly event: string;
  /** When the event was posted (Unix seconds, Flux's clock). */
  readonly timestamp: number;
  /** The job after the change, as job-list.list-id / job-list.list returned it with every attribute. */
  readonly job: JobRecord;
}
