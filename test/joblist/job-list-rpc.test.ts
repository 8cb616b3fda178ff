import { Errno, FLUX_USERID_UNKNOWN } from '../../src/flux/constants';
import { FluxError, FluxRpcError } from '../../src/flux/errors';
import { parseJson, type JsonObject } from '../../src/flux/json';
import { JobInfo, JobList, JobListRPC, jobList, shouldStream } from '../../src/joblist';
import { ENODATA_REPLY, FakeHandle, jobListResponder, type Reply } from './fake-handle';
import { snapshotRecords, wireCapture } from './fixtures';

const ALL_USERS = { userid: FLUX_USERID_UNKNOWN };

describe('streaming or not', () => {
  it.each([
    [0, 1000, true],
    [1, 1000, false],
    [50, 1000, false],
    [1000, 1000, false],
    [1001, 1000, true],
    [20000, 1000, true],
    [50, 0, true],
    [50, 49, true],
    [50, 50, false],
    [-1, 1000, true],
  ])('maxEntries %d with threshold %d streams: %s', (maxEntries, threshold, expected) => {
    expect(shouldStream(maxEntries, threshold)).toBe(expected);
  });

  it.each([
    [0, true],
    [1, false],
    [1000, false],
    [1001, true],
  ])('JobList with maxEntries %d sends streaming=%s and gets the same jobs either way', async (maxEntries, streaming) => {
    const records = snapshotRecords();
    const handle = new FakeHandle(jobListResponder(records));
    const jobs = await new JobList(handle, { maxEntries, attrs: ['state', 'name'] }).records();
    expect(handle.calls).toHaveLength(1);
    expect(handle.calls[0]?.streaming).toBe(streaming);
    const expected = maxEntries === 0 ? records : records.slice(0, maxEntries);
    expect(jobs.map((job) => job.id)).toEqual(expected.map((record) => BigInt(record.id as number)));
    expect(jobs[0]).toEqual({ id: BigInt(records[0]?.id as number), state: records[0]?.state, name: records[0]?.name });
  });

  it('honours a streamThreshold setting', async () => {
    const handle = new FakeHandle(jobListResponder(snapshotRecords()));
    await new JobList(handle, { maxEntries: 50, streamThreshold: 10 }).records();
    await new JobList(handle, { maxEntries: 50, streamThreshold: 100 }).records();
    await jobList(handle, { ...ALL_USERS, maxEntries: 50, streamThreshold: 0 }).getJobs();
    expect(handle.calls.map((call) => call.streaming)).toEqual([true, false, true]);
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
