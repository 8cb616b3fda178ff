/**
 * The coded GraphQL error a subscription ends with when one of its Flux streams fails: the same
 * codes the job detail fields use (JOB_NOT_FOUND, FORBIDDEN, FLUX_ERROR, FLUX_UNAVAILABLE,
 * FLUX_INVALID_DATA), so a client handles a watch's end as it handles a query's field error.
 */
import { EventlogError, OutputEventlogError, classifyJobInfoFailure } from '../../jobinfo';
import { expectedErrorFor, invalidJobDataError, jobDetailError } from '../errors';

export function watchFailure(id: bigint, key: string, error: unknown): Error {
  if (error instanceof EventlogError || error instanceof OutputEventlogError) return invalidJobDataError(id, key, error);
  const classified = classifyJobInfoFailure(error, [key]);
  if (classified !== undefined && error instanceof Error) {
    const coded = jobDetailError(id, classified.failure, error);
    // A transport failure comes back as it is: code it as any query's.
    return expectedErrorFor(coded) ?? coded;
  }
  return error instanceof Error ? (expectedErrorFor(error) ?? error) : new Error(String(error));
}
