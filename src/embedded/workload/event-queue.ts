/**
 * Active jobs ordered by the time of their next planned event (then by job
 * ID, so that ties come out the same way every run): a binary min-heap.
 */
import type { PlannedJob } from './lifecycle';

// A module-level copy: global lookups are slow in some hosts (jest's sandbox).
const FOREVER = Number.POSITIVE_INFINITY;

export interface ActiveJob {
  job: PlannedJob;
  /** Index of the next event of `job.events` not yet delivered. */
  next: number;
}

function dueAt(active: ActiveJob): number {
  return (active.job.events[active.next] as { timestamp: number }).timestamp;
}

function before(a: ActiveJob, b: ActiveJob): boolean {
  const ta = dueAt(a);
  const tb = dueAt(b);
  return ta < tb || (ta === tb && a.job.id < b.job.id);
}

export class EventQueue {
  private readonly heap: ActiveJob[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** When the earliest pending event is due, or FOREVER when nothing is pending. */
  peekTime(): number {
    const top = this.heap[0];
    return top === undefined ? FOREVER : dueAt(top);
  }

  push(active: ActiveJob): void {
    const heap = this.heap;
    heap.push(active);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as ActiveJob, heap[parent] as ActiveJob)) break;
      [heap[i], heap[parent]] = [heap[parent] as ActiveJob, heap[i] as ActiveJob];
      i = parent;
    }
  }

  pop(): ActiveJob | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left] as ActiveJob, heap[smallest] as ActiveJob)) smallest = left;
      if (right < heap.length && before(heap[right] as ActiveJob, heap[smallest] as ActiveJob)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest] as ActiveJob, heap[i] as ActiveJob];
      i = smallest;
    }
    return top;
  }
}
