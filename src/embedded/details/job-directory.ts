/**
 * One job's KVS directory (`job.<dothex>`) as job-info reads it: `eventlog`, `jobspec`, `J`,
 * `R` once allocated, and once the job has started a `guest` directory with `exec.eventlog`,
 * `output` and `input` (what exists of them by the horizon while the job runs). Every value is
 * composed when asked for, from the store's record; nothing here outlives the request.
 */
import { encodeJobId, type JobIdEncoding } from '../../flux/jobid';
import type { EventlogEntry } from '../../flux/jobspec';
import type { Json, JsonObject } from '../../flux/json';
import { isJsonObject } from '../store/json-value';
import type { JobStore } from '../store/job-store';
import { encodeEventlog, isFluxReal } from './eventlog-text';
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
  | { kind: 'not-directory' };

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

  constructor(
    private readonly store: JobStore,
    readonly slot: number,
    private readonly owner: number,
  ) {}

  get id(): bigint {
    return this.store.jobs.id(this.slot);
  }

  /** The submit userid: the job's owner for access checks. */
  get userid(): number {
    return this.store.jobs.userid[this.slot] as number;
  }

  eventlog(): EventlogEntry[] {
    return (this.eventlogCache ??= mainEventlog(this.store, this.slot, this.owner));
  }

  /** The stored (redacted) jobspec; callers get their own copy. */
  jobspec(): Json {
    this.jobspecCache ??= jobspecDocument(this.store, this.slot);
    return structuredClone(this.jobspecCache);
  }

  R(): JsonObject | undefined {
    return resourceSetDocument(this.store, this.slot);
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

/** jobspec or R text re-encoded as job-info does for CURRENT: ", " separators. */
export function currentText(value: Json): string {
  return dumpJansson(value, { compact: false, isReal: isFluxReal });
}
