/**
 * The job fields job-list derives from a jobspec (flux-core job_data.c parse_jobspec and
 * libjob jj.c): name, cwd, queue, project, bank, duration and the resource counts.
 *
 * Flux reads the jobspec step by step and stops at the first malformed part, keeping what it
 * read so far (an invalid jobspec still lists, with fewer fields). The steps below follow the
 * same order, so a malformed jobspec leaves exactly the fields Flux would leave.
 */
import type { Json, JsonObject } from '../../flux/json';
import { isJsonInteger, isJsonNumber, isJsonObject, toCInt, toNumber } from './json-value';

/** The derived fields; -1 and undefined mean "not set", as in the job record. */
export interface JobspecFields {
  name: string | undefined;
  cwd: string | undefined;
  queue: string | undefined;
  project: string | undefined;
  bank: string | undefined;
  duration: number;
  nnodes: number;
  ntasks: number;
  ncores: number;
  /** per-resource counts whose task total can only be known from R (0 = none). */
  tasksPerNode: number;
  tasksPerCore: number;
}

/** Thrown to stop derivation at a malformed part; the fields keep what was set before. */
class Malformed extends Error {}

function fail(): never {
  throw new Malformed();
}

// Members are read with plain property access: every key read here is a fixed jobspec key that
// no Object.prototype member shares, and plain reads keep this per-job path fast.

/** Optional member that, when present, must be an object; undefined when absent. */
function optionalObject(object: JsonObject, key: string): JsonObject | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  return isJsonObject(value) ? value : fail();
}

function optionalString(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : fail();
}

/** The last path component of a command, unless that is empty (a trailing '/'). */
function commandName(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash < 0) return path;
  const base = path.slice(slash + 1);
  return base === '' ? path : base;
}

function deriveName(jobspec: JsonObject, jobDict: JsonObject | undefined, fields: JobspecFields): void {
  if (jobDict !== undefined) {
    const name = optionalString(jobDict, 'name');
    if (name !== undefined) {
      fields.name = name;
      return;
    }
  } else {
    fields.name = undefined;
  }
  if (fields.name !== undefined) return;
  const tasks = jobspec.tasks;
  if (tasks === undefined || !Array.isArray(tasks)) fail();
  const first = tasks[0];
  if (!isJsonObject(first)) fail();
  const command = first.command;
  if (command === undefined || !Array.isArray(command)) fail();
  const arg0 = command[0];
  if (typeof arg0 !== 'string') fail();
  fields.name = commandName(arg0);
}

function deriveAttributes(jobspec: JsonObject, fields: JobspecFields): void {
  const attributes = jobspec.attributes;
  if (!isJsonObject(attributes)) fail();
  const system = optionalObject(attributes, 'system');
  const jobDict = system === undefined ? undefined : system.job;
  if (jobDict !== undefined && !isJsonObject(jobDict)) fail();
  deriveName(jobspec, jobDict, fields);

  // cwd and queue are optional and cleared first; project and bank keep an earlier value.
  fields.cwd = undefined;
  fields.queue = undefined;
  if (system === undefined) return;
  const cwd = optionalString(system, 'cwd');
  if (cwd !== undefined) fields.cwd = cwd;
  const queue = optionalString(system, 'queue');
  if (queue !== undefined) fields.queue = queue;
  const duration = system.duration;
  if (!isJsonNumber(duration)) fail();
  fields.duration = toNumber(duration);
  const project = optionalString(system, 'project');
  if (project !== undefined) fields.project = project;
  const bank = optionalString(system, 'bank');
  if (bank !== undefined) fields.bank = bank;
}

interface ResourceCounts {
  nnodes: number;
  nslots: number;
  slotSize: number;
  exclusive: boolean;
}

