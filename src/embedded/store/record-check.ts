/**
 * Checks one job record of a snapshot: an object exactly as job-list.list returns it for
 * attrs ["all"]. The checks are the invariants Flux's job-list service itself guarantees
 * (flux-core job_util.c), so a record that fails one did not come from Flux unaltered and
 * would make the embedded instance answer differently from the source instance.
 */
import { ALL_RESULTS_MASK, JOB_RESULT_NAME_BY_BIT, JOB_STATE_NAME_BY_BIT, JobResult, JobState } from '../../flux/constants';
import { HostlistError, hostlistCount } from '../../flux/hostlist';
import { IdsetError, parseIdsetRanges } from '../../flux/idset';
import type { Json, JsonObject } from '../../flux/json';
import { JOB_ATTRIBUTES, REAL_JOB_ATTRIBUTES, STATE_TIMESTAMP_ATTRIBUTE, type JobAttribute } from '../../flux/attribute-names';

/** The 32 attributes of job-list.list-attrs, in that order (the order "all" produces). */
export const JOB_LIST_ATTRIBUTES = JOB_ATTRIBUTES;
export type JobListAttribute = JobAttribute;

/** Attributes job-list writes as JSON reals; everything else numeric is an integer. */
export const REAL_ATTRIBUTES = REAL_JOB_ATTRIBUTES;

/** A validated record: `id` normalised to bigint, every other key one of JOB_LIST_ATTRIBUTES. */
export interface SnapshotJobRecord extends JsonObject {
  id: bigint;
}

const MAX_JOBID = (1n << 64n) - 1n;
const MAX_UINT32 = 0xffffffff;
const MAX_PRIORITY = 0xffffffff;
const MAX_URGENCY = 31;
const MAX_SEVERITY = 7;

const KNOWN: ReadonlySet<string> = new Set<string>(JOB_LIST_ATTRIBUTES);
const STATE_NAMES = JOB_STATE_NAME_BY_BIT;
const RESULT_NAMES = JOB_RESULT_NAME_BY_BIT;

/** The timestamp each state sets (a job in that state always shows it). */
const STATE_TIMESTAMP: ReadonlyMap<number, string> = STATE_TIMESTAMP_ATTRIBUTE;

/**
 * The least state (by bit value, the lifecycle order) a job showing each timestamp can be in.
 * t_sched keeps its first value when a job falls back from SCHED to PRIORITY.
 */
const TIMESTAMP_LEAST_STATE: ReadonlyArray<readonly [string, number]> = [
  ['t_priority', JobState.PRIORITY],
  ['t_sched', JobState.PRIORITY],
  ['t_run', JobState.RUN],
  ['t_cleanup', JobState.CLEANUP],
];

/** A record that breaks a rule; the caller adds where it is (file, index, id). */
export class RecordProblem extends Error {
  override readonly name: string = 'RecordProblem';
}

