/**
 * The store's building blocks against simple models: the chunked sorted list against a sorted
 * array, the ID index against a Map, and the store's lists against a full sort of its jobs.
 */
import fc from 'fast-check';
import { JobIdIndex } from '../../../src/embedded/store/job-id-index';
import { JobTable } from '../../../src/embedded/store/job-table';
import { SortedSlotList } from '../../../src/embedded/store/sorted-slot-list';
import { EmbeddedInstance } from '../../../src/embedded';
import { ev, job } from '../job-builders';

describe('SortedSlotList', () => {
  it('matches a sorted array under inserts and removals, new equals going first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 20 })), { maxLength: 3000 }),
        (operations) => {
          // slot -> key; slots are unique, keys repeat
          const keys = new Map<number, number>();
          const list = new SortedSlotList((a, b) => (keys.get(a) as number) - (keys.get(b) as number));
          let model: number[] = [];
          let nextSlot = 0;
          for (const [insert, value] of operations) {
            if (insert || model.length === 0) {
              const slot = nextSlot++;
              keys.set(slot, value);
              list.insert(slot);
              const at = model.findIndex((s) => (keys.get(s) as number) >= value);
              model.splice(at < 0 ? model.length : at, 0, slot);
            } else {
              const slot = model[value % model.length] as number;
              expect(list.remove(slot)).toBe(true);
              model = model.filter((s) => s !== slot);
            }
          }
          expect(list.toArray()).toEqual(model);
          expect(list.size).toBe(model.length);
          expect(list.remove(nextSlot + 1)).toBe(false);
          // seek: first position whose key is >= 10, then scan from there
          const start = list.seek((slot) => (keys.get(slot) as number) >= 10);
          const tail: number[] = [];
          list.scan(start, (slot) => {
            tail.push(slot);
            return true;
          });
          expect(tail).toEqual(model.filter((s) => (keys.get(s) as number) >= 10));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stops a scan when the visitor says so', () => {
    const list = new SortedSlotList((a, b) => a - b);
    for (let i = 0; i < 2000; i++) list.insert(i);
    const seen: number[] = [];
    list.scan(list.start, (slot) => {
      seen.push(slot);
      return seen.length < 5;
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('JobIdIndex', () => {
  it('finds every inserted ID and forgets removed ones', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.boolean()), { maxLength: 3000 }), (entries) => {
        const table = new JobTable();
        const index = new JobIdIndex(table);
        const model = new Map<bigint, number>();
        for (const [id, remove] of entries) {
          if (model.has(id)) {
            if (remove) {
              const slot = model.get(id) as number;
              index.remove(slot);
              table.release(slot);
              model.delete(id);
            }
            continue;
          }
          const slot = table.allocate(id);
          index.insert(slot);
          model.set(id, slot);
        }
        expect(index.size).toBe(model.size);
        for (const [id, slot] of model) expect(index.lookup(id)).toBe(slot);
        for (const [id] of entries) if (!model.has(id)) expect(index.lookup(id)).toBe(-1);
      }),
      { numRuns: 40 },
    );
  });

  it('handles IDs that share their low or high 32 bits', () => {
    const table = new JobTable();
    const index = new JobIdIndex(table);
    const ids: bigint[] = [];
    for (let i = 0n; i < 3000n; i++) ids.push(i << 32n, (i << 32n) | 7n, 0xffffffffn + (i << 33n));
    for (const id of ids) index.insert(table.allocate(id));
    ids.forEach((id, slot) => expect(index.lookup(id)).toBe(slot));
    expect(table.id(5)).toBe(ids[5]);
  });
});

describe('the store keeps its lists sorted as jobs change', () => {
  it('always lists what a full sort of the jobs gives', () => {
    type Step = { kind: 'add'; stage: 'depend' | 'sched' | 'run' | 'completed' | 'canceled'; start: number; priority: number } | { kind: 'event'; which: number; event: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        stage: fc.constantFrom('depend', 'sched', 'run', 'completed', 'canceled') as fc.Arbitrary<'depend' | 'sched' | 'run' | 'completed' | 'canceled'>,
        start: fc.integer({ min: 0, max: 30 }),
        priority: fc.integer({ min: 0, max: 3 }),
      }),
      fc.record({ kind: fc.constant('event' as const), which: fc.nat(), event: fc.integer({ min: 0, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const instance = new EmbeddedInstance();
        const ids: bigint[] = [];
        let clock = 1000;
        for (const s of steps) {
          if (s.kind === 'add') {
            const id = BigInt(ids.length + 1) * 17n;
            instance.sink.ingest(job(id, s.stage, 100 + s.start, { priority: s.priority }));
            ids.push(id);
          } else if (ids.length > 0) {
            const id = ids[s.which % ids.length] as bigint;
            clock += s.event % 2; // equal timestamps happen
            const events = [
              ev('priority', clock, { priority: s.which % 4 }),
              ev('urgency', clock, { urgency: 3 }),
              ev('alloc', clock),
              ev('exception', clock, { type: 'cancel', severity: 0, note: '' }),
              ev('finish', clock, { status: 0 }),
              ev('clean', clock),
            ];
            instance.sink.post(id, events[s.event] as never);
          }
        }
        const { lists, jobs } = instance.store;
        const byPending = (a: number, b: number): number => (jobs.priority[b] as number) - (jobs.priority[a] as number) || jobs.compareIds(a, b);
        const byInactive = (a: number, b: number): number => (jobs.tInactive[b] as number) - (jobs.tInactive[a] as number) || jobs.compareIds(b, a);
        const pending = lists.pending.toArray();
        expect([...pending].sort(byPending)).toEqual(pending);
        const inactive = lists.inactive.toArray();
        expect([...inactive].sort(byInactive)).toEqual(inactive);
        const running = lists.running.toArray();
        for (let i = 1; i < running.length; i++) expect(jobs.tRun[running[i - 1] as number]).toBeGreaterThanOrEqual(jobs.tRun[running[i] as number] as number);
        expect(pending.length + running.length + inactive.length).toBe(instance.store.size);
      }),
      { numRuns: 100 },
    );
  });
});

describe('the pending order survives the job table growing', () => {
  it('orders by priority, then ID, jobs prioritised after the table has outgrown its first arrays', async () => {
    const instance = new EmbeddedInstance();
    const count = 3000; // well past the table's initial capacity, so its columns are replaced while filling
    for (let i = 1; i <= count; i++) {
      instance.sink.ingest(job(BigInt(i) * 1024n, 'priority', 100 + i));
    }
    const priorityOf = (i: number): number => (i * 7919) % 23; // scattered, with many ties
    for (let i = 1; i <= count; i++) {
      instance.sink.post(BigInt(i) * 1024n, ev('priority', 5000 + i, { priority: priorityOf(i) }));
    }
    const response = (await instance.handle().rpc('job-list.list', { max_entries: 0, attrs: ['priority'] })) as {
      jobs: { id: number | bigint; priority: number }[];
    };
    const listed = response.jobs.map((j) => [BigInt(j.id), j.priority] as const);
    const expected = Array.from({ length: count }, (_, k) => [BigInt(k + 1) * 1024n, priorityOf(k + 1)] as const).sort(
      (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
    );
    expect(listed).toEqual(expected);
    instance.close();
  });
});
