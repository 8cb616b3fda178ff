/**
 * The job fields job-list derives from the resource set R (flux-core job_data.c parse_R over
 * librlist): expiration, ranks, nnodes, nodelist, ncores, and task counts that depend on R.
 *
 * Like Flux, a malformed R changes nothing, and an R whose hosts are not named still yields
 * the fields that do not need them.
 */
import type { Json } from '../../flux/json';
import { encodeHostlist, parseHostlist } from '../../flux/hostlist';
import { encodeIdset, idsetSize, parseIdsetRanges, type IdRange } from '../../flux/idset';
import { isJsonInteger, isJsonNumber, isJsonObject, toNumber } from './json-value';

export interface ResourceFields {
  expiration: number;
  nnodes: number;
  ntasks: number;
  ncores: number;
  ranks: string | undefined;
  nodelist: string | undefined;
  /** From the jobspec: tasks per node / per core once R is known (0 = not requested). */
  readonly tasksPerNode: number;
  readonly tasksPerCore: number;
}

/** More broker ranks than any instance has; refused rather than expanded. */
const MAX_RANKS = 1 << 20;

interface ParsedR {
  expiration: number;
  nnodes: number;
  /** The ranks as job-list writes them ("0", "[0-3]"). */
  ranks: string;
  /** The hosts in rank order as a hostlist, or undefined when R names none. */
  nodelist: string | undefined;
  ncores: number;
}

function rangesOverlap(a: readonly IdRange[], b: readonly IdRange[]): boolean {
  for (const x of a) for (const y of b) if (x.lo <= y.hi && y.lo <= x.hi) return true;
  return false;
}

/** Parses R version 1 as librlist does, or returns undefined when it would refuse it. */
function parseR(R: Json | undefined): ParsedR | undefined {
  if (!isJsonObject(R)) return undefined;
  const version = R.version;
  const execution = R.execution;
  if (!isJsonInteger(version) || !isJsonObject(execution)) return undefined;
  const rLite = execution.R_lite;
  if (rLite === undefined) return undefined;
  const nodelist = execution.nodelist;
  const nslots = execution.nslots;
  const starttime = execution.starttime;
  const expiration = execution.expiration;
  if (nslots !== undefined && !isJsonInteger(nslots)) return undefined;
  if (starttime !== undefined && !isJsonNumber(starttime)) return undefined;
  if (expiration !== undefined && !isJsonNumber(expiration)) return undefined;
  if (Number(version) !== 1) return undefined;

  // Cores per rank, merged across R_lite entries; the same core twice on a rank is an error.
  const coresByRank = new Map<number, IdRange[]>();
  try {
    for (const entry of Array.isArray(rLite) ? rLite : []) {
      if (!isJsonObject(entry)) return undefined;
      const rank = entry.rank;
      const children = entry.children;
      if (typeof rank !== 'string' || children === undefined) return undefined;
      let cores: IdRange[] = [];
      if (isJsonObject(children)) {
        for (const [name, ids] of Object.entries(children)) {
          if (typeof ids !== 'string') return undefined;
          const ranges = parseIdsetRanges(ids);
          if (name === 'core') cores = ranges;
        }
      }
      const rankRanges = parseIdsetRanges(rank);
      if (idsetSize(rankRanges) > MAX_RANKS) return undefined;
      for (const range of rankRanges) {
        for (let r = range.lo; r <= range.hi; r++) {
          const existing = coresByRank.get(r);
          if (existing === undefined) coresByRank.set(r, cores);
          else if (rangesOverlap(existing, cores)) return undefined;
          else coresByRank.set(r, [...existing, ...cores]);
        }
      }
    }
  } catch {
    return undefined; // an idset librlist cannot decode
  }
  const nodes = [...coresByRank.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([rank, cores]) => ({ rank, cores: idsetSize(cores) }));

  let hosts: string[] | undefined;
  if (nodelist !== undefined) {
    hosts = [];
    try {
      for (const text of Array.isArray(nodelist) ? nodelist : []) {
        if (typeof text !== 'string') return undefined;
        hosts.push(...parseHostlist(text));
      }
    } catch {
      return undefined;
    }
    if (hosts.length !== nodes.length) return undefined;
  }
  const exp = expiration === undefined ? 0 : toNumber(expiration);
  return {
    expiration: exp > 0 ? exp : 0,
    nnodes: nodes.length,
    ranks: encodeIdset(nodes.map((node) => node.rank)),
    nodelist: hosts === undefined ? undefined : encodeHostlist(hosts),
    ncores: nodes.reduce((sum, node) => sum + node.cores, 0),
  };
}

/**
 * Parsed R by document. Workloads share R objects between jobs, and the store copies an R
 * before changing it, so a document's parse never goes stale.
 */
const parsedByDocument = new WeakMap<object, ParsedR | null>();

function parseRCached(R: Json | undefined): ParsedR | undefined {
  if (!isJsonObject(R)) return undefined;
  let parsed = parsedByDocument.get(R);
  if (parsed === undefined) parsedByDocument.set(R, (parsed = parseR(R) ?? null));
  return parsed ?? undefined;
}

/** Updates `fields` from R as job-list does on `alloc` and `resource-update`. */
export function deriveResourceFields(R: Json | undefined, fields: ResourceFields): void {
  const parsed = parseRCached(R);
  if (parsed === undefined) return;
  fields.expiration = parsed.expiration;
  fields.nnodes = parsed.nnodes;
  if (fields.tasksPerNode > 0) fields.ntasks = fields.nnodes * fields.tasksPerNode;
  fields.ranks = parsed.ranks;
  // Without host names Flux cannot build the nodelist and stops before counting cores.
  if (parsed.nodelist === undefined) return;
  fields.nodelist = parsed.nodelist;
  fields.ncores = parsed.ncores;
  if (fields.tasksPerCore > 0) fields.ntasks = fields.ncores * fields.tasksPerCore;
}
