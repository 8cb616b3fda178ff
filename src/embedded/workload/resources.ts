/**
 * Turns a job's resource request into Flux documents: the jobspec resource
 * tree and task list (RFC 14, the shapes `flux run`/`flux batch` produce), the
 * resource set R of its placement (RFC 20) and the scheduler's
 * `resource_summary` annotation (the text sched-simple writes).
 */
import type { JsonObject } from '../../flux/json';
import type { JobspecTask, ResourceSet, ResourceSetEntry, ResourceVertex } from '../../flux/jobspec';
import { encodeHostlist } from '../../flux/hostlist';
import { encodeIdset } from '../../flux/idset';
import type { ClusterLayout } from './cluster';
import type { Placement } from './timeline';
import type { ShapeKind } from './vocabulary';

/** What a job asks for. Exclusive requests take whole nodes; the others fit on one node. */
export interface ResourceRequest {
  shape: ShapeKind;
  exclusive: boolean;
  /** Whole nodes (exclusive requests only). */
  nodes: number;
  /** Task slots: per node when exclusive, in total otherwise. */
  slots: number;
  coresPerSlot: number;
  gpusPerSlot: number;
  ntasks: number;
}

/** Task slots the request asks for in all (what R calls nslots). */
export function slotCount(request: ResourceRequest): number {
  return request.exclusive ? request.nodes * request.slots : request.slots;
}

/** Cores and GPUs a shared request needs on its node. */
export function slotTotals(request: ResourceRequest): { cores: number; gpus: number } {
  return { cores: request.slots * request.coresPerSlot, gpus: request.slots * request.gpusPerSlot };
}

export function jobspecResources(request: ResourceRequest): ResourceVertex[] {
  const slotChildren: ResourceVertex[] = [{ type: 'core', count: request.coresPerSlot }];
  if (request.gpusPerSlot > 0) slotChildren.push({ type: 'gpu', count: request.gpusPerSlot });
  const slot: ResourceVertex = { type: 'slot', count: request.slots, with: slotChildren, label: 'task' };
  if (!request.exclusive) return [slot];
  return [{ type: 'node', count: request.nodes, with: [slot], exclusive: true }];
}

/** One task per slot, as `flux run`/`flux batch` write it. */
export function jobspecTasks(command: string[]): JobspecTask[] {
  return [{ command, slot: 'task', count: { per_slot: 1 } }];
}

/**
 * Shell options `flux batch` sets: one broker per node, no MPI plugin, no exit timeout, and
 * the script's output to flux-{{id}}.out in its working directory.
 */
export function batchShellOptions(): JsonObject {
  return {
    'per-resource': { type: 'node' },
    mpi: 'none',
    'exit-timeout': 'none',
    output: { stdout: { type: 'file', path: 'flux-{{id}}.out' } },
  };
}

/** Builds R and the resource summary for placements on one cluster, caching what repeats. */
export class ResourceSetBuilder {
  private readonly wholeNodeCores: string;
  private readonly gpuIdsets: string[];
  private readonly nodelists = new Map<string, string>();

  constructor(private readonly layout: ClusterLayout) {
    this.wholeNodeCores = idsetBare(layout.coresPerNode);
    this.gpuIdsets = [];
    for (let g = 0; g <= 64; g++) this.gpuIdsets.push(idsetBare(g));
  }

  /**
   * R for a placement as sched-simple writes it in flux-core 0.88 (keys in that order, with the
   * request's slot count); `expiration` 0 means no time limit.
   */
  resourceSet(placement: Placement, expiration: number, nslots: number): ResourceSet {
    const groups = this.groups(placement);
    const R_lite: ResourceSetEntry[] = groups.map((group) => {
      const children: Record<string, string> = { core: group.cores };
      if (group.gpus !== '') children.gpu = group.gpus;
      return { rank: compactIds(group.ranks, false), children };
    });
    return {
      version: 1,
      execution: {
        R_lite,
        starttime: placement.start,
        expiration,
        nslots,
        nodelist: [this.nodelist(placement.ranks)],
      },
    };
  }

  /** The hostlist of some ranks; the same node sets come up again and again, so they are remembered. */
  private nodelist(ranks: number[]): string {
    if (ranks.length === 1) return this.layout.hostnames[ranks[0] as number] as string;
    const key = ranks.join(',');
    let text = this.nodelists.get(key);
    if (text === undefined) {
      if (this.nodelists.size >= 4096) this.nodelists.clear();
      text = encodeHostlist(ranks.map((rank) => this.layout.hostnames[rank] as string));
      this.nodelists.set(key, text);
    }
    return text;
  }

  /** sched-simple's summary: "rank0/core[3-4]", "rank[0-3]/core[0-31],gpu[0-3]", groups joined by spaces. */
  summary(placement: Placement): string {
    return this.groups(placement)
      .map((group) => {
        const gpus = group.gpus === '' ? '' : `,gpu${bracketed(group.gpus)}`;
        return `rank${compactIds(group.ranks, true)}/core${bracketed(group.cores)}${gpus}`;
      })
      .join(' ');
  }

  /** Ranks that hold identical resources, in rank order (the grouping R_lite uses). */
  private groups(placement: Placement): Array<{ ranks: number[]; cores: string; gpus: string }> {
    if (placement.cores !== null) {
      return [
        {
          ranks: placement.ranks,
          cores: compactIds(placement.cores, false),
          gpus: placement.gpus === null || placement.gpus.length === 0 ? '' : compactIds(placement.gpus, false),
        },
      ];
    }
    const groups: Array<{ ranks: number[]; cores: string; gpus: string }> = [];
    for (const rank of placement.ranks) {
      const gpus = this.gpuIdsets[this.layout.gpus[rank] as number] as string;
      const group = groups.find((g) => g.gpus === gpus);
      if (group) group.ranks.push(rank);
      else groups.push({ ranks: [rank], cores: this.wholeNodeCores, gpus });
    }
    return groups;
  }
}

/** encodeIdset with a shortcut for the common cases: one id, or one run of ascending ids. */
function compactIds(ids: readonly number[], brackets: boolean): string {
  const n = ids.length;
  const lo = ids[0] as number;
  if (n === 1) return `${lo}`;
  if (n > 1 && (ids[n - 1] as number) - lo === n - 1) return brackets ? `[${lo}-${lo + n - 1}]` : `${lo}-${lo + n - 1}`;
  return encodeIdset(ids, { brackets });
}

/** "0-(n-1)" as an idset without brackets; "" for n = 0. */
function idsetBare(n: number): string {
  if (n === 0) return '';
  return n === 1 ? '0' : `0-${n - 1}`;
}

/** Adds brackets to a bare idset that holds more than one id, as Flux displays them. */
function bracketed(bare: string): string {
  return /[-,]/.test(bare) ? `[${bare}]` : bare;
}