function describe(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'bigint') return `the integer ${value}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the real ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'boolean') return `${value}`;
  return 'an object';
}

function integerIn(record: JsonObject, key: string, min: number, max: number): number | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new RecordProblem(`"${key}" must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) {
    throw new RecordProblem(`"${key}" must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function realAtLeastZero(record: JsonObject, key: string): number | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') {
    throw new RecordProblem(`"${key}" must be a number (seconds), got ${describe(value)}`);
  }
  if (value < 0) throw new RecordProblem(`"${key}" must not be negative, got ${value}`);
  return value;
}

function string(record: JsonObject, key: string): string | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RecordProblem(`"${key}" must be a string, got ${describe(value)}`);
  return value;
}

function boolean(record: JsonObject, key: string): boolean | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new RecordProblem(`"${key}" must be true or false, got ${describe(value)}`);
  return value;
}

function requirePresent(record: JsonObject, key: string, why: string): void {
  if (record[key] === undefined) throw new RecordProblem(`"${key}" is missing (${why})`);
}

function requireAbsent(record: JsonObject, key: string, why: string): void {
  if (record[key] !== undefined) throw new RecordProblem(`"${key}" is present but ${why}`);
}

/**
 * Reads a record's `id` for error messages before the record is otherwise checked:
 * the id as text, or undefined when there is no usable id.
 */
export function peekJobId(value: Json | undefined): bigint | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const id = value.id;
  if (typeof id === 'bigint') return id >= 0n && id <= MAX_JOBID ? id : undefined;
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return BigInt(id);
  return undefined;
}

/**
 * Checks one record and returns it with `id` as a bigint (the same object, keys in the same
 * order). Throws RecordProblem naming the first rule broken.
 */
export function checkJobRecord(value: Json | undefined): SnapshotJobRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RecordProblem(`a job record must be a JSON object, got ${describe(value)}`);
  }
  const record = value;
  const id = record.id;
  if (id === undefined) throw new RecordProblem('"id" is missing');
  if (typeof id === 'number') {
    if (!Number.isInteger(id)) throw new RecordProblem(`"id" must be an integer, got ${describe(id)}`);
    // Integers up to 2^53 arrive as numbers; anything larger that is still a number was a real.
    if (!Number.isSafeInteger(id)) throw new RecordProblem(`"id" ${id} lost precision (write it as an exact integer)`);
  } else if (typeof id !== 'bigint') {
    throw new RecordProblem(`"id" must be an integer, got ${describe(id)}`);
  }
  const bigId = BigInt(id);
  if (bigId < 0n || bigId > MAX_JOBID) throw new RecordProblem(`"id" ${bigId} is not a 64-bit unsigned job ID`);

  for (const key of Object.keys(record)) {
    if (key !== 'id' && !KNOWN.has(key)) {
      throw new RecordProblem(`unknown attribute "${key}" (job-list has no such attribute)`);
    }
  }

  requirePresent(record, 'userid', 'job-list always reports it');
  requirePresent(record, 'urgency', 'job-list always reports it');
  requirePresent(record, 't_submit', 'job-list always reports it');
  requirePresent(record, 'state', 'job-list always reports it');

  integerIn(record, 'userid', 0, MAX_UINT32);
  integerIn(record, 'urgency', 0, MAX_URGENCY);
  integerIn(record, 'priority', 0, MAX_PRIORITY);
  for (const key of REAL_ATTRIBUTES) realAtLeastZero(record, key);

  const state = record.state;
  if (typeof state !== 'number' || !Number.isInteger(state)) {
    throw new RecordProblem(`"state" must be an integer, got ${describe(state)}`);
  }
  const stateName = STATE_NAMES.get(state);
  if (stateName === undefined) {
    throw new RecordProblem(`"state" ${state} is not a single job state bit (2 DEPEND … 64 INACTIVE)`);
  }
  if (state === JobState.NEW) throw new RecordProblem('"state" 1 (NEW): job-list never lists jobs in state NEW');

  for (const key of ['name', 'cwd', 'queue', 'project', 'bank', 'ranks', 'nodelist', 'exception_type', 'exception_note']) {
    string(record, key);
  }
  const ranks = record.ranks;
  if (typeof ranks === 'string') {
    try {
      parseIdsetRanges(ranks);
    } catch (error) {
      if (error instanceof IdsetError) throw new RecordProblem(`"ranks" ${JSON.stringify(ranks)} is not an RFC 22 idset: ${error.message}`);
      throw error;
    }
  }
  const nodelist = record.nodelist;
  if (typeof nodelist === 'string') {
    try {
      hostlistCount(nodelist);
    } catch (error) {
      if (error instanceof HostlistError) throw new RecordProblem(`"nodelist" is not an RFC 29 hostlist: ${error.message}`);
      throw error;
    }
  }
  for (const key of ['ntasks', 'ncores', 'nnodes']) integerIn(record, key, 0, Number.MAX_SAFE_INTEGER);
  integerIn(record, 'waitstatus', -0x80000000, 0x7fffffff);
  integerIn(record, 'exception_severity', 0, MAX_SEVERITY);
  const success = boolean(record, 'success');
  const exceptionOccurred = boolean(record, 'exception_occurred');

  const result = record.result;
  if (result !== undefined) {
    if (typeof result !== 'number' || !Number.isInteger(result)) {
      throw new RecordProblem(`"result" must be an integer, got ${describe(result)}`);
    }
    if (!RESULT_NAMES.has(result) || (result & ~ALL_RESULTS_MASK) !== 0) {
      throw new RecordProblem(`"result" ${result} is not a single result bit (1 COMPLETED, 2 FAILED, 4 CANCELED, 8 TIMEOUT)`);
    }
  }

  const annotations = record.annotations;
  if (annotations !== undefined && (annotations === null || typeof annotations !== 'object' || Array.isArray(annotations))) {
    throw new RecordProblem(`"annotations" must be an object, got ${describe(annotations)}`);
  }
  const dependencies = record.dependencies;
  if (dependencies !== undefined) {
    if (!Array.isArray(dependencies)) throw new RecordProblem(`"dependencies" must be an array of strings, got ${describe(dependencies)}`);
    dependencies.forEach((item, i) => {
      if (typeof item !== 'string') {
        throw new RecordProblem(`"dependencies"[${i}] must be a string, got ${describe(item)}`);
      }
    });
  }

  // Presence rules that follow from the state (flux-core job_util.c store_attr).
  const inactive = state === JobState.INACTIVE;
  const notInactive = `the job is ${stateName}, and job-list reports it only for INACTIVE jobs`;
  if (inactive) {
    for (const key of ['t_inactive', 'success', 'exception_occurred', 'result']) {
      requirePresent(record, key, 'job-list always reports it for INACTIVE jobs');
    }
  } else {
    for (const key of ['t_inactive', 'success', 'exception_occurred', 'result', 'exception_type', 'exception_severity', 'exception_note']) {
      requireAbsent(record, key, notInactive);
    }
  }
  if (inactive && exceptionOccurred === true) {
    requirePresent(record, 'exception_type', 'exception_occurred is true');
    requirePresent(record, 'exception_severity', 'exception_occurred is true');
  }
  if (exceptionOccurred === false) {
    for (const key of ['exception_type', 'exception_severity', 'exception_note']) {
      requireAbsent(record, key, 'exception_occurred is false');
    }
  }
  if (inactive && (success === true) !== (result === JobResult.COMPLETED)) {
    throw new RecordProblem(`"success" is ${success} but "result" is ${result}: job-list reports result 1 (COMPLETED) exactly when success is true`);
  }
  // A timestamp is shown once its state was reached, so it tells how far the job got.
  const own = STATE_TIMESTAMP.get(state) as string;
  requirePresent(record, own, `the job is ${stateName}`);
  for (const [key, leastState] of TIMESTAMP_LEAST_STATE) {
    if (record[key] !== undefined && state < leastState) throw new RecordProblem(`"${key}" is present but the job is only ${stateName}`);
  }
  // priority is shown while SCHED is among the states reached (a fall back to PRIORITY hides it).
  if (state === JobState.SCHED) requirePresent(record, 'priority', 'the job is SCHED');
  if (record.priority !== undefined && state < JobState.SCHED) {
    throw new RecordProblem(`"priority" is present but the job is only ${stateName}; job-list shows it once SCHED is reached`);
  }
  for (const key of ['ranks', 'nodelist', 'expiration']) {
    if (record[key] !== undefined && record.t_run === undefined) throw new RecordProblem(`"${key}" is present but the job never ran (no "t_run")`);
  }

  if (typeof id === 'number') record.id = bigId;
  return record as SnapshotJobRecord;
}
