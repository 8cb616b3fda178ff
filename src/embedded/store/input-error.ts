/**
 * Bad input handed to the embedded instance (a job document, eventlog entry or snapshot
 * record that Flux's job-list could not have processed). The message names the job and the
 * field, so whoever generated the input can find it.
 */
export class EmbeddedInputError extends Error {
  override readonly name: string = 'EmbeddedInputError';
  readonly code = 'EMBEDDED_INPUT' as const;
  constructor(
    /** The job concerned, when known. */
    readonly jobId: bigint | undefined,
    /** What is wrong, without the job. */
    readonly problem: string,
  ) {
    super(jobId === undefined ? problem : `job ${jobId}: ${problem}`);
  }
}
