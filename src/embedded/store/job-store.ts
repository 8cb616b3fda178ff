/**
 * The embedded instance's job store: job records built from job documents and eventlog entries
 * with the rules of flux-core's job-list (job_state.c, job_data.c), kept in the three ordered
 * lists and counted in the job-stats counters as they change.
 */
import { JobResult, JobState, StateMask } from '../../flux/constants';
import type { EventlogEntry, ResourceSet } from '../../flux/jobspec';
import { parseJson, type Json, type JsonObject } from '../../flux/json';
import { annotationsText, applyMemo } from './annotations';
import { checkEventlogEntry } from './event-context';
import { EmbeddedInputError } from './input-error';
import { JobIdIndex } from './job-id-index';
import { JobLists, listOfState } from './job-lists';
import { JobStats } from './job-counters';
import { FLAG_EXCEPTION, FLAG_SUCCESS, JobTable } from './job-table';
import { deriveJobspecFields, type JobspecFields } from './jobspec-fields';
import { cloneJson, isJsonObject, setPath, toCInt, toInt64 } from './json-value';
import { importedJob, type ImportedJob } from './record-import';
import { deriveResourceFields, type ResourceFields } from './resource-fields';
import type { JobDocuments, JobSink } from './job-documents';
import { JobTrail } from './job-trail';
import { RecordedDetails } from './recorded-details';

const MAX_JOBID = (1n << 64n) - 1n;

/** A job's documents while it is active; dropped when it becomes inactive. */
interface JobDocs {
  jobspec: Json | undefined;
  R: Json | undefined;
  /** Copied before the first in-place update, so the caller's objects are never modified. */
  jobspecCopied: boolean;
}

/** Dependencies as job-list keeps them: a description once added is never added again. */
interface Dependencies {
  current: string[];
  ever: Set<string>;
}

export interface JobStoreOptions {
  /** Queues configured on the instance ([queues] table): listed in job-stats even when empty. */
  queues?: readonly string[];
  /** Called after any change to the job-stats counters. */
  onStatsChange?: () => void;
}

type TransitionMode = 'advance' | 'revert' | 'conditional';

export class JobStore implements JobSink {
  readonly jobs = new JobTable();
  readonly index = new JobIdIndex(this.jobs);
  readonly lists = new JobLists(this.jobs);
  readonly stats: JobStats;
  /** What job-info needs of each job beyond the job-list record. */
  readonly trail = new JobTrail(this.jobs);
  /** Details taken from a real instance (snapshot --details), for the jobs that have them. */
  readonly recorded = new RecordedDetails();
  private readonly docs = new Map<number, JobDocs>();
  private readonly deps = new Map<number, Dependencies>();
  /** Set when an invalidate event removed the job being applied. */
  private invalidated = false;
  /** Called after every state change of a job, once its record is consistent (list-id waits). */
  onStateChange: (slot: number) => void = () => {};
  /** Called once a job is known: ingested with its eventlog so far, or loaded from a record. */
  onJobAdded: (slot: number) => void = () => {};
  /** Called after an event posted to a known job has been applied. */
  onJobEvent: (slot: number, entry: EventlogEntry) => void = () => {};
  /** Called when the instance's time moved on (see horizon). */
  onTimeAdvanced: (horizon: number) => void = () => {};
  private latest = 0;

  constructor(options: JobStoreOptions = {}) {
    const onStatsChange = options.onStatsChange ?? (() => {});
    this.stats = new JobStats(this.jobs, options.queues ?? [], () => onStatsChange());
  }

  /** The slot of job `id`, or -1 when the store does not know it. */
  lookup(id: bigint): number {
    return this.index.lookup(id);
  }

  get size(): number {
    return this.index.size;
  }

  /**
   * The instance's present as far as its jobs are concerned: the latest time anything was
   * delivered for (an event's timestamp, or a workload's advanceTo). Nothing that happens
   * before it is still to come, so what a running job has printed by then can be shown.
   */
  get horizon(): number {
    return this.latest;
  }

