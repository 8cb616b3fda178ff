/**
 * job-info.eventlog-watch: the entries of one of a job's eventlogs (the main one, the exec
 * eventlog, the output), first those already stored, then each new one as it is committed,
 * until the service ends the stream (ENODATA: at `clean` for the main eventlog of a job, when
 * the job's namespace goes away for guest.*, or after a cancel).
 *
 * Leaving the loop early cancels the watch as libflux's callers do: the handle sends
 * job-info.eventlog-watch-cancel with the watch's matchtag on the same connection, and the
 * watch's final response frees the matchtag.
 *
 * Beware (flux-job-info.md §5): a non-owner's watch of another user's main eventlog may never
 * be answered when job-info has not cached the job's owner; look the job up first (a lookup
 * with no keys answers EPERM or ENOENT at once), or bound the wait with the handle's timeout.
 */
import { mapStream } from '../flux/stream-map';
import { FluxError } from '../flux/errors';
import type { FluxHandle, RpcOptions } from '../flux/handle';
import { JobInfoTopic, WatchFlag } from '../flux/job-info-protocol';
import type { Json, JsonObject } from '../flux/json';
import { MAX_JOBID } from '../flux/jobid';
import { parseEventlogLine, type EventlogEntry } from './eventlog';

export interface EventlogWatchRequest {
  readonly id: bigint;
  /** The eventlog's key: "eventlog" (default), "guest.exec.eventlog", "guest.output", ... */
  readonly path?: string;
  /** WatchFlag bits (default 0). Never WAITCREATE with a guest.* path: that can hang forever. */
  readonly flags?: number;
}

/** What a watch yields: an entry, or (with INITIAL_SENTINEL) the point where the stored entries end. */
export type EventlogWatchItem = { readonly kind: 'entry'; readonly entry: EventlogEntry } | { readonly kind: 'sentinel' };

const VALID_FLAGS = WatchFlag.WAITCREATE | WatchFlag.INITIAL_SENTINEL;

export function eventlogWatchPayload(request: EventlogWatchRequest): JsonObject {
  const { id, path = 'eventlog', flags = 0 } = request;
  if (id < 0n || id > MAX_JOBID) throw new RangeError(`job-info.eventlog-watch: id ${id} is not a 64-bit job ID`);
  if (!Number.isInteger(flags) || (flags & ~VALID_FLAGS) !== 0) throw new RangeError(`job-info.eventlog-watch: flags ${flags} is not a combination of WAITCREATE and INITIAL_SENTINEL`);
  if (path.length === 0) throw new RangeError('job-info.eventlog-watch: the path must not be empty');
  return { id, path, flags };
}

function entryOf(response: Json | undefined): EventlogWatchItem {
  if (response === undefined) return { kind: 'sentinel' };
  const event = typeof response === 'object' && response !== null && !Array.isArray(response) ? response['event'] : undefined;
  if (typeof event !== 'string') throw new FluxError('FLUX_PROTOCOL', `${JobInfoTopic.EVENTLOG_WATCH}: expected {"event": "<entry>\\n"}`);
  return { kind: 'entry', entry: parseEventlogLine(event) };
}

/**
 * Watches one eventlog of job `id`. Iterate it once; `break` (or an error thrown by the body)
 * cancels the watch. The iterator throws FluxRpcError for an error response (classify with
 * classifyJobInfoFailure(error, [path])) and EventlogError for an entry that is not RFC 18.
 */
export function watchEventlog(handle: FluxHandle, request: EventlogWatchRequest, options: Omit<RpcOptions, 'cancelTopic'> = {}): AsyncIterable<EventlogWatchItem> {
  const payload = eventlogWatchPayload(request);
  return mapStream(() => handle.rpcStream(JobInfoTopic.EVENTLOG_WATCH, payload, { ...options, cancelTopic: JobInfoTopic.EVENTLOG_WATCH_CANCEL }), entryOf);
}
