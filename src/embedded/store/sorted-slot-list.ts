/**
 * A sorted sequence of job slots kept in chunks of bounded size, so that inserting or removing
 * one job costs O(log n + chunk size) and reading the first k jobs costs O(k), however many
 * jobs the list holds. Plays the role of flux-core's sorted zlistx job lists.
 */

/** Negative when a sorts before b, zero when the comparator cannot tell them apart. */
export type SlotComparator = (a: number, b: number) => number;

const MAX_CHUNK = 512;

/** A place in the list: chunk number and index within it. */
export interface ListPosition {
  chunk: number;
  index: number;
}

export class SortedSlotList {
  private chunks: number[][] = [];
  private count = 0;

  constructor(private readonly compare: SlotComparator) {}

  get size(): number {
    return this.count;
  }

  /**
   * The first position whose slot satisfies `predicate`, which must be false for a prefix of
   * the list and true for the rest.
   */
  seek(predicate: (slot: number) => boolean): ListPosition {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = chunks[mid] as number[];
      if (predicate(chunk[chunk.length - 1] as number)) hi = mid;
      else lo = mid + 1;
    }
    if (lo === chunks.length) return { chunk: lo, index: 0 };
    const chunk = chunks[lo] as number[];
    let a = 0;
    let b = chunk.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (predicate(chunk[mid] as number)) b = mid;
      else a = mid + 1;
    }
    return { chunk: lo, index: a };
  }

  /** Inserts before every slot that does not sort before it (so first among equals). */
  insert(slot: number): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([slot]);
      return;
    }
    let { chunk, index } = this.seek((other) => this.compare(slot, other) <= 0);
    if (chunk === this.chunks.length) {
      chunk--;
      index = (this.chunks[chunk] as number[]).length;
    }
    const target = this.chunks[chunk] as number[];
    target.splice(index, 0, slot);
    if (target.length > MAX_CHUNK) this.chunks.splice(chunk + 1, 0, target.splice(target.length >> 1));
  }

  /** Removes `slot`, which must sort where the comparator says it does. Returns false if absent. */
  remove(slot: number): boolean {
    let { chunk, index } = this.seek((other) => this.compare(slot, other) <= 0);
    while (chunk < this.chunks.length) {
      const current = this.chunks[chunk] as number[];
      for (; index < current.length; index++) {
        const other = current[index] as number;
        if (other === slot) {
          current.splice(index, 1);
          if (current.length === 0) this.chunks.splice(chunk, 1);
          this.count--;
          return true;
        }
        if (this.compare(slot, other) !== 0) return false;
      }
      chunk++;
      index = 0;
    }
    return false;
  }

  /** Slots from `start` on, in order, until `visit` returns false. */
  scan(start: ListPosition, visit: (slot: number) => boolean): void {
    const chunks = this.chunks;
    for (let c = start.chunk, i = start.index; c < chunks.length; c++, i = 0) {
      const chunk = chunks[c] as number[];
      for (; i < chunk.length; i++) if (!visit(chunk[i] as number)) return;
    }
  }

  /** The position of the first slot. */
  get start(): ListPosition {
    return { chunk: 0, index: 0 };
  }

  toArray(): number[] {
    const out: number[] = [];
    for (const chunk of this.chunks) out.push(...chunk);
    return out;
  }
}