  /** The workload has delivered everything that happens up to `time`. */
  advanceTo(time: number): void {
    if (!Number.isFinite(time) || time <= this.latest) return;
    this.latest = time;
    this.onTimeAdvanced(time);
  }

  dependencies(slot: number): readonly string[] | undefined {
    return this.deps.get(slot)?.current;
  }

  /** The job's annotations (normally an object, but an annotations event may set any JSON). */
  annotations(slot: number): Json | undefined {
    const text = this.jobs.str(this.jobs.annotations, slot);
    return text === undefined ? undefined : parseJson(text);
  }

  // ---- JobSink -------------------------------------------------------------------------------

  ingest(job: JobDocuments): void {
    const id = checkJobId(job?.id);
    if (!isJsonObject(job as unknown)) throw new EmbeddedInputError(undefined, 'a job must be an object with id, jobspec and eventlog');
    if (this.lookup(id) >= 0) throw new EmbeddedInputError(id, 'is already known to this instance');
    const eventlog = job.eventlog as unknown;
    if (!Array.isArray(eventlog) || eventlog.length === 0) throw new EmbeddedInputError(id, '"eventlog" must be a non-empty array starting with submit');
    eventlog.forEach((entry: EventlogEntry, i: number) => checkEventlogEntry(id, entry, i));
    if ((eventlog[0] as EventlogEntry).name !== 'submit') {
      throw new EmbeddedInputError(id, `eventlog entry 0 must be "submit", got "${(eventlog[0] as EventlogEntry).name}"`);
    }
    if (job.R !== undefined && !isJsonObject(job.R as unknown)) throw new EmbeddedInputError(id, '"R" must be an object when present');
    const slot = this.jobs.allocate(id);
    this.index.insert(slot);
    this.docs.set(slot, { jobspec: job.jobspec as unknown as Json, R: job.R as unknown as Json, jobspecCopied: false });
    this.trail.noteJobspec(slot, job.jobspec as unknown as Json);
    this.invalidated = false;
    for (const entry of eventlog as EventlogEntry[]) {
      this.apply(slot, entry);
      if (this.invalidated) return; // later entries belong to no job
    }
    this.onJobAdded(slot);
  }

  post(id: bigint, entry: EventlogEntry, R?: ResourceSet): void {
    const jobId = checkJobId(id);
    checkEventlogEntry(jobId, entry);
    const slot = this.lookup(jobId);
    if (slot < 0) throw new EmbeddedInputError(jobId, `is not known to this instance (post "${entry.name}" after ingesting the job)`);
    if (entry.name === 'submit') throw new EmbeddedInputError(jobId, 'was already submitted');
    if (R !== undefined) {
      if (!isJsonObject(R as unknown)) throw new EmbeddedInputError(jobId, '"R" must be an object when present');
      const docs = this.docs.get(slot);
      if (docs !== undefined && docs.R === undefined) docs.R = R as unknown as Json;
    }
    this.invalidated = false;
    this.apply(slot, entry);
    if (!this.invalidated) this.onJobEvent(slot, entry);
  }

  // ---- snapshot records ----------------------------------------------------------------------

  /**
   * Adds a job from a job-list record (what job-list.list returns with attrs ["all"]). Throws
   * EmbeddedInputError naming the job and field when the record is not one Flux could send.
   */
  ingestRecord(record: Json): void {
    const job = importedJob(record);
    if (this.lookup(job.id) >= 0) throw new EmbeddedInputError(job.id, 'is already known to this instance');
    this.place(job);
  }

  /**
   * Adds records given in job-list order, so that jobs the running list cannot order by key
   * (equal t_run) keep the given order. All are checked before any is added.
   */
  ingestRecords(records: readonly Json[]): void {
    const jobs = records.map((record) => importedJob(record));
    const seen = new Set<bigint>();
    for (const job of jobs) {
      if (seen.has(job.id) || this.lookup(job.id) >= 0) throw new EmbeddedInputError(job.id, 'appears twice');
      seen.add(job.id);
    }
    // The running list puts a new job before jobs with the same t_run: insert last-first.
    for (let i = jobs.length - 1; i >= 0; i--) this.place(jobs[i] as ImportedJob);
  }

