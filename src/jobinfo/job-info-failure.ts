/**
 * What went wrong with a job-info request, decided once, here, from the error's class, errno
 * and the request that was sent. ENOENT means both "no such job" and "no such key"; job-info's
 * protocol tells them apart only by its text ("invalid job id", "<key>: key not found"), so
 * that text, compared whole with the keys the request named, is the one thing read here.
 */
import { FluxRpcError } from '../flux/errors';
import { JobInfoErrno, JobInfoErrorText } from '../flux/job-info-protocol';
import { TransportFailure, transportFailureOf } from '../flux/transport-failure';

export const JobInfoFailure = {
  /** Flux does not know the job. */
  UNKNOWN_JOB: 'UNKNOWN_JOB',
  /** The job has no such key (yet): R before alloc, guest.* of a job that never started. */
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
  /** The job belongs to another user (EPERM). */
  FORBIDDEN: 'FORBIDDEN',
  /** job-info refused the request itself (EPROTO): a bug of this port, never the user's doing. */
  INVALID_REQUEST: 'INVALID_REQUEST',
  ...TransportFailure,
  /** Any other error response (a key that is a directory, a path too long, ENOSYS, ...). */
  ERROR_RESPONSE: 'ERROR_RESPONSE',
} as const;
export type JobInfoFailure = (typeof JobInfoFailure)[keyof typeof JobInfoFailure];

export interface ClassifiedJobInfoFailure {
  readonly failure: JobInfoFailure;
  /** KEY_NOT_FOUND: the key Flux named (the first absent one, in request order). */
  readonly key?: string;
}

function classifyNotFound(error: FluxRpcError, keys: readonly string[]): ClassifiedJobInfoFailure {
  const text = error.errorString;
  // A watch answers an unknown job with no text at all; a lookup with "invalid job id".
  if (text === undefined || text === '' || text === JobInfoErrorText.UNKNOWN_JOB) return { failure: JobInfoFailure.UNKNOWN_JOB };
  const key = keys.find((candidate) => text === JobInfoErrorText.keyNotFound(candidate));
  if (key === undefined) return { failure: JobInfoFailure.ERROR_RESPONSE };
  // The eventlog is the job's record: once job-info has let the caller in, its absence means the job is gone.
  if (key === 'eventlog') return { failure: JobInfoFailure.UNKNOWN_JOB };
  return { failure: JobInfoFailure.KEY_NOT_FOUND, key };
}

/**
 * The kind of a failure of a job-info request that named `keys` (a lookup's keys, a watch's
 * path), or undefined when it is not a Flux failure (a malformed reply, a bug).
 */
export function classifyJobInfoFailure(error: unknown, keys: readonly string[]): ClassifiedJobInfoFailure | undefined {
  if (!(error instanceof FluxRpcError)) {
    const transport = transportFailureOf(error);
    return transport === undefined ? undefined : { failure: transport };
  }
  switch (error.errno) {
    case JobInfoErrno.NOT_FOUND:
      return classifyNotFound(error, keys);
    case JobInfoErrno.NOT_PERMITTED:
      return { failure: JobInfoFailure.FORBIDDEN };
    case JobInfoErrno.INVALID_REQUEST:
      return { failure: JobInfoFailure.INVALID_REQUEST };
    default:
      return { failure: JobInfoFailure.ERROR_RESPONSE };
  }
}
