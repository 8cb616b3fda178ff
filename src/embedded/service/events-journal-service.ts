/**
 * The job manager's journal on the embedded instance (flux-core job-manager journal.c):
 * job-manager.events-journal, its cancel and job-manager.disconnect, with Flux's validation
 * order, errnos, texts and response shapes (flux-job-info.md §7).
 *
 * A journal stream gets its backlog at once, one response per job `{id, events, jobspec?, R?}`
 * (the inactive jobs first with `full`, then the active ones), then the sentinel
 * `{"id": -1, "events": []}`, then one response `{id, events: [one]}` per event as the store
 * applies it (`jobspec` with submit, `R` with alloc). It never ends by itself: a cancel from
 * its sender ends it with ENODATA, a disconnect drops it.
 *
 * Events are the job's stored main eventlog, the entries job-info's `eventlog` key gives, so
 * that the journal and job-info never disagree; the events the job manager sends its journal
 * without storing them (`annotations`) go out live as they were posted. The backlog's jobspec
 * and R are the job manager's copies: updates applied, R without its `scheduling` key.
 */
import { Errno, JobState, Role } from '../../flux/constants';
import type { EventlogEntry } from '../../flux/jobspec';
import { JOURNAL_SENTINEL_ID, JobManagerErrorText, JobManagerTopic } from '../../flux/job-manager-protocol';
import type { Json, JsonObject } from '../../flux/json';
import { JobDirectory } from '../details/job-directory';
import { cloneJson, isJsonObject } from '../store/json-value';
import type { JobStore } from '../store/job-store';
import { decodeRequestPayload, unpackFields } from '../wire/request-payload';
import { mayRead } from './eventlog-watches';
import type { Respond, ServiceRequest } from './service-types';

export interface EventsJournalServiceOptions {
  /** uid of the instance owner (whose exceptions the eventlogs of jobs loaded from records name). */
  owner: number;
}

/** An event-name filter as journal.c keeps it: the request's object, read by key only. */
type EventFilter = JsonObject | undefined;

interface JournalStream {
  readonly sender: string;
  readonly matchtag: number | undefined;
  /** Whose request opened it: a cancel or disconnect must be authorized for this user. */
  readonly userid: number;
  readonly allow: EventFilter;
  readonly deny: EventFilter;
  readonly respond: Respond;
}

/** allow_deny_check: an allow list keeps only the names it has; a deny list then drops its names. */
function passes(stream: JournalStream, name: string): boolean {
  if (stream.allow !== undefined && !Object.hasOwn(stream.allow, name)) return false;
  return stream.deny === undefined || !Object.hasOwn(stream.deny, name);
}

/** An entry for a response: a copy, so that no consumer holds the store's own objects. */
function entryJson(entry: EventlogEntry): JsonObject {
  return entry.context === undefined
    ? { timestamp: entry.timestamp, name: entry.name }
    : { timestamp: entry.timestamp, name: entry.name, context: cloneJson(entry.context) };
}

/** R as the job manager hands it out: without the scheduler's `scheduling` part (job.c). */
function redactedR(R: Json | undefined): JsonObject | undefined {
  if (!isJsonObject(R)) return undefined;
  if (!Object.hasOwn(R, 'scheduling')) return R;
  const { scheduling: _scheduling, ...rest } = R;
  return rest;
}

type Handler = (request: ServiceRequest, respond: Respond) => void;

export class EventsJournalService {
  private readonly streams = new Set<JournalStream>();
  private readonly bySender = new Map<string, Set<JournalStream>>();
  /**
   * How many of each active job's stored entries the journal has sent, so that each new one
   * goes out once and in order; kept only while a stream is open (a new stream's backlog sets
   * it for every active job) and dropped at clean.
   */
  private readonly sent = new Map<number, number>();
  /** Slots of jobs in NEW, the one active state no job-list list holds. */
  private readonly fresh = new Set<number>();
  private readonly handlers: ReadonlyMap<string, Handler>;
  private readonly owner: number;

