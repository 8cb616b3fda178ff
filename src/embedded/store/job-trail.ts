/**
 * What a job-list record leaves out of a job's documents, kept so that the job's eventlog and
 * jobspec can be written out again on demand exactly as the instance received them, without
 * storing them as text.
 *
 * Most eventlog entries are the once-only events of RFC 21 (submit, validate, depend, the first
 * priority, alloc, start, finish, release, free, clean) with the contexts the job manager always
 * gives them. For those the record holds everything but a few timestamps and values, which get
 * their own columns (tStart, tFinish, ..., see job-table.ts). Every other entry (dependencies,
 * urgency changes, memos, exceptions, later priorities, updates, restarts, or a once-only event
 * in an unusual form) is kept verbatim, with its position, in a per-job list: a minority of jobs,
 * with a few entries each.
 *
 * R is the one the record implies (see implied-resource-set.ts) unless the one given at alloc
 * differs, which is then kept too.
 *
 * The jobspec is kept as two interned texts: its resources and tasks, and the rest of it
 * (attributes without the dependencies, the version). Both repeat across jobs (a 100,000-job
 * workload has a few hundred distinct requests), so each costs a column cell per job; the
 * dependencies, which name other jobs, are kept per job.
 */
import { isDeepStrictEqual } from 'node:util';
import type { EventlogEntry } from '../../flux/jobspec';
import type { Json, JsonObject } from '../../flux/json';
import { stringifyJson } from '../../flux/json';
import { impliedResourceSet } from './implied-resource-set';
import { cloneJson, isJsonObject } from './json-value';
import type { JobTable } from './job-table';

/** The once-only events the columns reproduce, in the order RFC 21 posts them. */
export const TRAIL_EVENTS = ['submit', 'validate', 'depend', 'priority', 'alloc', 'start', 'finish', 'release', 'free', 'clean'] as const;
export type TrailEventName = (typeof TRAIL_EVENTS)[number];

const TRAIL_INDEX: ReadonlyMap<string, number> = new Map(TRAIL_EVENTS.map((name, i) => [name, i]));

/** Events the job manager sends its journal but never writes to the job's eventlog. */
const JOURNAL_ONLY: ReadonlySet<string> = new Set(['annotations', 'invalidate']);

/** An entry the columns cannot reproduce, and its index in the job's eventlog. */
export interface TrailEntry {
  readonly position: number;
  readonly entry: EventlogEntry;
}

interface Extras {
  entries?: TrailEntry[];
  /** The jobspec's attributes.system.dependencies, as given. */
  dependencies?: Json;
  /** R's expiration before the first resource-update changed the record's. */
  baseExpiration?: number;
  /** The R given at alloc, when it is not the one the record implies (implied-resource-set.ts). */
  R?: JsonObject;
}

/** JSON text to intern: native JSON for plain values (fast), the exact writer when bigints are in it. */
function textOf(value: Json): string {
  try {
    return JSON.stringify(value);
  } catch {
    return stringifyJson(value);
  }
}

