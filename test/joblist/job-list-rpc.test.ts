import { Errno, FLUX_USERID_UNKNOWN } from '../../src/flux/constants';
import { FluxError, FluxRpcError } from '../../src/flux/errors';
import { parseJson, type JsonObject } from '../../src/flux/json';
import { JOB_ATTRIBUTES } from '../../src/flux/attribute-names';
import {
  ATTRIBUTE_REPLY_BYTES,
  DEFAULT_STREAM_THRESHOLD_BYTES,
  JOB_REPLY_BASE_BYTES,
  JobInfo,
  JobList,
  JobListError,
  JobListRPC,
  estimateJobBytes,
  estimateReplyBytes,
  jobList,
  jobListInactive,
  shouldStream,
} from '../../src/joblist';
import { ENODATA_REPLY, FakeHandle, jobListResponder, type Reply } from './fake-handle';
import { snapshotRecords, wireCapture } from './fixtures';

const ALL_USERS = { userid: FLUX_USERID_UNKNOWN };

const MiB = 1024 * 1024;

describe('reply size estimate', () => {
  it.each<[string[], number]>([
    [[], 20],
    [['state', 'name'], 45],
    [['all'], 538],
    [['name', 'all'], 538],
    [['state', 'state', 'id'], 30],
    [['t_submit', 'annotations'], 87],
    [['no_such_attribute'], 52],
  ])('puts a job with attrs %j at %d bytes', (attrs, bytes) => {
    expect(estimateJobBytes(attrs)).toBe(bytes);
  });

  it("is calibrated on Flux's measurement: ~535 B/job with every attribute, 45 with state,name, 20 with ids only", () => {
    expect(Math.abs(estimateJobBytes(['all']) - 535) / 535).toBeLessThan(0.03);
    expect(JOB_REPLY_BASE_BYTES).toBe(20);
    expect(Object.keys(ATTRIBUTE_REPLY_BYTES).sort()).toEqual([...JOB_ATTRIBUTES].sort());
  });

  it('multiplies by the most jobs asked for', () => {
    expect(estimateReplyBytes(1000, ['all'])).toBe(538_000);
    expect(estimateReplyBytes(20008, ['state', 'name'])).toBe(900_360);
    expect(estimateReplyBytes(0, ['all'])).toBe(0);
  });
});

describe('streaming or not', () => {
  it.each<[number, string[], number, boolean]>([
    [0, ['state', 'name'], MiB, true],
    [-1, ['state', 'name'], MiB, true],
    [1, ['all'], MiB, false],
    [1000, ['all'], MiB, false],
    [1001, ['all'], MiB, false],
    [1949, ['all'], MiB, false],
    [1950, ['all'], MiB, true],
    [20008, ['all'], MiB, true],
    [20008, ['state', 'name'], MiB, false],
    [23301, ['state', 'name'], MiB, false],
    [23302, ['state', 'name'], MiB, true],
    [52428, [], MiB, false],
    [52429, [], MiB, true],
    [50, [], 1000, false],
    [51, [], 1000, true],
    [1, [], 0, true],
    [10 ** 9, ['all'], Number.POSITIVE_INFINITY, false],
    [0, ['all'], Number.POSITIVE_INFINITY, true],
  ])('maxEntries %d with attrs %j and a budget of %d bytes streams: %s', (maxEntries, attrs, budget, expected) => {
    expect(shouldStream(maxEntries, attrs, budget)).toBe(expected);
  });

  it('defaults to a budget of 1 MiB', () => {
    expect(DEFAULT_STREAM_THRESHOLD_BYTES).toBe(MiB);
    expect(shouldStream(1949, ['all'])).toBe(false);
    expect(shouldStream(1950, ['all'])).toBe(true);
  });

  it.each([
    [0, true],
    [1, false],
    [1001, false],
    [23301, false],
    [23302, true],
  ])('JobList with maxEntries %d of state,name sends streaming=%s and gets the same jobs either way', async (maxEntries, streaming) => {
    const records = snapshotRecords();
    const handle = new FakeHandle(jobListResponder(records));
    const jobs = await new JobList(handle, { maxEntries, attrs: ['state', 'name'] }).records();
    expect(handle.calls).toHaveLength(1);
    expect(handle.calls[0]?.streaming).toBe(streaming);
    const expected = maxEntries === 0 ? records : records.slice(0, maxEntries);
    expect(jobs.map((job) => job.id)).toEqual(expected.map((record) => BigInt(record.id as number)));
    expect(jobs[0]).toEqual({ id: BigInt(records[0]?.id as number), state: records[0]?.state, name: records[0]?.name });
  });

  it('honours a streamThresholdBytes setting (50 jobs with every attribute: 26,900 bytes)', async () => {
    const handle = new FakeHandle(jobListResponder(snapshotRecords()));
    await new JobList(handle, { maxEntries: 50, streamThresholdBytes: 26_899 }).records();
    await new JobList(handle, { maxEntries: 50, streamThresholdBytes: 26_900 }).records();
    await jobList(handle, { ...ALL_USERS, maxEntries: 50, streamThresholdBytes: 0 }).getJobs();
    await jobListInactive(handle, { maxEntries: 50, attrs: ['state'], streamThresholdBytes: 1500 }).getJobs();
    expect(handle.calls.map((call) => call.streaming)).toEqual([true, false, true, false]);
  });

  it.each([-1, Number.NaN, '1000' as unknown as number])('refuses streamThresholdBytes %p', (bad) => {
    const handle = new FakeHandle(jobListResponder([]));
    const message = `streamThresholdBytes must be a number of bytes, 0 or more, got ${String(bad)}`;
    expect(() => new JobList(handle, { streamThresholdBytes: bad })).toThrow(message);
    expect(() => jobList(handle, { streamThresholdBytes: bad })).toThrow(JobListError);
    expect(handle.calls).toHaveLength(0);
  });
});

