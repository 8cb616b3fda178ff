/** Options of a generated workload, their defaults, and the checks that reject bad ones. */

export interface WorkloadOptions {
  /** How many jobs were submitted before `now` (default 3000). */
  jobs?: number;
  /** PRNG seed: the same seed and options give the same jobs, byte for byte (default 1). */
  seed?: number;
  /**
   * The workload's present, Unix seconds, taken to the millisecond: events after it have not
   * happened yet. Only absolute times depend on it: the other options alone decide the jobs,
   * their IDs, names, states and results.
   */
  now: number;
  /** Cluster size in nodes (default 64); broker rank r runs on host `${cluster}${r + 1}`. */
  nodes?: number;
  /** Cores on every node (default 32). */
  coresPerNode?: number;
  /** GPUs on each node of the GPU partition (default 4); other nodes have none. */
  gpusPerNode?: number;
  /** Queue names (default batch, debug, gpu); the first is the default queue. */
  queues?: string[];
  /** Hostname prefix (default "fluke"). */
  cluster?: string;
  /** How far back the history reaches, in days (default 3). */
  days?: number;
  /** The instance owner's uid, who raises system exceptions (default 0, root). */
  owner?: number;
}

export type WorkloadErrorCode = 'WORKLOAD_INVALID_OPTIONS';

export class WorkloadError extends Error {
  override readonly name: string = 'WorkloadError';
  constructor(
    readonly code: WorkloadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ResolvedOptions {
  jobs: number;
  seed: number;
  now: number;
  nodes: number;
  coresPerNode: number;
  gpusPerNode: number;
  queues: string[];
  cluster: string;
  days: number;
  owner: number;
}

export const DEFAULT_QUEUES: readonly string[] = ['batch', 'debug', 'gpu'];

/** The end of year 9999, Unix seconds. */
const LATEST_NOW = 253402300799;

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const HOST_PREFIX = /^[A-Za-z][A-Za-z-]*$/;

function invalid(message: string): never {
  throw new WorkloadError('WORKLOAD_INVALID_OPTIONS', message);
}

function integerIn(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Fills in defaults and rejects anything that would make a nonsensical cluster or history. */
export function resolveOptions(options: WorkloadOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') invalid('workload options must be an object');
  const { now } = options;
  if (typeof now !== 'number' || !Number.isFinite(now)) invalid(`now must be a finite number of Unix seconds, got ${String(now)}`);
  const days = options.days ?? 3;
  if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0 || days > 365) {
    invalid(`days must be a number greater than 0 and at most 365, got ${String(days)}`);
  }
  // The FLUID epoch sits up to a week before the history and must not fall before 1970.
  if (now < (days + 8) * 86400 || now > LATEST_NOW) invalid(`now ${now} is not a plausible Unix time for this history`);
  const seed = options.seed ?? 1;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) invalid(`seed must be a safe integer, got ${String(seed)}`);
  const queues = options.queues ?? [...DEFAULT_QUEUES];
  if (!Array.isArray(queues) || queues.length === 0) invalid('queues must be a non-empty array of names');
  const seen = new Set<string>();
  for (const queue of queues) {
    if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) invalid(`queue name ${JSON.stringify(queue)} is not valid`);
    if (seen.has(queue)) invalid(`queue ${queue} is listed twice`);
    seen.add(queue);
  }
  const cluster = options.cluster ?? 'fluke';
  if (typeof cluster !== 'string' || !HOST_PREFIX.test(cluster)) {
    invalid(`cluster must be letters and dashes (a hostname prefix), got ${JSON.stringify(cluster)}`);
  }
  return {
    jobs: integerIn('jobs', options.jobs, 3000, 0, 50_000_000),
    seed,
    // Whole milliseconds, like Flux's FLUID epoch: moving a planned workload to this present then
    // keeps its begin times and epoch on whole milliseconds too.
    now: Math.round(now * 1000) / 1000,
    nodes: integerIn('nodes', options.nodes, 64, 1, 16384),
    coresPerNode: integerIn('coresPerNode', options.coresPerNode, 32, 1, 1024),
    gpusPerNode: integerIn('gpusPerNode', options.gpusPerNode, 4, 0, 64),
    queues: [...queues],
    cluster,
    days,
    owner: integerIn('owner', options.owner, 0, 0, 4294967294),
  };
}
