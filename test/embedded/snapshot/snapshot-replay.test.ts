/**
 * The embedded instance loaded with the job-list records of a real flux-core 0.88 instance
 * answers as that instance did: same jobs, same order, same job-stats.
 */
import { Errno } from '../../../src/flux/constants';
import type { Json, JsonObject } from '../../../src/flux/json';
import { EmbeddedInputError, EmbeddedInstance } from '../../../src/embedded';
import { call, callOnce, readFixture, request } from '../job-builders';

const snapshot = readFixture('test/fixtures/flux-0.88-snapshot.json') as JsonObject & { jobs: JsonObject[]; queues: string[] };
const recordedStats = readFixture('test/fixtures/flux-0.88-snapshot-job-stats.json') as JsonObject & { queues: JsonObject[] };

function loaded(): EmbeddedInstance {
  const instance = new EmbeddedInstance({ queues: snapshot.queues });
  instance.loadRecords(snapshot.jobs);
  return instance;
}

/** IDs as the wire carries them: exact integers, whatever JS type holds them. */
function normaliseIds(jobs: JsonObject[]): JsonObject[] {
  return jobs.map((j) => ({ ...j, id: BigInt(j.id as number) }));
}

describe('a flux-core 0.88 snapshot, replayed', () => {
  const instance = loaded();

  it('lists exactly the recorded jobs in the recorded order', () => {
    const response = callOnce(instance.service, request('job-list.list', { max_entries: 0, attrs: ['all'], constraint: { and: [] } }));
    const jobs = (response.payload as { jobs: JsonObject[] }).jobs;
    expect(jobs).toHaveLength(59);
    expect(normaliseIds(jobs)).toEqual(normaliseIds(snapshot.jobs));
    // Key order too: id first, then list-attrs order.
    jobs.forEach((j, i) => expect(Object.keys(j)).toEqual(Object.keys(snapshot.jobs[i] as JsonObject)));
  });

  it('streams the same jobs, and pages are prefixes of the full order', () => {
    const streamed = call(instance.service, request('job-list.list', { max_entries: 0, attrs: ['all'], constraint: { and: [] } }, { streaming: true }));
    expect(streamed[streamed.length - 1]).toEqual({ errnum: Errno.ENODATA });
    const jobs = streamed.slice(0, -1).map((r) => ((r.payload as { jobs: JsonObject[] }).jobs[0] as JsonObject));
    expect(normaliseIds(jobs)).toEqual(normaliseIds(snapshot.jobs));
    for (const n of [1, 7, 15, 20, 58, 59, 60]) {
      const page = callOnce(instance.service, request('job-list.list', { max_entries: n, attrs: [], constraint: { and: [] } }));
      expect((page.payload as { jobs: JsonObject[] }).jobs.map((j) => BigInt(j.id as number))).toEqual(snapshot.jobs.slice(0, n).map((j) => BigInt(j.id as number)));
    }
  });

  it('answers job-stats as the recorded instance did (queue order aside)', () => {
    const stats = callOnce(instance.service, request('job-list.job-stats', {})).payload as JsonObject & { queues: JsonObject[] };
    const byName = (queues: JsonObject[]): JsonObject[] => [...queues].sort((a, b) => String(a.name).localeCompare(String(b.name)));
    const { queues, ...overall } = stats;
    const { queues: recordedQueues, ...recordedOverall } = recordedStats;
    expect(overall).toEqual(recordedOverall);
    expect(byName(queues)).toEqual(byName(recordedQueues));
  });

  it('answers list-id for every recorded job with its record', () => {
    for (const record of snapshot.jobs) {
      const response = callOnce(instance.service, request('job-list.list-id', { id: record.id as number, attrs: ['all'] }));
      expect(normaliseIds([(response.payload as { job: JsonObject }).job])).toEqual(normaliseIds([record]));
    }
  });

  it('filters recorded jobs like the recorded instance would', () => {
    const running = callOnce(instance.service, request('job-list.list', { max_entries: 0, attrs: ['state'], constraint: { states: ['running'] } }));
    expect((running.payload as { jobs: JsonObject[] }).jobs.map((j) => j.id)).toEqual(snapshot.jobs.filter((j) => j.state === 16 || j.state === 32).map((j) => j.id));
    const since = snapshot.jobs.find((j) => j.id === 764084748288)?.t_inactive as number;
    const recent = callOnce(instance.service, request('job-list.list', { max_entries: 0, attrs: [], since, constraint: { states: ['inactive'] } }));
    const expected = snapshot.jobs.filter((j) => j.t_inactive !== undefined && (j.t_inactive as number) > since).map((j) => j.id);
    expect((recent.payload as { jobs: JsonObject[] }).jobs.map((j) => j.id)).toEqual(expected);
  });
});

describe('loading records', () => {
  const base = (): JsonObject => structuredClone(snapshot.jobs.find((j) => j.state === 8) as JsonObject);

  it.each<[string, (r: JsonObject) => void, string]>([
    ['a timestamp of a later state', (r) => (r.t_run = 1795637775), 'job 898201812992: record: "t_run" is present but the job is only SCHED'],
    ['the timestamp of its own state missing', (r) => delete r.t_sched, 'job 898201812992: record: "t_sched" is missing (the job is SCHED)'],
    ['a wrong type', (r) => (r.name = 5), 'job 898201812992: record: "name" must be a string, got the integer 5'],
    ['an unknown attribute', (r) => (r.colour = 'red'), 'job 898201812992: record: unknown attribute "colour" (job-list has no such attribute)'],
    ['ranks without having run', (r) => (r.ranks = '0'), 'job 898201812992: record: "ranks" is present but the job never ran (no "t_run")'],
    ['no id', (r) => delete r.id, 'record: "id" is missing'],
  ])('refuses a record with %s, naming the job and field', (_what, spoil, message) => {
    const record = base();
    spoil(record);
    const instance = new EmbeddedInstance();
    expect(() => instance.store.ingestRecord(record)).toThrow(EmbeddedInputError);
    expect(() => instance.store.ingestRecord(structuredClone(record) as Json)).toThrow(message);
  });

  it('checks every record before adding any, and refuses duplicates', () => {
    const instance = new EmbeddedInstance();
    const records = structuredClone(snapshot.jobs.slice(0, 3));
    (records[2] as JsonObject).state = 3;
    expect(() => instance.loadRecords(records)).toThrow(EmbeddedInputError);
    expect(instance.store.size).toBe(0);
    const twice = structuredClone([snapshot.jobs[0], snapshot.jobs[0]]) as JsonObject[];
    expect(() => instance.loadRecords(twice)).toThrow('job 898201812992: appears twice');
    expect(instance.store.size).toBe(0);
  });

  it('leaves the records it was given unchanged', () => {
    const records = structuredClone(snapshot.jobs.slice(0, 5));
    new EmbeddedInstance().loadRecords(records);
    expect(records).toEqual(snapshot.jobs.slice(0, 5));
  });

  it('lets loaded jobs take part in later events', () => {
    const instance = loaded();
    instance.sink.post(898201812992n, { timestamp: 1795637800, name: 'alloc' });
    const job = callOnce(instance.service, request('job-list.list-id', { id: 898201812992, attrs: ['state', 't_run'] })).payload as { job: JsonObject };
    expect(job.job).toEqual({ id: 898201812992, state: 16, t_run: 1795637800 });
  });
});
