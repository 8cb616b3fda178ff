/**
 * The guest documents of a started job, written from its run (job-run.ts): the exec eventlog
 * (`guest.exec.eventlog`: job-exec's init, starting, the shell's shell.init, shell.start and
 * shell.task-exit, then shell-exit, complete, done), the output eventlog (`guest.output`,
 * RFC 24: header, a data entry per line, an eof per stream per task, or redirect entries) and
 * the input eventlog (`guest.input`: its header).
 *
 * Events that do not depend on how the job ended keep their own times; while the job runs only
 * those up to the horizon are shown. Once it has ended, the ones that would have come after the
 * end are moved in just before it, followed by what the end decides (last lines, eofs, exits),
 * so every earlier view is a prefix of the final one.
 */
import type { EventlogEntry } from '../../flux/jobspec';
import type { JsonObject } from '../../flux/json';
import { encodeIdset } from '../../flux/idset';
import { DetailStream, jobRandom } from './job-random';
import { MAX_PROGRESS_LINES, taskExit, type JobRun } from './job-run';
import { programScript, type Line, type ProgramScript } from './program-output';

export type GuestLog = 'exec' | 'output' | 'input';

interface StoryEvent {
  at: number;
  log: GuestLog;
  name: string;
  context?: JsonObject;
  /** Printed by the program (stops when its tasks are killed). */
  program?: boolean;
}

export interface GuestDocuments {
  exec: EventlogEntry[];
  output: EventlogEntry[];
  input: EventlogEntry[];
  /** True once the job's end is known: the documents are complete (the guest namespace is gone). */
  complete: boolean;
}

const OPENING_SPACING = 1e-4;

function lineContext(line: Line): JsonObject {
  const rank = String(line.rank ?? 0);
  if (line.bytes !== undefined) return { stream: line.stream, rank, encoding: 'base64', data: Buffer.from(line.bytes).toString('base64') };
  return { stream: line.stream, rank, data: line.text };
}

function taskHost(run: JobRun, rank: number): string {
  let first = 0;
  for (let node = 0; node < run.tasksPerNode.length; node++) {
    const count = run.tasksPerNode[node] as number;
    if (rank < first + count) return run.hosts[node] as string;
    first += count;
  }
  return run.hosts[run.hosts.length - 1] ?? 'localhost';
}

/** RFC 34 taskmap blocks [first node, nodes, tasks per node, repeat] for the block distribution. */
function taskmap(run: JobRun): number[][] {
  const blocks: number[][] = [];
  run.tasksPerNode.forEach((count, node) => {
    const last = blocks[blocks.length - 1];
    if (last !== undefined && last[2] === count) last[1] = (last[1] as number) + 1;
    else blocks.push([node, 1, count, 1]);
  });
  return blocks;
}

function allTasks(run: JobRun): string {
  return encodeIdset(Array.from({ length: run.ntasks }, (_, i) => i));
}

function naturalEvents(run: JobRun, script: ProgramScript): StoryEvent[] {
  const t = run.timing;
  const events: StoryEvent[] = [
    { at: t.execInit, log: 'exec', name: 'init' },
    { at: t.execStarting, log: 'exec', name: 'starting' },
    {
      at: t.outputHeader,
      log: 'output',
      name: 'header',
      context: { version: 1, encoding: { stdout: 'UTF-8', stderr: 'UTF-8' }, count: { stdout: run.ntasks, stderr: run.ntasks }, options: {} },
    },
    { at: t.outputHeader + 2e-6, log: 'input', name: 'header', context: { version: 1, encoding: { stdin: 'UTF-8' }, count: { stdin: 1 }, options: {} } },
    {
      at: t.shellInit,
      log: 'exec',
      name: 'shell.init',
      context: { service: `${run.userid}-shell-${run.f58plain}`, 'leader-rank': run.ranks[0] ?? 0, size: run.ranks.length },
    },
    { at: t.shellStart, log: 'exec', name: 'shell.start', context: { taskmap: { version: 1, map: taskmap(run) } }, program: run.startFailure !== undefined },
  ];
  let at = t.outputHeader + 1e-6;
  for (const stream of ['stdout', 'stderr'] as const) {
    const path = run.redirect[stream];
    if (path !== undefined) events.push({ at: (at += 1e-6), log: 'output', name: 'redirect', context: { stream, rank: allTasks(run), path } });
  }
  const printed = (line: Line): boolean => run.redirect[line.stream] === undefined;
  script.opening.forEach((line, i) => {
    if (printed(line)) events.push({ at: t.programStart + i * OPENING_SPACING, log: 'output', name: 'data', context: lineContext(line), program: true });
  });
  // Progress lines come about every period, not on the dot.
  const jitter = jobRandom(run.id, DetailStream.RUN + 10);
  for (let k = 1; k <= MAX_PROGRESS_LINES; k++) {
    const at = t.programStart + (k + jitter.between(-0.2, 0.2)) * t.period;
    if (at > run.horizon && run.end === undefined) break;
    if (run.end !== undefined && at >= run.end.finishAt) break;
    const line = script.progress(k);
    if (line === undefined) break;
    if (printed(line)) events.push({ at, log: 'output', name: 'data', context: lineContext(line), program: true });
  }
  return events.sort((a, b) => a.at - b.at);
}

