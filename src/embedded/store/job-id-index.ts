/**
 * Job ID → slot, as an open-addressing hash table over an Int32Array. A Map keyed by bigint
 * would cost a heap-allocated key plus a map entry per job; this costs about 8 bytes per job.
 */
import type { JobTable } from './job-table';

const EMPTY = -1;
const MIN_SIZE = 1024;
const MASK32 = 0xffffffffn;

function hashHalves(hi: number, lo: number): number {
  let h = Math.imul(lo ^ (lo >>> 16), 0x45d9f3b);
  h ^= Math.imul(hi ^ (hi >>> 16), 0x119de1f3);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}

export class JobIdIndex {
  private table = new Int32Array(MIN_SIZE).fill(EMPTY);
  private count = 0;

  constructor(private readonly jobs: JobTable) {}

  get size(): number {
    return this.count;
  }

  private matches(slot: number, hi: number, lo: number): boolean {
    return this.jobs.idHi[slot] === hi && this.jobs.idLo[slot] === lo;
  }

  /** The slot holding `id`, or -1. */
  lookup(id: bigint): number {
    const hi = Number((id >> 32n) & MASK32);
    const lo = Number(id & MASK32);
    const mask = this.table.length - 1;
    for (let i = hashHalves(hi, lo) & mask; ; i = (i + 1) & mask) {
      const slot = this.table[i] as number;
      if (slot === EMPTY) return -1;
      if (this.matches(slot, hi, lo)) return slot;
    }
  }

  /** Adds a slot whose ID is not in the index yet. */
  insert(slot: number): void {
    if ((this.count + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    this.place(this.table, slot);
    this.count++;
  }

  private place(table: Int32Array, slot: number): void {
    const mask = table.length - 1;
    let i = hashHalves(this.jobs.idHi[slot] as number, this.jobs.idLo[slot] as number) & mask;
    while (table[i] !== EMPTY) i = (i + 1) & mask;
    table[i] = slot;
  }

  private rehash(size: number): void {
    const old = this.table;
    this.table = new Int32Array(size).fill(EMPTY);
    for (const slot of old) if (slot !== EMPTY) this.place(this.table, slot);
  }

  /** Removes `slot` (whose ID cells must still be intact), keeping probe chains unbroken. */
  remove(slot: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let i = hashHalves(this.jobs.idHi[slot] as number, this.jobs.idLo[slot] as number) & mask;
    while (table[i] !== slot) {
      if (table[i] === EMPTY) return;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move later members of the chain into the hole when their home
    // position does not lie cyclically between the hole and their current position.
    let hole = i;
    for (let j = (hole + 1) & mask; table[j] !== EMPTY; j = (j + 1) & mask) {
      const member = table[j] as number;
      const home = hashHalves(this.jobs.idHi[member] as number, this.jobs.idLo[member] as number) & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        table[hole] = member;
        hole = j;
      }
    }
    table[hole] = EMPTY;
    this.count--;
  }
}