  private place(job: ImportedJob): void {
    const t = this.jobs;
    const slot = t.allocate(job.id);
    t.userid[slot] = job.userid;
    t.urgency[slot] = job.urgency;
    t.priority[slot] = job.priority;
    t.tSubmit[slot] = job.tSubmit;
    t.tDepend[slot] = job.tDepend;
    t.tPriority[slot] = job.tPriority;
    t.tSched[slot] = job.tSched;
    t.tRun[slot] = job.tRun;
    t.tCleanup[slot] = job.tCleanup;
    t.tInactive[slot] = job.tInactive;
    t.state[slot] = job.state;
    t.statesMask[slot] = job.statesMask;
    t.eventsMask[slot] = job.statesMask;
    t.submitVersion[slot] = 1;
    t.ntasks[slot] = job.ntasks;
    t.ncores[slot] = job.ncores;
    t.nnodes[slot] = job.nnodes;
    t.duration[slot] = job.duration;
    t.expiration[slot] = job.expiration;
    t.waitstatus[slot] = job.waitstatus;
    t.result[slot] = job.result;
    t.setFlag(slot, FLAG_SUCCESS, job.success);
    t.setFlag(slot, FLAG_EXCEPTION, job.exceptionOccurred);
    t.exceptionSeverity[slot] = job.exceptionSeverity;
    const s = t.strings;
    t.name[slot] = s.internOptional(job.name);
    t.cwd[slot] = s.internOptional(job.cwd);
    t.queue[slot] = s.internOptional(job.queue);
    t.project[slot] = s.internOptional(job.project);
    t.bank[slot] = s.internOptional(job.bank);
    t.ranks[slot] = s.internOptional(job.ranks);
    t.nodelist[slot] = s.internOptional(job.nodelist);
    t.exceptionType[slot] = s.internOptional(job.exceptionType);
    t.exceptionNote[slot] = s.internOptional(job.exceptionNote);
    t.annotations[slot] = job.annotations === undefined ? 0 : s.intern(annotationsText(job.annotations));
    if (job.dependencies !== undefined) this.deps.set(slot, { current: [...job.dependencies], ever: new Set(job.dependencies) });
    this.index.insert(slot);
    const list = listOfState(job.state);
    if (list !== undefined) this.lists.list(list).insert(slot);
    this.stats.addJob(slot);
    this.latest = Math.max(this.latest, job.tSubmit, job.tDepend, job.tPriority, job.tSched, job.tRun, job.tCleanup, job.tInactive);
    this.onJobAdded(slot);
  }

  // ---- purge ---------------------------------------------------------------------------------

  /** The job-purge-inactive event: forgets the listed jobs that are inactive. Returns how many. */
  purgeInactive(ids: Iterable<bigint>): number {
    let count = 0;
    for (const id of ids) {
      const slot = this.lookup(id);
      if (slot < 0 || this.jobs.state[slot] !== JobState.INACTIVE) continue;
      this.stats.purge(slot);
      this.lists.inactive.remove(slot);
      this.forget(slot);
      count++;
    }
    return count;
  }

  private forget(slot: number): void {
    this.index.remove(slot);
    this.docs.delete(slot);
    this.deps.delete(slot);
    this.trail.forget(slot);
    this.recorded.forget(slot);
    this.jobs.release(slot);
  }

  // ---- events --------------------------------------------------------------------------------

  private apply(slot: number, entry: EventlogEntry): void {
    this.trail.beforeEvent(slot, entry);
    this.applyToRecord(slot, entry);
    if (this.invalidated) return; // the job is gone
    this.trail.noteEvent(slot, entry, entry.name === 'alloc' ? this.docs.get(slot)?.R : undefined);
    if (entry.timestamp > this.latest) this.latest = entry.timestamp;
  }

