import { Errno } from './constants';

/**
 * The errnos the job-list service answers with, shared by the embedded emulation (which sends
 * them) and the job-list port (which classifies them), so that neither reads the other's text.
 */
export const JobListErrno = {
  /** list-id: the service does not know the job. */
  UNKNOWN_JOB: Errno.ENOENT,
  /** A request payload the service refuses ("invalid payload: ..."), the constraint among it. */
  INVALID_PAYLOAD: Errno.EPROTO,
  /** list: the search used up `[job-list] max_comparisons` ("Excessive comparisons made, ..."). */
  EXCESSIVE_COMPARISONS: Errno.EINVAL,
  /** The caller may not use the method: job-stats in private mode, config-reload by a non-owner. */
  NOT_PERMITTED: Errno.EPERM,
} as const;
