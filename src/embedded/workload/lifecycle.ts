/**
 * One job's whole life, decided at submission: every eventlog entry it will
 * ever get (RFC 21 order, with the contexts Flux's job manager writes), and
 * the resources it holds. Planning ahead is what makes the workload a pure
 * function of its seed: the documents at any moment are a prefix of the plan.
 */
import type { EventlogEntry, Jobspec, ResourceSet } from '../../flux/jobspec';
import type { JsonObject } from '../../flux/json';
import { Priority, Urgency } from '../../flux/constants';
import type { ClusterLayout, QueueLayout } from './cluster';
import type { SeededRandom } from './random';
import { WeightedChoice } from './random';
import type { ResourceRequest, ResourceSetBuilder } from './resources';
import { slotCount, slotTotals } from './resources';
import type { Placement, ResourceTimeline } from './timeline';
import {
  ADMIN_CANCEL_NOTES,
  FAILURE_EXIT_CODES,
  PENDING_MEMOS,
  RAISED_FATAL,
  RAISED_NONFATAL,
  RUNNING_MEMOS,
  USER_CANCEL_NOTES,
  WAITSTATUS,
} from './vocabulary';

// Module-level copies: a global lookup (Math, Infinity) is slow in some hosts, jest's
// sandbox among them, and these run millions of times.
const { ceil, log2, max, min } = Math;
const FOREVER = Number.POSITIVE_INFINITY;

/** A dependency still outstanding when the job is submitted, and how it will end. */
export interface DependencyPlan {
  /** RFC 26 description as the job manager logs it ("after-success=ƒ…", "begin-time=…"). */
  description: string;
  /** When the antecedent settles the question (the target's clean or start, or the begin time). */
  resolveAt: number;
  satisfied: boolean;
  /** Why it can never be satisfied, appended to the description in the exception note. */
  failure?: string;
}

export interface JobInput {
  id: bigint;
  submitTime: number;
  userid: number;
  urgency: number;
  jobspec: Jobspec;
  request: ResourceRequest;
  queue: QueueLayout;
  command: string[];
  /** How long the job would run if nothing stopped it, seconds. */
  runtime: number;
  /** Requested time limit, seconds; 0 for none. */
  duration: number;
  failRate: number;
  dependencies: DependencyPlan[];
  /** How much shorter than usual jobs run in this workload (1 = hours, as at most sites). */
  timeScale: number;
}

/**
 * Human delays (holding a job, giving up on it) shrink with the run times, but
 * less: a workload of a million short jobs still has people in it.
 */
export function delayScale(timeScale: number): number {
  return min(1, max(timeScale, 0.02));
}

/** Knobs that depend on where the job sits in the workload (history or live). */
export interface PlanHints {
  /** Keep the priority event after this time (the newest job of a history, caught between depend and priority). */
  priorityNotBefore?: number;
  /** Delay the release of a job that finishes in [from, until) past `until`, leaving it in CLEANUP there. */
  slowCleanup?: { from: number; until: number };
  /** A held job stays held at least until this time. */
  holdNotBefore?: number;
  /** The user does not give up on the job while it waits for a dependency. */
  patient?: boolean;
}

export interface PlannedJob {
  id: bigint;
  jobspec: Jobspec;
  /** R once allocated (null if the job never runs). */
  R: ResourceSet | null;
  /** Every event the job will ever have, in time order. */
  events: EventlogEntry[];
  /** Index of the alloc event in `events`, or -1. */
  allocIndex: number;
}

/** What later jobs need to know about this one (dependency targets). */
export interface JobOutcome {
  allocTime: number;
  startTime: number;
  inactiveTime: number;
  completed: boolean;
  /** The hint's slow cleanup was used by this job. */
  slowCleanup: boolean;
}

export interface PlannerContext {
  layout: ClusterLayout;
  timeline: ResourceTimeline;
  resources: ResourceSetBuilder;
  random: SeededRandom;
  /** uid of the instance owner, who raises system exceptions. */
  owner: number;
}

