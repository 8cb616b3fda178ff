import { forEachJob } from '../../../src/embedded/workload';

/**
 * A million-job history, streamed: checks that generation scales and that the
 * generator keeps nothing the caller does not keep. It counts only; no timing
 * is asserted (it takes about ten seconds on one core of a small machine).
 */
describe('a 1,000,000-job history', () => {
  it('streams every job in job ID order with a plausible mix of states', () => {
    const now = 1795640000;
    let count = 0;
    let lastId = -1n;
    let outOfOrder = 0;
    let inactive = 0;
    let events = 0;
    const description = forEachJob({ now, jobs: 1_000_000, seed: 1 }, (job) => {
      count++;
      if (job.id <= lastId) outOfOrder++;
      lastId = job.id;
      events += job.eventlog.length;
      if (job.eventlog[job.eventlog.length - 1]?.name === 'clean') inactive++;
    });
    expect(count).toBe(1_000_000);
    expect(outOfOrder).toBe(0);
    // Most jobs are over; a backlog that grew without bound would show up here.
    expect(inactive).toBeGreaterThan(995_000);
    expect(events / count).toBeGreaterThan(8);
    expect(description.nodes).toHaveLength(64);
  }, 180_000);
});