function readLevel(level: Json | undefined, counts: ResourceCounts, nodeFactor: number): void {
  if (!Array.isArray(level)) fail();
  for (const vertex of level) {
    if (!isJsonObject(vertex)) fail();
    const type = vertex.type;
    const count = vertex.count;
    if (typeof type !== 'string' || !isJsonInteger(count)) fail();
    const exclusive = vertex.exclusive;
    if (exclusive !== undefined && typeof exclusive !== 'boolean') fail();
    const cnt = toCInt(count);
    if (cnt <= 0) fail();
    const factor = nodeFactor * cnt;
    if (type === 'node') {
      counts.nnodes = factor;
      if (exclusive === true) counts.exclusive = true;
    } else if (type === 'slot') {
      counts.nslots = cnt;
    } else if (type === 'core') {
      counts.slotSize = cnt;
    }
    const next = vertex.with;
    if (next !== undefined) readLevel(next, counts, factor);
  }
}

function resourceCounts(jobspec: JsonObject): ResourceCounts {
  if (!isJsonInteger(jobspec.version)) fail();
  const resources = jobspec.resources;
  if (resources === undefined) fail();
  const attributes = jobspec.attributes;
  const system = isJsonObject(attributes) ? attributes.system : undefined;
  if (!isJsonObject(system) || !isJsonNumber(system.duration)) fail();
  const counts: ResourceCounts = { nnodes: 0, nslots: 0, slotSize: 0, exclusive: false };
  readLevel(resources, counts, 1);
  if (counts.nslots <= 0 || counts.slotSize <= 0) fail();
  if (counts.nnodes > 0) counts.nslots *= counts.nnodes;
  return counts;
}

/** attributes.system.shell.options.per-resource as {type, count}, or undefined. */
function perResource(jobspec: JsonObject): { type: string; count: number } | undefined {
  const attributes = jobspec.attributes;
  if (!isJsonObject(attributes)) fail();
  const system = optionalObject(attributes, 'system');
  const shell = system === undefined ? undefined : optionalObject(system, 'shell');
  const options = shell === undefined ? undefined : optionalObject(shell, 'options');
  const spec = options === undefined ? undefined : options['per-resource'];
  if (spec === undefined) return undefined;
  if (!isJsonObject(spec)) fail();
  const type = spec.type;
  if (typeof type !== 'string') fail();
  const count = spec.count;
  if (count !== undefined && !isJsonInteger(count)) fail();
  const n = count === undefined ? 1 : toCInt(count);
  if (n < 1) fail();
  return { type, count: n };
}

function tasksTotal(jobspec: JsonObject): number | undefined {
  const tasks = jobspec.tasks;
  if (!Array.isArray(tasks) || !isJsonObject(tasks[0])) return undefined;
  const count = tasks[0].count;
  if (!isJsonObject(count)) return undefined;
  const total = count.total;
  return isJsonInteger(total) ? toCInt(total) : undefined;
}

function deriveCounts(jobspec: JsonObject, fields: JobspecFields): void {
  const counts = resourceCounts(jobspec);
  fields.nnodes = counts.nnodes > 0 ? counts.nnodes : -1;

  const per = perResource(jobspec);
  if (per !== undefined && per.type === 'node') {
    if (counts.nnodes > 0) {
      fields.ntasks = counts.nnodes * per.count;
    } else {
      fields.tasksPerNode = per.count;
      fields.ntasks = -1;
    }
  } else if (per !== undefined && per.type === 'core') {
    if (counts.nnodes === 0) {
      fields.ntasks = counts.nslots * counts.slotSize * per.count;
    } else {
      fields.tasksPerCore = per.count;
      fields.ntasks = -1;
    }
  } else {
    fields.ntasks = tasksTotal(jobspec) ?? counts.nslots;
  }

  // With whole nodes requested exclusively the core count is only known from R.
  fields.ncores = counts.nnodes > 0 && counts.exclusive ? -1 : counts.nslots * counts.slotSize;
}

/**
 * Updates `fields` from `jobspec` as job-list does when a job is validated or its jobspec is
 * updated. Never throws for a malformed jobspec: derivation just stops where Flux's does.
 */
export function deriveJobspecFields(jobspec: Json | undefined, fields: JobspecFields): void {
  try {
    if (!isJsonObject(jobspec)) fail();
    deriveAttributes(jobspec, fields);
    deriveCounts(jobspec, fields);
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
  }
}
