import { Errno } from './constants';

/**
 * The job manager's journal as flux-core 0.88 speaks it (src/modules/job-manager/journal.c):
 * topics, the sentinel that ends the backlog, the errnos and the error texts. Shared by whatever
 * serves the journal and the client that reads it, so that neither reads the other's code.
 */
export const JobManagerTopic = {
  /** `{"full"?: bool, "allow"?: {name: any}, "deny"?: {name: any}}`, STREAMING; owner only. */
  EVENTS_JOURNAL: 'job-manager.events-journal',
  /** `{"matchtag": N}` as a no-response request on the journal's connection; never answered. */
  EVENTS_JOURNAL_CANCEL: 'job-manager.events-journal-cancel',
  /** Sent by the broker when a client goes away: that client's journals are dropped, unanswered. */
  DISCONNECT: 'job-manager.disconnect',
} as const;

/**
 * The `id` of the response that separates the backlog from live events (`{"id": -1,
 * "events": []}`): FLUX_JOBID_ANY packed by Jansson as a signed 64-bit integer.
 */
export const JOURNAL_SENTINEL_ID = -1;

export const JobManagerErrno = {
  /** A request the journal cannot use: no STREAMING flag, a filter that is not an object, `full` not a boolean. */
  INVALID_REQUEST: Errno.EPROTO,
  /** The caller is not the instance owner. */
  NOT_PERMITTED: Errno.EPERM,
  /** The end of a journal stream, after events-journal-cancel (or the job manager's unloading). */
  END_OF_STREAM: Errno.ENODATA,
} as const;

/**
 * The texts that come with the journal's errors (flux-job-info.md §7). `full` of the wrong type
 * is refused with EPROTO and no text at all.
 */
export const JobManagerErrorText = {
  STREAMING_REQUIRED: 'job-manager.events requires streaming RPC flag',
  ALLOW_NOT_OBJECT: 'job-manager.events allow should be an object',
  DENY_NOT_OBJECT: 'job-manager.events deny should be an object',
  /** libflux's message dispatcher refuses a request for an owner-only handler with this text. */
  OWNER_REQUIRED: 'Request requires owner credentials',
} as const;