  constructor(
    private readonly store: JobStore,
    options: EventsJournalServiceOptions,
  ) {
    this.owner = options.owner;
    this.handlers = new Map<string, Handler>([
      [JobManagerTopic.EVENTS_JOURNAL, (req, res) => this.open(req, res)],
      [JobManagerTopic.EVENTS_JOURNAL_CANCEL, (req) => this.cancel(req)],
      [JobManagerTopic.DISCONNECT, (req) => this.disconnect(req)],
    ]);
  }

  /** Journal streams open now. */
  get openStreams(): number {
    return this.streams.size;
  }

  handle(request: ServiceRequest, respond: Respond): void {
    const topic = request.topic;
    const handler = this.handlers.get(topic);
    if (handler === undefined) {
      respond({ errnum: Errno.ENOSYS, errstr: `Unknown service method '${topic}'` });
      return;
    }
    // Every method is registered for the owner alone, and the dispatcher checks that first.
    if ((request.rolemask & Role.OWNER) === 0) {
      // Neither is ever answered (both come as no-response requests).
      if (topic !== JobManagerTopic.EVENTS_JOURNAL) return;
      respond({ errnum: Errno.EPERM, errstr: JobManagerErrorText.OWNER_REQUIRED });
      return;
    }
    handler(request, respond);
  }

  // ---- the store's hooks ---------------------------------------------------------------------

  /** A job became known (ingested with its eventlog so far, or loaded from a record). */
  jobAdded(slot: number): void {
    if (this.store.jobs.state[slot] === JobState.NEW) this.fresh.add(slot);
    else this.fresh.delete(slot);
    if (this.streams.size === 0) return;
    const dir = this.directory(slot);
    const entries = dir.eventlog();
    for (const entry of entries) this.publish(dir, entry);
    this.noteSent(slot, entries.length);
  }

  /** `entry` was posted to a known job and applied. */
  jobEvent(slot: number, entry: EventlogEntry): void {
    if (this.store.jobs.state[slot] !== JobState.NEW) this.fresh.delete(slot);
    if (this.streams.size === 0) return;
    const dir = this.directory(slot);
    const entries = dir.eventlog();
    const from = this.sent.get(slot);
    // An event the store does not keep in the eventlog (annotations), an event of a job no
    // count is kept for (one already inactive), or of a job whose eventlog came recorded from
    // a snapshot: the posted entry is the news.
    if (from === undefined || entries.length <= from) this.publish(dir, entry);
    else for (let i = from; i < entries.length; i++) this.publish(dir, entries[i] as EventlogEntry);
    this.noteSent(slot, Math.max(entries.length, from ?? 0));
  }

  // ---- job-manager.events-journal ------------------------------------------------------------

  private open(request: ServiceRequest, respond: Respond): void {
    const decoded = decodeRequestPayload(request.payload);
    if (!decoded.ok) return respond({ errnum: Errno.EPROTO });
    // "{s?o s?o s?b}": only `full` can have the wrong type.
    const fields = unpackFields(decoded.payload, [
      { key: 'allow', kind: 'any', optional: true },
      { key: 'deny', kind: 'any', optional: true },
      { key: 'full', kind: 'boolean', optional: true },
    ]);
    if (!fields.ok) return respond({ errnum: Errno.EPROTO });
    if (!request.streaming) return respond({ errnum: Errno.EPROTO, errstr: JobManagerErrorText.STREAMING_REQUIRED });
    const allow = fields.values.get('allow') as Json | undefined;
    const deny = fields.values.get('deny') as Json | undefined;
    if (allow !== undefined && !isJsonObject(allow)) return respond({ errnum: Errno.EPROTO, errstr: JobManagerErrorText.ALLOW_NOT_OBJECT });
    if (deny !== undefined && !isJsonObject(deny)) return respond({ errnum: Errno.EPROTO, errstr: JobManagerErrorText.DENY_NOT_OBJECT });
    const stream: JournalStream = { sender: request.sender, matchtag: request.matchtag, userid: request.userid, allow, deny, respond };
    this.sendBacklog(stream, fields.values.get('full') === true);
    this.streams.add(stream);
    let own = this.bySender.get(stream.sender);
    if (own === undefined) this.bySender.set(stream.sender, (own = new Set()));
    own.add(stream);
  }

