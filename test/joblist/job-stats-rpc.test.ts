import { Errno } from '../../src/flux/constants';
import type { JsonObject } from '../../src/flux/json';
import { JobListError, JobStats } from '../../src/joblist';
import { FakeHandle, jobListResponder } from './fake-handle';
import { loadFixture } from './fixtures';

const stats = loadFixture('flux-0.88-snapshot-job-stats.json') as JsonObject;

function counts(s: JobStats): Record<string, number> {
  const { depend, priority, sched, run, cleanup, inactive, total, successful, failed, timeout, canceled, inactivePurged, pending, running, active } = s;
  return { depend, priority, sched, run, cleanup, inactive, total, successful, failed, timeout, canceled, inactivePurged, pending, running, active };
}

describe('JobStats (section 9.4)', () => {
  it('is -1 everywhere before the first update', () => {
    const s = new JobStats(new FakeHandle(jobListResponder([], stats)));
    expect(Object.values(counts(s)).every((v) => v === -1)).toBe(true);
  });

  it('copies the instance counters and derives pending, running, active and the failed total', async () => {
    const handle = new FakeHandle(jobListResponder([], stats));
    const s = await new JobStats(handle).update();
    expect(handle.calls).toEqual([{ topic: 'job-list.job-stats', payload: {}, streaming: false }]);
    expect(counts(s)).toEqual({
      depend: 4,
      priority: 0,
      sched: 11,
      run: 5,
      cleanup: 0,
      inactive: 39,
      total: 59,
      successful: 20,
      failed: 13 + 2 + 4,
      timeout: 2,
      canceled: 4,
      inactivePurged: 0,
      pending: 15,
      running: 5,
      active: 20,
    });
  });

  it('sums the requested queues', async () => {
    const s = await new JobStats(new FakeHandle(jobListResponder([], stats)), ['pdebug', 'gpu']).update();
    expect(counts(s)).toMatchObject({ sched: 7, run: 1, inactive: 9, total: 17, successful: 4, failed: 2 + 1 + 2, pending: 7, active: 8 });
    const one = await new JobStats(new FakeHandle(jobListResponder([], stats)), 'pbatch').update();
    expect(counts(one)).toMatchObject({ depend: 4, total: 42, failed: 11 + 1 + 2, running: 4 });
  });

  it('rejects a queue the instance does not report', async () => {
    const update = new JobStats(new FakeHandle(jobListResponder([], stats)), ['pbatch', 'nosuch']).update();
    await expect(update).rejects.toBeInstanceOf(JobListError);
    await expect(update).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'no stats available for queue nosuch' });
  });

  it('passes error responses on and rejects malformed ones', async () => {
    await expect(new JobStats(new FakeHandle(() => [{ errno: Errno.EPERM }])).update()).rejects.toMatchObject({ errno: Errno.EPERM });
    await expect(new JobStats(new FakeHandle(() => [{ payload: { job_states: {} } }])).update()).rejects.toMatchObject({
      code: 'FLUX_PROTOCOL',
    });
  });
});