  private applyToRecord(slot: number, entry: EventlogEntry): void {
    const t = this.jobs;
    const ctx = (entry.context ?? {}) as JsonObject;
    const ts = entry.timestamp;
    switch (entry.name) {
      case 'submit':
        t.userid[slot] = toCInt(ctx.userid as number) >>> 0;
        t.urgency[slot] = toCInt(ctx.urgency as number);
        t.submitVersion[slot] = ctx.version === undefined ? -1 : toCInt(ctx.version as number);
        t.tSubmit[slot] = ts;
        break;
      case 'invalidate':
        this.invalidate(slot);
        break;
      case 'validate':
        this.transition(slot, JobState.DEPEND, ts, 'advance');
        break;
      case 'depend':
        this.transition(slot, JobState.PRIORITY, ts, 'advance');
        break;
      case 'priority':
        this.setPriority(slot, toInt64(ctx.priority as number));
        this.transition(slot, JobState.SCHED, ts, 'conditional', JobState.PRIORITY);
        break;
      case 'alloc':
        this.transition(slot, JobState.RUN, ts, 'advance');
        break;
      case 'finish': {
        const status = toCInt(ctx.status as number);
        t.waitstatus[slot] = status;
        // Successful only with status 0 and no fatal exception; never unset once set.
        if (status === 0 && !(t.hasFlag(slot, FLAG_EXCEPTION) && t.exceptionSeverity[slot] === 0)) t.setFlag(slot, FLAG_SUCCESS, true);
        this.transition(slot, JobState.CLEANUP, ts, 'advance');
        break;
      }
      case 'clean':
        this.transition(slot, JobState.INACTIVE, ts, 'advance');
        break;
      case 'urgency':
        t.urgency[slot] = toCInt(ctx.urgency as number);
        this.fallBack(slot, ts);
        break;
      case 'exception': {
        const severity = toCInt(ctx.severity as number);
        // The first exception, or one strictly more severe (lower number), is the one reported.
        if (!t.hasFlag(slot, FLAG_EXCEPTION) || severity < (t.exceptionSeverity[slot] as number)) {
          t.setFlag(slot, FLAG_EXCEPTION, true);
          t.exceptionSeverity[slot] = severity;
          t.exceptionType[slot] = t.strings.intern(ctx.type as string);
          t.exceptionNote[slot] = t.strings.intern(ctx.note as string);
        }
        if (severity === 0) this.transition(slot, JobState.CLEANUP, ts, 'advance');
        break;
      }
      case 'annotations': {
        const annotations = ctx.annotations as Json;
        t.annotations[slot] = annotations === null ? 0 : t.strings.intern(annotationsText(annotations));
        break;
      }
      case 'jobspec-update':
        this.updateJobspec(slot, ctx);
        this.fallBack(slot, ts);
        break;
      case 'resource-update':
        this.updateResources(slot, ctx);
        break;
      case 'memo': {
        const current = this.annotations(slot);
        const next = applyMemo(isJsonObject(current) ? current : undefined, ctx);
        t.annotations[slot] = next === undefined ? 0 : t.strings.intern(annotationsText(next));
        break;
      }
      case 'dependency-add': {
        const description = ctx.description as string;
        let deps = this.deps.get(slot);
        if (deps === undefined) this.deps.set(slot, (deps = { current: [], ever: new Set() }));
        if (!deps.ever.has(description)) {
          deps.ever.add(description);
          deps.current.push(description);
        }
        break;
      }
      case 'dependency-remove': {
        const deps = this.deps.get(slot);
        const at = deps === undefined ? -1 : deps.current.indexOf(ctx.description as string);
        if (at >= 0) deps?.current.splice(at, 1);
        break;
      }
      case 'flux-restart':
        this.fallBack(slot, ts);
        break;
      default:
        break; // start, release, free, prolog-*, epilog-*, set-flags, debug, ...: not job-list's business
    }
  }

  private invalidate(slot: number): void {
    this.invalidated = true;
    const list = listOfState(this.jobs.state[slot] as number);
    if (list !== undefined) {
      this.lists.list(list).remove(slot);
      this.stats.forget(slot);
    }
    this.forget(slot);
  }

