/**
 * The run of a started job as its shells lived it: where the tasks ran, when the shell started
 * and the tasks stopped, how they exited. The exec eventlog and the output are written from
 * this, so both tell the same story.
 *
 * Times the main eventlog does not give are drawn between the ones it does, seeded by the job
 * ID. Everything before the job's end depends only on what was known when it started (alloc,
 * start, the time limit), so what a running job shows at one moment is a prefix of what it
 * shows later: entries only ever get appended. What depends on how the job ended (its last
 * lines, the task exit, the end of output) is placed after everything that came before.
 */
import type { EventlogEntry } from '../../flux/jobspec';
import type { Json } from '../../flux/json';
import { parseHostlist } from '../../flux/hostlist';
import { parseIdset } from '../../flux/idset';
import { isJsonObject } from '../store/json-value';
import type { JobStore } from '../store/job-store';
import { DetailStream, jobRandom } from './job-random';

export interface JobEnd {
  /** The finish event (or, without one, the release or clean that ended the job). */
  finishAt: number;
  /** The job shell's wait status. */
  status: number;
}

export interface JobRun {
  id: bigint;
  /** The ID in ASCII F58, as the shell names its service ("1001-shell-f2CwQdB61LB"). */
  f58plain: string;
  userid: number;
  /** tasks[0].command of the jobspec. */
  command: string[];
  name: string;
  ntasks: number;
  /** Broker ranks and hosts of the job's nodes, in rank order. */
  ranks: number[];
  hosts: string[];
  /** Tasks on each node (block distribution, as the shell's default taskmap). */
  tasksPerNode: number[];
  allocAt: number;
  startAt: number;
  /** Times before this have happened; later entries are not shown yet (running jobs). */
  horizon: number;
  /** The first fatal exception after start: the tasks are killed, their output stops. */
  killedAt: number | undefined;
  /** The exec exception's note when the tasks could not be started at all. */
  startFailure: string | undefined;
  end: JobEnd | undefined;
  /** Output redirected to files by shell.options.output, per stream (template rendered). */
  redirect: { stdout?: string; stderr?: string };
  timing: RunTiming;
}

/** When the job shell did what, relative to nothing that depends on the job's end. */
export interface RunTiming {
  execInit: number;
  execStarting: number;
  outputHeader: number;
  shellInit: number;
  shellStart: number;
  /** When the program begins to print. */
  programStart: number;
  /** Seconds between progress lines. */
  period: number;
  pid: number;
}

/** Progress lines a program prints at most. */
export const MAX_PROGRESS_LINES = 20;

function commandOf(jobspec: Json): string[] {
  if (!isJsonObject(jobspec) || !Array.isArray(jobspec.tasks)) return [];
  const task = jobspec.tasks[0];
  if (!isJsonObject(task) || !Array.isArray(task.command)) return [];
  return task.command.filter((arg): arg is string => typeof arg === 'string');
}

function durationOf(jobspec: Json): number {
  if (!isJsonObject(jobspec) || !isJsonObject(jobspec.attributes) || !isJsonObject(jobspec.attributes.system)) return 0;
  const duration = jobspec.attributes.system.duration;
  return typeof duration === 'number' && duration > 0 ? duration : 0;
}

/** Flux's mustache tags for a job, as the shell renders an output path ({{id}} is F58). */
export function renderTemplate(template: string, run: { id: bigint; name: string }, encode: (id: bigint, how: string) => string): string {
  return template.replace(/\{\{([a-z0-9_.]+)\}\}/g, (tag, key: string) => {
    if (key === 'id' || key === 'jobid') return encode(run.id, 'f58');
    if (key.startsWith('id.')) {
      const how = key.slice(3);
      return ['dec', 'hex', 'dothex', 'kvs', 'f58', 'f58plain'].includes(how) ? encode(run.id, how) : tag;
    }
    if (key === 'name') return run.name;
    return tag;
  });
}

function redirectsOf(jobspec: Json): { stdout?: string; stderr?: string } {
  if (!isJsonObject(jobspec) || !isJsonObject(jobspec.attributes) || !isJsonObject(jobspec.attributes.system)) return {};
  const shell = jobspec.attributes.system.shell;
  if (!isJsonObject(shell) || !isJsonObject(shell.options) || !isJsonObject(shell.options.output)) return {};
  const output = shell.options.output;
  const fileOf = (spec: Json | undefined): string | undefined =>
    isJsonObject(spec) && spec.type === 'file' && typeof spec.path === 'string' ? spec.path : undefined;
  const stdout = fileOf(output.stdout);
  // stderr follows stdout to its file unless it has a place of its own.
  const stderr = fileOf(output.stderr) ?? (output.stderr === undefined ? stdout : undefined);
  const out: { stdout?: string; stderr?: string } = {};
  if (stdout !== undefined) out.stdout = stdout;
  if (stderr !== undefined) out.stderr = stderr;
  return out;
}

