/**
 * Job.eventlog, execEventlog, jobspec, R and output through GraphQL, on the 24 jobs recorded on
 * a flux-core 0.88 broker (job-info answered by the fake in test/support from the recorded
 * answers): values equal to what Flux stored and what its tools show, each key fetched only when
 * selected, errors per field, the output bound.
 */
import { Errno, Role } from '../../src/flux/constants';
import { withCredentials } from '../../src/flux/credentials-handle';
import { FluxError, FluxRpcError } from '../../src/flux/errors';
import type { FluxHandle } from '../../src/flux/handle';
import { encodeJobId } from '../../src/flux/jobid';
import type { JsonObject } from '../../src/flux/json';
import { documentsOf } from '../support/fake-job-info';
import { recordedJob, recordedJobs, type RecordedEntry } from '../support/job-info-fixtures';
import { recordedDetailsApp } from './test-app';

const f58 = (label: string): string => recordedJob(label).job.f58;
const events = (entries: RecordedEntry[]): unknown[] => entries.map((e) => ({ timestamp: e.timestamp, name: e.name, context: e.context ?? null }));

/**
 * What one stream of a recorded output log holds, from Python's parse of it (data in log order,
 * base64 decoded), or null when the stream was redirected.
 */
function recordedText(entries: RecordedEntry[], stream: string): string | null {
  if (entries.some((e) => e.name === 'redirect' && e.context?.['stream'] === stream)) return null;
  const bytes = entries
    .filter((e) => e.name === 'data' && e.context?.['stream'] === stream && typeof e.context['data'] === 'string')
    .map((e) => Buffer.from(e.context?.['data'] as string, e.context?.['encoding'] === 'base64' ? 'base64' : 'utf8'));
  return Buffer.concat(bytes).toString('utf8');
}

/** A handle on which job-info requests fail as `fail` says; everything else passes. */
function failingJobInfo(fail: (topic: string) => Error): (handle: FluxHandle) => FluxHandle {
  return (handle) => ({
    get uri() {
      return handle.uri;
    },
    rpc: (topic, payload, options) => (topic.startsWith('job-info.') ? Promise.reject(fail(topic)) : handle.rpc(topic, payload, options)),
    rpcStream: (topic, payload, options) => handle.rpcStream(topic, payload, options),
    close: () => handle.close(),
  });
}