const exitCodes = new WeightedChoice(
  FAILURE_EXIT_CODES.map(([code]) => code),
  FAILURE_EXIT_CODES.map(([, weight]) => weight),
);
const cancelNotes = new WeightedChoice(
  USER_CANCEL_NOTES.map(([note]) => note),
  USER_CANCEL_NOTES.map(([, weight]) => weight),
);

/** The simple priority plugin: priority follows urgency, with hold and expedite pinned to the extremes. */
export function priorityForUrgency(urgency: number): number {
  if (urgency === Urgency.HOLD) return Priority.MIN;
  if (urgency === Urgency.EXPEDITE) return Priority.MAX;
  return urgency;
}

function entry(timestamp: number, name: string, context?: JsonObject): EventlogEntry {
  return context === undefined ? { timestamp, name } : { timestamp, name, context };
}

export function planJob(ctx: PlannerContext, input: JobInput, hints: PlanHints = {}): { job: PlannedJob; outcome: JobOutcome } {
  const r = ctx.random;
  const t0 = input.submitTime;
  const humanScale = delayScale(input.timeScale);
  const events: EventlogEntry[] = [
    entry(t0, 'submit', { userid: input.userid, urgency: input.urgency, flags: 0, version: 1 }),
  ];
  const job: PlannedJob = { id: input.id, jobspec: input.jobspec, R: null, events, allocIndex: -1 };

  // NEW -> DEPEND. Dependency plugins run before the validate event is posted.
  let t = t0;
  for (const dep of input.dependencies) {
    t += r.between(0.0002, 0.0012);
    events.push(entry(t, 'dependency-add', { description: dep.description }));
  }
  const validated = max(t, t0 + r.between(0.009, 0.016));
  events.push(entry(validated, 'validate'));

  // DEPEND -> PRIORITY, or a fatal dependency exception.
  let dependDone = validated + r.between(0.009, 0.015);
  let dependencyFailure: { at: number; note: string } | null = null;
  if (input.dependencies.length > 0) {
    const ordered = [...input.dependencies].sort((a, b) => a.resolveAt - b.resolveAt);
    const removals: EventlogEntry[] = [];
    let last = validated;
    for (const dep of ordered) {
      const at = max(dep.resolveAt + r.between(0.00005, 0.0004), last + 0.00001);
      if (!dep.satisfied) {
        dependencyFailure = { at, note: `dependency ${dep.description} ${dep.failure ?? 'can never be satisfied'}` };
        break;
      }
      removals.push(entry(at, 'dependency-remove', { description: dep.description }));
      last = at;
    }
    dependDone = last + r.between(0.00002, 0.0001);
    const waitEnds = dependencyFailure ? dependencyFailure.at : dependDone;
    // Some users give up on a job stuck behind a long dependency.
    if (waitEnds - validated > 1800 * humanScale && r.chance(0.05) && hints.patient !== true) {
      const at = validated + (waitEnds - validated) * r.between(0.1, 0.9);
      for (const removal of removals) if (removal.timestamp < at) events.push(removal);
      return finishPending(ctx, job, at, input.userid);
    }
    events.push(...removals);
    if (dependencyFailure) {
      events.push(
        entry(dependencyFailure.at, 'exception', { type: 'dependency', severity: 0, note: dependencyFailure.note, userid: ctx.owner }),
      );
      return terminateUnallocated(job, dependencyFailure.at + r.between(0.00005, 0.0003));
    }
  }
  events.push(entry(dependDone, 'depend'));

  // PRIORITY -> SCHED.
  let prioritized = dependDone + r.between(0.0001, 0.0003);
  if (hints.priorityNotBefore !== undefined) prioritized = max(prioritized, hints.priorityNotBefore + r.between(0.0002, 0.002));
  events.push(entry(prioritized, 'priority', { priority: priorityForUrgency(input.urgency) }));
  let ready = prioritized;

  // A held job waits for its owner to release it or give up on it.
  if (input.urgency === Urgency.HOLD) {
    let decided = prioritized + max(60, r.exponential(4 * 3600)) * humanScale;
    if (hints.holdNotBefore !== undefined && decided <= hints.holdNotBefore) decided = hints.holdNotBefore + r.between(600, 7200);
    if (r.chance(0.4)) return finishPending(ctx, job, decided, input.userid);
    // Keys in the job manager's order (recorded on flux-core 0.88: userid, then urgency).
    events.push(entry(decided, 'urgency', { userid: input.userid, urgency: Urgency.DEFAULT }));
    ready = decided + r.between(0.0001, 0.0003);
    events.push(entry(ready, 'priority', { priority: priorityForUrgency(Urgency.DEFAULT) }));
  }
  ready += r.between(0.003, 0.012);

  // The scheduler books resources from alloc to free, so the whole stay is decided first.
  const nodeCount = input.request.exclusive ? input.request.nodes : 1;
  const run = decideRun(r, input, nodeCount, ctx.owner);
  const placement = place(ctx, input, ready, run.freeOffset);
  if (placement === null) {
    // Nothing in the queue can ever hold this request: the scheduler says so at once.
    const at = ready + r.between(0.0005, 0.002);
    events.push(entry(at, 'exception', { type: 'alloc', severity: 0, note: 'unsatisfiable request', userid: ctx.owner }));
    return terminateUnallocated(job, at + r.between(0.00005, 0.0003));
  }
  const wait = placement.start - ready;
  if ((wait > 1800 * humanScale && r.chance(0.12)) || (wait > 30 * humanScale && r.chance(0.01))) {
    return finishPending(ctx, job, ready + wait * r.between(0.05, 0.95), input.userid);
  }

  // A memo left while waiting becomes part of the annotations the alloc carries.
  let userMemo: JsonObject | null = null;
  if (wait > 300 * humanScale && r.chance(0.08)) {
    userMemo = r.pick(PENDING_MEMOS)(r);
    events.push(entry(ready + wait * r.between(0.1, 0.6), 'memo', userMemo));
  }

  // SCHED -> RUN.
  const allocAt = placement.start;
  let freeOffset = run.freeOffset;
  let slowCleanup = false;
  const slow = hints.slowCleanup;
  const finishAt = allocAt + run.finishOffset;
  if (slow !== undefined && finishAt >= slow.from && finishAt < slow.until) {
    // Shells stuck in the kernel keep the exec service from releasing the nodes.
    const stuckFree = slow.until + r.between(120, 1800) - allocAt;
    if (ctx.timeline.isFree(placement, allocAt + freeOffset, allocAt + stuckFree)) {
      freeOffset = stuckFree;
      slowCleanup = true;
    }
  }
  const freedAt = allocAt + freeOffset;
  ctx.timeline.commit(placement, allocAt, freedAt);

  const expiration = input.duration > 0 ? allocAt + input.duration : 0;
  job.R = ctx.resources.resourceSet(placement, expiration, slotCount(input.request));
  const summary = ctx.resources.summary(placement);
  const annotations = (): JsonObject =>
    userMemo === null
      ? { sched: { resource_summary: summary } }
      : { user: JSON.parse(JSON.stringify(userMemo)) as JsonObject, sched: { resource_summary: summary } };
  // The journal carries the scheduler's annotations as their own event just before alloc.
  events.push(entry(allocAt, 'annotations', { annotations: annotations() }));
  job.allocIndex = events.length;
  events.push(entry(allocAt, 'alloc', { annotations: annotations() }));
  const startedAt = allocAt + run.startOffset;
  events.push(entry(startedAt, 'start'));

  // RUN -> CLEANUP.
  const runEvents: EventlogEntry[] = [];
  const fatal = run.fatal;
  if (fatal !== null) {
    const host = ctx.layout.hostnames[placement.ranks[0] as number] as string;
    const failedRank = placement.ranks[min(placement.ranks.length - 1, fatal.rankIndex)] as number;
    runEvents.push(entry(allocAt + fatal.offset, 'exception', fatalContext(ctx, input, fatal, host, failedRank)));
  }
  for (const extra of run.extras) runEvents.push(entry(allocAt + extra.offset, extra.name, extra.context));
  runEvents.sort((a, b) => a.timestamp - b.timestamp);
  events.push(...runEvents);
  events.push(entry(finishAt, 'finish', { status: run.status }));

  // CLEANUP -> INACTIVE.
  const releasedAt = slowCleanup ? freedAt - r.between(0.0002, 0.003) : allocAt + run.releaseOffset;
  events.push(entry(releasedAt, 'release', { ranks: 'all', final: true }));
  events.push(entry(freedAt, 'free'));
  const cleanedAt = freedAt + r.between(0.0001, 0.002);
  events.push(entry(cleanedAt, 'clean'));

  return {
    job,
    outcome: {
      allocTime: allocAt,
      startTime: startedAt,
      inactiveTime: cleanedAt,
      completed: fatal === null && run.status === 0,
      slowCleanup,
    },
  };
}