function spread(ntasks: number, nodes: number): number[] {
  const base = Math.floor(ntasks / nodes);
  const extra = ntasks % nodes;
  return Array.from({ length: nodes }, (_, i) => base + (i < extra ? 1 : 0));
}

export interface RunInputs {
  store: JobStore;
  slot: number;
  eventlog: readonly EventlogEntry[];
  jobspec: Json;
  encodeId: (id: bigint, how: string) => string;
}

/** The run of a job, or undefined when it never started (then it has no guest documents). */
export function jobRun({ store, slot, eventlog, jobspec, encodeId }: RunInputs): JobRun | undefined {
  const t = store.jobs;
  const start = eventlog.find((e) => e.name === 'start');
  if (start === undefined) return undefined;
  const alloc = eventlog.find((e) => e.name === 'alloc');
  const startAt = start.timestamp;
  const allocAt = Math.min(alloc?.timestamp ?? startAt, startAt);
  let killedAt: number | undefined;
  let startFailure: string | undefined;
  for (const e of eventlog) {
    if (e.name !== 'exception' || e.timestamp < startAt || e.context?.severity !== 0) continue;
    killedAt = e.timestamp;
    const note = e.context.note;
    if (e.context.type === 'exec' && typeof note === 'string' && note.includes('start failed')) startFailure = note;
    break;
  }
  const finish = eventlog.find((e) => e.name === 'finish' && e.timestamp >= startAt);
  const ended = finish ?? eventlog.find((e) => e.timestamp >= startAt && (e.name === 'release' || e.name === 'clean'));

  const ranksText = t.str(t.ranks, slot) ?? '0';
  const ranks = parseIdset(ranksText.replace(/^\[|\]$/g, ''));
  const nodelist = t.str(t.nodelist, slot);
  let hosts: string[] = [];
  try {
    hosts = nodelist === undefined ? [] : parseHostlist(nodelist);
  } catch {
    hosts = [];
  }
  if (hosts.length !== ranks.length) hosts = ranks.map((rank) => `rank${rank}`);
  const ntasks = Math.max(1, t.ntasks[slot] as number);
  const command = commandOf(jobspec);
  const name = t.str(t.name, slot) ?? command[0] ?? 'job';

  const r = jobRandom(t.id(slot), DetailStream.RUN);
  const execInit = allocAt + (startAt - allocAt) * r.between(0.1, 0.3);
  const execStarting = execInit + (startAt - execInit) * r.between(0.2, 0.6);
  const outputHeader = startAt + r.between(0.003, 0.008) * (1 + Math.log2(ranks.length));
  const shellInit = outputHeader + r.between(0.0005, 0.002);
  const shellStart = shellInit + r.between(0.001, 0.004);
  const programStart = shellStart + r.between(0.1, 0.3);
  const limit = durationOf(jobspec);
  const period = limit > 0 ? Math.max(1, limit / MAX_PROGRESS_LINES) : r.pick([10, 30, 60, 120, 300]);
  const pid = r.int(2000, 400000);

  const run: JobRun = {
    id: t.id(slot),
    f58plain: encodeId(t.id(slot), 'f58plain'),
    userid: t.userid[slot] as number,
    command,
    name,
    ntasks,
    ranks,
    hosts,
    tasksPerNode: spread(ntasks, ranks.length),
    allocAt,
    startAt,
    horizon: store.horizon,
    killedAt,
    startFailure,
    end: undefined,
    redirect: {},
    timing: { execInit, execStarting, outputHeader, shellInit, shellStart, programStart, period, pid },
  };
  const redirect = redirectsOf(jobspec);
  if (redirect.stdout !== undefined) run.redirect.stdout = renderTemplate(redirect.stdout, run, encodeId);
  if (redirect.stderr !== undefined) run.redirect.stderr = renderTemplate(redirect.stderr, run, encodeId);
  if (ended !== undefined) {
    const status = finish !== undefined && typeof finish.context?.status === 'number' ? finish.context.status : 0;
    run.end = { finishAt: ended.timestamp, status };
  }
  return run;
}

/** The exit code the tasks ended with, and the signal if one killed them. */
export function taskExit(status: number): { waitStatus: number; signal: number; exitCode: number } {
  const shellSignal = status & 0x7f;
  if (shellSignal !== 0) return { waitStatus: shellSignal, signal: shellSignal, exitCode: 128 + shellSignal };
  const code = (status >> 8) & 0xff;
  // A shell exit code of 128+n means its task died of signal n.
  if (code > 128 && code < 128 + 65) return { waitStatus: code - 128, signal: code - 128, exitCode: code };
  return { waitStatus: status, signal: 0, exitCode: code };
}