  private setPriority(slot: number, priority: number): void {
    const t = this.jobs;
    if (((t.state[slot] as number) & StateMask.PENDING) !== 0 && t.priority[slot] !== priority) {
      this.lists.pending.remove(slot);
      t.priority[slot] = priority;
      this.lists.pending.insert(slot);
    } else {
      t.priority[slot] = priority;
    }
  }

  /** SCHED back to PRIORITY (urgency change, jobspec update, restart); only from SCHED. */
  private fallBack(slot: number, timestamp: number): void {
    this.transition(slot, JobState.PRIORITY, timestamp, 'revert', JobState.SCHED);
  }

  private transition(slot: number, state: number, timestamp: number, mode: TransitionMode, expected?: number): void {
    const t = this.jobs;
    // A state entered once is not entered again, except PRIORITY and SCHED.
    if (mode === 'advance' && ((t.eventsMask[slot] as number) & state) !== 0 && state !== JobState.PRIORITY && state !== JobState.SCHED) return;
    t.eventsMask[slot] = (t.eventsMask[slot] as number) | state;
    if (mode !== 'advance' && t.state[slot] !== expected) return;
    if (mode === 'revert') t.statesMask[slot] = (t.statesMask[slot] as number) & ~(JobState.SCHED | JobState.PRIORITY);
    if (state === JobState.DEPEND) this.deriveFromJobspec(slot, this.docs.get(slot)?.jobspec);
    else if (state === JobState.RUN) this.deriveFromR(slot, this.docs.get(slot)?.R);
    else if (state === JobState.INACTIVE) this.completeResult(slot);
    this.enterState(slot, state, timestamp);
  }

  /** Result of a finishing job: COMPLETED, else CANCELED/TIMEOUT by exception type, else FAILED. */
  private completeResult(slot: number): void {
    const t = this.jobs;
    if (t.hasFlag(slot, FLAG_SUCCESS)) t.result[slot] = JobResult.COMPLETED;
    else if (t.hasFlag(slot, FLAG_EXCEPTION)) {
      const type = t.str(t.exceptionType, slot);
      if (type === 'cancel') t.result[slot] = JobResult.CANCELED;
      else if (type === 'timeout') t.result[slot] = JobResult.TIMEOUT;
    }
  }

  private enterState(slot: number, state: number, timestamp: number): void {
    const t = this.jobs;
    const oldList = listOfState(t.state[slot] as number);
    const newList = listOfState(state);
    // A job keeps its list position by its sort key; take it out before the key can change.
    const keyChanges = state === JobState.RUN || state === JobState.INACTIVE;
    if (oldList !== undefined && (oldList !== newList || keyChanges)) this.lists.list(oldList).remove(slot);

    this.stats.transition(slot, state);
    t.state[slot] = state;
    switch (state) {
      case JobState.DEPEND:
        t.tDepend[slot] = timestamp;
        break;
      case JobState.PRIORITY:
        if (t.tPriority[slot] === 0) t.tPriority[slot] = timestamp;
        break;
      case JobState.SCHED:
        if (t.tSched[slot] === 0) t.tSched[slot] = timestamp;
        break;
      case JobState.RUN:
        t.tRun[slot] = timestamp;
        break;
      case JobState.CLEANUP:
        t.tCleanup[slot] = timestamp;
        break;
      case JobState.INACTIVE:
        t.tInactive[slot] = timestamp;
        break;
    }
    t.statesMask[slot] = (t.statesMask[slot] as number) | state;

    if (newList !== undefined && (oldList !== newList || keyChanges)) this.lists.list(newList).insert(slot);
    if (state === JobState.INACTIVE) this.docs.delete(slot); // no job-list update reads them any more
    this.onStateChange(slot);
  }

  // ---- documents -----------------------------------------------------------------------------

