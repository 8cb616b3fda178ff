/**
 * Resource bookkeeping for planning jobs ahead of time. Every node, core and
 * GPU keeps the intervals it is booked for; a job is placed on resources free
 * for its whole stay (alloc to free), in the earliest gap that fits. So no two
 * allocations ever overlap, and a reservation far in the future (a held job
 * released tomorrow) does not keep today's jobs off its nodes.
 *
 * Intervals that end before the planning clock are forgotten: nothing placed
 * later can start before the clock, so the lists stay a few entries long.
 */
import type { ClusterLayout } from './cluster';

// Module-level copies: a global lookup (Math, Infinity) is slow in some hosts, jest's
// sandbox among them, and these run millions of times.
const { max } = Math;
const FOREVER = Number.POSITIVE_INFINITY;

/** Where and when a job runs. `cores`/`gpus` null mean "every core/GPU of each node" (exclusive). */
export interface Placement {
  start: number;
  /** Ascending broker ranks. */
  ranks: number[];
  /** Core ids on the single rank of a shared placement, ascending; null for whole nodes. */
  cores: number[] | null;
  gpus: number[] | null;
}

/** Busy intervals as a flat list: [start0, end0, start1, end1, ...], by start time; ends exclusive. */
type Bookings = number[];

export class ResourceTimeline {
  private readonly nodeBookings: Bookings[];
  private readonly coreBookings: Bookings[];
  private readonly gpuBookings: Bookings[];
  private readonly coresPerNode: number;
  private readonly gpuStride: number;
  /** Ranks that some queue shares core by core; elsewhere only whole-node bookings matter. */
  private readonly sharedRanks: Uint8Array;
  private clock = -FOREVER;
  private readonly windows = new Windows();

  constructor(private readonly layout: ClusterLayout) {
    const n = layout.hostnames.length;
    this.coresPerNode = layout.coresPerNode;
    this.gpuStride = max(1, ...Array.from(layout.gpus));
    this.nodeBookings = Array.from({ length: n }, () => []);
    this.coreBookings = Array.from({ length: n * this.coresPerNode }, () => []);
    this.gpuBookings = Array.from({ length: n * this.gpuStride }, () => []);
    this.sharedRanks = new Uint8Array(n);
    for (const queue of layout.queues) {
      if (queue.kind === 'batch') continue;
      for (let rank = queue.firstRank; rank < queue.endRank; rank++) this.sharedRanks[rank] = 1;
    }
  }

  /** No later placement starts before `time`; bookings over by then can be dropped. */
  advance(time: number): void {
    if (time > this.clock) this.clock = time;
  }

  /** Earliest placement of `count` whole nodes among ranks [first, end), free for `length` seconds from a start not before `earliest`. */
  placeNodes(first: number, end: number, count: number, earliest: number, length: number): Placement {
    if (count < 1 || count > end - first) throw new RangeError(`cannot place ${count} nodes on ranks ${first}..${end - 1}`);
    const ranks: number[] = [];
    for (let rank = first; rank < end && ranks.length < count; rank++) {
      if (isFree(this.bookings(this.nodeBookings, rank), earliest, earliest + length)) ranks.push(rank);
    }
    if (ranks.length === count) return { start: earliest, ranks, cores: null, gpus: null };

    // Sweep over the windows in which each node could host the job: the first
    // moment `count` windows overlap is the start.
    const windows = this.windows.reset();
    for (let rank = first; rank < end; rank++) windows.add(this.bookings(this.nodeBookings, rank), earliest, length);
    const start = windows.firstOverlap(count);
    const fits: number[] = [];
    for (let rank = first; rank < end; rank++) {
      if (isFree(this.nodeBookings[rank] as Bookings, start, start + length)) fits.push(rank);
    }
    return { start, ranks: bestFit(fits, count, (rank) => lastEndBy(this.nodeBookings[rank] as Bookings, start)), cores: null, gpus: null };
  }

  /**
   * Earliest placement of `cores` cores and `gpus` GPUs on one node among ranks
   * [first, end), free for `length` seconds from a start not before `earliest`;
   * null when no node is big enough.
   */
  placeSlots(first: number, end: number, cores: number, gpus: number, earliest: number, length: number): Placement | null {
    const fitsNode = (rank: number): boolean => cores <= this.coresPerNode && gpus <= (this.layout.gpus[rank] as number);
    // Usually some node can take the job right away: the lowest such rank wins.
    for (let rank = first; rank < end; rank++) {
      if (fitsNode(rank) && this.fitsOnNode(rank, cores, gpus, earliest, length)) return this.slotsAt(rank, cores, gpus, earliest, length);
    }
    let bestRank = -1;
    let bestStart = FOREVER;
    for (let rank = first; rank < end; rank++) {
      if (!fitsNode(rank)) continue;
      const start = this.earliestOnNode(rank, cores, gpus, earliest, length, bestStart);
      if (start !== null && start < bestStart) {
        bestStart = start;
        bestRank = rank;
      }
    }
    return bestRank < 0 ? null : this.slotsAt(bestRank, cores, gpus, bestStart, length);
  }

