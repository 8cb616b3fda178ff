/**
 * job-manager.events-journal: every job's events as the job manager posts them, instance-wide
 * (flux-job-info.md §7). The stream starts with a backlog, one response per job with the
 * events it has so far (active jobs, or every job with `full`), then a sentinel, then one
 * response per event as it happens. It never ends by itself.
 *
 * Only the instance owner may open it (EPERM "Request requires owner credentials" otherwise).
 * Leaving the loop cancels the journal as libflux's callers do: the handle sends
 * job-manager.events-journal-cancel with the stream's matchtag on the same connection, and the
 * journal's final response (ENODATA) frees the matchtag.
 */
import { mapStream } from '../flux/stream-map';
import { FLUX_JOBID_ANY } from '../flux/constants';
import { FluxError } from '../flux/errors';
import type { FluxHandle, RpcOptions } from '../flux/handle';
import { JobManagerTopic } from '../flux/job-manager-protocol';
import { MAX_JOBID } from '../flux/jobid';
import type { Json, JsonObject } from '../flux/json';
import { EventlogError, parseEventlogEntry, type EventlogEntry } from './eventlog';

export interface EventsJournalRequest {
  /** Start with every job the job manager holds, inactive ones too (default: active jobs only). */
  readonly full?: boolean;
  /** Only events of these names, in the backlog and live. */
  readonly allow?: readonly string[];
  /** No events of these names (applied after `allow`). */
  readonly deny?: readonly string[];
}

/**
 * What the journal yields. `backlog`: a job as it stood when the journal opened, its events so
 * far (only those the filters let through: possibly none), its redacted jobspec and, once
 * allocated, its R. `sentinel`: the backlog is over; everything after happens live. `event`: one
 * new event of a job, with the jobspec on `submit` and R on `alloc`.
 */
export type JournalItem =
  | { readonly kind: 'backlog'; readonly id: bigint; readonly events: EventlogEntry[]; readonly jobspec?: JsonObject; readonly R?: JsonObject }
  | { readonly kind: 'sentinel' }
  | { readonly kind: 'event'; readonly id: bigint; readonly entry: EventlogEntry; readonly jobspec?: JsonObject; readonly R?: JsonObject };

const TOPIC = JobManagerTopic.EVENTS_JOURNAL;

/** A filter as journal.c reads it: an object whose keys are the event names (the values are not looked at). */
function filterObject(which: 'allow' | 'deny', names: readonly string[]): JsonObject {
  const filter: JsonObject = {};
  for (const name of names) {
    if (typeof name !== 'string') throw new RangeError(`${TOPIC}: ${which} must list event names, got ${String(name)}`);
    filter[name] = 1;
  }
  return filter;
}

/** The request payload: only the fields given, so that `{}` asks for the active jobs and every event. */
export function eventsJournalPayload(request: EventsJournalRequest = {}): JsonObject {
  const payload: JsonObject = {};
  if (request.full !== undefined) {
    if (typeof request.full !== 'boolean') throw new RangeError(`${TOPIC}: full must be a boolean, got ${String(request.full)}`);
    payload['full'] = request.full;
  }
  if (request.allow !== undefined) payload['allow'] = filterObject('allow', request.allow);
  if (request.deny !== undefined) payload['deny'] = filterObject('deny', request.deny);
  return payload;
}

function protocolError(detail: string, cause?: unknown): FluxError {
  return new FluxError('FLUX_PROTOCOL', `${TOPIC}: ${detail}`, cause === undefined ? undefined : { cause });
}

function shown(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'bigint') return value.toString();
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The job ID of a response, or undefined for the sentinel. The job manager packs IDs as
 * Jansson's signed 64-bit integers, so the sentinel FLUX_JOBID_ANY arrives as -1 (and an ID of
 * 2^63 or more would arrive negative): every value in the signed or unsigned 64-bit range is
 * read as its unsigned 64 bits.
 */
function jobIdOf(value: Json | undefined): bigint | undefined {
  let id: bigint;
  if (typeof value === 'bigint') id = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) id = BigInt(value);
  else throw protocolError(`id: expected a 64-bit integer, got ${shown(value)}`);
  if (id < -(1n << 63n) || id > MAX_JOBID) throw protocolError(`id: ${id} is not a 64-bit integer`);
  const unsigned = BigInt.asUintN(64, id);
  return unsigned === FLUX_JOBID_ANY ? undefined : unsigned;
}

function entriesOf(events: Json[], id: bigint): EventlogEntry[] {
  return events.map((event, index) => {
    try {
      return parseEventlogEntry(event, index + 1);
    } catch (error) {
      if (!(error instanceof EventlogError)) throw error;
      throw protocolError(`job ${id}, event ${index + 1}: ${error.detail}`, error);
    }
  });
}

/** jobspec and R, each when present; anything there but an object is a protocol error. */
function documentsOf(response: JsonObject, id: bigint): { jobspec?: JsonObject; R?: JsonObject } {
  const documents: { jobspec?: JsonObject; R?: JsonObject } = {};
  for (const key of ['jobspec', 'R'] as const) {
    if (!Object.hasOwn(response, key)) continue;
    const value = response[key];
    if (!isObject(value)) throw protocolError(`job ${id}: ${key}: expected an object, got ${shown(value)}`);
    documents[key] = value;
  }
  return documents;
}

/** Reads the responses of one journal in order: backlog, one sentinel, then live events. */
class JournalDecoder {
  private live = false;

  decode(response: Json | undefined): JournalItem {
    if (!isObject(response)) throw protocolError(`expected {"id": <job ID>, "events": [...]}, got ${shown(response)}`);
    const id = jobIdOf(response['id']);
    const events = response['events'];
    if (!Array.isArray(events)) throw protocolError(`events: expected an array, got ${shown(events)}`);
    if (id === undefined) {
      if (this.live) throw protocolError('a second sentinel (id -1) after the backlog had ended');
      if (events.length !== 0) throw protocolError(`the sentinel (id -1) must have no events, got ${events.length}`);
      this.live = true;
      return { kind: 'sentinel' };
    }
    const entries = entriesOf(events, id);
    const documents = documentsOf(response, id);
    if (!this.live) return { kind: 'backlog', id, events: entries, ...documents };
    if (entries.length !== 1) throw protocolError(`job ${id}: a live response must hold one event, got ${entries.length}`);
    return { kind: 'event', id, entry: entries[0] as EventlogEntry, ...documents };
  }
}

/**
 * Opens the journal. Iterate it once; `break` (or an error thrown by the body) cancels it. The
 * iterator throws FluxRpcError for an error response (EPERM for a caller who is not the owner)
 * and FluxError FLUX_PROTOCOL for a response that is not a journal response.
 *
 * The journal is silent for as long as no job changes, so it is opened without a timeout
 * unless `options.timeoutMs` asks for one (which then bounds the wait for each next response).
 */
export function watchJournal(handle: FluxHandle, request: EventsJournalRequest = {}, options: Omit<RpcOptions, 'cancelTopic'> = {}): AsyncIterable<JournalItem> {
  const payload = eventsJournalPayload(request);
  const decoder = new JournalDecoder();
  return mapStream(
    () => handle.rpcStream(TOPIC, payload, { ...options, timeoutMs: options.timeoutMs ?? 0, cancelTopic: JobManagerTopic.EVENTS_JOURNAL_CANCEL }),
    (response) => decoder.decode(response),
  );
}
