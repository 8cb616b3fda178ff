/**
 * One job's KVS directory (`job.<dothex>`) as job-info reads it: `eventlog`, `jobspec`, `J`,
 * `R` once allocated, and once the job has started a `guest` directory with `exec.eventlog`,
 * `output` and `input` (what exists of them by the horizon while the job runs). Every value is
 * composed when asked for, from the store's record; nothing here outlives the request.
 */
import { encodeJobId, type JobIdEncoding } from '../../flux/jobid';
import type { EventlogEntry } from '../../flux/jobspec';
import { parseJson, type Json, type JsonObject } from '../../flux/json';
import { isJsonObject } from '../store/json-value';
import type { DetailKey, RecordedJobDetails } from '../store/recorded-details';
import type { JobStore } from '../store/job-store';
import { decodeEventlog, encodeEventlog, isFluxReal } from './eventlog-text';
import { dumpJansson } from './jansson-dump';
import { jobRun, type JobRun } from './job-run';
import { applyJobspecUpdates, jobspecDocument } from './jobspec-document';
import { mainEventlog } from './main-eventlog';
import { applyResourceUpdates, resourceSetDocument } from './resource-set';
import { guestDocuments, type GuestDocuments, type GuestLog } from './run-story';

export type KvsLookup =
  | { kind: 'value'; text: string }
  | { kind: 'directory' }
  | { kind: 'missing' }
  /** A path that goes through a value as if it were a directory. */
  | { kind: 'not-directory' }
  /** A key the source instance had whose text the snapshot left out (over its size bound). */
  | { kind: 'cut' }
  /** A key of a job with recorded details that snapshot --details does not take (J, guest.input). */
  | { kind: 'unrecorded' };

/** The KVS path components of a key, as the KVS normalizes it ("a..b." is a.b). */
export function keyPath(key: string): string[] {
  return key.split('.').filter((part) => part !== '');
}

const GUEST_LOGS: Readonly<Record<string, GuestLog>> = { output: 'output', input: 'input' };

function encodeId(id: bigint, how: string): string {
  return encodeJobId(id, how as JobIdEncoding);
}

/** `flux-security`'s "none" signature: a header of key/typed-value pairs, the payload, "none". */
function signedNone(userid: number, payload: string): string {
  const header = Buffer.from(`version\0i1\0userid\0i${userid}\0mechanism\0snone\0`, 'utf8').toString('base64');
  return `${header}.${Buffer.from(payload, 'utf8').toString('base64')}.none`;
}

export class JobDirectory {
  private eventlogCache: EventlogEntry[] | undefined;
  private jobspecCache: Json | undefined;
  private runCache: JobRun | null | undefined;
  private guestCache: GuestDocuments | null | undefined;
  /** Set for a job loaded from a snapshot with its details. */
  private readonly recorded: RecordedJobDetails | undefined;

  constructor(
    private readonly store: JobStore,
    readonly slot: number,
    private readonly owner: number,
  ) {
    this.recorded = store.recorded.get(slot);
  }

  get id(): bigint {
    return this.store.jobs.id(this.slot);
  }

  /** The submit userid: the job's owner for access checks. */
  get userid(): number {
    return this.store.jobs.userid[this.slot] as number;
  }

  eventlog(): EventlogEntry[] {
    if (this.eventlogCache !== undefined) return this.eventlogCache;
    const text = this.recorded?.texts.eventlog;
    this.eventlogCache = text !== undefined ? decodeEventlog(text) : mainEventlog(this.store, this.slot, this.owner);
    return this.eventlogCache;
  }

  /** The stored (redacted) jobspec; callers get their own copy. */
  jobspec(): Json {
    if (this.recorded !== undefined) return this.recordedDocument('jobspec') ?? null;
    this.jobspecCache ??= jobspecDocument(this.store, this.slot);
    return structuredClone(this.jobspecCache);
  }

  R(): JsonObject | undefined {
    if (this.recorded !== undefined) {
      const R = this.recordedDocument('R');
      return isJsonObject(R) ? R : undefined;
    }
    return resourceSetDocument(this.store, this.slot);
  }

  /** A recorded jobspec or R, parsed afresh (64-bit integers kept exact). */
  private recordedDocument(key: 'jobspec' | 'R'): Json | undefined {
    const text = this.recorded?.texts[key];
    return text === undefined ? undefined : parseJson(text);
  }

  /** jobspec or R with the eventlog's updates applied, as a CURRENT lookup returns them. */
  current(key: 'jobspec' | 'R'): Json | undefined {
    const name = key === 'R' ? 'resource-update' : 'jobspec-update';
    const updates = this.eventlog()
      .filter((e) => e.name === name && e.context !== undefined)
      .map((e) => e.context as JsonObject);
    if (key === 'jobspec') return applyJobspecUpdates(this.jobspec(), updates);
    const R = this.R();
    return R === undefined ? undefined : applyResourceUpdates(R, updates);
  }

  run(): JobRun | undefined {
    if (this.runCache === undefined) {
      this.runCache = jobRun({ store: this.store, slot: this.slot, eventlog: this.eventlog(), jobspec: this.jobspec(), encodeId }) ?? null;
    }
    return this.runCache ?? undefined;
  }

  /** The guest documents, or undefined for a job that never started. */
  guest(): GuestDocuments | undefined {
    if (this.guestCache === undefined) {
      const run = this.run();
      this.guestCache = run === undefined ? null : guestDocuments(run);
    }
    return this.guestCache ?? undefined;
  }

