/**
 * job-info.lookup against a flux-core 0.88 broker's recorded answers: the requests this port
 * sends are the bytes Flux's own tools sent, the recorded replies decode to typed answers, each
 * recorded failure is classified, and a lookup of several keys goes on past the absent ones.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { FluxError, FluxRpcError } from '../../src/flux/errors';
import type { FluxHandle } from '../../src/flux/handle';
import { LookupFlag } from '../../src/flux/job-info-protocol';
import type { JsonObject } from '../../src/flux/json';
import { openLocalHandle } from '../../src/flux/local-connector';
import { frameRecord } from '../../src/flux/stream-framing';
import { encodeMessage } from '../../src/flux/message';
import {
  classifyJobInfoFailure,
  JobInfoAnswer,
  JobInfoFailure,
  jobInfoLookup,
  lookupJobKeys,
  parseEventlog,
  type LookupRequest,
} from '../../src/jobinfo';
import { startReplayBroker, type ReplayBroker } from '../support/capture-replay';
import { createFakeJobInfo, withFakeJobInfo } from '../support/fake-job-info';
import { answers, captureSessions, capturedLine, recordedJob, recordedJobs, type CapturedMessage, type RecordedLookup } from '../support/job-info-fixtures';
import { tmpSocketPath } from '../support/scripted-broker';

const sessions = captureSessions();
const sessionOf = (line: number): CapturedMessage[] => sessions.find((s) => s.some((m) => m.line === line)) as CapturedMessage[];

const requestOf = (recorded: RecordedLookup): LookupRequest => ({ id: BigInt(recorded.request.id), keys: recorded.request.keys, flags: recorded.request.flags });

describe('lookups over the wire, against the recorded bytes', () => {
  const open: { close(): Promise<unknown> }[] = [];
  afterAll(async () => {
    for (const thing of open.reverse()) await thing.close();
  });

  async function replay(line: number): Promise<{ replay: ReplayBroker; handle: FluxHandle }> {
    const { path } = tmpSocketPath();
    const replayed = await startReplayBroker(path, sessionOf(line));
    open.push({ close: async () => rmSync(dirname(path), { recursive: true, force: true }) }, replayed);
    const handle = await openLocalHandle(path, { connectRetries: 0 });
    open.push(handle);
    return { replay: replayed, handle };
  }

  const sentBytes = (replayed: ReplayBroker, index: number): string => Buffer.from(frameRecord(encodeMessage(replayed.matched[index]?.sent as never))).toString('hex');
  const recordedBytes = (line: number): string => Buffer.from(capturedLine(sessions, line).bytes).toString('hex');

  it.each([
    ['flux job info ƒHNHm8mD eventlog', 2, ['eventlog'], 0],
    ['flux job info ƒHNHm8mD jobspec', 5, ['jobspec'], LookupFlag.CURRENT],
    ['flux job info ƒHNHm8mD R', 8, ['R'], LookupFlag.CURRENT],
    ['flux job eventlog -p output ƒHTuvQm5', 14, ['guest.output'], 0],
  ] as const)('%s: the same request bytes, and the answer it got', async (_what, line, keys, flags) => {
    const { replay: replayed, handle } = await replay(line);
    const id = BigInt((JSON.parse(Buffer.from(capturedLine(sessions, line).msg.payload as Uint8Array).toString('utf8').replace(/\0$/, '')) as { id: number }).id);
    const answer = await jobInfoLookup(handle, id, keys, flags).get();
    expect(sentBytes(replayed, 0)).toBe(recordedBytes(line));
    expect(answer.id).toBe(id);
    expect(answer.keys).toEqual(keys);
    for (const key of keys) expect(typeof answer.text(key)).toBe('string');
  });

  it('reads the CURRENT jobspec of ƒHNHm8mD in its re-encoded form as the same document', async () => {
    const { handle } = await replay(5);
    const answer = await jobInfoLookup(handle, 623072247808n, ['jobspec'], LookupFlag.CURRENT).get();
    expect(answer.text('jobspec')).toContain('"resources": [');
    const { job } = recordedJob('echo_hello');
    expect(answer.document('jobspec')).toEqual(JSON.parse(job.lookup_by_key.jobspec.response?.['jobspec'] as string));
  });

  it('decodes jobspec and R as objects with JSON_DECODE|CURRENT, updates applied (ƒJAFNsTD: duration 300 → 600)', async () => {
    const { handle } = await replay(102);
    const answer = await jobInfoLookup(handle, 653237682176n, ['jobspec', 'R'], LookupFlag.JSON_DECODE | LookupFlag.CURRENT).get();
    const jobspec = answer.document('jobspec') as { attributes: { system: { duration: number } } };
    expect(jobspec.attributes.system.duration).toBe(600);
    const stored = JSON.parse(recordedJob('jobspec_update').job.lookup_by_key.jobspec.response?.['jobspec'] as string) as typeof jobspec;
    expect(stored.attributes.system.duration).toBe(300);
    expect(() => answer.text('jobspec')).toThrow(/is an object/);
  });

  it.each([
    ['an unknown id (ƒHNHm8mE)', 81, 623072247809n, ['eventlog'], 0, 2, 'invalid job id', JobInfoFailure.UNKNOWN_JOB, undefined],
    ['a key the job lacks', 104, 623072247808n, ['nosuch'], 0, 2, 'nosuch: key not found', JobInfoFailure.KEY_NOT_FOUND, 'nosuch'],
    ['a guest asking about the owner\'s job', 143, 623072247808n, ['eventlog'], 0, 1, 'access is restricted to job/instance owner', JobInfoFailure.FORBIDDEN, undefined],
  ] as const)('%s: the error response, classified', async (_what, line, id, keys, flags, errno, text, failure, key) => {
    const { replay: replayed, handle } = await replay(line);
    const error = await jobInfoLookup(handle, id, keys, flags).get().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FluxRpcError);
    expect(error).toMatchObject({ errno, errorString: text });
    expect(classifyJobInfoFailure(error, keys)).toEqual(key === undefined ? { failure } : { failure, key });
    if (line !== 104) expect(sentBytes(replayed, 0)).toBe(recordedBytes(line));
  });

  it('refuses an invalid flag itself, before Flux would (EPROTO "lookup request rejected with invalid flag")', async () => {
    const { replay: replayed, handle } = await replay(106);
    await expect(jobInfoLookup(handle, 623072247808n, ['R'], 4).get()).rejects.toThrow(/flags 4 is not a combination of JSON_DECODE and CURRENT/);
    expect(replayed.matched).toEqual([]);
    const recorded = capturedLine(sessions, 107).msg;
    const refused = new FluxRpcError('job-info.lookup', recorded.aux1, 'lookup request rejected with invalid flag');
    expect(classifyJobInfoFailure(refused, ['R'])).toEqual({ failure: JobInfoFailure.INVALID_REQUEST });
  });
});

describe('the recorded answers of 24 jobs', () => {
  it.each(recordedJobs.map(([id, job]) => [job.label, id, job] as const))('%s: every recorded lookup decodes or classifies', (_label, _id, job) => {
    for (const recorded of [job.lookup, job.lookup_current_decoded, ...Object.values(job.lookup_by_key)]) {
      const request = requestOf(recorded);
      if (recorded.error !== undefined) {
        const error = new FluxRpcError('job-info.lookup', recorded.error.errnum, recorded.error.errstr);
        const missing = /^(.*): key not found$/.exec(recorded.error.errstr)?.[1];
        expect(classifyJobInfoFailure(error, request.keys)).toEqual({ failure: JobInfoFailure.KEY_NOT_FOUND, key: missing });
        continue;
      }
      const answer = JobInfoAnswer.fromResponse(recorded.response as JsonObject, request);
      expect(answer.keys).toEqual(request.keys);
      if (request.keys.includes('eventlog')) {
        expect(parseEventlog(answer.text('eventlog'))).toHaveLength(job.eventlog_entries.length);
      }
      if (request.flags === (LookupFlag.JSON_DECODE | LookupFlag.CURRENT)) {
        for (const key of request.keys) expect(answer.document(key)).toEqual(recorded.response?.[key]);
      }
    }
  });

  it("gives the current R: a resource-update's expiration is applied (ƒJKCGY5u)", () => {
    const { job } = recordedJob('resource_update');
    const stored = JobInfoAnswer.fromResponse(job.lookup.response as JsonObject, requestOf(job.lookup)).document('R') as { execution: { expiration: number } };
    const current = JobInfoAnswer.fromResponse(job.lookup_current_decoded.response as JsonObject, requestOf(job.lookup_current_decoded)).document('R') as typeof stored;
    const update = job.eventlog_entries.find((entry) => entry.name === 'resource-update');
    expect(current.execution.expiration).toBe(update?.context?.['expiration']);
    expect(current.execution.expiration).not.toBe(stored.execution.expiration);
  });

  it.each(Object.entries(answers.unknown_ids))('unknown id %s is UNKNOWN_JOB', (_id, recorded) => {
    const error = new FluxRpcError('job-info.lookup', recorded.lookup.error?.errnum as number, recorded.lookup.error?.errstr);
    expect(classifyJobInfoFailure(error, recorded.lookup.request.keys)).toEqual({ failure: JobInfoFailure.UNKNOWN_JOB });
  });

  it.each([
    ['no response object', undefined, /expected a response object, got nothing/],
    ['another job', { id: 1, eventlog: '' }, /expected the response for job 623072247808, got id 1/],
    ['a key missing', { id: 623072247808 }, /eventlog of job 623072247808: expected a string, got nothing/],
    ['an object where a string belongs', { id: 623072247808, eventlog: {} }, /expected a string, got an object/],
  ] as const)('refuses a reply with %s as FLUX_PROTOCOL', (_what, response, message) => {
    let caught: unknown;
    try {
      JobInfoAnswer.fromResponse(response as never, { id: 623072247808n, keys: ['eventlog'], flags: 0 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FluxError);
    expect(caught).toMatchObject({ code: 'FLUX_PROTOCOL', message: expect.stringMatching(message) });
  });
});

describe('classifying what job-info answers', () => {
  const error = (errno: number, text?: string): FluxRpcError => new FluxRpcError('job-info.lookup', errno, text);
  it.each([
    ['ENOENT without text (a watch of an unknown job)', error(2), ['eventlog'], { failure: JobInfoFailure.UNKNOWN_JOB }],
    ['"eventlog: key not found": the job went away', error(2, 'eventlog: key not found'), ['eventlog', 'R'], { failure: JobInfoFailure.UNKNOWN_JOB }],
    ['a key not asked for', error(2, 'J: key not found'), ['R'], { failure: JobInfoFailure.ERROR_RESPONSE }],
    ['ENOENT of another kind', error(2, 'R: error applying eventlog to original value: No such file or directory'), ['R'], { failure: JobInfoFailure.ERROR_RESPONSE }],
    ['EISDIR', error(21, 'guest: Is a directory'), ['guest'], { failure: JobInfoFailure.ERROR_RESPONSE }],
    ['EPERM without text (a guest\'s watch)', error(1), ['guest.output'], { failure: JobInfoFailure.FORBIDDEN }],
    ['EPROTO', error(71), ['R'], { failure: JobInfoFailure.INVALID_REQUEST }],
    ['a lost connection', new FluxError('FLUX_DISCONNECTED', 'gone'), ['R'], { failure: JobInfoFailure.UNAVAILABLE }],
    ['a timeout', new FluxError('FLUX_TIMEOUT', 'slow'), ['R'], { failure: JobInfoFailure.TIMEOUT }],
  ] as const)('%s', (_what, failure, keys, expected) => {
    expect(classifyJobInfoFailure(failure, keys)).toEqual(expected);
  });

  it('leaves what is not a Flux failure unclassified', () => {
    expect(classifyJobInfoFailure(new FluxError('FLUX_PROTOCOL', 'bad'), ['R'])).toBeUndefined();
    expect(classifyJobInfoFailure(new Error('bug'), ['R'])).toBeUndefined();
  });
});

describe('lookupJobKeys: one lookup for every key, again without each absent one', () => {
  const fake = createFakeJobInfo();
  const handle = withFakeJobInfo({ uri: 'none:', rpc: () => Promise.reject(new Error('no')), rpcStream: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('no')) }) }), close: async () => undefined }, fake);
  afterEach(() => fake.reset());

  const ALL = ['eventlog', 'guest.exec.eventlog', 'jobspec', 'R', 'guest.output'];

  it('asks once for a job that has every key (ƒHTuvQm5)', async () => {
    const { id, job } = recordedJob('run_out_err');
    const result = await lookupJobKeys(handle, id, ALL);
    expect(result.requests).toEqual([{ id, keys: ALL, flags: 3 }]);
    expect(fake.lookups.map((l) => l.keys)).toEqual([ALL]);
    expect(result.outcomes.get('eventlog')).toEqual({ kind: 'found', value: job.lookup_by_key.eventlog.response?.['eventlog'] });
    expect(result.outcomes.get('R')).toEqual({ kind: 'found', value: job.lookup_current_decoded.response?.['R'] });
    expect(result.outcomes.get('guest.exec.eventlog')).toMatchObject({ kind: 'found' });
  });

  it('asks again without R, then without guest.output, for a job canceled while held (ƒHnbfMm9)', async () => {
    const { id } = recordedJob('cancel_held');
    const result = await lookupJobKeys(handle, id, ['eventlog', 'R', 'jobspec', 'guest.output']);
    expect(result.requests.map((r) => [r.keys, r.flags])).toEqual([
      [['eventlog', 'R', 'jobspec', 'guest.output'], 3],
      [['eventlog', 'jobspec', 'guest.output'], 3],
      [['eventlog', 'jobspec'], 3],
    ]);
    expect(Object.fromEntries([...result.outcomes].map(([key, outcome]) => [key, outcome.kind]))).toEqual({
      eventlog: 'found',
      R: 'absent',
      jobspec: 'found',
      'guest.output': 'absent',
    });
  });

  it('asks without flags when neither jobspec nor R is among the keys', async () => {
    const { id } = recordedJob('echo_hello');
    await lookupJobKeys(handle, id, ['eventlog', 'guest.output']);
    expect(fake.lookups.map((l) => l.flags)).toEqual([0]);
  });

  it('fails every key of an unknown job with UNKNOWN_JOB, after one lookup', async () => {
    const result = await lookupJobKeys(handle, 12345n, ['eventlog', 'R']);
    expect(result.requests).toHaveLength(1);
    for (const outcome of result.outcomes.values()) {
      expect(outcome).toMatchObject({ kind: 'failed', failure: JobInfoFailure.UNKNOWN_JOB, error: { errno: 2, errorString: 'invalid job id' } });
    }
  });

  it("fails every key of another user's job with FORBIDDEN", async () => {
    const { id } = recordedJob('echo_hello');
    const asGuest = { ...handle, rpc: (topic: string, payload?: JsonObject) => handle.rpc(topic, payload, { credentials: { userid: 5001, rolemask: 2 } }) };
    const result = await lookupJobKeys(asGuest, id, ['eventlog']);
    expect(result.outcomes.get('eventlog')).toMatchObject({ kind: 'failed', failure: JobInfoFailure.FORBIDDEN, error: { errno: 1, errorString: 'access is restricted to job/instance owner' } });
    expect(fake.lookups[0]).toMatchObject({ userid: 5001, rolemask: 2 });
  });

  it('asks for a key named twice once', async () => {
    const { id } = recordedJob('echo_hello');
    const result = await lookupJobKeys(handle, id, ['eventlog', 'eventlog']);
    expect(result.requests[0]?.keys).toEqual(['eventlog']);
    expect([...result.outcomes.keys()]).toEqual(['eventlog']);
  });
});
