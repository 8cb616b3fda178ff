import { datasetChunks, datasetRecords, datasetSize, DATASET_NOW, DATASET_QUEUES } from '../../bench/dataset';
import { EmbeddedInstance } from '../../src/embedded';
import { FLUX_USERID_UNKNOWN } from '../../src/flux/constants';
import { stringifyJson, type JsonObject } from '../../src/flux/json';
import { JobListRPC, jobListPayload, type JobRecord } from '../../src/joblist';

function loaded(inactive: number): EmbeddedInstance {
  const instance = new EmbeddedInstance({ queues: DATASET_QUEUES, now: () => DATASET_NOW });
  for (const chunk of datasetChunks({ inactive, active: true }, 700)) instance.loadRecords(chunk);
  return instance;
}

async function listAll(instance: EmbeddedInstance): Promise<JobRecord[]> {
  const handle = instance.handle();
  try {
    const payload = jobListPayload({ maxEntries: 0, attrs: ['all'], userid: FLUX_USERID_UNKNOWN });
    return await new JobListRPC(handle, payload, false).getJobs();
  } finally {
    await handle.close();
  }
}

describe('bench dataset', () => {
  it('holds the inactive jobs plus 2 running, 4 scheduled and 2 dependent ones, as job-stats counts them', async () => {
    const instance = loaded(2000);
    const stats = (await instance.handle().rpc('job-list.job-stats', {})) as JsonObject;
    expect(stats.job_states).toEqual({ depend: 2, priority: 0, sched: 4, run: 2, cleanup: 0, inactive: 2000, total: 2008 });
    expect(stats.successful).toBe(2000);
    expect(datasetSize({ inactive: 2000, active: true })).toBe(2008);
    instance.close();
  });

  it('is listed back record for record, in job-list order (pending by priority, held and dependent last; running; latest inactive first)', async () => {
    const records = datasetRecords({ inactive: 300, active: true });
    const instance = loaded(300);
    const listed = await listAll(instance);
    expect(listed).toHaveLength(308);
    expect(listed.slice(0, 8).map((job) => job.state)).toEqual([8, 8, 8, 8, 2, 2, 16, 16]);
    const ends = listed.slice(8).map((job) => job.t_inactive as number);
    expect(ends).toEqual([...ends].sort((a, b) => b - a));
    const byId = new Map(records.map((record) => [(record as JobRecord).id, stringifyJson(record)]));
    for (const job of listed) {
      expect(JSON.parse(stringifyJson(job))).toEqual(JSON.parse(byId.get(job.id) as string));
    }
    instance.close();
  });

  it('has job IDs beyond 2^53, as a system instance running for weeks has, and about 550 bytes a job', () => {
    const records = datasetRecords({ inactive: 1000, active: false }) as JobRecord[];
    expect(new Set(records.map((job) => job.id)).size).toBe(1000);
    expect(records.every((job) => job.id > BigInt(Number.MAX_SAFE_INTEGER))).toBe(true);
    const bytes = records.reduce((sum, job) => sum + Buffer.byteLength(stringifyJson(job)), 0) / records.length;
    expect(bytes).toBeGreaterThan(500);
    expect(bytes).toBeLessThan(600);
  });

  it('comes in chunks of the asked size, active jobs first', () => {
    const sizes = [...datasetChunks({ inactive: 25, active: true }, 10)].map((chunk) => chunk.length);
    expect(sizes).toEqual([10, 10, 10, 3]);
    const [first] = datasetChunks({ inactive: 25, active: true }, 10);
    expect(first?.slice(0, 8).every((job) => job.state !== 64)).toBe(true);
  });
});
