/**
 * A job's redacted jobspec (RFC 14, what job-info returns for "jobspec"): the one the job was
 * submitted with, put back together from the parts the store interned (see store/job-trail.ts),
 * or, for a job loaded from a job-list record, one derived from the record's fields that
 * job-list would read the same fields from again.
 */
import type { Json, JsonObject } from '../../flux/json';
import { parseJson } from '../../flux/json';
import { isJsonObject, setPath } from '../store/json-value';
import type { JobStore } from '../store/job-store';

/** The jobspec as stored at submission (no update applied). */
export function jobspecDocument(store: JobStore, slot: number): Json {
  const t = store.jobs;
  const request = t.strings.get(t.jobspecRequest[slot] as number);
  const rest = t.strings.get(t.jobspecRest[slot] as number);
  if (request === undefined) return rest === undefined ? derivedJobspec(store, slot) : parseJson(rest);
  const [resources, tasks] = parseJson(request) as [Json, Json];
  const jobspec: JsonObject = {};
  if (resources !== null) jobspec.resources = resources;
  if (tasks !== null) jobspec.tasks = tasks;
  Object.assign(jobspec, parseJson(rest ?? '{}') as JsonObject);
  const dependencies = store.trail.dependencies(slot);
  if (dependencies !== undefined) {
    const attributes = jobspec.attributes;
    if (isJsonObject(attributes) && isJsonObject(attributes.system)) attributes.system.dependencies = dependencies;
  }
  return jobspec;
}

/** A jobspec for a record: tasks spread evenly over the nodes, one core each unless the record has more. */
function derivedJobspec(store: JobStore, slot: number): JsonObject {
  const t = store.jobs;
  const ntasks = Math.max(1, t.ntasks[slot] as number);
  const nnodes = t.nnodes[slot] as number;
  const ncores = t.ncores[slot] as number;
  const coresPerTask = ncores > 0 ? Math.max(1, Math.floor(ncores / ntasks)) : 1;
  const name = t.str(t.name, slot);
  const multiNode = nnodes > 1 && ntasks % nnodes === 0;
  const slotVertex: JsonObject = { type: 'slot', count: multiNode ? ntasks / nnodes : ntasks, with: [{ type: 'core', count: coresPerTask }], label: 'task' };
  const resources = multiNode ? [{ type: 'node', count: nnodes, with: [slotVertex] }] : [slotVertex];
  const system: JsonObject = { duration: Math.max(0, t.duration[slot] as number) };
  const cwd = t.str(t.cwd, slot);
  if (cwd !== undefined) system.cwd = cwd;
  for (const [key, column] of [['queue', t.queue], ['project', t.project], ['bank', t.bank]] as const) {
    const value = t.str(column, slot);
    if (value !== undefined) system[key] = value;
  }
  if (name !== undefined) system.job = { name };
  return {
    resources,
    tasks: [{ command: [name ?? 'job'], slot: 'task', count: { per_slot: 1 } }],
    attributes: { system },
    version: 1,
  };
}

/** Applies jobspec-update contexts in order, as job-info's CURRENT flag does: each key a dotted path. */
export function applyJobspecUpdates(jobspec: Json, updates: readonly JsonObject[]): Json {
  if (!isJsonObject(jobspec)) return jobspec;
  for (const update of updates) for (const key of Object.keys(update)) setPath(jobspec, key, update[key] as Json);
  return jobspec;
}