describe('the recorded jobs through GraphQL', () => {
  const test = recordedDetailsApp();

  it.each(recordedJobs.map(([id, job]) => [job.label, id, job] as const))('%s: eventlog, jobspec, R and output as Flux has them', async (_label, _id, job) => {
    const response = await test.gql(`{ job(id: "${job.f58}") {
      eventlog { timestamp name context } jobspec R output { stdout stderr complete truncated }
    } }`);
    const current = job.lookup_current_decoded.response;
    // What Flux does not have for this job yet is KEY_NOT_FOUND on that field alone.
    const absent = [...(current?.['R'] === undefined ? ['R'] : []), ...(job.guest_output_entries === null ? ['output'] : [])];
    expect((response.errors ?? []).map((error) => [error.path, error.extensions?.code, error.extensions?.['key']])).toEqual(
      absent.map((field) => [['job', field], 'KEY_NOT_FOUND', field === 'R' ? 'R' : 'guest.output']),
    );
    const answer = response.data.job;
    expect(answer.eventlog).toEqual(events(job.eventlog_entries));
    expect(answer.jobspec).toEqual(current?.['jobspec'] ?? JSON.parse(job.lookup_by_key.jobspec.response?.['jobspec'] as string));
    expect(answer.R).toEqual(current?.['R'] ?? null);
    if (job.guest_output_entries === null) {
      expect(answer.output).toBeNull();
    } else {
      expect(answer.output).toMatchObject({
        stdout: recordedText(job.guest_output_entries, 'stdout'),
        stderr: recordedText(job.guest_output_entries, 'stderr'),
        truncated: false,
      });
    }
  });

  it("a failed job's eventlog and stderr (ƒHYo63aw: exit 3)", async () => {
    const response = await test.gql(`{ job(id: "ƒHYo63aw") { id name result returncode eventlog { name context } output { stdout stderr complete } } }`);
    expect(response).toEqual({
      data: {
        job: {
          id: 'ƒHYo63aw',
          name: 'fail-exit3',
          result: 'FAILED',
          returncode: 3,
          eventlog: [
            { name: 'submit', context: { userid: 0, urgency: 16, flags: 0, version: 1 } },
            { name: 'validate', context: null },
            { name: 'depend', context: null },
            { name: 'priority', context: { priority: 16 } },
            { name: 'alloc', context: { annotations: { sched: { resource_summary: 'rank0/core0' } } } },
            { name: 'start', context: null },
            { name: 'finish', context: { status: 768 } },
            { name: 'release', context: { ranks: 'all', final: true } },
            { name: 'free', context: null },
            { name: 'clean', context: null },
          ],
          output: { stdout: '', stderr: 'about to fail\n', complete: true },
        },
      },
    });
  });

  it('gives jobspec and R current, updates applied, as flux job info does', async () => {
    const response = await test.gql(`{ a: job(id: "${f58('jobspec_update')}") { jobspec } b: job(id: "${f58('resource_update')}") { R eventlog { name context } } }`);
    expect(response.errors).toBeUndefined();
    expect(response.data.a.jobspec.attributes.system.duration).toBe(600);
    const update = (response.data.b.eventlog as { name: string; context: { expiration?: number } }[]).find((e) => e.name === 'resource-update');
    expect(response.data.b.R.execution.expiration).toBe(update?.context.expiration);
  });

  it("shows the exec eventlog job-exec and the shell wrote (ƒHTuvQm5, as flux job attach watched it)", async () => {
    const response = await test.gql(`{ job(id: "ƒHTuvQm5") { execEventlog { name context } } }`);
    expect(response.errors).toBeUndefined();
    const exec = response.data.job.execEventlog as { name: string; context: unknown }[];
    expect(exec.map((e) => e.name)).toEqual(['init', 'starting', 'shell.init', 'shell.start', 'shell.task-exit', 'shell-exit', 'complete', 'done']);
    expect(exec[6]).toEqual({ name: 'complete', context: { status: 0 } });
  });

  it('is KEY_NOT_FOUND on the field alone where Flux has no key yet: R, the exec eventlog and the output of a job canceled while held', async () => {
    const id = f58('cancel_held');
    const response = await test.gql(`{ job(id: "${id}") { name R execEventlog { name } output { stdout } eventlog { name } } }`);
    expect(response.data?.job).toEqual({
      name: 'cancel-held',
      R: null,
      execEventlog: null,
      output: null,
      eventlog: [{ name: 'submit' }, { name: 'validate' }, { name: 'depend' }, { name: 'priority' }, { name: 'exception' }, { name: 'clean' }],
    });
    expect(response.errors?.map((error) => ({ path: error.path, message: error.message, extensions: error.extensions }))).toEqual([
      { path: ['job', 'R'], message: `job ${id}: Flux has no R for this job yet (job-info.lookup: R: key not found (ENOENT))`, extensions: { code: 'KEY_NOT_FOUND', jobid: id, key: 'R', errno: 'ENOENT' } },
      {
        path: ['job', 'execEventlog'],
        message: `job ${id}: Flux has no guest.exec.eventlog for this job yet (job-info.lookup: guest.exec.eventlog: key not found (ENOENT))`,
        extensions: { code: 'KEY_NOT_FOUND', jobid: id, key: 'guest.exec.eventlog', errno: 'ENOENT' },
      },
      {
        path: ['job', 'output'],
        message: `job ${id}: Flux has no guest.output for this job yet (job-info.lookup: guest.output: key not found (ENOENT))`,
        extensions: { code: 'KEY_NOT_FOUND', jobid: id, key: 'guest.output', errno: 'ENOENT' },
      },
    ]);
  });

  it('gives each task its own output, and only the ranks asked for', async () => {
    const response = await test.gql(`{ job(id: "${f58('two_tasks')}") {
      all: output { stdout tasks { rank stdout stderr stdoutEnded stderrEnded } streams { name encoding tasks } }
      one: output(ranks: "1") { stdout tasks { rank stdout } }
    } }`);
    expect(response.errors).toBeUndefined();
    expect(response.data.job.all).toEqual({
      stdout: 'task 1\ntask 0\n',
      tasks: [
        { rank: 0, stdout: 'task 0\n', stderr: '', stdoutEnded: true, stderrEnded: true },
        { rank: 1, stdout: 'task 1\n', stderr: '', stdoutEnded: true, stderrEnded: true },
      ],
      streams: [
        { name: 'stdout', encoding: 'UTF-8', tasks: 2 },
        { name: 'stderr', encoding: 'UTF-8', tasks: 2 },
      ],
    });
    expect(response.data.job.one).toEqual({ stdout: 'task 1\n', tasks: [{ rank: 1, stdout: 'task 1\n' }] });
  });

  it('says where redirected output went, and has no text for it', async () => {
    const response = await test.gql(`{ job(id: "${f58('redirect')}") { output { stdout stderr complete redirects { stream ranks path } tasks { stdout stderr } } } }`);
    expect(response.data.job.output).toEqual({
      stdout: null,
      stderr: null,
      complete: true,
      redirects: [
        { stream: 'stdout', ranks: '0', path: '/srv/flux-jobinfo/work/redirect-out.txt' },
        { stream: 'stderr', ranks: '0', path: '/srv/flux-jobinfo/work/redirect-out.txt' },
      ],
      tasks: [{ stdout: null, stderr: null }],
    });
  });

  it("shows the shell's messages and an output that never completed (a command that does not exist)", async () => {
    const response = await test.gql(`{ job(id: "${f58('no_such_cmd')}") { returncode output { complete stderr messages { rank level message component file line } } } }`);
    expect(response.data.job.returncode).toBe(127);
    expect(response.data.job.output.complete).toBe(false);
    expect(response.data.job.output.stderr).toBe('');
    expect(response.data.job.output.messages[2]).toEqual({
      rank: 0,
      level: 0,
      message: 'task 0 (host vm): start failed: /no/such/program: No such file or directory',
      component: null,
      file: 'shell.c',
      line: 2036,
    });
  });

  it('decodes base64 data and says how many pieces came that way', async () => {
    const response = await test.gql(`{ job(id: "${f58('binary_out')}") { output { stdout base64Events bytes keptBytes } } }`);
    expect(response.data.job.output).toEqual({ stdout: '\ufffd\ufffdbin\nok\n', base64Events: 1, bytes: 9, keptBytes: 9 });
  });
});

