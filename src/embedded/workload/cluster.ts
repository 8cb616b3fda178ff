/**
 * The simulated cluster: hostnames by broker rank, and which nodes each queue
 * runs on. Queue behaviour follows the queue's name: "debug"-like queues share
 * nodes core by core, "gpu"-like queues run on the GPU nodes, every other
 * queue is a batch queue that allocates whole nodes.
 */
import type { ResolvedOptions } from './options';

export type QueueKind = 'batch' | 'debug' | 'gpu';

export interface QueueLayout {
  name: string;
  kind: QueueKind;
  /** Ranks [firstRank, endRank) this queue may allocate. */
  firstRank: number;
  endRank: number;
  /** Share of submitted jobs that go to this queue (all queues sum to 1). */
  share: number;
  /** The longest time limit the queue accepts, seconds. */
  maxDuration: number;
}

export interface ClusterLayout {
  hostnames: string[];
  coresPerNode: number;
  /** GPUs on each rank (0 outside the GPU partition). */
  gpus: Uint8Array;
  queues: QueueLayout[];
}

const KIND_SHARE: Record<QueueKind, number> = { batch: 0.6, debug: 0.25, gpu: 0.15 };
const KIND_MAX_DURATION: Record<QueueKind, number> = { batch: 86400, debug: 3600, gpu: 43200 };

export function queueKind(name: string): QueueKind {
  if (/debug|devel|test|interactive/i.test(name)) return 'debug';
  if (/gpu|cuda|accel/i.test(name)) return 'gpu';
  return 'batch';
}

export function buildCluster(options: ResolvedOptions): ClusterLayout {
  const n = options.nodes;
  const hostnames = new Array<string>(n);
  for (let rank = 0; rank < n; rank++) hostnames[rank] = `${options.cluster}${rank + 1}`;

  const kinds = options.queues.map(queueKind);
  const has = (kind: QueueKind): boolean => kinds.includes(kind);
  let ranges: Record<QueueKind, [number, number]>;
  if (n < 8) {
    // Too small to partition: every queue shares every node.
    ranges = { batch: [0, n], debug: [0, n], gpu: [0, n] };
  } else {
    const gpuNodes = has('gpu') ? Math.max(1, Math.floor(n / 8)) : 0;
    const debugNodes = has('debug') ? Math.max(1, Math.floor(n / 16)) : 0;
    const batchEnd = n - gpuNodes - debugNodes;
    ranges = { batch: [0, batchEnd], debug: [batchEnd, n - gpuNodes], gpu: [n - gpuNodes, n] };
    // Nodes of an absent partition go to a neighbouring queue rather than idle.
    if (!has('batch')) {
      if (has('debug')) ranges.debug = [0, n - gpuNodes];
      else ranges.gpu = [0, n];
    }
  }

  const gpus = new Uint8Array(n);
  if (has('gpu')) for (let rank = ranges.gpu[0]; rank < ranges.gpu[1]; rank++) gpus[rank] = options.gpusPerNode;

  const kindCount = (kind: QueueKind): number => kinds.filter((k) => k === kind).length;
  const totalShare = (['batch', 'debug', 'gpu'] as const).reduce((sum, kind) => sum + (has(kind) ? KIND_SHARE[kind] : 0), 0);
  const queues = options.queues.map((name, i): QueueLayout => {
    const kind = kinds[i] as QueueKind;
    const [firstRank, endRank] = ranges[kind];
    return {
      name,
      kind,
      firstRank,
      endRank,
      share: KIND_SHARE[kind] / totalShare / kindCount(kind),
      maxDuration: KIND_MAX_DURATION[kind],
    };
  });
  return { hostnames, coresPerNode: options.coresPerNode, gpus, queues };
}
