/**
 * The resource set R (RFC 20, version 1) a job record implies, as flux-core 0.88's scheduler
 * writes it: the record's ranks, nodelist, expiration and alloc time, with the cores and GPUs
 * of each rank read back from the scheduler's `sched.resource_summary` annotation
 * ("rank[0-3]/core[0-31],gpu[0-3] rank4/core[0-15]"), and the jobspec's slot count. Without
 * that annotation every rank gets the record's cores per node, numbered from 0.
 *
 * The inverse of what resource-fields.ts reads from R: for the R sched-simple writes it gives
 * back the same document, so the store keeps an R only when it is some other one.
 */
import type { Json, JsonObject } from '../../flux/json';
import { parseJson } from '../../flux/json';
import { idsetSize, parseIdsetRanges } from '../../flux/idset';
import { isJsonObject } from './json-value';
import type { JobTable } from './job-table';

/**
 * The R the record implies, or undefined before alloc. `annotations` is the alloc event's (or
 * the record's) annotations text index; `expiration` the scheduler's (before any update).
 */
export function impliedResourceSet(t: JobTable, slot: number, annotations: number, expiration: number): JsonObject | undefined {
  const tRun = t.tRun[slot] as number;
  const ranks = t.str(t.ranks, slot);
  if (tRun <= 0 || ranks === undefined) return undefined;
  const annotationsText = t.strings.get(annotations);
  const R_lite = rLiteFromSummary(annotationsText === undefined ? undefined : parseJson(annotationsText)) ?? evenRLite(t, slot, ranks);
  const execution: JsonObject = {
    R_lite,
    starttime: tRun,
    expiration: expiration > 0 ? expiration : 0,
    nslots: slotCount(t, slot),
  };
  const nodelist = t.str(t.nodelist, slot);
  if (nodelist !== undefined) execution.nodelist = [nodelist];
  return { version: 1, execution };
}

/** Splits at commas outside brackets: "core[0,2],gpu1" -> ["core[0,2]", "gpu1"]. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unbracketed(ids: string): string {
  return ids.startsWith('[') && ids.endsWith(']') ? ids.slice(1, -1) : ids;
}

const NAMED_IDS = /^([a-z]+)(\d+|\[[0-9,-]+\])$/;

/** R_lite from sched-simple's summary, or undefined when there is none or it does not parse. */
function rLiteFromSummary(annotations: Json | undefined): JsonObject[] | undefined {
  if (!isJsonObject(annotations) || !isJsonObject(annotations.sched)) return undefined;
  const summary = annotations.sched.resource_summary;
  if (typeof summary !== 'string' || summary === '') return undefined;
  const entries: JsonObject[] = [];
  for (const group of summary.split(' ')) {
    const slash = group.indexOf('/');
    if (slash < 0) return undefined;
    const rank = NAMED_IDS.exec(group.slice(0, slash));
    if (rank === null || rank[1] !== 'rank') return undefined;
    const children: JsonObject = {};
    for (const part of splitTopLevel(group.slice(slash + 1))) {
      const child = NAMED_IDS.exec(part);
      if (child === null) return undefined;
      children[child[1] as string] = unbracketed(child[2] as string);
    }
    entries.push({ rank: unbracketed(rank[2] as string), children });
  }
  return entries;
}

/** R_lite giving every rank the record's cores per node. */
function evenRLite(t: JobTable, slot: number, ranks: string): JsonObject[] {
  const nodes = Math.max(1, idsetSize(parseIdsetRanges(unbracketed(ranks))));
  const perNode = Math.max(1, Math.floor((t.ncores[slot] as number) / nodes));
  return [{ rank: unbracketed(ranks), children: { core: perNode === 1 ? '0' : `0-${perNode - 1}` } }];
}

/** Slot counts by interned request text: many jobs share a request. */
const slotsByRequest = new WeakMap<JobTable, Map<number, number>>();

/** Task slots of the request: the jobspec's slot count times the nodes it asks for. */
export function slotCount(t: JobTable, slot: number): number {
  const index = t.jobspecRequest[slot] as number;
  if (index !== 0) {
    let known = slotsByRequest.get(t);
    if (known === undefined) slotsByRequest.set(t, (known = new Map()));
    let count = known.get(index);
    if (count === undefined) {
      const [resources] = parseJson(t.strings.get(index) as string) as [Json];
      known.set(index, (count = slotsIn(resources, 1)));
    }
    if (count > 0) return count;
  }
  return Math.max(1, t.ntasks[slot] as number);
}

function slotsIn(vertices: Json, multiplier: number): number {
  if (!Array.isArray(vertices)) return 0;
  let total = 0;
  for (const vertex of vertices) {
    if (!isJsonObject(vertex) || typeof vertex.count !== 'number') continue;
    const count = vertex.count * multiplier;
    total += vertex.type === 'slot' ? count : slotsIn(vertex.with ?? null, count);
  }
  return total;
}