function streamOf(replies: Reply[]): FakeHandle {
  return new FakeHandle(() => replies);
}

describe('reading a job-list.list stream', () => {
  const job = (id: number, name: string): JsonObject => ({ id, name });

  it('reads a version-1 stream to its ENODATA end', async () => {
    const handle = streamOf([
      { payload: { jobs: [job(3, 'a')], version: 1 } },
      { payload: { jobs: [job(2, 'b')] } },
      { payload: { jobs: [job(1, 'c')] } },
      ENODATA_REPLY,
    ]);
    const jobs = await jobList(handle, { ...ALL_USERS, maxEntries: 0 }).getJobs();
    expect(jobs).toEqual([
      { id: 3n, name: 'a' },
      { id: 2n, name: 'b' },
      { id: 1n, name: 'c' },
    ]);
    expect(handle.released).toBe(0);
  });

  it('takes a first response without version as the whole (version 0) answer and stops reading', async () => {
    const handle = streamOf([
      { payload: { jobs: [job(3, 'a'), job(2, 'b')] } },
      { payload: { jobs: [job(1, 'never read')] } },
      ENODATA_REPLY,
    ]);
    const jobs = await jobList(handle, { ...ALL_USERS, maxEntries: 0 }).getJobs();
    expect(jobs.map((j) => j.name)).toEqual(['a', 'b']);
    expect(handle.released).toBe(1);
  });

  it('treats "version": 0 like no version', async () => {
    const handle = streamOf([{ payload: { jobs: [job(3, 'a')], version: 0 } }, { payload: { jobs: [job(1, 'x')] } }]);
    const jobs = await jobList(handle, { ...ALL_USERS, maxEntries: 0 }).getJobs();
    expect(jobs.map((j) => j.name)).toEqual(['a']);
  });

  it('returns no jobs when the only response is ENODATA', async () => {
    const handle = streamOf([ENODATA_REPLY]);
    await expect(jobList(handle, { ...ALL_USERS, maxEntries: 0 }).getJobs()).resolves.toEqual([]);
  });

  it('fails with the error response that arrives mid-stream', async () => {
    const handle = streamOf([
      { payload: { jobs: [job(3, 'a')], version: 1 } },
      { errno: Errno.EINVAL, errorString: 'foo is not a valid attribute' },
    ]);
    const rpc = jobList(handle, { ...ALL_USERS, maxEntries: 0, attrs: ['name', 'foo'] });
    await expect(rpc.getJobs()).rejects.toThrow(FluxRpcError);
    await expect(rpc.getJobs()).rejects.toMatchObject({ errno: Errno.EINVAL, text: 'foo is not a valid attribute' });
  });

  it('fails with an error that is the only response', async () => {
    const handle = streamOf([{ errno: Errno.EPROTO, errorString: 'invalid payload: max_entries < 0 not allowed' }]);
    await expect(jobList(handle, { ...ALL_USERS, maxEntries: -1 }).getJobs()).rejects.toMatchObject({
      errno: Errno.EPROTO,
      text: 'invalid payload: max_entries < 0 not allowed',
    });
  });

  it('keeps 64-bit ids exact and turns small numeric ids into bigint', async () => {
    const big = parseJson('{"jobs":[{"id":18446744073709551614,"name":"big"}],"version":1}');
    const handle = streamOf([{ payload: big }, { payload: { jobs: [{ id: 5, name: 'small' }] } }, ENODATA_REPLY]);
    const jobs = await jobList(handle, { ...ALL_USERS, maxEntries: 0 }).getJobs();
    expect(jobs.map((j) => j.id)).toEqual([18446744073709551614n, 5n]);
  });

  it.each([
    [{ jobs: 'nope' }, 'expected {"jobs":[...]}'],
    [null, 'expected {"jobs":[...]}'],
    [{ jobs: [{ name: 'no id' }], version: 1 }, 'job object without an integer id'],
    [{ jobs: [{ id: 1.5 }], version: 1 }, 'job object without an integer id'],
    [{ jobs: [7], version: 1 }, 'expected a job object'],
  ])('rejects a malformed response %j with a protocol error', async (payload, message) => {
    const handle = streamOf([{ payload }, ENODATA_REPLY]);
    const rpc = jobList(handle, { ...ALL_USERS, maxEntries: 0 });
    await expect(rpc.getJobs()).rejects.toThrow(message);
    await expect(rpc.getJobs()).rejects.toMatchObject({ code: 'FLUX_PROTOCOL' });
    expect(await rpc.getJobs().catch((err: unknown) => err instanceof FluxError)).toBe(true);
  });

  it('reads a non-streaming answer from its one response', async () => {
    const handle = new FakeHandle(() => [{ payload: { jobs: [job(9, 'x'), job(8, 'y')] } }]);
    const rpc = jobList(handle, { ...ALL_USERS, maxEntries: 2 });
    expect(rpc.streaming).toBe(false);
    expect((await rpc.getJobs()).map((j) => j.id)).toEqual([9n, 8n]);
  });

  it('sends the request when created, before anyone asks for the jobs', () => {
    const handle = new FakeHandle(jobListResponder([]));
    const rpc = new JobListRPC(handle, { max_entries: 0, attrs: [] }, true);
    expect(handle.calls).toEqual([{ topic: 'job-list.list', payload: { max_entries: 0, attrs: [] }, streaming: true }]);
    return expect(rpc.getJobs()).resolves.toEqual([]);
  });

  it('gives JobInfo objects with getJobInfos()', async () => {
    const handle = new FakeHandle(jobListResponder(snapshotRecords()));
    const infos = await jobList(handle, { ...ALL_USERS, maxEntries: 3 }).getJobInfos();
    expect(infos).toHaveLength(3);
    expect(infos[0]).toBeInstanceOf(JobInfo);
    expect(infos.map((info) => info.jobid)).toEqual(['ƒQbU2583', 'ƒRTWqpuD', 'ƒQVEH6Mu']);
  });
});

