/**
 * Column storage for job records: one typed array per field, one slot per job. An instance
 * may hold a million jobs, and a record kept as typed-array cells costs under 200 bytes where
 * a JavaScript object with the same fields costs several times that. Response objects are
 * built from these cells only for the jobs a request returns.
 *
 * Unset values follow flux-core's job-list record: -1 for counts, durations, expiration and
 * wait status, 0 for timestamps that were never set, string index 0 for missing strings.
 */
import { FLUX_USERID_UNKNOWN, JobResult, JobState } from '../flux/constants';
import { StringPool } from './string-pool';

export const FLAG_SUCCESS = 0x1;
export const FLAG_EXCEPTION = 0x2;

const INITIAL_CAPACITY = 1024;

type Column = Uint8Array | Int8Array | Uint32Array | Int32Array | Float64Array;
type ColumnName = {
  [K in keyof JobTable]: JobTable[K] extends Column ? K : never;
}[keyof JobTable];

const COLUMNS: readonly ColumnName[] = [
  'idHi',
  'idLo',
  'userid',
  'urgency',
  'priority',
  'tSubmit',
  'tDepend',
  'tPriority',
  'tSched',
  'tRun',
  'tCleanup',
  'tInactive',
  'state',
  'statesMask',
  'eventsMask',
  'submitVersion',
  'ntasks',
  'ncores',
  'nnodes',
  'duration',
  'expiration',
  'waitstatus',
  'result',
  'flags',
  'exceptionSeverity',
  'name',
  'cwd',
  'queue',
  'project',
  'bank',
  'ranks',
  'nodelist',
  'exceptionType',
  'exceptionNote',
  'annotations',
  'tasksPerNode',
  'tasksPerCore',
];

const MASK32 = 0xffffffffn;

export class JobTable {
  capacity = 0;
  /** The 64-bit job ID as two 32-bit halves, so comparing IDs needs no bigint. */
  idHi = new Uint32Array(0);
  idLo = new Uint32Array(0);
  userid = new Uint32Array(0);
  urgency = new Int32Array(0);
  /** Flux keeps priority as a 64-bit integer; job-manager values fit a double exactly. */
  priority = new Float64Array(0);
  tSubmit = new Float64Array(0);
  tDepend = new Float64Array(0);
  tPriority = new Float64Array(0);
  tSched = new Float64Array(0);
  tRun = new Float64Array(0);
  tCleanup = new Float64Array(0);
  tInactive = new Float64Array(0);
  state = new Uint8Array(0);
  /** States the job has reached (a fall back to PRIORITY clears SCHED and PRIORITY). */
  statesMask = new Uint8Array(0);
  /** States whose events were seen: a second event for one of these is ignored. */
  eventsMask = new Uint8Array(0);
  submitVersion = new Int32Array(0);
  ntasks = new Int32Array(0);
  ncores = new Int32Array(0);
  nnodes = new Int32Array(0);
  duration = new Float64Array(0);
  expiration = new Float64Array(0);
  waitstatus = new Int32Array(0);
  result = new Uint8Array(0);
  flags = new Uint8Array(0);
  exceptionSeverity = new Int32Array(0);
  name = new Uint32Array(0);
  cwd = new Uint32Array(0);
  queue = new Uint32Array(0);
  project = new Uint32Array(0);
  bank = new Uint32Array(0);
  ranks = new Uint32Array(0);
  nodelist = new Uint32Array(0);
  exceptionType = new Uint32Array(0);
  exceptionNote = new Uint32Array(0);
  /** Annotations as interned JSON text; parsed only for jobs a request returns. */
  annotations = new Uint32Array(0);
  /** shell.options.per-resource counts waiting for R (0 = none). */
  tasksPerNode = new Int32Array(0);
  tasksPerCore = new Int32Array(0);

  readonly strings = new StringPool();
  private readonly freeSlots: number[] = [];
  private used = 0;

  constructor() {
    this.grow(INITIAL_CAPACITY);
  }

  /** Number of slots in use. */
  get size(): number {
    return this.used - this.freeSlots.length;
  }

  private grow(capacity: number): void {
    for (const name of COLUMNS) {
      const old = this[name];
      const next = new (old.constructor as new (length: number) => Column)(capacity);
      next.set(old);
      (this as Record<ColumnName, Column>)[name] = next;
    }
    this.capacity = capacity;
  }

  /** A fresh record for `id` with flux-core's initial values. */
  allocate(id: bigint): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.used === this.capacity) this.grow(this.capacity * 2);
      slot = this.used++;
    }
    this.idHi[slot] = Number((id >> 32n) & MASK32);
    this.idLo[slot] = Number(id & MASK32);
    this.userid[slot] = FLUX_USERID_UNKNOWN;
    this.urgency[slot] = -1;
    this.priority[slot] = 0;
    this.tSubmit[slot] = 0;
    this.tDepend[slot] = 0;
    this.tPriority[slot] = 0;
    this.tSched[slot] = 0;
    this.tRun[slot] = 0;
    this.tCleanup[slot] = 0;
    this.tInactive[slot] = 0;
    this.state[slot] = JobState.NEW;
    this.statesMask[slot] = JobState.NEW;
    this.eventsMask[slot] = JobState.NEW;
    this.submitVersion[slot] = -1;
    this.ntasks[slot] = -1;
    this.ncores[slot] = -1;
    this.nnodes[slot] = -1;
    this.duration[slot] = -1;
    this.expiration[slot] = -1;
    this.waitstatus[slot] = -1;
    this.result[slot] = JobResult.FAILED;
    this.flags[slot] = 0;
    this.exceptionSeverity[slot] = 0;
    this.name[slot] = 0;
    this.cwd[slot] = 0;
    this.queue[slot] = 0;
    this.project[slot] = 0;
    this.bank[slot] = 0;
    this.ranks[slot] = 0;
    this.nodelist[slot] = 0;
    this.exceptionType[slot] = 0;
    this.exceptionNote[slot] = 0;
    this.annotations[slot] = 0;
    this.tasksPerNode[slot] = 0;
    this.tasksPerCore[slot] = 0;
    return slot;
  }

  release(slot: number): void {
    this.freeSlots.push(slot);
  }

  id(slot: number): bigint {
    return (BigInt(this.idHi[slot] as number) << 32n) | BigInt(this.idLo[slot] as number);
  }

  /** The ID as a JSON value: a number while exact, else a bigint. */
  idJson(slot: number): number | bigint {
    const hi = this.idHi[slot] as number;
    if (hi < 0x200000) return hi * 0x100000000 + (this.idLo[slot] as number);
    return this.id(slot);
  }

  /** -1, 0, 1 as job IDs compare (unsigned 64-bit). */
  compareIds(a: number, b: number): number {
    const ha = this.idHi[a] as number;
    const hb = this.idHi[b] as number;
    if (ha !== hb) return ha < hb ? -1 : 1;
    const la = this.idLo[a] as number;
    const lb = this.idLo[b] as number;
    return la === lb ? 0 : la < lb ? -1 : 1;
  }

  str(column: Uint32Array, slot: number): string | undefined {
    return this.strings.get(column[slot] as number);
  }

  hasFlag(slot: number, flag: number): boolean {
    return ((this.flags[slot] as number) & flag) !== 0;
  }

  setFlag(slot: number, flag: number, on: boolean): void {
    const flags = this.flags[slot] as number;
    this.flags[slot] = on ? flags | flag : flags & ~flag;
  }
}
