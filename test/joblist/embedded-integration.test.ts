/**
 * The job-list port against the embedded instance's real job-list service, loaded with the 59
 * jobs recorded from a flux-core 0.88 broker.
 */
import { Errno } from '../../src/flux/constants';
import type { JsonObject } from '../../src/flux/json';
import { EmbeddedInstance } from '../../src/embedded';
import {
  JobInfo,
  JobList,
  JobStats,
  getJob,
  jobFieldsToAttrs,
  jobList,
  jobListInactive,
  type JobInfoOptions,
} from '../../src/joblist';
import { loadFixture, snapshotJobInfo, snapshotRecords, snapshotTaken } from './fixtures';

const records = snapshotRecords();
const recordedDicts = snapshotJobInfo();
const idsInOrder = records.map((r) => BigInt(r.id as number));

let instance: EmbeddedInstance;

beforeAll(() => {
  instance = new EmbeddedInstance({ queues: ['pbatch', 'pdebug', 'gpu'], now: snapshotTaken });
  instance.loadRecords(structuredClone(records));
});

afterAll(() => instance.close());

function optionsFor(recorded: JsonObject): JobInfoOptions {
  const now = recorded.state === 'RUN' ? (recorded.t_run as number) + (recorded.runtime as number) : snapshotTaken();
  return { now: () => now, usernameOf: (uid) => (uid === 0 ? 'root' : undefined), timeZone: 'UTC' };
}

describe('listing through the embedded job-list service', () => {
  it('streams all 59 jobs in job-list order for maxEntries 0', async () => {
    const jobs = await new JobList(instance.handle(), { maxEntries: 0 }).records();
    expect(jobs.map((j) => j.id)).toEqual(idsInOrder);
  });

  it('gives the same first jobs with and without streaming', async () => {
    const handle = instance.handle();
    const single = await jobList(handle, { userid: 4294967295, maxEntries: 7 }).getJobs();
    const streamed = await jobList(handle, { userid: 4294967295, maxEntries: 7, streamThresholdBytes: 0 }).getJobs();
    expect(single).toEqual(streamed);
    expect(single.map((j) => j.id)).toEqual(idsInOrder.slice(0, 7));
  });

  it('builds JobInfo dicts equal to Flux\'s for every job', async () => {
    const jobs = await new JobList(instance.handle(), { maxEntries: 0 }).records();
    jobs.forEach((record, index) => {
      const recorded = recordedDicts[index] as JsonObject;
      const dict = new JobInfo(record, optionsFor(recorded)).toDict(false);
      const expectedKeys = Object.keys(recorded).filter((k) => !['state_single', 'status_abbrev', 'result_abbrev', 'id_dec'].includes(k));
      expect(Object.keys(dict)).toEqual(expectedKeys);
      for (const key of expectedKeys) {
        if (key === 'id') expect(dict.id).toBe(BigInt(recorded.id as number));
        else if (recorded.state === 'RUN' && (key === 'runtime' || key === 't_remaining')) expect(dict[key]).toBeCloseTo(recorded[key] as number, 2);
        else expect([key, dict[key]]).toEqual([key, recorded[key]]);
      }
    });
  });

  it.each([
    [['pending'], 15],
    [['running'], 5],
    [['inactive'], 39],
    [['completed'], 20],
    [['failed'], 13],
    [['canceled', 'timeout'], 6],
    [['running', 'completed'], 25],
    [['active'], 20],
  ])('filters %j select %d jobs', async (filters, count) => {
    const jobs = await new JobList(instance.handle(), { filters, maxEntries: 0, attrs: ['state', 'result'] }).jobs();
    expect(jobs).toHaveLength(count);
    for (const job of jobs) {
      const states = filters.filter((f) => f in JobList.STATES).reduce((m, f) => m | (JobList.STATES[f] ?? 0), 0);
      const results = filters.filter((f) => f in JobList.RESULTS).reduce((m, f) => m | (JobList.RESULTS[f] ?? 0), 0);
      expect(((job.stateId ?? 0) & states) !== 0 || ((job.resultId ?? 0) & results) !== 0).toBe(true);
    }
  });

  it('filters by queue, name and user', async () => {
    const handle = instance.handle();
    expect(await new JobList(handle, { queue: 'pdebug', maxEntries: 0 }).records()).toHaveLength(9);
    expect(await new JobList(handle, { queue: ['pdebug', 'gpu'], maxEntries: 0 }).records()).toHaveLength(17);
    const named = await new JobList(handle, { name: 'gpu train resnet', maxEntries: 0 }).jobs();
    expect(named.map((j) => j.jobid)).toEqual(['ƒQVEH6Mu']);
    expect(await new JobList(handle, { user: 0, maxEntries: 0 }).records()).toHaveLength(59);
    expect(await new JobList(handle, { user: 12345, maxEntries: 0 }).records()).toHaveLength(0);
  });

  it('asks only for the attributes the fields need', async () => {
    const attrs = jobFieldsToAttrs(['jobid', 'statusAbbrev', 'name']);
    const jobs = await new JobList(instance.handle(), { attrs, maxEntries: 3 }).jobs();
    expect(jobs.map((j) => Object.keys(j.record))).toEqual([
      ['id', 'state', 'name'],
      ['id', 'state', 'name'],
      ['id', 'state', 'name'],
    ]);
    expect(jobs.map((j) => j.statusAbbrev)).toEqual(['S', 'S', 'S']);
  });

  it('lists inactive jobs since a time, exclusive', async () => {
    const handle = instance.handle();
    const inactive = await jobListInactive(handle, { maxEntries: 0, attrs: ['t_inactive'] }).getJobs();
    expect(inactive).toHaveLength(39);
    const fifth = inactive[4]?.t_inactive as number;
    const since = await jobListInactive(handle, { since: fifth, maxEntries: 0 }).getJobs();
    expect(since.map((j) => j.id)).toEqual(inactive.slice(0, 4).map((j) => j.id));
  });

  it('reports a bad attribute as the service\'s error', async () => {
    await expect(new JobList(instance.handle(), { attrs: ['name', 'foo'], maxEntries: 0 }).records()).rejects.toMatchObject({
      errno: Errno.EINVAL,
      text: 'foo is not a valid attribute',
    });
  });
});