  private slotsAt(rank: number, cores: number, gpus: number, start: number, length: number): Placement {
    const coreBase = rank * this.coresPerNode;
    const gpuBase = rank * this.gpuStride;
    const pickCores = this.freeUnits(this.coreBookings, coreBase, this.coresPerNode, start, length);
    const pickGpus = gpus > 0 ? this.freeUnits(this.gpuBookings, gpuBase, this.layout.gpus[rank] as number, start, length) : [];
    return {
      start,
      ranks: [rank],
      cores: bestFit(pickCores, cores, (core) => lastEndBy(this.coreBookings[coreBase + core] as Bookings, start)),
      gpus: gpus > 0 ? bestFit(pickGpus, gpus, (gpu) => lastEndBy(this.gpuBookings[gpuBase + gpu] as Bookings, start)) : null,
    };
  }

  private fitsOnNode(rank: number, cores: number, gpus: number, start: number, length: number): boolean {
    return (
      this.countFree(this.coreBookings, rank * this.coresPerNode, this.coresPerNode, start, length, cores) &&
      (gpus === 0 || this.countFree(this.gpuBookings, rank * this.gpuStride, this.layout.gpus[rank] as number, start, length, gpus))
    );
  }

  /** True if nothing else is booked on the placement's resources during [from, until). */
  isFree(placement: Placement, from: number, until: number): boolean {
    for (const rank of placement.ranks) {
      if (placement.cores === null) {
        if (!isFree(this.bookings(this.nodeBookings, rank), from, until)) return false;
        continue;
      }
      for (const core of placement.cores) {
        if (!isFree(this.bookings(this.coreBookings, rank * this.coresPerNode + core), from, until)) return false;
      }
      for (const gpu of placement.gpus ?? []) {
        if (!isFree(this.bookings(this.gpuBookings, rank * this.gpuStride + gpu), from, until)) return false;
      }
    }
    return true;
  }

  /** Books the placement's resources for [from, until) (the job's alloc to its free). */
  commit(placement: Placement, from: number, until: number): void {
    for (const rank of placement.ranks) {
      book(this.bookings(this.nodeBookings, rank), from, until);
      if (this.sharedRanks[rank] === 0) continue;
      const coreBase = rank * this.coresPerNode;
      const gpuBase = rank * this.gpuStride;
      const cores = placement.cores ?? range(this.coresPerNode);
      const gpus = placement.cores === null ? range(this.layout.gpus[rank] as number) : (placement.gpus ?? []);
      // Pruning here too keeps lists of units that are only ever booked whole from growing.
      for (const core of cores) book(this.bookings(this.coreBookings, coreBase + core), from, until);
      for (const gpu of gpus) book(this.bookings(this.gpuBookings, gpuBase + gpu), from, until);
    }
  }

  /** Earliest start after `earliest` on one node, or null if none before `giveUpAt`. */
  private earliestOnNode(rank: number, cores: number, gpus: number, earliest: number, length: number, giveUpAt: number): number | null {
    const coreBase = rank * this.coresPerNode;
    const gpuBase = rank * this.gpuStride;
    const gpuCount = this.layout.gpus[rank] as number;
    // Alternate: the first time enough cores are free, then the first time from
    // there that enough GPUs are; when both agree, that is the start.
    let from = earliest;
    for (;;) {
      const coresFrom = this.firstTimeFree(this.coreBookings, coreBase, this.coresPerNode, cores, from, length);
      if (coresFrom >= giveUpAt) return null;
      if (gpus === 0) return coresFrom;
      const gpusFrom = this.firstTimeFree(this.gpuBookings, gpuBase, gpuCount, gpus, coresFrom, length);
      if (gpusFrom >= giveUpAt) return null;
      if (gpusFrom === coresFrom) return coresFrom;
      from = gpusFrom;
    }
  }

  /** The first time from `from` at which `wanted` of the units [0, count) stay free for `length` seconds. */
  private firstTimeFree(lists: Bookings[], base: number, count: number, wanted: number, from: number, length: number): number {
    const windows = this.windows.reset();
    for (let i = 0; i < count; i++) windows.add(this.bookings(lists, base + i), from, length);
    return windows.firstOverlap(wanted);
  }

  /** True if at least `wanted` of the units [0, count) are free during [start, start + length). */
  private countFree(lists: Bookings[], base: number, count: number, start: number, length: number, wanted: number): boolean {
    let free = 0;
    for (let i = 0; i < count && free < wanted; i++) if (isFree(this.bookings(lists, base + i), start, start + length)) free++;
    return free >= wanted;
  }