describe('replaying the recorded `flux jobs -a` stream', () => {
  const messages = wireCapture();
  const request = messages.find((m) => m.dir === 'client->broker' && m.topic === 'job-list.list');
  const responses = messages.filter(
    (m) => m.dir === 'broker->client' && m.topic === 'job-list.list' && m.matchtag === request?.matchtag,
  );
  // The first list session: responses up to and including its ENODATA.
  const session = responses.slice(0, responses.findIndex((m) => m.aux1 === Errno.ENODATA) + 1);

  it('is a streaming request answered with version 1 and ENODATA (sanity check of the capture)', () => {
    expect(request?.flags).toBe(0x4b);
    expect(session).toHaveLength(25);
    expect(parseJson(session[0]?.payload ?? '')).toMatchObject({ version: 1 });
    expect(session[24]?.payload).toBeUndefined();
  });

  it('gives the 24 jobs in the order the broker sent them', async () => {
    const replies: Reply[] = session.map((m) =>
      m.aux1 === 0 ? { payload: parseJson(m.payload ?? '') } : { errno: m.aux1 },
    );
    const handle = streamOf(replies);
    const list = new JobList(handle, { attrs: ['state', 'name'], maxEntries: 0, filters: ['pending,running,inactive'] });
    const jobs = await list.jobs();
    expect(jobs).toHaveLength(24);
    expect(jobs[0]?.jobid).toBe('ƒ4bc3wq9');
    expect(jobs[0]?.name).toBe('long-queue-stopped');
    expect(jobs[23]?.name).toBe('hello');
    expect(jobs.map((j) => j.stateSingle).join('')).toBe('SSSDDSSRRRRIIIIIIIIIIIII');
  });
});