function place(ctx: PlannerContext, input: JobInput, ready: number, length: number): Placement | null {
  const { request, queue } = input;
  ctx.timeline.advance(input.submitTime);
  if (request.exclusive) {
    if (request.nodes > queue.endRank - queue.firstRank) return null;
    return ctx.timeline.placeNodes(queue.firstRank, queue.endRank, request.nodes, ready, length);
  }
  const { cores, gpus } = slotTotals(request);
  return ctx.timeline.placeSlots(queue.firstRank, queue.endRank, cores, gpus, ready, length);
}

/** A pending job canceled by `userid` at `at`: exception, then straight to clean (nothing to free). */
function finishPending(ctx: PlannerContext, job: PlannedJob, at: number, userid: number): { job: PlannedJob; outcome: JobOutcome } {
  const r = ctx.random;
  const byAdmin = r.chance(0.08);
  const note = byAdmin ? r.pick(ADMIN_CANCEL_NOTES) : cancelNotes.draw(r);
  job.events.push(entry(at, 'exception', { type: 'cancel', severity: 0, note, userid: byAdmin ? ctx.owner : userid }));
  return terminateUnallocated(job, at + r.between(0.00005, 0.0003));
}

function terminateUnallocated(job: PlannedJob, cleanAt: number): { job: PlannedJob; outcome: JobOutcome } {
  job.events.push(entry(cleanAt, 'clean'));
  return {
    job,
    outcome: { allocTime: FOREVER, startTime: FOREVER, inactiveTime: cleanAt, completed: false, slowCleanup: false },
  };
}

