/**
 * What a submission asks for: which queue, which user, which application and
 * resources, with what urgency; and how long it would run, and what limit the
 * user gives it.
 */
import { Urgency } from '../../flux/constants';
import type { ClusterLayout, QueueKind, QueueLayout } from './cluster';
import type { SeededRandom } from './random';
import { WeightedChoice } from './random';
import type { ResourceRequest } from './resources';
import type { AppTemplate, ShapeKind, UserProfile } from './vocabulary';
import { APPS, USERS } from './vocabulary';

// Module-level copies: a global lookup (Math, Infinity) is slow in some hosts, jest's
// sandbox among them, and these run millions of times.
const { floor, max, min } = Math;

export interface SubmissionSpec {
  userIndex: number;
  user: UserProfile;
  queue: QueueLayout;
  app: AppTemplate;
  request: ResourceRequest;
  urgency: number;
}

/** Time limits people type (seconds), smallest first. */
const NICE_LIMITS = [60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400, 21600, 28800, 43200, 86400];

/** Whole-node counts and how often each is asked for. */
const NODE_COUNTS = [1, 2, 4, 8, 16, 32, 64, 128];
const NODE_COUNT_WEIGHTS = [45, 20, 14, 10, 6, 3, 1.5, 0.5];

/** Array submission sizes (`flux submit --cc`). */
const ARRAY_SIZES = new WeightedChoice([2, 3, 4, 5, 8, 10, 16, 20, 25, 32, 50, 100], [12, 10, 10, 8, 8, 12, 8, 8, 4, 6, 3, 2]);

const FALLBACK_APP: Record<QueueKind, string> = { batch: 'batchScript', debug: 'hostname', gpu: 'nbody' };

export class SubmissionChooser {
  private readonly queueChoice: WeightedChoice<QueueLayout>;
  private readonly userChoice: Record<QueueKind, WeightedChoice<number>>;
  private readonly appChoice: Array<Record<QueueKind, WeightedChoice<AppTemplate>>>;

  constructor(private readonly layout: ClusterLayout) {
    this.queueChoice = new WeightedChoice(
      layout.queues,
      layout.queues.map((q) => q.share),
    );
    const userIndices = USERS.map((_, i) => i);
    const byKind = (kind: QueueKind): WeightedChoice<number> =>
      new WeightedChoice(
        userIndices,
        USERS.map((u) => u.weight * u.queueAffinity[kind] + 1e-9),
      );
    this.userChoice = { batch: byKind('batch'), debug: byKind('debug'), gpu: byKind('gpu') };
    this.appChoice = USERS.map((user) => {
      const forKind = (kind: QueueKind): WeightedChoice<AppTemplate> => {
        const entries = user.apps[kind].length > 0 ? user.apps[kind] : [[FALLBACK_APP[kind], 1] as [string, number]];
        return new WeightedChoice(
          entries.map(([id]) => APPS[id] as AppTemplate),
          entries.map(([, w]) => w),
        );
      };
      return { batch: forKind('batch'), debug: forKind('debug'), gpu: forKind('gpu') };
    });
  }

  choose(r: SeededRandom): SubmissionSpec {
    const queue = this.queueChoice.draw(r);
    const userIndex = this.userChoice[queue.kind].draw(r);
    const user = USERS[userIndex] as UserProfile;
    const app = (this.appChoice[userIndex] as Record<QueueKind, WeightedChoice<AppTemplate>>)[queue.kind].draw(r);
    return { userIndex, user, queue, app, request: this.request(r, app.shape, queue), urgency: this.urgency(r, user) };
  }

  /** How many jobs an array submission of this spec holds (1 for a single job). */
  arraySize(r: SeededRandom, spec: SubmissionSpec): number {
    return r.chance(spec.user.arrayRate) ? ARRAY_SIZES.draw(r) : 1;
  }