/** Numbers a context may hold in a column: integers a double carries exactly. */
function isSafeInteger(value: Json | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function hasKeys(context: JsonObject, keys: readonly string[]): boolean {
  const own = Object.keys(context);
  return own.length === keys.length && own.every((key, i) => key === keys[i]);
}

export class JobTrail {
  private readonly extras = new Map<number, Extras>();

  constructor(private readonly jobs: JobTable) {}

  /** Records the jobspec a job was submitted with (redacted: without the environment). */
  noteJobspec(slot: number, jobspec: Json | undefined): void {
    const t = this.jobs;
    if (!isJsonObject(jobspec)) {
      if (jobspec !== undefined) t.jobspecRest[slot] = t.strings.intern(textOf(jobspec));
      return;
    }
    const rest: JsonObject = {};
    let dependencies: Json | undefined;
    for (const key of Object.keys(jobspec)) {
      if (key === 'resources' || key === 'tasks') continue;
      const value = jobspec[key] as Json;
      if (key === 'attributes' && isJsonObject(value) && isJsonObject(value.system)) {
        const system: JsonObject = {};
        for (const name of Object.keys(value.system)) {
          if (name === 'environment') continue;
          if (name === 'dependencies') dependencies = value.system[name];
          else system[name] = value.system[name] as Json;
        }
        rest[key] = { ...value, system };
      } else {
        rest[key] = value;
      }
    }
    t.jobspecRequest[slot] = t.strings.intern(textOf([jobspec.resources ?? null, jobspec.tasks ?? null]));
    t.jobspecRest[slot] = t.strings.intern(textOf(rest));
    if (dependencies !== undefined) this.extrasOf(slot).dependencies = cloneJson(dependencies);
  }

  /** Called before the store applies `entry`: keeps what the entry is about to overwrite. */
  beforeEvent(slot: number, entry: EventlogEntry): void {
    if (entry.name === 'resource-update') this.extrasOf(slot).baseExpiration ??= this.jobs.expiration[slot] as number;
  }

  /** Called once the store has applied `entry` to the record; `R` is the job's R for an alloc. */
  noteEvent(slot: number, entry: EventlogEntry, R?: Json): void {
    if (JOURNAL_ONLY.has(entry.name)) return;
    this.noteEntry(slot, entry);
    if (entry.name === 'alloc' && isJsonObject(R)) {
      const t = this.jobs;
      const implied = impliedResourceSet(t, slot, t.allocAnnotations[slot] as number, t.expiration[slot] as number);
      if (!isDeepStrictEqual(implied, R)) this.extrasOf(slot).R = cloneJson(R);
    }
  }

  private noteEntry(slot: number, entry: EventlogEntry): void {
    const t = this.jobs;
    const position = t.eventCount[slot] as number;
    t.eventCount[slot] = position + 1;
    const index = TRAIL_INDEX.get(entry.name);
    const seen = t.trailEvents[slot] as number;
    // A once-only event goes to the columns if no later one came before it and the record
    // (with the columns) gives back exactly this entry.
    if (index !== undefined && seen >>> index === 0 && this.fitsColumns(slot, entry, index)) {
      t.trailEvents[slot] = seen | (1 << index);
      return;
    }
    const extras = this.extrasOf(slot);
    const context = entry.context === undefined ? undefined : cloneJson(entry.context);
    const copy: EventlogEntry = context === undefined ? { timestamp: entry.timestamp, name: entry.name } : { timestamp: entry.timestamp, name: entry.name, context };
    (extras.entries ??= []).push({ position, entry: copy });
  }

  /** Stores the values of a once-only entry in the columns, if they hold it exactly. */
  private fitsColumns(slot: number, entry: EventlogEntry, index: number): boolean {
    const t = this.jobs;
    const ts = entry.timestamp;
    const ctx = entry.context;
    switch (TRAIL_EVENTS[index]) {
      case 'submit': {
        if (ctx === undefined || !hasKeys(ctx, ['userid', 'urgency', 'flags', 'version'])) return false;
        const { userid, urgency, flags, version } = ctx;
        if (!isSafeInteger(userid) || !isSafeInteger(urgency) || !isSafeInteger(flags) || !isSafeInteger(version)) return false;
        if (userid !== t.userid[slot] || urgency !== t.urgency[slot] || version !== t.submitVersion[slot]) return false;
        if (urgency < 0 || urgency > 255 || flags < 0 || flags > 255) return false;
        if (t.tSubmit[slot] !== ts) return false;
        t.submitUrgency[slot] = urgency;
        t.submitFlags[slot] = flags;
        return true;
      }
      case 'validate':
        return ctx === undefined && t.tDepend[slot] === ts;
      case 'depend':
        return ctx === undefined && t.tPriority[slot] === ts;
      case 'priority': {
        if (ctx === undefined || !hasKeys(ctx, ['priority']) || !isSafeInteger(ctx.priority) || t.tSched[slot] !== ts) return false;
        if (ctx.priority < 0 || ctx.priority > 0xffffffff) return false;
        t.firstPriority[slot] = ctx.priority;
        return true;
      }
      case 'alloc': {
        if (t.tRun[slot] !== ts) return false;
        if (ctx === undefined) {
          t.allocAnnotations[slot] = 0;
          return true;
        }
        if (!hasKeys(ctx, ['annotations'])) return false;
        t.allocAnnotations[slot] = t.strings.intern(textOf(ctx.annotations as Json));
        return true;
      }
      case 'start':
        if (ctx !== undefined) return false;
        t.tStart[slot] = ts;
        return true;
      case 'finish':
        if (ctx === undefined || !hasKeys(ctx, ['status']) || !isSafeInteger(ctx.status) || ctx.status !== t.waitstatus[slot]) return false;
        t.tFinish[slot] = ts;
        return true;
      case 'release':
        if (ctx === undefined || !hasKeys(ctx, ['ranks', 'final']) || ctx.ranks !== 'all' || ctx.final !== true) return false;
        t.tRelease[slot] = ts;
        return true;
      case 'free':
        if (ctx !== undefined) return false;
        t.tFree[slot] = ts;
        return true;
      case 'clean':
        return ctx === undefined && t.tInactive[slot] === ts;
      default:
        return false;
    }
  }

  /** The entries kept verbatim, by position. */
  entries(slot: number): readonly TrailEntry[] {
    return this.extras.get(slot)?.entries ?? [];
  }

  /** The jobspec's dependencies as submitted, if it had any. */
  dependencies(slot: number): Json | undefined {
    return this.extras.get(slot)?.dependencies;
  }

  /** R's expiration as the scheduler set it, when a resource-update changed it since. */
  baseExpiration(slot: number): number | undefined {
    return this.extras.get(slot)?.baseExpiration;
  }

  /** The R given at alloc when the record does not imply it. */
  resourceSet(slot: number): JsonObject | undefined {
    return this.extras.get(slot)?.R;
  }

  /** Jobs with something kept beyond the columns. */
  get size(): number {
    return this.extras.size;
  }

  forget(slot: number): void {
    this.extras.delete(slot);
  }

  private extrasOf(slot: number): Extras {
    let extras = this.extras.get(slot);
    if (extras === undefined) this.extras.set(slot, (extras = {}));
    return extras;
  }
}