describe('IDs through the embedded service', () => {
  it('finds jobs by any ID form and reports unknown ones in order', async () => {
    const list = new JobList(instance.handle(), { ids: ['ƒQbU2583', '123', String(records[58]?.id), 'f1'], attrs: ['name'] });
    const jobs = await list.jobs();
    expect(jobs.map((j) => j.name)).toEqual([records[0]?.name, records[58]?.name]);
    expect(list.errors).toEqual(['JobID 123 unknown', 'JobID f1 unknown']);
  });

  it('get_job gives Flux\'s unfiltered dict or null', async () => {
    const recorded = recordedDicts[10] as JsonObject;
    const dict = await getJob(instance.handle(), recorded.jobid as string, optionsFor(recorded));
    expect(dict?.jobid).toBe(recorded.jobid);
    expect(dict?.status).toBe(recorded.status);
    expect(dict?.returncode).toBe(recorded.returncode);
    await expect(getJob(instance.handle(), 'ƒ1')).resolves.toBeNull();
  });
});

describe('JobStats through the embedded service', () => {
  it('agrees with the recorded job-stats of the same instance', async () => {
    const recorded = loadFixture('flux-0.88-snapshot-job-stats.json') as JsonObject;
    const states = recorded.job_states as JsonObject;
    const stats = await new JobStats(instance.handle()).update();
    expect([stats.total, stats.inactive, stats.run, stats.sched, stats.depend]).toEqual([
      states.total,
      states.inactive,
      states.run,
      states.sched,
      states.depend,
    ]);
    expect(stats.failed).toBe((recorded.failed as number) + (recorded.timeout as number) + (recorded.canceled as number));
    const gpu = await new JobStats(instance.handle(), 'gpu').update();
    expect([gpu.total, gpu.pending, gpu.successful]).toEqual([8, 5, 2]);
  });
});