  /**
   * How long the job would run if nothing stopped it, and the time limit its
   * user asks for (0 = none), both in seconds. Both are drawn at the site's
   * usual scale (hours) and multiplied by `scale`, which adapts them to the
   * load; a limit scaled below one hour keeps two significant digits.
   */
  timing(r: SeededRandom, app: AppTemplate, queue: QueueLayout, scale: number): { runtime: number; duration: number } {
    let nominal = max(0.02, min(app.runtimeMedian * 30, r.logNormal(app.runtimeMedian, app.runtimeSigma)));
    // People mostly size their runs to what the queue allows.
    if (nominal > queue.maxDuration && r.chance(0.9)) nominal = queue.maxDuration * r.between(0.3, 0.95);
    const runtime = max(0.02, nominal * scale);
    if (queue.kind === 'batch' && r.chance(0.1)) return { runtime, duration: 0 };
    const nice = (seconds: number): number =>
      min(NICE_LIMITS.find((limit) => limit >= seconds) ?? (NICE_LIMITS[NICE_LIMITS.length - 1] as number), queue.maxDuration);
    const margin = r.between(1.3, 4);
    if (scale >= 1) return { runtime, duration: nice(runtime * margin) };
    // Shorter jobs get shorter limits, still the round numbers people type.
    const scaled = nice(nominal * margin) * scale;
    return { runtime, duration: scaled >= 60 ? nice(scaled) : max(1, Number(scaled.toPrecision(2))) };
  }

  private urgency(r: SeededRandom, user: UserProfile): number {
    // Only the instance owner may raise urgency above the default.
    if (user.uid === 0) return r.chance(0.5) ? Urgency.EXPEDITE : Urgency.DEFAULT;
    const roll = r.float();
    if (roll < 0.02) return Urgency.HOLD;
    if (roll < 0.04) return 8;
    if (roll < 0.05) return 12;
    if (roll < 0.055) return 4;
    return Urgency.DEFAULT;
  }

  private request(r: SeededRandom, shape: ShapeKind, queue: QueueLayout): ResourceRequest {
    const cores = this.layout.coresPerNode;
    const poolSize = queue.endRank - queue.firstRank;
    const fit = (n: number): number => max(1, min(n, cores));
    if (queue.kind === 'debug') {
      // Debug nodes are shared core by core; everything runs as a few tasks on one node.
      switch (shape) {
        case 'threads':
          return shared(shape, 1, fit(r.pick([2, 4, 8])), 0);
        case 'serial':
          return shared(shape, fit(r.pick([1, 1, 1, 2, 4])), 1, 0);
        default:
          return shared(shape, fit(r.pick([2, 4, 8, 16])), 1, 0);
      }
    }
    const gpusOnNode = this.layout.gpus[queue.firstRank] as number;
    if (queue.kind === 'gpu' && shape === 'gpu' && gpusOnNode > 0) {
      const tasks = min(gpusOnNode, r.pick([1, 1, 2, 4]));
      return shared(shape, tasks, max(1, floor(cores / gpusOnNode)), 1);
    }
    // Batch queues (and anything else on GPU nodes) hand out whole nodes.
    const cap = max(1, floor(poolSize / 2));
    const nodes = this.nodeCount(r, queue.kind === 'gpu' ? min(cap, 4) : cap);
    switch (shape) {
      case 'mpi':
        return exclusive(shape, nodes, cores, 1, nodes * cores);
      case 'hybrid':
        return exclusive(shape, nodes, 1, cores, nodes);
      case 'script':
        return exclusive(shape, nodes, 1, 1, nodes);
      case 'threads':
        return exclusive(shape, 1, 1, fit(r.pick([4, 8, 16, 32])), 1);
      default: {
        const tasks = fit(r.pick([1, 2, 4, 8]));
        return exclusive(shape, 1, tasks, 1, tasks);
      }
    }
  }

  private nodeCount(r: SeededRandom, cap: number): number {
    let total = 0;
    for (let i = 0; i < NODE_COUNTS.length; i++) if ((NODE_COUNTS[i] as number) <= cap) total += NODE_COUNT_WEIGHTS[i] as number;
    let target = r.float() * total;
    for (let i = 0; i < NODE_COUNTS.length; i++) {
      if ((NODE_COUNTS[i] as number) > cap) continue;
      target -= NODE_COUNT_WEIGHTS[i] as number;
      if (target < 0) return NODE_COUNTS[i] as number;
    }
    return 1;
  }
}

function shared(shape: ShapeKind, slots: number, coresPerSlot: number, gpusPerSlot: number): ResourceRequest {
  return { shape, exclusive: false, nodes: 1, slots, coresPerSlot, gpusPerSlot, ntasks: slots };
}

function exclusive(shape: ShapeKind, nodes: number, slots: number, coresPerSlot: number, ntasks: number): ResourceRequest {
  return { shape, exclusive: true, nodes, slots, coresPerSlot, gpusPerSlot: 0, ntasks };
}
