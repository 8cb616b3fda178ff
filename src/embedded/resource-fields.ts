/**
 * The job fields job-list derives from the resource set R (flux-core job_data.c parse_R over
 * librlist): expiration, ranks, nnodes, nodelist, ncores, and task counts that depend on R.
 *
 * Like Flux, a malformed R changes nothing, and an R whose hosts are not named still yields
 * the fields that do not need them.
 */
import type { Json } from '../flux/json';
import { encodeHostlist, parseHostlist } from '../flux/hostlist';
import { encodeIdset, idsetSize, parseIdsetRanges, type IdRange } from '../flux/idset';
import { isJsonInteger, isJsonNumber, isJsonObject, member, toNumber } from './json-value';

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
  /** Broker ranks ascending, each with its core count. */
  nodes: Array<{ rank: number; cores: number }>;
  /** Host of each node in rank order, or undefined when R names none (or names them badly). */
  hosts: string[] | undefined;
}

function rangesOverlap(a: readonly IdRange[], b: readonly IdRange[]): boolean {
  for (const x of a) for (const y of b) if (x.lo <= y.hi && y.lo <= x.hi) return true;
  return false;
}

/** Parses R version 1 as librlist does, or returns undefined when it would refuse it. */
function parseR(R: Json | undefined): ParsedR | undefined {
  if (!isJsonObject(R)) return undefined;
  const version = member(R, 'version');
  const execution = member(R, 'execution');
  if (!isJsonInteger(version) || !isJsonObject(execution)) return undefined;
  const rLite = member(execution, 'R_lite');
  if (rLite === undefined) return undefined;
  const nodelist = member(execution, 'nodelist');
  const nslots = member(execution, 'nslots');
  const starttime = member(execution, 'starttime');
  const expiration = member(execution, 'expiration');
  if (nslots !== undefined && !isJsonInteger(nslots)) return undefined;
  if (starttime !== undefined && !isJsonNumber(starttime)) return undefined;
  if (expiration !== undefined && !isJsonNumber(expiration)) return undefined;
  if (Number(version) !== 1) return undefined;

  // Cores per rank, merged across R_lite entries; the same core twice on a rank is an error.
  const coresByRank = new Map<number, IdRange[]>();
  try {
    for (const entry of Array.isArray(rLite) ? rLite : []) {
      if (!isJsonObject(entry)) return undefined;
      const rank = member(entry, 'rank');
      const children = member(entry, 'children');
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
  return { expiration: exp > 0 ? exp : 0, nodes, hosts };
}

/** Updates `fields` from R as job-list does on `alloc` and `resource-update`. */
export function deriveResourceFields(R: Json | undefined, fields: ResourceFields): void {
  const parsed = parseR(R);
  if (parsed === undefined) return;
  fields.expiration = parsed.expiration;
  fields.nnodes = parsed.nodes.length;
  if (fields.tasksPerNode > 0) fields.ntasks = fields.nnodes * fields.tasksPerNode;
  fields.ranks = encodeIdset(parsed.nodes.map((node) => node.rank));
  // Without host names Flux cannot build the nodelist and stops before counting cores.
  if (parsed.hosts === undefined) return;
  fields.nodelist = encodeHostlist(parsed.hosts);
  fields.ncores = parsed.nodes.reduce((sum, node) => sum + node.cores, 0);
  if (fields.tasksPerCore > 0) fields.ntasks = fields.ncores * fields.tasksPerCore;
}
