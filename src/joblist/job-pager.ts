/**
 * Relay pagination over Flux's job order without listing and skipping everything before the
 * page: a page after a running or inactive cursor is fetched with a constraint on the sort
 * key (t_run / t_inactive), dropping only the jobs that share the cursor's key. Pending jobs
 * are ordered by priority, which a constraint cannot express, so a position among them is an
 * offset (the pending jobs before it are listed again; they are few on any real system).
 *
 * Backward pages (last/before) cost more, since Flux only lists forwards: every job before
 * the position is listed with just the attributes that place it, the page is chosen from
 * that, then fetched with the selected attributes by key range, at most one request per class.
 */
import type { JsonObject } from '../flux/json';
import type { JobRecord } from './job-record';
import {
  compareToCursor,
  fromCursorConstraint,
  keyRangeConstraint,
  positionJobs,
  POSITION_ATTRS,
  upToCursorConstraint,
  type OrderPosition,
  type PositionedJob,
} from './job-order';
import { StateMask } from '../flux/constants';
import { inServiceOrder } from './fields-to-attrs';

/** Lists jobs matching the query's filters AND `extra`, in Flux's order (0 = no limit). */
export interface JobSource {
  list(extra: JsonObject | undefined, maxEntries: number, attrs: readonly string[]): Promise<JobRecord[]>;
}

export interface PageEdge<P = OrderPosition> {
  record: JobRecord;
  /** Computed on demand: only positions a client selects (as cursors) are written. */
  position: () => P;
}

