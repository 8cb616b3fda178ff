/**
 * A large instance: listing a page costs in proportion to the page, not to the instance
 * (shown with a tiny comparison budget, which any full scan would exceed), and a job costs
 * under 240 bytes of column storage: job-list's record (under 170) and what job-info needs
 * besides to write the job's eventlog, jobspec and R back (see store/job-trail.ts).
 */
import type { JsonObject } from '../../../src/flux/json';
import { EmbeddedInstance } from '../../../src/embedded';
import { callOnce, job, request, resourceSet } from '../job-builders';

const JOBS = 50_000;
const instance = new EmbeddedInstance({ maxComparisons: 200, queues: ['batch'] });
const R = resourceSet('0-3', '0-7', ['node[0-3]']);
for (let i = 0; i < JOBS; i++) {
  const stage = i % 1000 === 1 ? 'run' : i % 1000 === 2 ? 'sched' : 'completed';
  instance.sink.ingest(job(1_000_000n + BigInt(i), stage, 1_700_000_000 + i, { R, spec: { queue: 'batch', name: `app-${i % 97}` } }));
}

function page(payload: JsonObject): JsonObject[] {
  const response = callOnce(instance.service, request('job-list.list', payload));
  if (response.errnum !== undefined) throw new Error(response.errstr);
  return (response.payload as { jobs: JsonObject[] }).jobs;
}

describe(`an instance with ${JOBS} jobs`, () => {
  it('serves the first page within a budget of 200 comparisons', () => {
    const jobs = page({ max_entries: 100, attrs: ['state'], constraint: { userid: [1000] } });
    expect(jobs).toHaveLength(100);
    expect(jobs.slice(0, 50).every((j) => j.state === 8)).toBe(true);
  });

  it('pages deep into the inactive list by t_inactive without scanning the jobs before the bound', () => {
    const bound = 1_700_000_000 + 10_000 + 9; // t_inactive of job 10000
    const jobs = page({ max_entries: 50, attrs: ['t_inactive'], constraint: { and: [{ states: ['inactive'] }, { t_inactive: [`<=${bound}`] }] } });
    expect(jobs[0]).toEqual({ id: 1_010_000, t_inactive: bound });
    expect(jobs).toHaveLength(50);
  });

  it('stops the inactive scan at since', () => {
    // job i finished at 1_700_000_000 + i + 9: jobs 49932 ... 49999 finished after `since`
    const since = 1_700_000_000 + 49_940;
    const jobs = page({ max_entries: 0, attrs: [], since, constraint: { states: ['inactive'] } });
    expect(jobs).toHaveLength(68);
    expect(jobs[0]).toEqual({ id: 1_049_999 });
    expect(jobs[67]).toEqual({ id: 1_049_932 });
  });

  it('still refuses a scan of everything with the small budget', () => {
    expect(callOnce(instance.service, request('job-list.list', { max_entries: 0, attrs: [] })).errstr).toBe(
      'Excessive comparisons made, limit search via states or since',
    );
  });

  it('stores a job in under 240 bytes of columns', () => {
    expect(instance.store.jobs.byteLength / instance.store.jobs.capacity).toBeLessThan(240);
    expect(instance.store.size).toBe(JOBS);
  });
});