  /**
   * Every job's response, the inactive ones first when `full` (as journal.c sends them), then
   * the sentinel. Flux sends each group in hash order; here it is job ID order (submission order).
   */
  private sendBacklog(stream: JournalStream, full: boolean): void {
    const { lists, jobs } = this.store;
    const byId = (slots: number[]): number[] => slots.sort((a, b) => jobs.compareIds(a, b));
    if (full) for (const slot of byId(lists.inactive.toArray())) this.sendJob(stream, slot, false);
    for (const slot of [...this.fresh]) {
      // A NEW job invalidated before validate leaves the store without another event.
      if (this.store.lookup(jobs.id(slot)) !== slot || jobs.state[slot] !== JobState.NEW) this.fresh.delete(slot);
    }
    const active = byId([...this.fresh, ...lists.pending.toArray(), ...lists.running.toArray()]);
    for (const slot of active) this.sendJob(stream, slot, true);
    stream.respond({ payload: { id: JOURNAL_SENTINEL_ID, events: [] } });
  }

  private sendJob(stream: JournalStream, slot: number, active: boolean): void {
    const dir = this.directory(slot);
    const entries = dir.eventlog();
    const response: JsonObject = {
      id: this.store.jobs.idJson(slot),
      events: entries.filter((entry) => passes(stream, entry.name)).map(entryJson),
    };
    const jobspec = dir.current('jobspec');
    if (isJsonObject(jobspec)) response.jobspec = jobspec;
    const R = redactedR(dir.current('R'));
    if (R !== undefined) response.R = R;
    stream.respond({ payload: response });
    if (active) this.sent.set(slot, entries.length);
  }

  /** One event of a job to every stream whose filters let it through. */
  private publish(dir: JobDirectory, entry: EventlogEntry): void {
    const id = this.store.jobs.idJson(dir.slot);
    let jobspec: Json | undefined;
    let R: JsonObject | undefined;
    if (entry.name === 'submit') jobspec = dir.jobspec();
    else if (entry.name === 'alloc') R = redactedR(dir.R());
    for (const stream of this.streams) {
      if (!passes(stream, entry.name)) continue;
      const response: JsonObject = { id, events: [entryJson(entry)] };
      if (isJsonObject(jobspec)) response.jobspec = cloneJson(jobspec);
      if (R !== undefined) response.R = cloneJson(R);
      stream.respond({ payload: response });
    }
  }

  private noteSent(slot: number, count: number): void {
    if (this.store.jobs.state[slot] === JobState.INACTIVE) this.sent.delete(slot);
    else this.sent.set(slot, count);
  }

  // ---- cancel and disconnect -----------------------------------------------------------------

  /** {"matchtag": N} from the stream's sender ends that stream with ENODATA; nothing is answered. */
  private cancel(request: ServiceRequest): void {
    const decoded = decodeRequestPayload(request.payload);
    if (!decoded.ok) return;
    const fields = unpackFields(decoded.payload, [{ key: 'matchtag', kind: 'int' }]);
    if (!fields.ok) return;
    const matchtag = (fields.values.get('matchtag') as number) >>> 0;
    for (const stream of this.bySender.get(request.sender) ?? []) {
      if (stream.matchtag !== matchtag || !mayRead(request, stream.userid >>> 0)) continue;
      this.forget(stream);
      stream.respond({ errnum: Errno.ENODATA });
      return;
    }
  }

  /** The sender is gone: its streams are dropped without a response. */
  private disconnect(request: ServiceRequest): void {
    for (const stream of [...(this.bySender.get(request.sender) ?? [])]) {
      if (mayRead(request, stream.userid >>> 0)) this.forget(stream);
    }
  }

  private forget(stream: JournalStream): void {
    this.streams.delete(stream);
    const own = this.bySender.get(stream.sender);
    own?.delete(stream);
    if (own?.size === 0) this.bySender.delete(stream.sender);
    // Counts are only needed while someone listens; a new stream's backlog sets them afresh.
    if (this.streams.size === 0) this.sent.clear();
  }

  private directory(slot: number): JobDirectory {
    return new JobDirectory(this.store, slot, this.owner);
  }
}

