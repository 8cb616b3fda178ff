/**
 * Flux's own figures, as published in docs/flux-performance.md (flux-core 0.88, 2-core VM,
 * 20,008 jobs). They were NOT measured by this benchmark; they are printed next to ours for
 * context only. Ratios are always taken against baselines measured in the same run.
 */

export const PUBLISHED_SOURCE = 'published in docs/flux-performance.md (flux-core 0.88), not measured here';

/** Listing through Flux's tools and bindings, in ms, by number of jobs listed. */
export const PUBLISHED_LISTING_MS = {
  fluxJobsDefault: { 20008: 9410 },
  fluxJobsIdStateName: { 20008: 5300 },
  fluxJobsCount: { 1000: 544, 50: 212 },
  fluxJobListC: { 20008: 1750, 1000: 130, 50: 24 },
  jobListAll: { 20008: 8870, 1000: 297, 50: 11.8 },
  jobListStateName: { 20008: 4310, 1000: 204, 50: 8.1 },
  streamAll: { 20008: 1734, 1000: 105, 50: 7.5 },
  streamStateName: { 20008: 1509, 1000: 79, 50: 5.0 },
  streamIds: { 20008: 1469, 1000: 76, 50: 4.7 },
  singleAll: { 20008: 548, 1000: 30.5, 50: 1.41 },
  singleStateName: { 20008: 34, 1000: 3.8, 50: 0.49 },
  singleIds: { 20008: 18, 1000: 2.0, 50: 0.31 },
} as const;

/** 100 job-list.list-id lookups, in ms. */
export const PUBLISHED_LOOKUPS_MS = { concurrent: 16.5, sequential: 29 } as const;

/** Payload bytes per job by attributes asked for. */
export const PUBLISHED_BYTES_PER_JOB = { all: 535, stateName: 45, ids: 20 } as const;

/** The broker's memory for 20k jobs, per job (mostly job-manager state). */
export const PUBLISHED_BROKER_BYTES_PER_JOB = 50 * 1024;

/** A published figure for `jobs` listed, as table text ("" when the doc has none). */
export function published(figures: Readonly<Record<number, number>>, jobs: number): string {
  const ms = figures[jobs];
  if (ms === undefined) return '';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms} ms`;
}