export interface JobPage<P = OrderPosition> {
  edges: PageEdge<P>[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/**
 * Relay windowing over one source of jobs, whose positions are P. Both directions take the
 * window's bounds in the order they apply: forward counts from `after`, backward from `before`.
 */
export interface Pager<P> {
  /** `first` jobs after `after` (and before `before`, when given). */
  forward(first: number, after?: P, before?: P): Promise<JobPage<P>>;
  /** `last` jobs before `before` (and after `after`, when given). */
  backward(last: number, before?: P, after?: P): Promise<JobPage<P>>;
  /** How many jobs the source has in all. */
  count(): Promise<number>;
}

export interface PageOptions {
  /** Attributes the selection needs from each job. */
  attrs: readonly string[];
  /** Whether positions (cursors) are selected at all; without them jobs need not be placed in the order. */
  needCursors: boolean;
}

type OrderCursor = OrderPosition;

/** The cursors of consecutive jobs, carrying tie information from the job before each. */
function cursorsFor(jobs: readonly PositionedJob[], before: OrderCursor | undefined): (() => OrderPosition)[] {
  const cursors: OrderPosition[] = [];
  let previous: OrderPosition | undefined = before;
  for (const job of jobs) {
    let cursor: OrderPosition;
    if (job.cls === 'pending') {
      cursor = { kind: 'pending', offset: job.offset };
    } else if (job.cls === 'running') {
      const ties: bigint[] = previous?.kind === 'running' && previous.key === job.key ? [...previous.ties, job.record.id] : [job.record.id];
      cursor = { kind: 'running', key: job.key, id: job.record.id, ties };
    } else {
      const key = job.key ?? 0;
      const tieCount: number = previous?.kind === 'inactive' && previous.key === key ? previous.tieCount + 1 : 1;
      cursor = { kind: 'inactive', key, id: job.record.id, tieCount };
    }
    cursors.push(cursor);
    previous = cursor;
  }
  return cursors.map((cursor) => () => cursor);
}

function noCursor(): OrderPosition {
  throw new Error('cursor requested although the selection did not ask for cursors');
}

export class JobPager implements Pager<OrderPosition> {
  constructor(
    private readonly source: JobSource,
    private readonly options: PageOptions,
  ) {}

  async forward(first: number, after?: OrderCursor, before?: OrderCursor): Promise<JobPage> {
    const placeJobs = this.options.needCursors || after !== undefined || before !== undefined;
    const attrs = placeJobs ? inServiceOrder([...this.options.attrs, ...POSITION_ATTRS]) : [...this.options.attrs];
    const need = first + 1;

    let jobs: PositionedJob[];
    if (after === undefined) {
      const records = await this.source.list(undefined, need, attrs);
      jobs = placeJobs ? positionJobs(records) : records.map((record) => ({ record, cls: 'pending', offset: 0, key: null }));
    } else {
      jobs = await this.after(after, need, attrs);
    }
    if (before !== undefined) {
      const stop = jobs.findIndex((job) => compareToCursor(job, before) >= 0);
      if (stop >= 0) jobs = jobs.slice(0, stop);
    }
    const page = jobs.slice(0, first);
    const cursors = this.options.needCursors ? cursorsFor(page, after) : [];
    return {
      edges: page.map((job, i) => ({ record: job.record, position: cursors[i] ?? noCursor })),
      hasNextPage: jobs.length > first,
      hasPreviousPage: after !== undefined,
    };
  }

  /** At least `need` jobs strictly after the cursor (fewer only at the end of the order). */
  private async after(cursor: OrderCursor, need: number, attrs: string[]): Promise<PositionedJob[]> {
    if (cursor.kind === 'pending') {
      // One listing from the head: the pending jobs up to the offset, then what follows.
      const records = await this.source.list(undefined, cursor.offset + 1 + need, attrs);
      return positionJobs(records).filter((job) => compareToCursor(job, cursor) > 0);
    }
    const constraint = fromCursorConstraint(cursor);
    // The jobs sharing the cursor's key that were already passed come first; ask for that many more.
    let extra = cursor.kind === 'running' ? cursor.ties.length : cursor.tieCount;
    for (;;) {
      const maxEntries = need + extra;
      const records = await this.source.list(constraint, maxEntries, attrs);
      const jobs = positionJobs(records).filter((job) => compareToCursor(job, cursor) > 0);
      const exhausted = records.length < maxEntries;
      if (jobs.length >= need || exhausted) return jobs;
      // More jobs share the key than the cursor knew of (new ties): widen and ask again.
      extra += records.length - jobs.length;
    }
  }

  async backward(last: number, before?: OrderCursor, after?: OrderCursor): Promise<JobPage> {
    const constraint = before === undefined ? undefined : upToCursorConstraint(before);
    const maxEntries = before?.kind === 'pending' ? before.offset : 0;
    let prefix: PositionedJob[] = [];
    if (before?.kind !== 'pending' || before.offset > 0) {
      prefix = positionJobs(await this.source.list(constraint, maxEntries, POSITION_ATTRS));
    }
    if (before !== undefined) prefix = prefix.filter((job) => compareToCursor(job, before) < 0);
    let start = 0;
    if (after !== undefined) {
      start = prefix.findIndex((job) => compareToCursor(job, after) > 0);
      if (start < 0) start = prefix.length;
    }
    const windowStart = Math.max(start, prefix.length - last);
    const windowJobs = prefix.slice(windowStart);
    // Cursors need the tie runs from where they start, which the prefix has in full.
    const cursors = this.options.needCursors ? cursorsFor(prefix, undefined).slice(windowStart) : [];
    const records = await this.fetchWindow(windowJobs);
    const edges: PageEdge[] = [];
    windowJobs.forEach((job, i) => {
      const record = records.get(job.record.id);
      // A job that left its place between the two listings is left out of this page.
      if (record !== undefined) edges.push({ record, position: cursors[i] ?? noCursor });
    });
    return { edges, hasNextPage: before !== undefined, hasPreviousPage: windowStart > start };
  }

  /** Only the IDs are listed. */
  async count(): Promise<number> {
    return (await this.source.list(undefined, 0, [])).length;
  }

  /** The window's jobs with every selected attribute, fetched class by class by key range. */
  private async fetchWindow(window: readonly PositionedJob[]): Promise<Map<bigint, JobRecord>> {
    const byId = new Map<bigint, JobRecord>();
    const missing = this.options.attrs.some((attr) => !POSITION_ATTRS.includes(attr));
    if (!missing || window.length === 0) {
      for (const job of window) byId.set(job.record.id, job.record);
      return byId;
    }
    const attrs = inServiceOrder([...this.options.attrs, ...POSITION_ATTRS]);
    const requests: Promise<JobRecord[]>[] = [];
    const pending = window.filter((job) => job.cls === 'pending');
    if (pending.length > 0) {
      const lastOffset = Math.max(...pending.map((job) => job.offset));
      requests.push(this.source.list({ states: [StateMask.PENDING] }, lastOffset + 1, attrs));
    }
    for (const cls of ['running', 'inactive'] as const) {
      const keys = window.filter((job) => job.cls === cls).map((job) => job.key);
      if (keys.length > 0) requests.push(this.source.list(keyRangeConstraint(cls, keys), 0, attrs));
    }
    const wanted = new Set(window.map((job) => job.record.id));
    for (const records of await Promise.all(requests)) {
      for (const record of records) if (wanted.has(record.id)) byId.set(record.id, record);
    }
    return byId;
  }
}