  /**
   * Whether the job's guest namespace is gone (its guest logs will not grow). For recorded
   * details: once the job has finished, since Flux removes the namespace just before finish.
   */
  guestComplete(): boolean {
    if (this.recorded !== undefined) return this.eventlog().some((e) => e.name === 'finish' || e.name === 'clean');
    return this.guest()?.complete === true;
  }

  /** Whether the job's last release has been posted (its guest namespace is back in the main one). */
  released(): boolean {
    return this.eventlog().some((e) => e.name === 'release' && isJsonObject(e.context) && e.context.final === true);
  }

  started(): boolean {
    return this.eventlog().some((e) => e.name === 'start');
  }

  inactive(): boolean {
    return this.eventlog().some((e) => e.name === 'clean');
  }

  /**
   * The entries of an eventlog-like value under `path` (eventlog, guest.exec.eventlog,
   * guest.output, guest.input), or undefined for any other path.
   */
  entries(path: readonly string[]): EventlogEntry[] | undefined {
    if (path.length === 1 && path[0] === 'eventlog') return this.eventlog();
    if (path[0] !== 'guest') return undefined;
    const guest = this.guest();
    if (guest === undefined) return undefined;
    if (path.length === 3 && path[1] === 'exec' && path[2] === 'eventlog') return guest.exec;
    const log = path.length === 2 ? GUEST_LOGS[path[1] as string] : undefined;
    if (log === undefined) return undefined;
    // The shell creates its logs when it starts; before that there is no key.
    return guest[log].length > 0 ? guest[log] : undefined;
  }

  /** What the KVS holds at `path` (components under the job's directory). */
  lookup(path: readonly string[]): KvsLookup {
    if (path.length === 0) return { kind: 'directory' };
    if (this.recorded !== undefined) return recordedLookup(this.recorded, path, () => this.started());
    const [top, ...rest] = path as [string, ...string[]];
    const value = (text: string | undefined): KvsLookup => {
      if (text === undefined) return { kind: 'missing' };
      return rest.length === 0 ? { kind: 'value', text } : { kind: 'not-directory' };
    };
    switch (top) {
      case 'eventlog':
        return value(encodeEventlog(this.eventlog()));
      case 'jobspec':
        return value(dumpJansson(this.jobspec(), { compact: true, isReal: isFluxReal }));
      case 'J':
        return value(signedNone(this.userid, dumpJansson(this.jobspec(), { compact: true, isReal: isFluxReal })));
      case 'R': {
        const R = this.R();
        return value(R === undefined ? undefined : dumpJansson(R, { compact: false, isReal: isFluxReal, reals: 'shortest' }));
      }
      case 'guest':
        return this.guestLookup(rest);
      default:
        return { kind: 'missing' };
    }
  }

  private guestLookup(path: readonly string[]): KvsLookup {
    const guest = this.guest();
    if (guest === undefined) return { kind: 'missing' };
    if (path.length === 0) return { kind: 'directory' };
    const [name, ...rest] = path as [string, ...string[]];
    if (name === 'exec') {
      if (rest.length === 0) return { kind: 'directory' };
      if (rest[0] !== 'eventlog') return { kind: 'missing' };
      return rest.length === 1 ? { kind: 'value', text: encodeEventlog(guest.exec) } : { kind: 'not-directory' };
    }
    const log = GUEST_LOGS[name];
    if (log === undefined || guest[log].length === 0) return { kind: 'missing' };
    return rest.length === 0 ? { kind: 'value', text: encodeEventlog(guest[log]) } : { kind: 'not-directory' };
  }
}

/** What a recorded key holds: its text, or cut, or (for a key the snapshot records) missing. */
function recordedValue(recorded: RecordedJobDetails, key: DetailKey, rest: readonly string[]): KvsLookup {
  const text = recorded.texts[key];
  if (text === undefined) return recorded.cut.includes(key) ? { kind: 'cut' } : { kind: 'missing' };
  return rest.length === 0 ? { kind: 'value', text } : { kind: 'not-directory' };
}

/** Whether any of `keys` was there in the source (recorded or cut). */
function hadAny(recorded: RecordedJobDetails, keys: readonly DetailKey[]): boolean {
  return keys.some((key) => recorded.texts[key] !== undefined || recorded.cut.includes(key));
}

/** The KVS of a job as recorded by snapshot --details; `started` tells whether it has a guest directory. */
function recordedLookup(recorded: RecordedJobDetails, path: readonly string[], started: () => boolean): KvsLookup {
  const [top, ...rest] = path as [string, ...string[]];
  switch (top) {
    case 'eventlog':
    case 'jobspec':
    case 'R':
      return recordedValue(recorded, top, rest);
    case 'J':
      return rest.length === 0 ? { kind: 'unrecorded' } : { kind: 'not-directory' };
    case 'guest': {
      if (!hadAny(recorded, ['guest.exec.eventlog', 'guest.output']) && !started()) return { kind: 'missing' };
      if (rest.length === 0) return { kind: 'directory' };
      const [name, ...below] = rest as [string, ...string[]];
      if (name === 'output') return recordedValue(recorded, 'guest.output', below);
      if (name === 'input') return below.length === 0 ? { kind: 'unrecorded' } : { kind: 'not-directory' };
      if (name !== 'exec' || !hadAny(recorded, ['guest.exec.eventlog'])) return { kind: 'missing' };
      if (below.length === 0) return { kind: 'directory' };
      if (below[0] !== 'eventlog') return { kind: 'missing' };
      return recordedValue(recorded, 'guest.exec.eventlog', below.slice(1));
    }
    default:
      return { kind: 'missing' };
  }
}

/** jobspec or R text re-encoded as job-info does for CURRENT: ", " separators. */
export function currentText(value: Json): string {
  return dumpJansson(value, { compact: false, isReal: isFluxReal });
}