/** What the end decides, in order: last lines, eofs, the task and shell exits. */
function endEvents(run: JobRun, script: ProgramScript, status: number): Omit<StoryEvent, 'at'>[] {
  const r = jobRandom(run.id, DetailStream.OUTPUT + 10);
  const out: Omit<StoryEvent, 'at'>[] = [];
  const exit = taskExit(status);
  const printed = (stream: 'stdout' | 'stderr'): boolean => run.redirect[stream] === undefined;
  if (run.startFailure !== undefined) {
    out.push({ log: 'output', name: 'log', context: { rank: 0, level: 0, message: run.startFailure, file: 'shell.c', line: 2036 } });
  } else {
    if (run.killedAt === undefined && exit.signal === 0) {
      const closing = exit.exitCode === 0 ? script.success : script.failure(exit.exitCode);
      for (const line of closing) if (printed(line.stream)) out.push({ log: 'output', name: 'data', context: lineContext(line) });
    }
    for (let rank = 0; rank < run.ntasks; rank++) {
      const streams = r.chance(0.5) ? (['stderr', 'stdout'] as const) : (['stdout', 'stderr'] as const);
      for (const stream of streams) if (printed(stream)) out.push({ log: 'output', name: 'data', context: { stream, rank: String(rank), eof: true } });
    }
    const rank = r.int(0, Math.min(run.ntasks, 4) - 1);
    let firstOnNode = 0;
    for (let node = 0, seen = 0; node < run.tasksPerNode.length; node++) {
      const count = run.tasksPerNode[node] as number;
      if (rank < seen + count) {
        firstOnNode = seen;
        break;
      }
      seen += count;
    }
    out.push({
      log: 'exec',
      name: 'shell.task-exit',
      context: { localid: rank - firstOnNode, rank, state: 'Exited', pid: run.timing.pid + rank, wait_status: exit.waitStatus, signaled: exit.signal, exitcode: exit.exitCode },
    });
  }
  out.push({ log: 'exec', name: 'shell-exit', context: { rank: run.ranks[0] ?? 0, wait_status: status } });
  out.push({ log: 'exec', name: 'complete', context: { status } });
  out.push({ log: 'exec', name: 'done' });
  return out;
}

/** The job's guest documents as of its run's horizon (complete once it has ended). */
export function guestDocuments(run: JobRun): GuestDocuments {
  const script = programScript({ random: jobRandom(run.id, DetailStream.OUTPUT), command: run.command, ntasks: run.ntasks, hostOf: (rank) => taskHost(run, rank) });
  let events = naturalEvents(run, script);
  const killedAt = run.killedAt;
  if (killedAt !== undefined) events = events.filter((e) => e.program !== true || e.at < killedAt);
  const end = run.end;
  if (end === undefined) {
    events = events.filter((e) => e.at <= run.horizon);
  } else {
    const finishAt = end.finishAt;
    const kept = events.filter((e) => e.at < finishAt);
    const late = events.filter((e) => e.at >= finishAt);
    const lastKept = kept.reduce((latest, e) => Math.max(latest, e.at), run.startAt);
    const gap = Math.max(finishAt - lastKept, 0);
    // The end's events fill the last moments before finish (after the kill, if there was one).
    const tail = Math.min(gap * 0.5, 0.02 + 0.01 * Math.log2(run.ranks.length + 1));
    let base = finishAt - tail;
    if (killedAt !== undefined && killedAt > lastKept) base = Math.max(base, killedAt + (finishAt - killedAt) * 0.3);
    late.forEach((e, i) => {
      e.at = lastKept + (base - lastKept) * ((i + 1) / (late.length + 1));
    });
    const closing = endEvents(run, script, end.status);
    const step = (finishAt - base) / (closing.length + 1);
    events = [...kept, ...late, ...closing.map((e, i) => ({ ...e, at: base + step * (i + 1) * 0.95 }))];
  }
  const docs: GuestDocuments = { exec: [], output: [], input: [], complete: end !== undefined };
  for (const e of events) {
    const entry: EventlogEntry = e.context === undefined ? { timestamp: e.at, name: e.name } : { timestamp: e.at, name: e.name, context: e.context };
    docs[e.log].push(entry);
  }
  return docs;
}