  private jobspecFields(slot: number): JobspecFields {
    const t = this.jobs;
    return {
      name: t.str(t.name, slot),
      cwd: t.str(t.cwd, slot),
      queue: t.str(t.queue, slot),
      project: t.str(t.project, slot),
      bank: t.str(t.bank, slot),
      duration: t.duration[slot] as number,
      nnodes: t.nnodes[slot] as number,
      ntasks: t.ntasks[slot] as number,
      ncores: t.ncores[slot] as number,
      tasksPerNode: t.tasksPerNode[slot] as number,
      tasksPerCore: t.tasksPerCore[slot] as number,
    };
  }

  private deriveFromJobspec(slot: number, jobspec: Json | undefined): void {
    if (jobspec === undefined) return;
    const t = this.jobs;
    const f = this.jobspecFields(slot);
    deriveJobspecFields(jobspec, f);
    const s = t.strings;
    t.name[slot] = s.internOptional(f.name);
    t.cwd[slot] = s.internOptional(f.cwd);
    t.queue[slot] = s.internOptional(f.queue);
    t.project[slot] = s.internOptional(f.project);
    t.bank[slot] = s.internOptional(f.bank);
    t.duration[slot] = f.duration;
    t.nnodes[slot] = f.nnodes;
    t.ntasks[slot] = f.ntasks;
    t.ncores[slot] = f.ncores;
    t.tasksPerNode[slot] = f.tasksPerNode;
    t.tasksPerCore[slot] = f.tasksPerCore;
  }

  private deriveFromR(slot: number, R: Json | undefined): void {
    if (R === undefined) return;
    const t = this.jobs;
    const f: ResourceFields = {
      expiration: t.expiration[slot] as number,
      nnodes: t.nnodes[slot] as number,
      ntasks: t.ntasks[slot] as number,
      ncores: t.ncores[slot] as number,
      ranks: t.str(t.ranks, slot),
      nodelist: t.str(t.nodelist, slot),
      tasksPerNode: t.tasksPerNode[slot] as number,
      tasksPerCore: t.tasksPerCore[slot] as number,
    };
    deriveResourceFields(R, f);
    t.expiration[slot] = f.expiration;
    t.nnodes[slot] = f.nnodes;
    t.ntasks[slot] = f.ntasks;
    t.ncores[slot] = f.ncores;
    t.ranks[slot] = t.strings.internOptional(f.ranks);
    t.nodelist[slot] = t.strings.internOptional(f.nodelist);
  }

  /** jobspec-update: dotted keys under resources, tasks or attributes replace jobspec values. */
  private updateJobspec(slot: number, updates: JsonObject): void {
    const docs = this.docs.get(slot);
    if (docs === undefined || !isJsonObject(docs.jobspec)) return; // Flux ignores an update before the jobspec
    if (!docs.jobspecCopied) {
      docs.jobspec = cloneJson(docs.jobspec);
      docs.jobspecCopied = true;
    }
    const jobspec = docs.jobspec as JsonObject;
    this.stats.removeFromQueue(slot);
    for (const key of Object.keys(updates)) {
      const allowed = ['resources', 'tasks', 'attributes'].some((top) => key === top || key.startsWith(`${top}.`));
      if (allowed) setPath(jobspec, key, updates[key] as Json);
    }
    this.deriveFromJobspec(slot, jobspec);
    this.stats.addToQueue(slot);
  }

  /** resource-update: only `expiration` may change. */
  private updateResources(slot: number, updates: JsonObject): void {
    const docs = this.docs.get(slot);
    if (docs === undefined || !isJsonObject(docs.R)) return; // Flux ignores an update before R
    // A fresh copy each time: parsed R is cached per document object.
    docs.R = cloneJson(docs.R);
    const expiration = updates.expiration;
    if (expiration !== undefined) setPath(docs.R as JsonObject, 'execution.expiration', expiration);
    this.deriveFromR(slot, docs.R);
  }
}

function checkJobId(id: unknown): bigint {
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return BigInt(id);
  if (typeof id !== 'bigint') throw new EmbeddedInputError(undefined, `a job "id" must be a bigint, got ${typeof id}`);
  if (id < 0n || id > MAX_JOBID) throw new EmbeddedInputError(undefined, `job id ${id} is not a 64-bit unsigned integer`);
  return id;
}
