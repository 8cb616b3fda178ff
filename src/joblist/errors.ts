/** Stable codes that callers branch on; the messages are Flux's own wording. */
export type JobListErrorCode = 'INVALID_FILTER' | 'INVALID_USER' | 'INVALID_JOBID' | 'INVALID_ARGUMENT' | 'INVALID_CONSTRAINT';

/**
 * A request the job-list port refuses before talking to Flux, worded as Flux's Python
 * bindings word the matching ValueError, e.g. "Invalid filter specified: foo".
 */
export class JobListError extends Error {
  override readonly name: string = 'JobListError';
  constructor(
    readonly code: JobListErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