  /** Unit ids in [0, count) free during [start, start + length). */
  private freeUnits(lists: Bookings[], base: number, count: number, start: number, length: number): number[] {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) if (isFree(this.bookings(lists, base + i), start, start + length)) ids.push(i);
    return ids;
  }

  /** A booking list with the intervals that ended before the clock removed. */
  private bookings(lists: Bookings[], index: number): Bookings {
    const list = lists[index] as Bookings;
    let kept = 0;
    for (let i = 0; i < list.length; i += 2) {
      if ((list[i + 1] as number) > this.clock) {
        list[kept] = list[i] as number;
        list[kept + 1] = list[i + 1] as number;
        kept += 2;
      }
    }
    if (kept < list.length) list.length = kept;
    return list;
  }
}

/** Adds [from, until) keeping the list ordered by start (new bookings usually go last). */
function book(list: Bookings, from: number, until: number): void {
  let i = list.length;
  while (i > 0 && (list[i - 2] as number) > from) i -= 2;
  if (i === list.length) list.push(from, until);
  else list.splice(i, 0, from, until);
}

function isFree(list: Bookings, from: number, until: number): boolean {
  for (let i = 0; i < list.length; i += 2) {
    if ((list[i] as number) >= until) return true;
    if ((list[i + 1] as number) > from) return false;
  }
  return true;
}

/** The latest booking end at or before `time` (-FOREVER if none): how long the unit has been idle. */
function lastEndBy(list: Bookings, time: number): number {
  let last = -FOREVER;
  for (let i = 1; i < list.length; i += 2) {
    const endAt = list[i] as number;
    if (endAt <= time && endAt > last) last = endAt;
  }
  return last;
}

/**
 * Picks `count` of `ids` (all free), preferring the ones whose last booking
 * ended latest, so that long-idle units stay open for jobs that can start
 * sooner; lowest id first on ties. Returns them ascending.
 */
function bestFit(ids: number[], count: number, idleSince: (id: number) => number): number[] {
  if (ids.length > count) {
    const since = new Map(ids.map((id) => [id, idleSince(id)]));
    ids.sort((x, y) => (since.get(y) as number) - (since.get(x) as number) || x - y);
    ids.length = count;
    ids.sort((x, y) => x - y);
  }
  return ids;
}

/**
 * Start-time windows of the units under consideration: a unit can host the job
 * from opens[i] to closes[i] (inclusive), or from an open with no close onwards.
 * Kept in reusable arrays, as placement runs a million times.
 */
class Windows {
  readonly opens: number[] = [];
  readonly closes: number[] = [];

  reset(): this {
    this.opens.length = 0;
    this.closes.length = 0;
    return this;
  }

  /** Adds the windows in which a job of `length` seconds fits on a unit with these bookings. */
  add(list: Bookings, earliest: number, length: number): void {
    if (list.length === 0) {
      this.opens.push(earliest);
      return;
    }
    if (list.length === 2) {
      const busyFrom = list[0] as number;
      const busyUntil = list[1] as number;
      if (busyFrom - earliest >= length) {
        this.opens.push(earliest);
        this.closes.push(busyFrom - length);
      }
      this.opens.push(max(earliest, busyUntil));
      return;
    }
    let freeFrom = earliest;
    for (let i = 0; i < list.length; i += 2) {
      const busyFrom = list[i] as number;
      const busyUntil = list[i + 1] as number;
      if (busyFrom - freeFrom >= length) {
        this.opens.push(freeFrom);
        this.closes.push(busyFrom - length);
      }
      if (busyUntil > freeFrom) freeFrom = busyUntil;
    }
    this.opens.push(freeFrom);
  }

  /** The first time at which at least `count` windows are open. */
  firstOverlap(count: number): number {
    const opens = sortNumbers(this.opens);
    // Without closings every window stays open: the count-th opening is the answer.
    if (this.closes.length === 0) {
      if (opens.length < count) throw new RangeError('not enough resources can ever hold this job');
      return opens[count - 1] as number;
    }
    const closes = sortNumbers(this.closes);
    let open = 0;
    let c = 0;
    for (let o = 0; o < opens.length; o++) {
      const time = opens[o] as number;
      // Windows that closed before this opening no longer count; one closing at
      // this very moment still does (a window includes its last moment).
      while (c < closes.length && (closes[c] as number) < time) {
        open--;
        c++;
      }
      open++;
      if (open >= count) return time;
    }
    throw new RangeError('not enough resources can ever hold this job');
  }
}

/** Sorts numbers ascending in place: insertion sort for the short lists placement deals in. */
function sortNumbers(values: number[]): number[] {
  if (values.length > 64) return values.sort((a, b) => a - b);
  for (let i = 1; i < values.length; i++) {
    const value = values[i] as number;
    let j = i - 1;
    while (j >= 0 && (values[j] as number) > value) {
      values[j + 1] = values[j] as number;
      j--;
    }
    values[j + 1] = value;
  }
  return values;
}

function range(n: number): number[] {
  const ids = new Array<number>(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  return ids;
}
