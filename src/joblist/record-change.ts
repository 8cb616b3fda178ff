/**
 * What changed in a job between two job-list records of it, named as the RFC 21 event that
 * made the change. Flux keeps no history in job-list: when several events happened between
 * the two records only the last one that the records reveal can be named (a job that went
 * from SCHED to INACTIVE is one "clean"), and the record itself shows the rest.
 */
import { JobState } from '../flux/constants';
import type { Json } from '../flux/json';
import type { JobRecord } from './job-record';

export interface RecordChange {
  /** The RFC 21 event: submit, validate, depend, priority, alloc, exception, finish, clean, urgency, memo, ... */
  readonly event: string;
  /** When it happened (Unix seconds): from the record when it says, else the time the record was read. */
  readonly timestamp: number;
}

/** The event that enters each state, and the attribute where job-list keeps when it did. */
const STATE_ENTRY: ReadonlyMap<number, { readonly event: string; readonly at: string }> = new Map([
  [JobState.DEPEND, { event: 'validate', at: 't_depend' }],
  [JobState.PRIORITY, { event: 'depend', at: 't_priority' }],
  [JobState.SCHED, { event: 'priority', at: 't_sched' }],
  [JobState.RUN, { event: 'alloc', at: 't_run' }],
  [JobState.CLEANUP, { event: 'finish', at: 't_cleanup' }],
  [JobState.INACTIVE, { event: 'clean', at: 't_inactive' }],
]);

/** The attributes job-list derives from the jobspec, which only a jobspec-update changes after validate. */
const JOBSPEC_ATTRS = ['name', 'cwd', 'queue', 'project', 'bank', 'duration', 'ntasks', 'ncores', 'nnodes'] as const;

interface SameStateRule {
  readonly attrs: readonly string[];
  readonly event: (previous: JobRecord, current: JobRecord) => string;
}

/**
 * Changes a job can go through without changing state, in the order they follow one another
 * in an eventlog (an urgency is followed by a priority, which the scheduler may annotate); when
 * several are seen at once the last rule that applies names the change.
 */
const SAME_STATE_RULES: readonly SameStateRule[] = [
  { attrs: JOBSPEC_ATTRS, event: () => 'jobspec-update' },
  { attrs: ['dependencies'], event: dependencyEvent },
  { attrs: ['urgency'], event: () => 'urgency' },
  { attrs: ['priority'], event: () => 'priority' },
  { attrs: ['expiration', 'ranks', 'nodelist'], event: () => 'resource-update' },
  { attrs: ['annotations'], event: annotationsEvent },
  { attrs: ['exception_occurred', 'exception_type', 'exception_severity', 'exception_note'], event: () => 'exception' },
  { attrs: ['waitstatus'], event: () => 'finish' },
];

/** Deep equality of JSON values, objects compared regardless of key order. */
export function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => sameJson(item, b[index]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameJson(a[key], b[key]));
}

function differs(previous: JobRecord, current: JobRecord, attrs: readonly string[]): boolean {
  return attrs.some((attr) => !sameJson(previous[attr], current[attr]));
}

function stringsOf(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Dependencies are only added at first and removed as they are satisfied, so any removal is the later event. */
function dependencyEvent(previous: JobRecord, current: JobRecord): string {
  const now = new Set(stringsOf(current.dependencies));
  return stringsOf(previous.dependencies).some((description) => !now.has(description)) ? 'dependency-remove' : 'dependency-add';
}

function objectOrEmpty(value: Json | undefined): { readonly [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

/** User annotations come only from memo events; anything else (the scheduler's) from annotations events. */
function annotationsEvent(previous: JobRecord, current: JobRecord): string {
  const before = objectOrEmpty(previous.annotations);
  const after = objectOrEmpty(current.annotations);
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed = [...keys].filter((key) => !sameJson(before[key], after[key]));
  return changed.length > 0 && changed.every((key) => key === 'user') ? 'memo' : 'annotations';
}

function timeOf(record: JobRecord, attr: string): number | undefined {
  const value = record[attr];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * A job enters CLEANUP either by finishing or by a fatal exception. job-list shows the
 * exception only once the job is inactive, but waitstatus as soon as finish is posted: without
 * it the job got there by the exception; with it, finish came (after the exception, if any).
 */
function cleanupEvent(current: JobRecord): string {
  return current.waitstatus === undefined ? 'exception' : 'finish';
}

/** The change of a job seen in a new state (or for the first time, in that state). */
function stateEntered(previous: JobRecord | undefined, current: JobRecord, readAt: number): RecordChange {
  const state = current.state as number;
  if (previous === undefined && (state === JobState.NEW || state === JobState.DEPEND)) {
    return { event: 'submit', timestamp: timeOf(current, 't_submit') ?? readAt };
  }
  if (previous !== undefined && previous.state === JobState.SCHED && state === JobState.PRIORITY) {
    // Falling back to PRIORITY keeps the first t_priority: the record cannot say when.
    const event = differs(previous, current, JOBSPEC_ATTRS) ? 'jobspec-update' : 'urgency';
    return { event, timestamp: readAt };
  }
  const entry = STATE_ENTRY.get(state);
  if (entry === undefined) return { event: 'submit', timestamp: timeOf(current, 't_submit') ?? readAt };
  const event = state === JobState.CLEANUP ? cleanupEvent(current) : entry.event;
  const at = timeOf(current, entry.at);
  // t_priority and t_sched keep their first value when the state is entered again.
  const fresh = at !== undefined && (previous === undefined || timeOf(previous, entry.at) !== at);
  return { event, timestamp: fresh ? at : readAt };
}

/**
 * What changed from `previous` (undefined: the job was not seen before) to `current`, or
 * undefined when nothing a client could notice did. `readAt` is when `current` was read (Unix
 * seconds), the timestamp of changes whose time the record does not keep.
 */
export function recordChange(previous: JobRecord | undefined, current: JobRecord, readAt: number): RecordChange | undefined {
  if (previous === undefined || previous.state !== current.state) return stateEntered(previous, current, readAt);
  let event: string | undefined;
  for (const rule of SAME_STATE_RULES) {
    if (differs(previous, current, rule.attrs)) event = rule.event(previous, current);
  }
  return event === undefined ? undefined : { event, timestamp: readAt };
}
