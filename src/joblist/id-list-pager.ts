/**
 * Relay windowing over an explicit list of job IDs (jobs(ids:)): the jobs come in the order
 * the IDs were given, not in Flux's order. A position is an index into the list, so an ID
 * Flux does not know leaves its index unused instead of shifting the positions after it.
 */
import type { JobPage, Pager } from './job-pager';
import type { JobRecord } from './job-record';

export interface IdListPosition {
  kind: 'ids';
  index: number;
}

/** The job's record with at least `attrs`, or null when Flux does not know the ID. */
export type JobLookup = (id: bigint, attrs: readonly string[]) => Promise<JobRecord | null>;

export interface IdListOptions {
  /** Attributes the selection needs from each job. */
  attrs: readonly string[];
  /** Told of each ID Flux does not know, in list order, once every lookup has answered. */
  onNotFound: (id: bigint) => void;
}

interface Listed {
  index: number;
  record: JobRecord;
}

export class IdListPager implements Pager<IdListPosition> {
  private found: Promise<Listed[]> | undefined;

  constructor(
    private readonly ids: readonly bigint[],
    private readonly lookup: JobLookup,
    private readonly options: IdListOptions,
  ) {}

  async forward(first: number, after?: IdListPosition, before?: IdListPosition): Promise<JobPage<IdListPosition>> {
    const between = await this.between(after, before);
    return { edges: this.edges(between.slice(0, first)), hasNextPage: between.length > first, hasPreviousPage: after !== undefined };
  }

  async backward(last: number, before?: IdListPosition, after?: IdListPosition): Promise<JobPage<IdListPosition>> {
    const between = await this.between(after, before);
    const start = Math.max(0, between.length - last);
    return { edges: this.edges(between.slice(start)), hasNextPage: before !== undefined, hasPreviousPage: start > 0 };
  }

  /** The IDs Flux knows. */
  async count(): Promise<number> {
    return (await this.lookUpAll()).length;
  }

  /**
   * Every ID is looked up, even those outside the window: an unknown one is reported wherever
   * it stands. The lookups are issued before the first await, so a loader batches them with
   * the request's other lookups of the same tick.
   */
  private lookUpAll(): Promise<Listed[]> {
    this.found ??= Promise.all(this.ids.map((id) => this.lookup(id, this.options.attrs))).then((records) => {
      const listed: Listed[] = [];
      records.forEach((record, index) => {
        if (record !== null) listed.push({ index, record });
        else this.options.onNotFound(this.ids[index] as bigint);
      });
      return listed;
    });
    return this.found;
  }

  private async between(after: IdListPosition | undefined, before: IdListPosition | undefined): Promise<Listed[]> {
    const from = after?.index ?? -1;
    const to = before?.index ?? Number.POSITIVE_INFINITY;
    return (await this.lookUpAll()).filter((job) => job.index > from && job.index < to);
  }

  private edges(window: readonly Listed[]): JobPage<IdListPosition>['edges'] {
    return window.map((job) => ({ record: job.record, position: () => ({ kind: 'ids', index: job.index }) }));
  }
}
