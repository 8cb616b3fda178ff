/**
 * When jobs are submitted, and the job IDs they get. Submissions follow a
 * daily rhythm (busiest at 15:00 on the clock the workload is planned on,
 * which puts the peak about six hours before the history's present); the
 * history places exactly `count` submissions between its start and `now`, the
 * live continuation is an open-ended Poisson process at the same average rate.
 */
import { makeFluid, MAX_FLUID_SEQUENCE } from '../../flux/jobid';
import type { SeededRandom } from './random';

// Module-level copies: a global lookup (Math, Infinity) is slow in some hosts, jest's
// sandbox among them, and these run millions of times.
const { abs, cos, floor, pow, sin } = Math;

const DAY = 86400;
/** Busiest hour of the day, seconds after midnight UTC on the planning clock. */
const PEAK = 15 * 3600;
/** How strongly the rate swings over a day (0 = flat, must stay below 1). */
const SWING = 0.5;
const OMEGA = (2 * Math.PI) / DAY;

/** Relative submission rate at time t (mean 1 over a day). */
function intensity(t: number): number {
  return 1 + SWING * cos(OMEGA * (t - PEAK));
}

/** Integral of the intensity: maps wall time onto "expected submissions" time. */
function cumulative(t: number): number {
  return t + (SWING / OMEGA) * sin(OMEGA * (t - PEAK));
}

/** Inverse of `cumulative`, by Newton's method (the function is smooth and strictly increasing). */
function inverseCumulative(y: number): number {
  let t = y;
  for (let i = 0; i < 8; i++) {
    const step = (cumulative(t) - y) / intensity(t);
    t -= step;
    if (abs(step) < 1e-7) break;
  }
  return t;
}

/** Exactly `count` submission times in (start, end), ascending, drawn one at a time. */
export class HistoryArrivals {
  private drawn = 0;
  private position = 0;
  private readonly from: number;
  private readonly span: number;

  constructor(
    private readonly random: SeededRandom,
    start: number,
    end: number,
    private readonly count: number,
  ) {
    this.from = cumulative(start);
    this.span = cumulative(end) - this.from;
  }

  get remaining(): number {
    return this.count - this.drawn;
  }

  /** The next time, or null after `count` of them. */
  next(): number | null {
    if (this.drawn >= this.count) return null;
    // The minimum of the remaining uniforms, so the sequence comes out sorted.
    const left = this.count - this.drawn;
    this.position += (1 - this.position) * (1 - pow(this.random.floatNonZero(), 1 / left));
    this.drawn++;
    return inverseCumulative(this.from + this.position * this.span);
  }
}

/** Submission times after `start` at `rate` jobs per second on average, with the daily rhythm. */
export class LiveArrivals {
  private level: number;

  constructor(
    private readonly random: SeededRandom,
    start: number,
    private readonly rate: number,
  ) {
    this.level = cumulative(start);
  }

  /** The next time, or null when the rate is zero. */
  next(): number | null {
    if (!(this.rate > 0)) return null;
    this.level += this.random.exponential(1 / this.rate);
    return inverseCumulative(this.level);
  }
}

/**
 * Hands out FLUIDs (generator 0, as on rank 0) in submission order: the
 * timestamp is milliseconds since the instance's epoch, and submissions in the
 * same millisecond take the next sequence number.
 */
export class JobIdSequence {
  private lastMs = -1;
  private sequence = 0;

  constructor(
    /** The instance's FLUID epoch, Unix seconds. */
    readonly epoch: number,
  ) {}

  next(submitTime: number): bigint {
    let ms = floor((submitTime - this.epoch) * 1000);
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.sequence++;
      if (this.sequence > MAX_FLUID_SEQUENCE) {
        ms++;
        this.sequence = 0;
      }
    } else {
      this.sequence = 0;
    }
    this.lastMs = ms;
    return makeFluid(BigInt(ms), 0, this.sequence);
  }
}
