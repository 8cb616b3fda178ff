import { JobState, StateMask } from '../../src/flux/constants';
import type { JsonObject } from '../../src/flux/json';
import { JobPager, type JobRecord, type JobSource, type OrderPosition } from '../../src/joblist';
import { compareToCursor, fromCursorConstraint, positionJobs, upToCursorConstraint } from '../../src/joblist/job-order';

/**
 * Jobs already in Flux's order: pending (priority order), running (t_run descending, one that
 * never ran last), inactive (t_inactive descending, ties by ID descending).
 */
const JOBS: JobRecord[] = [
  { id: 1n, state: JobState.SCHED },
  { id: 2n, state: JobState.DEPEND },
  { id: 3n, state: JobState.RUN, t_run: 300 },
  { id: 4n, state: JobState.RUN, t_run: 200 },
  { id: 5n, state: JobState.CLEANUP },
  { id: 9n, state: JobState.INACTIVE, t_inactive: 50 },
  { id: 8n, state: JobState.INACTIVE, t_inactive: 50 },
  { id: 6n, state: JobState.INACTIVE, t_inactive: 40 },
];

/** Evaluates the small constraint language the pager writes (and/or/not, states, <= and >=). */
function matches(job: JobRecord, constraint: JsonObject): boolean {
  const [op, value] = Object.entries(constraint)[0] as [string, unknown];
  const parts = value as unknown[];
  if (op === 'and') return parts.every((part) => matches(job, part as JsonObject));
  if (op === 'or') return parts.some((part) => matches(job, part as JsonObject));
  if (op === 'not') return !matches(job, parts[0] as JsonObject);
  if (op === 'states') return ((job['state'] as number) & (parts[0] as number)) !== 0;
  const actual = job[op];
  if (typeof actual !== 'number') return false;
  const text = parts[0] as string;
  const bound = Number(text.slice(2));
  return text.startsWith('<=') ? actual <= bound : actual >= bound;
}

class ArraySource implements JobSource {
  readonly calls: (JsonObject | undefined)[] = [];
  list(extra: JsonObject | undefined, maxEntries: number): Promise<JobRecord[]> {
    this.calls.push(extra);
    const found = JOBS.filter((job) => extra === undefined || matches(job, extra));
    return Promise.resolve(maxEntries === 0 ? found : found.slice(0, maxEntries));
  }
}

const ids = (records: readonly JobRecord[]): bigint[] => records.map((record) => record.id);

describe('Flux order (src/joblist/job-order.ts)', () => {
  it('places pending jobs by offset, then running, then inactive', () => {
    const placed = positionJobs(JOBS);
    expect(placed.map((job) => job.cls)).toEqual(['pending', 'pending', 'running', 'running', 'running', 'inactive', 'inactive', 'inactive']);
    expect(placed.slice(0, 2).map((job) => job.offset)).toEqual([0, 1]);
    expect(placed.map((job) => job.key)).toEqual([null, null, 300, 200, null, 50, 50, 40]);
  });

  it('compares jobs with a position across classes', () => {
    const placed = positionJobs(JOBS);
    const at: OrderPosition = { kind: 'running', key: 200, id: 4n, ties: [4n] };
    expect(placed.map((job) => Math.sign(compareToCursor(job, at)))).toEqual([-1, -1, -1, 0, 1, 1, 1, 1]);
  });

  it('writes keyset bounds as constraints with state masks', () => {
    expect(fromCursorConstraint({ kind: 'inactive', key: 50, id: 9n, tieCount: 1 })).toEqual({
      and: [{ states: [JobState.INACTIVE] }, { t_inactive: ['<=50'] }],
    });
    expect(upToCursorConstraint({ kind: 'pending', offset: 1 })).toEqual({ states: [StateMask.PENDING] });
  });
});

describe('JobPager', () => {
  const options = { attrs: ['state'], needCursors: true };

  it('lists the head of the order, with positions', async () => {
    const page = await new JobPager(new ArraySource(), options).forward(3);
    expect(ids(page.edges.map((edge) => edge.record))).toEqual([1n, 2n, 3n]);
    expect(page.edges.map((edge) => edge.position())).toEqual([
      { kind: 'pending', offset: 0 },
      { kind: 'pending', offset: 1 },
      { kind: 'running', key: 300, id: 3n, ties: [3n] },
    ]);
    expect(page).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('lists after a position by keyset, dropping the ties already passed', async () => {
    const source = new ArraySource();
    const page = await new JobPager(source, options).forward(5, { kind: 'inactive', key: 50, id: 9n, tieCount: 1 });
    expect(ids(page.edges.map((edge) => edge.record))).toEqual([8n, 6n]);
    expect(page).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(source.calls).toEqual([{ and: [{ states: [JobState.INACTIVE] }, { t_inactive: ['<=50'] }] }]);
  });

  it('lists after a pending offset across into the running jobs', async () => {
    const page = await new JobPager(new ArraySource(), options).forward(2, { kind: 'pending', offset: 0 });
    expect(ids(page.edges.map((edge) => edge.record))).toEqual([2n, 3n]);
  });

  it('lists the last jobs before a position', async () => {
    const page = await new JobPager(new ArraySource(), options).backward(2, { kind: 'inactive', key: 40, id: 6n, tieCount: 1 });
    expect(ids(page.edges.map((edge) => edge.record))).toEqual([9n, 8n]);
    expect(page).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  });
});
