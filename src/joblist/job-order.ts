/**
 * Flux's job order, as job-list lists jobs: pending (priority descending, then ID), running
 * (t_run descending; jobs that never ran last), inactive (t_inactive descending, then ID
 * descending). This module places a job in that order and writes the constraints that select
 * the jobs after or before a position.
 */
import { StateMask, JobState } from '../flux/constants';
import type { JsonObject } from '../flux/json';
import type { JobRecord } from './job-record';

export type JobClass = 'pending' | 'running' | 'inactive';

/**
 * A position in Flux's order, as a cursor stores it:
 * - pending:  an offset within the (filtered) pending jobs, since their order (priority) has
 *             no key a constraint can express;
 * - running:  t_run of the job (null for a job that reached CLEANUP without running), its ID
 *             and the IDs passed so far that share that t_run (Flux orders such ties by
 *             insertion, which nothing in a job shows, so the position remembers them);
 * - inactive: t_inactive of the job and its ID (Flux orders ties by ID, descending), plus how
 *             many jobs passed so far share that t_inactive (a hint for the next request's size).
 */
export type OrderPosition =
  | { kind: 'pending'; offset: number }
  | { kind: 'running'; key: number | null; id: bigint; ties: bigint[] }
  | { kind: 'inactive'; key: number; id: bigint; tieCount: number };

const CLASS_RANK: Readonly<Record<JobClass, number>> = { pending: 0, running: 1, inactive: 2 };

/** The attributes needed to place a job in the order (and so to write its cursor). */
export const POSITION_ATTRS: readonly string[] = ['state', 't_run', 't_inactive'];

/** A listed job with its place in the order. */
export interface PositionedJob {
  record: JobRecord;
  cls: JobClass;
  /** Index among the pending jobs of the listing (pending only). */
  offset: number;
  /** t_run (running; null if it never ran) or t_inactive (inactive); null for pending. */
  key: number | null;
}

export function classOfState(state: number): JobClass | undefined {
  if ((state & StateMask.PENDING) !== 0) return 'pending';
  if ((state & StateMask.RUNNING) !== 0) return 'running';
  if (state === JobState.INACTIVE) return 'inactive';
  return undefined;
}

function numberAttr(record: JobRecord, attr: string): number | null {
  const value = record[attr];
  return typeof value === 'number' ? value : null;
}

/**
 * Places the jobs of one listing that started at the head of Flux's order (so pending
 * offsets are indexes among its pending jobs, counted from `firstPendingOffset`).
 */
export function positionJobs(records: readonly JobRecord[], firstPendingOffset = 0): PositionedJob[] {
  let pendingSeen = 0;
  return records.map((record) => {
    const state = record['state'];
    const cls = typeof state === 'number' ? classOfState(state) : undefined;
    if (cls === undefined) {
      throw new Error(`job ${record.id} has no listable state (got ${String(state)}); was "state" requested?`);
    }
    if (cls === 'pending') return { record, cls, offset: firstPendingOffset + pendingSeen++, key: null };
    const key = numberAttr(record, cls === 'running' ? 't_run' : 't_inactive');
    return { record, cls, offset: 0, key };
  });
}

/**
 * Compares a job's place with a cursor's: negative when the job comes before the cursor's
 * position, 0 at it, positive after it. (Running ties the cursor has not seen count as after.)
 */
export function compareToCursor(job: PositionedJob, cursor: OrderPosition): number {
  const byClass = CLASS_RANK[job.cls] - CLASS_RANK[cursor.kind];
  if (byClass !== 0) return byClass;
  switch (cursor.kind) {
    case 'pending':
      return job.offset - cursor.offset;
    case 'running': {
      const byKey = compareKeysDescending(job.key, cursor.key);
      if (byKey !== 0) return byKey;
      if (job.record.id === cursor.id) return 0;
      return cursor.ties.includes(job.record.id) ? -1 : 1;
    }
    case 'inactive': {
      const byKey = compareKeysDescending(job.key, cursor.key);
      if (byKey !== 0) return byKey;
      if (job.record.id === cursor.id) return 0;
      return job.record.id > cursor.id ? -1 : 1;
    }
  }
}

/** Order of sort keys in a list sorted descending, with a missing key (never ran) last. */
function compareKeysDescending(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a > b ? -1 : 1;
}

const NEVER_RAN: JsonObject = { not: [{ t_run: ['>=0'] }] };

function states(mask: number): JsonObject {
  return { states: [mask] };
}

function atMost(attr: string, key: number): JsonObject {
  return { [attr]: [`<=${key}`] };
}

function atLeast(attr: string, key: number): JsonObject {
  return { [attr]: [`>=${key}`] };
}

/**
 * Jobs at or after a cursor's position, in order, plus every later class. The caller drops
 * the jobs at or before the position that share its key (at most the cursor's ties).
 */
export function fromCursorConstraint(cursor: OrderPosition): JsonObject | undefined {
  switch (cursor.kind) {
    case 'pending':
      return undefined; // offsets: list from the head and skip
    case 'running': {
      const running =
        cursor.key === null
          ? { and: [states(StateMask.RUNNING), NEVER_RAN] }
          : { and: [states(StateMask.RUNNING), { or: [atMost('t_run', cursor.key), NEVER_RAN] }] };
      return { or: [running, states(JobState.INACTIVE)] };
    }
    case 'inactive':
      return { and: [states(JobState.INACTIVE), atMost('t_inactive', cursor.key)] };
  }
}

/** Jobs at or before a cursor's position, in order; the caller drops those after it that share its key. */
export function upToCursorConstraint(cursor: OrderPosition): JsonObject | undefined {
  switch (cursor.kind) {
    case 'pending':
      return states(StateMask.PENDING);
    case 'running':
      return {
        or: [
          states(StateMask.PENDING),
          cursor.key === null
            ? states(StateMask.RUNNING)
            : { and: [states(StateMask.RUNNING), atLeast('t_run', cursor.key)] },
        ],
      };
    case 'inactive':
      return {
        or: [states(StateMask.ACTIVE), { and: [states(JobState.INACTIVE), atLeast('t_inactive', cursor.key)] }],
      };
  }
}

/** The jobs of one class whose keys lie within [low, high] (null: the running jobs that never ran). */
export function keyRangeConstraint(cls: 'running' | 'inactive', keys: readonly (number | null)[]): JsonObject {
  const numeric = keys.filter((key): key is number => key !== null);
  const attr = cls === 'running' ? 't_run' : 't_inactive';
  const parts: JsonObject[] = [];
  if (numeric.length > 0) {
    parts.push({ and: [atLeast(attr, Math.min(...numeric)), atMost(attr, Math.max(...numeric))] });
  }
  if (numeric.length < keys.length) parts.push(NEVER_RAN);
  const mask = cls === 'running' ? StateMask.RUNNING : JobState.INACTIVE;
  return { and: [states(mask), parts.length === 1 ? (parts[0] as JsonObject) : { or: parts }] };
}
