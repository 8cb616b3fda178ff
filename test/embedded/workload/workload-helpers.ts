/**
 * Test helpers for the workload generator: an RFC 21 eventlog checker that
 * also replays the job's state and result the way job-list derives them.
 */
import type { EventlogEntry } from '../../../src/flux/jobspec';
import type { JsonObject } from '../../../src/flux/json';
import type { JobDocuments } from '../../../src/embedded/store/job-documents';
import { stringifyJson } from '../../../src/flux/json';
import type { Json } from '../../../src/flux/json';
import { createHash } from 'node:crypto';

export type StateName = 'NEW' | 'DEPEND' | 'PRIORITY' | 'SCHED' | 'RUN' | 'CLEANUP' | 'INACTIVE';
export type ResultName = 'COMPLETED' | 'FAILED' | 'CANCELED' | 'TIMEOUT';

export interface Replay {
  state: StateName;
  result: ResultName | null;
  urgency: number;
  priority: number | null;
  allocated: boolean;
  started: boolean;
  finishStatus: number | null;
  /** The first fatal exception, if any. */
  fatal: JsonObject | null;
  /** Dependencies still outstanding. */
  dependencies: string[];
  /** Every dependency ever added. */
  added: string[];
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/**
 * Replays an eventlog, throwing an Error that names the job and event on any
 * deviation from RFC 21 (order, contexts, timestamps).
 */
export function replayEventlog(eventlog: readonly EventlogEntry[], label = 'job'): Replay {
  const fail = (i: number, why: string): never => {
    throw new Error(`${label}: event ${i} (${eventlog[i]?.name ?? 'none'}): ${why}`);
  };
  if (eventlog.length === 0) fail(0, 'eventlog is empty');
  const replay: Replay = {
    state: 'NEW',
    result: null,
    urgency: -1,
    priority: null,
    allocated: false,
    started: false,
    finishStatus: null,
    fatal: null,
    dependencies: [],
    added: [],
  };
  let released = false;
  let freed = false;
  let lastTime = -Infinity;
  let prev: EventlogEntry | undefined;
  eventlog.forEach((entry, i) => {
    const ctx = (entry.context ?? {}) as JsonObject;
    if (typeof entry.timestamp !== 'number' || !Number.isFinite(entry.timestamp)) fail(i, 'timestamp is not a finite number');
    if (entry.timestamp < lastTime) fail(i, `timestamp ${entry.timestamp} goes back from ${lastTime}`);
    lastTime = entry.timestamp;
    if (i === 0 && entry.name !== 'submit') fail(i, 'the first event must be submit');
    if (replay.state === 'INACTIVE') fail(i, 'no event may follow clean');
    const s = replay.state;
    switch (entry.name) {
      case 'submit':
        if (i !== 0) fail(i, 'submit must come first and only once');
        if (Object.keys(ctx).join(',') !== 'userid,urgency,flags,version') fail(i, `context keys ${Object.keys(ctx).join(',')}`);
        if (!isInt(ctx.userid) || !isInt(ctx.urgency) || ctx.urgency < 0 || ctx.urgency > 31 || ctx.flags !== 0 || ctx.version !== 1) {
          fail(i, `bad context ${JSON.stringify(ctx)}`);
        }
        replay.urgency = ctx.urgency as number;
        break;
      case 'dependency-add': {
        if (s !== 'NEW' && s !== 'DEPEND') fail(i, `not allowed in ${s}`);
        const d = ctx.description;
        if (typeof d !== 'string' || d === '') fail(i, 'description missing');
        replay.dependencies.push(d as string);
        replay.added.push(d as string);
        break;
      }
      case 'validate':
        if (s !== 'NEW') fail(i, `not allowed in ${s}`);
        if (entry.context !== undefined) fail(i, 'validate has no context');
        replay.state = 'DEPEND';
        break;
      case 'dependency-remove': {
        if (s !== 'DEPEND') fail(i, `not allowed in ${s}`);
        const at = replay.dependencies.indexOf(ctx.description as string);
        if (at < 0) fail(i, `removes ${String(ctx.description)}, which is not outstanding`);
        replay.dependencies.splice(at, 1);
        break;
      }
      case 'depend':
        if (s !== 'DEPEND') fail(i, `not allowed in ${s}`);
        if (replay.dependencies.length > 0) fail(i, `dependencies still outstanding: ${replay.dependencies.join(' ')}`);
        replay.state = 'PRIORITY';
        break;
      case 'priority':
        if (s !== 'PRIORITY' && s !== 'SCHED') fail(i, `not allowed in ${s}`);
        if (!isInt(ctx.priority) || ctx.priority < 0 || ctx.priority > 4294967295) fail(i, `bad priority ${String(ctx.priority)}`);
        replay.priority = ctx.priority as number;
        replay.state = 'SCHED';
        break;
      case 'urgency':
        if (s !== 'DEPEND' && s !== 'PRIORITY' && s !== 'SCHED') fail(i, `not allowed in ${s}`);
        if (!isInt(ctx.urgency) || !isInt(ctx.userid)) fail(i, `bad context ${JSON.stringify(ctx)}`);
        replay.urgency = ctx.urgency as number;
        if (s === 'SCHED') replay.state = 'PRIORITY';
        break;
      case 'annotations':
        if (typeof ctx.annotations !== 'object') fail(i, 'annotations context missing');
        break;
      case 'alloc':
        if (s !== 'SCHED') fail(i, `not allowed in ${s}`);
        if (prev?.name !== 'annotations' || prev.timestamp !== entry.timestamp) fail(i, 'the journal posts annotations right before alloc');
        replay.allocated = true;
        replay.state = 'RUN';
        break;
      case 'start':
        if (s !== 'RUN' || replay.started) fail(i, `not allowed in ${s}`);
        if (entry.context !== undefined) fail(i, 'start has no context');
        replay.started = true;
        break;
      case 'memo':
        if (s === 'NEW') fail(i, 'memo before validate');
        if (Object.keys(ctx).length === 0) fail(i, 'empty memo');
        break;
      case 'exception': {
        if (typeof ctx.type !== 'string' || !isInt(ctx.severity) || ctx.severity < 0 || ctx.severity > 7 || typeof ctx.note !== 'string') {
          fail(i, `bad context ${JSON.stringify(ctx)}`);
        }
        if (!isInt(ctx.userid)) fail(i, 'userid missing');
        if (ctx.severity === 0) {
          if (replay.fatal === null) replay.fatal = ctx;
          if (s !== 'CLEANUP') replay.state = 'CLEANUP';
        }
        break;
      }
      case 'finish':
        if (!replay.started || replay.finishStatus !== null) fail(i, 'finish needs a start and comes once');
        if (s !== 'RUN' && s !== 'CLEANUP') fail(i, `not allowed in ${s}`);
        if (!isInt(ctx.status) || ctx.status < 0) fail(i, `bad status ${String(ctx.status)}`);
        replay.finishStatus = ctx.status as number;
        replay.state = 'CLEANUP';
        break;
      case 'release':
        if (s !== 'CLEANUP' || !replay.allocated || replay.finishStatus === null) fail(i, 'release comes after finish');
        if (ctx.ranks !== 'all' || ctx.final !== true) fail(i, `bad context ${JSON.stringify(ctx)}`);
        released = true;
        break;
      case 'free':
        if (!released || freed) fail(i, 'free comes once, after the final release');
        freed = true;
        break;
      case 'clean':
        if (s !== 'CLEANUP') fail(i, `not allowed in ${s}`);
        if (replay.allocated && !freed) fail(i, 'clean before free');
        if (entry.context !== undefined) fail(i, 'clean has no context');
        replay.state = 'INACTIVE';
        break;
      default:
        fail(i, 'unknown event');
    }
    prev = entry;
  });
  if (replay.state === 'INACTIVE') {
    const success = replay.finishStatus === 0 && replay.fatal === null;
    if (success) replay.result = 'COMPLETED';
    else if (replay.fatal?.type === 'cancel') replay.result = 'CANCELED';
    else if (replay.fatal?.type === 'timeout') replay.result = 'TIMEOUT';
    else replay.result = 'FAILED';
  }
  return replay;
}

/** SHA-256 of the documents, serialised as Flux would put them on the wire. */
export function hashJobs(jobs: readonly JobDocuments[]): string {
  const hash = createHash('sha256');
  for (const job of jobs) hash.update(stringifyJson(job as unknown as Json)).update('\n');
  return hash.digest('hex');
}

export function submitTime(job: JobDocuments): number {
  return (job.eventlog[0] as EventlogEntry).timestamp;
}

export function findEvent(job: JobDocuments, name: string): EventlogEntry | undefined {
  return job.eventlog.find((e) => e.name === name);
}

/** Everything the sink has of one job, R included. */
export interface JobView {
  id: bigint;
  jobspec: JobDocuments['jobspec'];
  R?: JobDocuments['R'];
  eventlog: EventlogEntry[];
}

function expandIdset(text: string): number[] {
  const ids: number[] = [];
  for (const part of text.replace(/^\[|\]$/g, '').split(',')) {
    if (part === '') continue;
    const [lo, hi] = part.split('-').map(Number) as [number, number | undefined];
    for (let id = lo; id <= (hi ?? lo); id++) ids.push(id);
  }
  return ids;
}

/** (rank, core) and (rank, gpu) pairs a job holds. */
export function heldUnits(job: JobView): string[] {
  const units: string[] = [];
  for (const entry of job.R?.execution.R_lite ?? []) {
    for (const rank of expandIdset(entry.rank)) {
      for (const core of expandIdset(entry.children.core ?? '')) units.push(`${rank}/core${core}`);
      for (const gpu of expandIdset(entry.children.gpu ?? '')) units.push(`${rank}/gpu${gpu}`);
    }
  }
  return units;
}

/**
 * Throws if two jobs ever hold the same core or GPU at the same time (from
 * alloc to free; a job with no free yet holds its resources forever).
 */
export function assertNoDoubleBooking(jobs: readonly JobView[]): void {
  const byUnit = new Map<string, Array<[number, number, bigint]>>();
  for (const job of jobs) {
    const alloc = job.eventlog.find((e) => e.name === 'alloc');
    if (alloc === undefined) continue;
    const free = job.eventlog.find((e) => e.name === 'free');
    for (const unit of heldUnits(job)) {
      const list = byUnit.get(unit) ?? [];
      list.push([alloc.timestamp, free?.timestamp ?? Infinity, job.id]);
      byUnit.set(unit, list);
    }
  }
  for (const [unit, list] of byUnit) {
    list.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < list.length; i++) {
      const [, prevEnd, prevId] = list[i - 1] as [number, number, bigint];
      const [start, , id] = list[i] as [number, number, bigint];
      if (start < prevEnd) throw new Error(`${unit} is held by job ${prevId} until ${prevEnd} and by job ${id} from ${start}`);
    }
  }
}

export { expandIdset };
