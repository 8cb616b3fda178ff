/**
 * Job details taken from a real instance (snapshot --details): the texts job-info returned for
 * a job's keys, kept as the one string each that Flux stored, never parsed, so that a lookup
 * with flags 0 gives them back byte for byte and a 100,000-job snapshot costs what its texts
 * weigh. Jobs without recorded details keep the documents composed from their record.
 */

/** The keys snapshot --details takes, in the order the size bound keeps them. */
export const DETAIL_KEYS = ['eventlog', 'jobspec', 'R', 'guest.exec.eventlog', 'guest.output'] as const;
export type DetailKey = (typeof DETAIL_KEYS)[number];

export const DETAIL_KEY_SET: ReadonlySet<string> = new Set(DETAIL_KEYS);

export interface RecordedJobDetails {
  /** Each key's stored text; a key the source did not have is absent. */
  readonly texts: Partial<Record<DetailKey, string>>;
  /** Keys the source had but the snapshot left out, the job's details being over the size bound. */
  readonly cut: readonly DetailKey[];
}

/** Recorded details by store slot. */
export class RecordedDetails {
  private readonly bySlot = new Map<number, RecordedJobDetails>();

  set(slot: number, details: RecordedJobDetails): void {
    this.bySlot.set(slot, details);
  }

  get(slot: number): RecordedJobDetails | undefined {
    return this.bySlot.get(slot);
  }

  forget(slot: number): void {
    this.bySlot.delete(slot);
  }

  /** Jobs with recorded details. */
  get size(): number {
    return this.bySlot.size;
  }
}
