/**
 * Turns a job-list record (an object as job-list.list returns it for attrs ["all"]) back into
 * the job record behind it, so a snapshot of a real instance can be served again. The record
 * is first checked with the snapshot rules; the states the job passed through are then read
 * from which timestamps it has (flux-core job_util.c shows each only once its state was reached).
 */
import { STATE_TIMESTAMP_ATTRIBUTE } from '../../flux/attribute-names';
import { JOB_STATE_NAME_BY_BIT, JobResult, JobState } from '../../flux/constants';
import type { Json } from '../../flux/json';
import { EmbeddedInputError } from './input-error';
import { isJsonObject } from './json-value';
import { checkJobRecord, peekJobId, RecordProblem } from './record-check';

export interface ImportedJob {
  id: bigint;
  userid: number;
  urgency: number;
  priority: number;
  tSubmit: number;
  tDepend: number;
  tPriority: number;
  tSched: number;
  tRun: number;
  tCleanup: number;
  tInactive: number;
  state: number;
  statesMask: number;
  ntasks: number;
  ncores: number;
  nnodes: number;
  duration: number;
  expiration: number;
  waitstatus: number;
  result: number;
  success: boolean;
  exceptionOccurred: boolean;
  exceptionSeverity: number;
  name?: string;
  cwd?: string;
  queue?: string;
  project?: string;
  bank?: string;
  ranks?: string;
  nodelist?: string;
  exceptionType?: string;
  exceptionNote?: string;
  annotations?: Json;
  dependencies?: string[];
}

/** Timestamp attribute, the state that sets it, and the least state a job showing it is in. */
const TIMESTAMPS: ReadonlyArray<readonly [key: string, bit: number, minState: number]> = [
  ['t_depend', JobState.DEPEND, JobState.DEPEND],
  // PRIORITY and SCHED keep their first-entry time after a fall back to PRIORITY.
  ['t_priority', JobState.PRIORITY, JobState.PRIORITY],
  ['t_sched', JobState.SCHED, JobState.PRIORITY],
  ['t_run', JobState.RUN, JobState.RUN],
  ['t_cleanup', JobState.CLEANUP, JobState.CLEANUP],
  ['t_inactive', JobState.INACTIVE, JobState.INACTIVE],
];

const STATE_TIMESTAMP: ReadonlyMap<number, string> = STATE_TIMESTAMP_ATTRIBUTE;

const STATE_NAMES: ReadonlyMap<number, string> = JOB_STATE_NAME_BY_BIT;

/**
 * Checks one record and returns the job it describes. Throws EmbeddedInputError naming the job
 * (when it has a readable id) and the field.
 */
export function importedJob(value: Json): ImportedJob {
  const peekedId = peekJobId(value);
  const fail = (problem: string): never => {
    throw new EmbeddedInputError(peekedId, `record: ${problem}`);
  };
  let record;
  try {
    // The check writes the normalised id into the object it is given: give it a copy.
    record = checkJobRecord(isJsonObject(value) ? { ...value } : value);
  } catch (err) {
    if (err instanceof RecordProblem) return fail(err.message);
    throw err;
  }
  const num = (key: string, unset: number): number => (record[key] === undefined ? unset : Number(record[key]));
  const str = (key: string): string | undefined => record[key] as string | undefined;
  const state = record.state as number;
  const stateName = STATE_NAMES.get(state) as string;

  let statesMask = JobState.NEW | state;
  for (const [key, bit, minState] of TIMESTAMPS) {
    if (record[key] === undefined) continue;
    if (state < minState) fail(`"${key}" is present but the job is ${stateName}`);
    statesMask |= bit;
  }
  const own = STATE_TIMESTAMP.get(state) as string;
  if (record[own] === undefined) fail(`"${own}" is missing (the job is ${stateName})`);
  // job-list shows priority only while SCHED is among the states reached.
  if (record.priority !== undefined) {
    if (state < JobState.SCHED) fail(`"priority" is present but the job is ${stateName}; job-list shows it only once SCHED is reached`);
    statesMask |= JobState.SCHED | JobState.PRIORITY;
  }
  for (const key of ['ranks', 'nodelist', 'expiration']) {
    if (record[key] !== undefined && record.t_run === undefined) fail(`"${key}" is present but the job never ran (no "t_run")`);
  }

  return {
    id: record.id,
    userid: record.userid as number,
    urgency: record.urgency as number,
    priority: num('priority', 0),
    tSubmit: record.t_submit as number,
    tDepend: num('t_depend', 0),
    tPriority: num('t_priority', 0),
    tSched: num('t_sched', 0),
    tRun: num('t_run', 0),
    tCleanup: num('t_cleanup', 0),
    tInactive: num('t_inactive', 0),
    state,
    statesMask,
    ntasks: num('ntasks', -1),
    ncores: num('ncores', -1),
    nnodes: num('nnodes', -1),
    duration: num('duration', -1),
    expiration: num('expiration', -1),
    waitstatus: num('waitstatus', -1),
    result: num('result', JobResult.FAILED),
    success: record.success === true,
    exceptionOccurred: record.exception_occurred === true,
    exceptionSeverity: num('exception_severity', 0),
    name: str('name'),
    cwd: str('cwd'),
    queue: str('queue'),
    project: str('project'),
    bank: str('bank'),
    ranks: str('ranks'),
    nodelist: str('nodelist'),
    exceptionType: str('exception_type'),
    exceptionNote: str('exception_note'),
    annotations: record.annotations,
    dependencies: record.dependencies as string[] | undefined,
  };
}
