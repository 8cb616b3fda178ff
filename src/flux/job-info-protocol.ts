import { Errno } from './constants';

/**
 * The job-info service's vocabulary as flux-core 0.88 speaks it: topics, request flags, the
 * errnos it answers with and the two error texts that its protocol gives meaning to. Shared by
 * whatever sends these answers and the job-info port that reads them, so that neither reads the
 * other's code.
 */
export const JobInfoTopic = {
  LOOKUP: 'job-info.lookup',
  EVENTLOG_WATCH: 'job-info.eventlog-watch',
  EVENTLOG_WATCH_CANCEL: 'job-info.eventlog-watch-cancel',
} as const;

/** `flags` of job-info.lookup (FLUX_JOB_LOOKUP_*); any other bit is refused with EPROTO. */
export const LookupFlag = {
  /** jobspec and R come back as JSON objects instead of their stored strings. */
  JSON_DECODE: 1,
  /** jobspec and R with every jobspec-update / resource-update of the eventlog applied. */
  CURRENT: 2,
} as const;

/** `flags` of job-info.eventlog-watch (FLUX_JOB_EVENT_WATCH_*). */
export const WatchFlag = {
  /** Wait for the eventlog to be created instead of failing with ENOENT. */
  WAITCREATE: 1,
  /** One response without payload marks the end of the entries already stored. */
  INITIAL_SENTINEL: 2,
} as const;

export const JobInfoErrno = {
  /** The job is unknown ("invalid job id"), or one of the keys asked for is absent ("<key>: key not found"). */
  NOT_FOUND: Errno.ENOENT,
  /** The job belongs to another user and the caller is not the instance owner. */
  NOT_PERMITTED: Errno.EPERM,
  /** A request payload the service cannot use (a field missing or mistyped, an invalid flag). */
  INVALID_REQUEST: Errno.EPROTO,
} as const;

/**
 * Both "no such job" and "no such key" are ENOENT; only the text tells them apart. These are
 * the texts job-info's lookup writes (flux-core src/modules/job-info/lookup.c).
 */
export const JobInfoErrorText = {
  UNKNOWN_JOB: 'invalid job id',
  NOT_OWNER: 'access is restricted to job/instance owner',
  /** The text for an absent key, as the service words it. */
  keyNotFound: (key: string): string => `${key}: key not found`,
} as const;
