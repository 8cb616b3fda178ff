import { Errno } from '../../src/flux/constants';
import { FluxError } from '../../src/flux/errors';
import { parseJson, type JsonObject } from '../../src/flux/json';
import {
  JobInfo,
  JobList,
  JobListError,
  JobListIdsFuture,
  getJob,
  jobFieldsToAttrs,
  jobListId,
  toJobIdInput,
} from '../../src/joblist';
import { FakeHandle, jobListResponder, type Reply } from './fake-handle';
import { compactPythonJson, snapshotJobInfo, snapshotRecords, wireCapture } from './fixtures';

const records = snapshotRecords();
const first = records[0] as JsonObject; // ƒQbU2583, 898201812992
const second = records[1] as JsonObject; // ƒRTWqpuD, 931051601920

describe('job IDs given by users', () => {
  it.each([
    ['ƒQbU2583', 898201812992n],
    ['fQbU2583', 898201812992n],
    ['898201812992', 898201812992n],
    ['0xd121000000', 898201812992n],
    ['0000.00d1.2100.0000', 898201812992n],
    ['job.0000.00d1.2100.0000', 898201812992n],
  ])('%s is job %s', (text, id) => {
    expect(toJobIdInput(text)).toEqual({ input: text, id });
  });

  it('keeps a bigint and shows it in decimal', () => {
    expect(toJobIdInput(18446744073709551615n)).toEqual({ input: '18446744073709551615', id: 18446744073709551615n });
  });

  it.each(['', 'ƒ', 'nope', '12x', '-1', 'ƒ0OIl'])('rejects %j with Flux\'s message', (text) => {
    let caught: unknown;
    try {
      toJobIdInput(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(JobListError);
    expect(caught).toMatchObject({ code: 'INVALID_JOBID', message: `${text} is not a valid Flux jobid` });
  });

  it('rejects bigints outside 64 bits', () => {
    expect(() => toJobIdInput(-1n)).toThrow('-1 is not a valid Flux jobid');
    expect(() => toJobIdInput(1n << 64n)).toThrow('18446744073709551616 is not a valid Flux jobid');
  });
});

describe('job_list_id', () => {
  it('sends one non-streaming list-id with the numeric id and attrs', async () => {
    const handle = new FakeHandle(jobListResponder(records));
    const job = await jobListId(handle, 'ƒQbU2583', ['state', 'name']).getJob();
    expect(handle.calls).toEqual([
      { topic: 'job-list.list-id', streaming: false, payload: { id: 898201812992n, attrs: ['state', 'name'] } },
    ]);
    expect(job).toEqual({ id: 898201812992n, state: 8, name: 'gpu-inference-u31' });
  });

  it('remembers what the caller typed', () => {
    const handle = new FakeHandle(jobListResponder(records));
    expect(jobListId(handle, '898201812992').jobid).toEqual({ input: '898201812992', id: 898201812992n });
  });

  it('rejects with the ENOENT error for an unknown job', async () => {
    const handle = new FakeHandle(jobListResponder(records));
    await expect(jobListId(handle, 123456789n).getJobInfo()).rejects.toMatchObject({ errno: Errno.ENOENT });
  });

  it('gives a JobInfo', async () => {
    const handle = new FakeHandle(jobListResponder(records));
    const info = await jobListId(handle, 931051601920n).getJobInfo();
    expect(info).toBeInstanceOf(JobInfo);
    expect(info.name).toBe('expedited-n12-u31');
  });

  it('rejects a response without a job object', async () => {
    const handle = new FakeHandle(() => [{ payload: { jobs: [] } }]);
    const rpc = jobListId(handle, 1n);
    await expect(rpc.getJob()).rejects.toBeInstanceOf(FluxError);
    await expect(rpc.getJob()).rejects.toThrow('expected {"job":{...}}');
  });

  it('turns a handle that throws at once into a rejection', async () => {
    const handle = new FakeHandle(() => {
      throw new Error('connection closed');
    });
    await expect(jobListId(handle, 1n).getJob()).rejects.toThrow('connection closed');
  });
});

describe('get_job', () => {
  it('is to_dict(False) of all attributes', async () => {
    const handle = new FakeHandle(jobListResponder(records));
    const dict = await getJob(handle, 'ƒQbU2583', { usernameOf: () => 'root', now: () => 1795637798 });
    const recorded = snapshotJobInfo()[0] as JsonObject;
    expect(handle.calls[0]?.payload).toEqual({ id: 898201812992n, attrs: ['all'] });
    expect(dict?.jobid).toBe('ƒQbU2583');
    expect(Object.keys(dict ?? {})).toEqual(Object.keys(recorded).filter((k) => !['state_single', 'status_abbrev', 'result_abbrev', 'id_dec'].includes(k)));
    expect(dict?.state).toBe('SCHED');
    expect(dict?.username).toBe('root');
  });

  it('is null for an unknown job', async () => {
    const handle = new FakeHandle(jobListResponder(records));
    await expect(getJob(handle, 42n)).resolves.toBeNull();
  });

  it('passes other errors on', async () => {
    const handle = new FakeHandle(() => [{ errno: Errno.EPERM }]);
    await expect(getJob(handle, 42n)).rejects.toMatchObject({ errno: Errno.EPERM });
  });
});

describe('JobListIdsFuture and JobList ids', () => {
  function idsHandle(): FakeHandle {
    const base = jobListResponder(records);
    return new FakeHandle((call): Reply[] => {
      if (call.payload?.id === 7n) return [{ errno: Errno.EPERM }];
      if (call.payload?.id === 8n) return [{ errno: Errno.EINVAL, errorString: 'foo is not a valid attribute' }];
      return base(call);
    });
  }

  it('sends every request at once and returns found jobs in request order', async () => {
    const handle = idsHandle();
    const future = new JobListIdsFuture(
      handle,
      [toJobIdInput(String(second.id)), toJobIdInput('ƒ1'), toJobIdInput('ƒQbU2583')],
      ['name'],
    );
    expect(handle.calls.map((c) => c.payload?.id)).toEqual([931051601920n, 0n, 898201812992n]);
    const jobs = await future.getJobs();
    expect(jobs.map((j) => j.name)).toEqual([second.name, first.name]);
    expect(future.errors).toEqual(['JobID ƒ1 unknown']);
  });

  it('reports other error responses as "rpc: <text>" in request order', async () => {
    const handle = idsHandle();
    const list = new JobList(handle, { ids: ['7', 'ƒQbU2583', '8', '0x1', 'ƒRTWqpuD'], filters: ['running'], user: 0 });
    const jobs = await list.jobs();
    expect(jobs.map((j) => j.jobid)).toEqual(['ƒQbU2583', 'ƒRTWqpuD']);
    expect(list.errors).toEqual([
      'rpc: Operation not permitted',
      'rpc: foo is not a valid attribute',
      'JobID 0x1 unknown',
    ]);
    // With ids, filters and user are ignored: only list-id requests go out.
    expect(handle.calls.every((c) => c.topic === 'job-list.list-id' && !c.streaming)).toBe(true);
    expect(handle.calls).toHaveLength(5);
  });

  it('rejects when a request fails without an error response', async () => {
    const handle = new FakeHandle((call) => (call.payload?.id === 2n ? [{ payload: 'garbage' }] : [{ errno: Errno.ENOENT }]));
    const future = new JobListIdsFuture(handle, [toJobIdInput('1'), toJobIdInput('2')], ['all']);
    await expect(future.getJobs()).rejects.toMatchObject({ code: 'FLUX_PROTOCOL' });
  });

  it('records() gives raw records for ids as well', async () => {
    const list = new JobList(idsHandle(), { ids: [898201812992n], attrs: ['state'] });
    await expect(list.records()).resolves.toEqual([{ id: 898201812992n, state: 8 }]);
    expect(list.errors).toEqual([]);
  });

  it('an empty ids list means a normal listing', async () => {
    const handle = idsHandle();
    await new JobList(handle, { ids: [], maxEntries: 2 }).records();
    expect(handle.calls.map((c) => c.topic)).toEqual(['job-list.list']);
  });
});

describe('replaying `flux jobs <known id> <unknown id>`', () => {
  const messages = wireCapture().filter((m) => m.topic === 'job-list.list-id');
  const requests = messages.filter((m) => m.dir === 'client->broker');
  const responses = messages.filter((m) => m.dir === 'broker->client');

  it('asks for the same attributes as flux jobs did for its default format', () => {
    const sent = parseJson(requests[0]?.payload ?? '') as JsonObject;
    // flux-jobs' default format: id.f58, queue, username, name, status_abbrev, ntasks, nnodes,
    // contextual_time, contextual_info; colour adds result and annotations.
    const fields = ['id.f58', 'queue', 'username', 'name', 'status_abbrev', 'ntasks', 'nnodes', 'contextual_time', 'contextual_info'];
    const attrs = jobFieldsToAttrs([...fields, 'result', 'annotations']);
    expect([...attrs].sort()).toEqual([...(sent.attrs as string[])].sort());
  });

  it('gives the known job and "JobID 3483 unknown"', async () => {
    const sent = requests.map((m) => parseJson(m.payload ?? '') as JsonObject);
    const attrs = sent[0]?.attrs as string[];
    const handle = new FakeHandle((call) => {
      const request = sent.findIndex((s) => BigInt(s.id as number) === call.payload?.id);
      const response = responses.find((m) => m.matchtag === requests[request]?.matchtag);
      if (response === undefined) return [];
      return response.aux1 === 0 ? [{ payload: parseJson(response.payload ?? '') }] : [{ errno: response.aux1 }];
    });
    const list = new JobList(handle, { ids: ['28185722880', '3483'], attrs });
    expect(compactPythonJson(requests[0]?.payload ?? '')).toContain('"id":28185722880');
    const jobs = await list.jobs();
    expect(jobs.map((j) => j.name)).toEqual(['hello']);
    expect(jobs[0]?.status).toBe('COMPLETED');
    expect(jobs[0]?.contextualInfo).toBe('vm');
    expect(list.errors).toEqual(['JobID 3483 unknown']);
  });
});