describe('what is asked of job-info', () => {
  const test = recordedDetailsApp();
  beforeEach(() => test.handle.reset());
  const lookups = (): JsonObject[] => test.handle.callsTo('job-info.lookup').map((call) => call.payload as JsonObject);

  it('nothing, when no detail is selected', async () => {
    await test.gql('{ jobs(first: 30) { nodes { id name result } } }');
    expect(lookups()).toEqual([]);
  });

  it('only the keys selected, with flags 0 when neither jobspec nor R is among them', async () => {
    await test.gql(`{ job(id: "${f58('echo_hello')}") { eventlog { name } } }`);
    expect(lookups()).toEqual([{ id: recordedJob('echo_hello').id, keys: ['eventlog'], flags: 0 }]);
  });

  it('every selected key of a job in one lookup, jobspec and R decoded and current (flags 3)', async () => {
    const { id } = recordedJob('run_out_err');
    await test.gql(`{ job(id: "ƒHTuvQm5") { eventlog { name } execEventlog { name } jobspec R output { stdout } again: eventlog { timestamp } } }`);
    expect(lookups()).toEqual([{ id, keys: ['eventlog', 'guest.exec.eventlog', 'jobspec', 'R', 'guest.output'], flags: 3 }]);
  });

  it('no job-list attribute for a detail field (the id always comes)', async () => {
    await test.gql(`{ jobs(first: 3) { nodes { eventlog { name } output { stdout tasks { rank } } jobspec } } }`);
    expect(test.handle.callsTo('job-list.list').map((call) => call.payload?.['attrs'])).toEqual([[]]);
  });

  it('one lookup per job of a page, all in one batch and in flight at once', async () => {
    test.fake.reset();
    const response = await test.gql('{ jobs(first: 100) { nodes { id eventlog { name } } } }');
    expect(response.errors).toBeUndefined();
    expect(response.data.jobs.nodes).toHaveLength(24);
    expect(lookups()).toHaveLength(24);
    expect(new Set(lookups().map((payload) => String(payload['id']))).size).toBe(24);
    expect(test.detailBatches.at(-1)?.jobs).toHaveLength(24);
    expect(test.fake.peakInFlight).toBe(24);
  });

  it('asks again without each key a job lacks, and no more', async () => {
    const { id } = recordedJob('cancel_held');
    await test.gql(`{ job(id: "${f58('cancel_held')}") { eventlog { name } R output { stdout } } }`);
    expect(lookups()).toEqual([
      { id, keys: ['eventlog', 'R', 'guest.output'], flags: 3 },
      { id, keys: ['eventlog', 'guest.output'], flags: 0 },
      { id, keys: ['eventlog'], flags: 0 },
    ]);
  });

  it('refuses a bad ranks idset before asking Flux', async () => {
    const response = await test.gql(`{ job(id: "${f58('two_tasks')}") { name output(ranks: "1-") { stdout } } }`);
    expect(response.data.job).toEqual({ name: 'two-tasks', output: null });
    expect(response.errors).toEqual([expect.objectContaining({ path: ['job', 'output'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    expect(response.errors?.[0]?.message).toMatch(/^ranks: "1-" is not an RFC 22 idset of task ranks/);
    expect(lookups()).toEqual([]);
  });
});

describe('a hundred jobs', () => {
  // The recorded job with every key (ƒHTuvQm5), once under each of 100 job IDs.
  const ids = Array.from({ length: 100 }, (_unused, i) => 5_000_000_000n + BigInt(i) * 65536n);
  const documents = documentsOf(recordedJob('run_out_err').job);
  const test = recordedDetailsApp();
  for (const id of ids) test.fake.jobs.set(id, documents);
  const idList = ids.map((id) => `"${encodeJobId(id)}"`).join(', ');
  beforeEach(() => {
    test.handle.reset();
    test.fake.reset();
  });
  const lookups = (): JsonObject[] => test.handle.callsTo('job-info.lookup').map((call) => call.payload as JsonObject);

  beforeAll(() => {
    // job-list must know them too: the same record under each id.
    const record = { id: 0, userid: 0, urgency: 16, priority: 16, t_submit: 1796187849.5, t_depend: 1796187849.6, t_priority: 1796187849.7, t_sched: 1796187849.8, t_run: 1796187849.9, t_cleanup: 1796187850, t_inactive: 1796187850.5, state: 64, result: 1, success: true, waitstatus: 0, exception_occurred: false, name: 'run-out-err' };
    test.instance.loadRecords(ids.map((id) => ({ ...record, id: Number(id) })));
  });

  it("100 jobs' eventlogs: 100 lookups, one batch, all 100 in flight at once", async () => {
    const response = await test.gql(`{ jobs(ids: [${idList}], first: 100) { nodes { eventlog { name } } } }`);
    expect(response.errors).toBeUndefined();
    expect(response.data.jobs.nodes).toHaveLength(100);
    expect(lookups()).toHaveLength(100);
    expect(lookups().every((payload) => (payload['keys'] as string[]).join() === 'eventlog')).toBe(true);
    expect(test.detailBatches.at(-1)?.jobs).toHaveLength(100);
    expect(test.fake.peakInFlight).toBe(100);
  });

  it('every detail of 100 jobs: still 100 lookups, each with all five keys', async () => {
    const response = await test.gql(`{ jobs(ids: [${idList}], first: 100) { nodes { eventlog { name } execEventlog { name } jobspec R output { stdout } } } }`);
    expect(response.errors).toBeUndefined();
    expect(lookups()).toHaveLength(100);
    expect(new Set(lookups().map((payload) => (payload['keys'] as string[]).join()))).toEqual(new Set(['eventlog,guest.exec.eventlog,jobspec,R,guest.output']));
    expect(test.fake.peakInFlight).toBe(100);
    expect(response.data.jobs.nodes[99].output.stdout).toBe('to-stdout\n');
  });

  it("one job's eventlog: one lookup", async () => {
    await test.gql(`{ job(id: "${encodeJobId(ids[0] as bigint)}") { eventlog { name } } }`);
    expect(lookups()).toHaveLength(1);
  });

  it('the same through graphql-js after the lean executor gave up (one field failing): no lookup sent twice', async () => {
    // One job unknown to job-info makes the lean executor give up at its error.
    test.fake.jobs.delete(ids[50] as bigint);
    try {
      const response = await test.gql(`{ jobs(ids: [${idList}], first: 100) { nodes { eventlog { name } } } }`);
      expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['JOB_NOT_FOUND']);
      expect(lookups()).toHaveLength(100);
    } finally {
      test.fake.jobs.set(ids[50] as bigint, documents);
    }
  });
});

describe('errors, each on its own field', () => {
  it('JOB_NOT_FOUND for a job job-info does not know, the rest of the answer standing', async () => {
    const test = recordedDetailsApp();
    const { id } = recordedJob('echo_hello');
    test.fake.jobs.delete(id);
    const response = await test.gql(`{ a: job(id: "ƒHNHm8mD") { name eventlog { name } R } b: job(id: "ƒHTuvQm5") { eventlog { name } } }`);
    expect(response.data?.a).toEqual({ name: 'echo-hello', eventlog: null, R: null });
    expect(response.data?.b.eventlog).toHaveLength(10);
    expect(response.errors).toEqual([
      { message: 'job ƒHNHm8mD: job-info.lookup: invalid job id (ENOENT)', path: ['a', 'eventlog'], locations: expect.anything(), extensions: { code: 'JOB_NOT_FOUND', jobid: 'ƒHNHm8mD', errno: 'ENOENT' } },
      { message: 'job ƒHNHm8mD: job-info.lookup: invalid job id (ENOENT)', path: ['a', 'R'], locations: expect.anything(), extensions: { code: 'JOB_NOT_FOUND', jobid: 'ƒHNHm8mD', errno: 'ENOENT' } },
    ]);
  });

  it("FORBIDDEN for another user's job (job-info's owner check), as Flux words it", async () => {
    const test = recordedDetailsApp();
    for (const documents of test.fake.jobs.values()) documents.owner = 4242;
    // The fake sees the requests as a user's (no OWNER role): only job 4242's owner may read them.
    const asUser = recordedDetailsApp({ jobInfo: test.fake, wrapHandle: (handle) => withCredentials(handle, { userid: 5001, rolemask: Role.USER }) });
    const response = await asUser.gql(`{ job(id: "ƒHNHm8mD") { name jobspec } }`);
    expect(response.data?.job).toEqual({ name: 'echo-hello', jobspec: null });
    expect(response.errors).toEqual([
      expect.objectContaining({ message: 'job ƒHNHm8mD: job-info.lookup: access is restricted to job/instance owner (EPERM)', path: ['job', 'jobspec'], extensions: { code: 'FORBIDDEN', jobid: 'ƒHNHm8mD', errno: 'EPERM' } }),
    ]);
  });

  it('FLUX_ERROR for any other error response (an instance without job-info: ENOSYS)', async () => {
    const test = recordedDetailsApp({ wrapHandle: failingJobInfo((topic) => new FluxRpcError(topic, Errno.ENOSYS, `No service matching ${topic} is registered`)) });
    const response = await test.gql(`{ job(id: "ƒHNHm8mD") { name output { stdout } } }`);
    expect(response.data?.job).toEqual({ name: 'echo-hello', output: null });
    expect(response.errors?.[0]).toMatchObject({
      message: 'job ƒHNHm8mD: job-info.lookup: No service matching job-info.lookup is registered (ENOSYS)',
      path: ['job', 'output'],
      extensions: { code: 'FLUX_ERROR', errno: 'ENOSYS' },
    });
  });

  it('FLUX_UNAVAILABLE when the connection is lost', async () => {
    const test = recordedDetailsApp({ wrapHandle: failingJobInfo(() => new FluxError('FLUX_DISCONNECTED', 'Flux instance at local:///x is unavailable: the connection was closed')) });
    const response = await test.gql(`{ job(id: "ƒHNHm8mD") { name eventlog { name } } }`);
    expect(response.data?.job).toEqual({ name: 'echo-hello', eventlog: null });
    expect(response.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['job', 'eventlog'], 'FLUX_UNAVAILABLE']]);
  });

  it('FLUX_INVALID_DATA for an eventlog that is not RFC 18, on that field only', async () => {
    const test = recordedDetailsApp();
    const documents = test.fake.jobs.get(recordedJob('echo_hello').id);
    documents?.stored.set('eventlog', `${documents.stored.get('eventlog') ?? ''}{"name":"no timestamp"}\n`);
    const response = await test.gql(`{ job(id: "ƒHNHm8mD") { eventlog { name } jobspec } }`);
    expect(response.data?.job.eventlog).toBeNull();
    expect(response.data?.job.jobspec.tasks[0].command).toEqual(['echo', 'hello']);
    expect(response.errors).toEqual([
      expect.objectContaining({
        message: 'job ƒHNHm8mD: eventlog: eventlog line 11: timestamp: expected a number, got nothing',
        path: ['job', 'eventlog'],
        extensions: { code: 'FLUX_INVALID_DATA', jobid: 'ƒHNHm8mD', reason: 'EVENTLOG_BAD_TIMESTAMP' },
      }),
    ]);
  });

  it('FLUX_INVALID_DATA for an output log that is not RFC 24', async () => {
    const test = recordedDetailsApp();
    test.fake.jobs.get(recordedJob('echo_hello').id)?.stored.set('guest.output', '{"timestamp":1,"name":"data","context":{"stream":"stdout","rank":"0","data":"x"}}\n');
    const response = await test.gql(`{ job(id: "ƒHNHm8mD") { output { stdout } } }`);
    expect(response.errors?.[0]).toMatchObject({ path: ['job', 'output'], extensions: { code: 'FLUX_INVALID_DATA', reason: 'OUTPUT_NO_HEADER' } });
  });
});

describe('the output bound (--max-output-bytes)', () => {
  it('keeps at most that many bytes of a job, and says it cut', async () => {
    const test = recordedDetailsApp({ maxOutputBytes: 16 });
    const response = await test.gql(`{ job(id: "${f58('follow_target')}") { output { stdout truncated bytes keptBytes maxBytes complete } } }`);
    expect(response.data.job.output).toEqual({ stdout: 'follow-start\nfol', truncated: true, bytes: 24, keptBytes: 16, maxBytes: 16, complete: true });
  });

  it('is 1 MiB by default, and not reached by the recorded jobs', async () => {
    const test = recordedDetailsApp();
    const response = await test.gql(`{ jobs(first: 30) { nodes { output { truncated maxBytes } } } }`);
    const outputs = (response.data.jobs.nodes as { output: { truncated: boolean; maxBytes: number } | null }[]).flatMap((job) => (job.output === null ? [] : [job.output]));
    expect(outputs).toHaveLength(22);
    expect(outputs.every((output) => output.maxBytes === 1048576 && !output.truncated)).toBe(true);
  });

  it('bounds a big output: 2 MiB written, 1 MiB answered', async () => {
    const test = recordedDetailsApp();
    const line = `${'y'.repeat(1023)}\n`;
    const header = '{"timestamp":1,"name":"header","context":{"version":1,"encoding":{"stdout":"UTF-8","stderr":"UTF-8"},"count":{"stdout":1,"stderr":1},"options":{}}}\n';
    const data = `{"timestamp":2,"name":"data","context":{"stream":"stdout","rank":"0","data":${JSON.stringify(line)}}}\n`;
    test.fake.jobs.get(recordedJob('echo_hello').id)?.stored.set('guest.output', header + data.repeat(2048));
    const response = await test.gql(`{ job(id: "ƒHNHm8mD") { output { stdout truncated bytes keptBytes } } }`);
    expect(response.data.job.output.stdout.length).toBe(1048576);
    expect(response.data.job.output).toMatchObject({ truncated: true, bytes: 2097152, keptBytes: 1048576 });
  });
});
