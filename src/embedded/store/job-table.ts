/**
 * Column storage for job records: one typed array per field, one slot per job. An instance
 * may hold a million jobs, and a record kept as typed-array cells costs under 200 bytes where
 * a JavaScript object with the same fields costs several times that. Response objects are
 * built from these cells only for the jobs a request returns.
 *
 * Unset values follow flux-core's job-list record: -1 for counts, durations, expiration and
 * wait status, 0 for timestamps that were never set, string index 0 for missing strings.
 */
import { FLUX_USERID_UNKNOWN, JobResult, JobState } from '../../flux/constants';
import { StringPool } from './string-pool';

export const FLAG_SUCCESS = 0x1;
export const FLAG_EXCEPTION = 0x2;

const INITIAL_CAPACITY = 1024;

const MASK32 = 0xffffffffn;

type TypedColumn = Uint8Array | Int8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

/** A copy of `column` with room for `capacity` cells. */
function grown<T extends TypedColumn>(column: T, capacity: number): T {
  const next = new (column.constructor as new (length: number) => T)(capacity);
  next.set(column);
  return next;
}

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

  // What the job-list record leaves out of a job's documents (see job-trail.ts).
  /** Eventlog entries the job has received. */
  eventCount = new Uint32Array(0);
  /** Which of the once-only events (TRAIL_EVENTS order) the columns reproduce. */
  trailEvents = new Uint16Array(0);
  tStart = new Float64Array(0);
  tFinish = new Float64Array(0);
  tRelease = new Float64Array(0);
  tFree = new Float64Array(0);
  /** Urgency 0-31 and job flags 0-255 at submission; other values keep the submit entry verbatim. */
  submitUrgency = new Uint8Array(0);
  submitFlags = new Uint8Array(0);
  /** The first priority event's value (job-manager priorities are 0 to 2^32-1). */
  firstPriority = new Uint32Array(0);
  /** The alloc event's annotations as interned JSON text (0: the alloc had no context). */
  allocAnnotations = new Uint32Array(0);
  /** The jobspec as interned JSON text, in two parts shared by many jobs (0: no jobspec seen). */
  jobspecRequest = new Uint32Array(0);
  jobspecRest = new Uint32Array(0);

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

  // Each column is assigned by name: writing fields through computed keys would turn this
  // object into a slow dictionary-mode object, and every cell access goes through it.
  private grow(capacity: number): void {
    this.idHi = grown(this.idHi, capacity);
    this.idLo = grown(this.idLo, capacity);
    this.userid = grown(this.userid, capacity);
    this.urgency = grown(this.urgency, capacity);
    this.priority = grown(this.priority, capacity);
    this.tSubmit = grown(this.tSubmit, capacity);
    this.tDepend = grown(this.tDepend, capacity);
    this.tPriority = grown(this.tPriority, capacity);
    this.tSched = grown(this.tSched, capacity);
    this.tRun = grown(this.tRun, capacity);
    this.tCleanup = grown(this.tCleanup, capacity);
    this.tInactive = grown(this.tInactive, capacity);
    this.state = grown(this.state, capacity);
    this.statesMask = grown(this.statesMask, capacity);
    this.eventsMask = grown(this.eventsMask, capacity);
    this.submitVersion = grown(this.submitVersion, capacity);
    this.ntasks = grown(this.ntasks, capacity);
    this.ncores = grown(this.ncores, capacity);
    this.nnodes = grown(this.nnodes, capacity);
    this.duration = grown(this.duration, capacity);
    this.expiration = grown(this.expiration, capacity);
    this.waitstatus = grown(this.waitstatus, capacity);
    this.result = grown(this.result, capacity);
    this.flags = grown(this.flags, capacity);
    this.exceptionSeverity = grown(this.exceptionSeverity, capacity);
    this.name = grown(this.name, capacity);
    this.cwd = grown(this.cwd, capacity);
    this.queue = grown(this.queue, capacity);
    this.project = grown(this.project, capacity);
    this.bank = grown(this.bank, capacity);
    this.ranks = grown(this.ranks, capacity);
    this.nodelist = grown(this.nodelist, capacity);
    this.exceptionType = grown(this.exceptionType, capacity);
    this.exceptionNote = grown(this.exceptionNote, capacity);
    this.annotations = grown(this.annotations, capacity);
    this.tasksPerNode = grown(this.tasksPerNode, capacity);
    this.tasksPerCore = grown(this.tasksPerCore, capacity);
    this.eventCount = grown(this.eventCount, capacity);
    this.trailEvents = grown(this.trailEvents, capacity);
    this.tStart = grown(this.tStart, capacity);
    this.tFinish = grown(this.tFinish, capacity);
    this.tRelease = grown(this.tRelease, capacity);
    this.tFree = grown(this.tFree, capacity);
    this.submitUrgency = grown(this.submitUrgency, capacity);
    this.submitFlags = grown(this.submitFlags, capacity);
    this.firstPriority = grown(this.firstPriority, capacity);
    this.allocAnnotations = grown(this.allocAnnotations, capacity);
    this.jobspecRequest = grown(this.jobspecRequest, capacity);
    this.jobspecRest = grown(this.jobspecRest, capacity);
    this.capacity = capacity;
  }

  /** Bytes held by the columns (capacity included). */
  get byteLength(): number {
    return (
      this.idHi.byteLength +
      this.idLo.byteLength +
      this.userid.byteLength +
      this.urgency.byteLength +
      this.priority.byteLength +
      this.tSubmit.byteLength +
      this.tDepend.byteLength +
      this.tPriority.byteLength +
      this.tSched.byteLength +
      this.tRun.byteLength +
      this.tCleanup.byteLength +
      this.tInactive.byteLength +
      this.state.byteLength +
      this.statesMask.byteLength +
      this.eventsMask.byteLength +
      this.submitVersion.byteLength +
      this.ntasks.byteLength +
      this.ncores.byteLength +
      this.nnodes.byteLength +
      this.duration.byteLength +
      this.expiration.byteLength +
      this.waitstatus.byteLength +
      this.result.byteLength +
      this.flags.byteLength +
      this.exceptionSeverity.byteLength +
      this.name.byteLength +
      this.cwd.byteLength +
      this.queue.byteLength +
      this.project.byteLength +
      this.bank.byteLength +
      this.ranks.byteLength +
      this.nodelist.byteLength +
      this.exceptionType.byteLength +
      this.exceptionNote.byteLength +
      this.annotations.byteLength +
      this.tasksPerNode.byteLength +
      this.tasksPerCore.byteLength +
      this.eventCount.byteLength +
      this.trailEvents.byteLength +
      this.tStart.byteLength +
      this.tFinish.byteLength +
      this.tRelease.byteLength +
      this.tFree.byteLength +
      this.submitUrgency.byteLength +
      this.submitFlags.byteLength +
      this.firstPriority.byteLength +
      this.allocAnnotations.byteLength +
      this.jobspecRequest.byteLength +
      this.jobspecRest.byteLength
    );
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
    this.eventCount[slot] = 0;
    this.trailEvents[slot] = 0;
    this.tStart[slot] = 0;
    this.tFinish[slot] = 0;
    this.tRelease[slot] = 0;
    this.tFree[slot] = 0;
    this.submitUrgency[slot] = 0;
    this.submitFlags[slot] = 0;
    this.firstPriority[slot] = 0;
    this.allocAnnotations[slot] = 0;
    this.jobspecRequest[slot] = 0;
    this.jobspecRest[slot] = 0;
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
