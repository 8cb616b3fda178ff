import { parseJobId } from '../flux/jobid';
import { expectedErrorFor } from './errors';

/**
 * A job ID from a client, in any form Flux reads. A bad one becomes its coded GraphQL error
 * (INVALID_JOBID, or UNSUPPORTED_ENCODING for the words and emoji forms), quoting the input.
 */
export function parseJobIdInput(text: string): bigint {
  try {
    return parseJobId(text);
  } catch (error) {
    throw expectedErrorFor(error) ?? error;
  }
}