type FatalKind = 'notFound' | 'timeout' | 'cancel' | 'adminCancel' | 'raised' | 'nodeFailure';

/** How a job's run goes, as offsets in seconds from its alloc event. */
interface RunPlan {
  startOffset: number;
  /** The fatal exception that ends the run early, if any. */
  fatal: { kind: FatalKind; offset: number; note: string; rankIndex: number; type?: string } | null;
  finishOffset: number;
  status: number;
  releaseOffset: number;
  freeOffset: number;
  /** Memos and non-fatal exceptions while it runs. */
  extras: Array<{ offset: number; name: string; context: JsonObject }>;
}

function decideRun(r: SeededRandom, input: JobInput, nodeCount: number, owner: number): RunPlan {
  const startOffset = r.between(0.005, 0.02) + 0.004 * ceil(log2(nodeCount + 1));
  const limit = input.duration > 0 ? input.duration : FOREVER;
  let runtime = input.runtime;
  let fatal: RunPlan['fatal'] = null;
  let finishOffset: number;
  let status = 0;
  const roll = r.float();
  const midRun = (): number => startOffset + runtime * r.between(0.05, 0.95);

  if (roll < 0.04 && limit < FOREVER) runtime = (limit - startOffset) * r.between(1.05, 3); // asked for too little time
  if (roll < 0.012) {
    // The program is not there: the shell reports it and exits 127.
    const offset = startOffset + r.between(0.005, 0.06);
    fatal = { kind: 'notFound', offset, note: '', rankIndex: 0 };
    finishOffset = offset + r.between(0.005, 0.05);
    status = WAITSTATUS.commandNotFound;
  } else if (startOffset + runtime >= limit) {
    fatal = { kind: 'timeout', offset: limit, note: 'resource allocation expired', rankIndex: 0 };
    finishOffset = limit + r.between(0.02, 2);
    status = WAITSTATUS.timedOut;
  } else if (roll >= 0.04 && roll < 0.072) {
    const byAdmin = r.chance(0.1);
    const note = byAdmin ? r.pick(ADMIN_CANCEL_NOTES) : cancelNotes.draw(r);
    fatal = { kind: byAdmin ? 'adminCancel' : 'cancel', offset: midRun(), note, rankIndex: 0 };
    finishOffset = fatal.offset + r.between(0.05, 1.5);
    status = WAITSTATUS.canceled;
  } else if (roll >= 0.072 && roll < 0.075) {
    const raised = r.pick(RAISED_FATAL);
    fatal = { kind: 'raised', offset: midRun(), note: raised.note, rankIndex: 0, type: raised.type };
    finishOffset = fatal.offset + r.between(0.05, 1.5);
    status = WAITSTATUS.canceled;
  } else if (roll >= 0.075 && roll < 0.081 && nodeCount > 1) {
    fatal = { kind: 'nodeFailure', offset: midRun(), note: '', rankIndex: r.int(0, nodeCount - 1) };
    finishOffset = fatal.offset + r.between(1, 10);
    status = WAITSTATUS.killed;
  } else {
    finishOffset = startOffset + runtime;
    if (r.chance(input.failRate)) status = exitCodes.draw(r) << 8;
  }

  // Extra events fall while the job still runs: before its fatal exception, if it has one.
  const runEnd = fatal === null ? finishOffset : fatal.offset;
  const running = runEnd - startOffset;
  const extras: RunPlan['extras'] = [];
  if (running > 60 * input.timeScale && r.chance(0.006)) {
    const raised = r.pick(RAISED_NONFATAL);
    extras.push({
      offset: startOffset + running * r.between(0.05, 0.95),
      name: 'exception',
      context: { type: raised.type, severity: raised.severity, note: raised.note, userid: owner },
    });
  }
  if (running > 30 * input.timeScale && r.chance(0.03)) {
    extras.push({ offset: startOffset + running * r.between(0.1, 0.9), name: 'memo', context: r.pick(RUNNING_MEMOS)(r) });
  }

  let releaseOffset = finishOffset + r.between(0.002, 0.03) + 0.002 * nodeCount;
  // Now and then the exec service waits on a node that is slow to clean up.
  if (r.chance(0.002)) releaseOffset = finishOffset + max(5, r.between(300, 5400) * min(1, input.timeScale));
  const freeOffset = releaseOffset + r.between(0.0002, 0.003);
  return { startOffset, fatal, finishOffset, status, releaseOffset, freeOffset, extras };
}

/** The context of a fatal exception, keyed in the order the raising component writes it. */
function fatalContext(
  ctx: PlannerContext,
  input: JobInput,
  fatal: NonNullable<RunPlan['fatal']>,
  host: string,
  failedRank: number,
): JsonObject {
  const note = fatal.note;
  switch (fatal.kind) {
    case 'notFound':
      return {
        type: 'exec',
        severity: 0,
        note: `task 0 (host ${host}): start failed: ${input.command[0] ?? ''}: No such file or directory`,
        userid: input.userid,
      };
    case 'timeout':
      // Raised by the exec service on the owner's behalf.
      return { type: 'timeout', severity: 0, userid: ctx.owner, note };
    case 'nodeFailure':
      return {
        type: 'exec',
        severity: 0,
        userid: ctx.owner,
        note: `node failure on ${ctx.layout.hostnames[failedRank] ?? ''} (rank ${failedRank})`,
      };
    case 'cancel':
      return { type: 'cancel', severity: 0, note, userid: input.userid };
    case 'adminCancel':
      return { type: 'cancel', severity: 0, note, userid: ctx.owner };
    case 'raised':
      return { type: fatal.type ?? 'exception', severity: 0, note, userid: input.userid };
  }
}

/** Rough core-seconds a request holds per second of run time (for load calibration). */
export function coresHeld(layout: ClusterLayout, request: ResourceRequest): number {
  return request.exclusive ? request.nodes * layout.coresPerNode : slotTotals(request).cores;
}
