/**
 * job-info.lookup on the embedded instance: every row of the error table of
 * docs/flux-job-info.md section 4 (and flux-core's lookup.c order of checks), the answers'
 * shapes and flags, and access with another user's credentials. The jobs are the 0.88
 * recording's, so answers can be compared with what Flux sent for them.
 */
import { Errno, Role } from '../../../src/flux/constants';
import { parseJson, type Json, type JsonObject } from '../../../src/flux/json';
import { EmbeddedInstance } from '../../../src/embedded';
import type { ServiceRequest, ServiceResponse } from '../../../src/embedded/service/service-types';
import { callOnce, job, rawRequest, request } from '../job-builders';
import { captured, capturedJson, RECORDED_JOBS, recordedDocuments, recordedJob, storedText, UNKNOWN_LOOKUPS } from '../job-info-fixtures';

const GUEST = 5001;
const GUEST_JOB = 777n;

const instance = new EmbeddedInstance({ ownerUserid: 0 });
for (const recorded of RECORDED_JOBS) instance.sink.ingest(recordedDocuments(recorded));
instance.sink.ingest(job(GUEST_JOB, 'completed', 1796190000, { userid: GUEST }));

const asOwner: { userid: number; rolemask: number } = { userid: 0, rolemask: Role.OWNER };
const asGuest = { userid: GUEST, rolemask: Role.USER };

function lookup(payload: Json, credentials: { userid: number; rolemask: number } = asOwner): ServiceResponse {
  return callOnce(instance.services, request('job-info.lookup', payload, credentials));
}

function raw(text: string, nul = true): ServiceResponse {
  return callOnce(instance.services, rawRequest('job-info.lookup', text, { nul }));
}

const echo = recordedJob('echo_hello');
const held = recordedJob('cancel_held');

describe('job-info.lookup errors', () => {
  it.each<[string, () => ServiceResponse]>([
    ['payload not JSON', () => raw('{"id": 1,')],
    ['payload without its NUL', () => raw(`{"id":${echo.id},"keys":[],"flags":0}`, false)],
    ['no payload', () => callOnce(instance.services, { ...request('job-info.lookup'), payload: { kind: 'none' } })],
    ['id missing', () => lookup({ keys: ['eventlog'], flags: 0 })],
    ['keys missing', () => lookup({ id: echo.id, flags: 0 })],
    ['flags missing', () => lookup({ id: echo.id, keys: [] })],
    ['id as a string', () => raw(`{"id": "${echo.id}", "keys": ["eventlog"], "flags": 0}`)],
    ['id as a real', () => raw(`{"id": 623072247808.0, "keys": ["eventlog"], "flags": 0}`)],
    ['flags as a real', () => raw(`{"id": ${echo.id}, "keys": [], "flags": 1.0}`)],
    ['keys not an array', () => lookup({ id: echo.id, keys: 'eventlog', flags: 0 })],
    ['a key that is not a string', () => lookup({ id: echo.id, keys: ['eventlog', 7], flags: 0 })],
  ])('%s: EPROTO without a message', (_label, send) => {
    expect(send()).toEqual({ errnum: Errno.EPROTO });
  });

  it.each([4, 8, -1, 7])('flags %d: EPROTO "lookup request rejected with invalid flag"', (flags) => {
    expect(lookup({ id: echo.id, keys: ['eventlog'], flags })).toEqual({ errnum: Errno.EPROTO, errstr: 'lookup request rejected with invalid flag' });
  });

  it('checks the flags before the keys, as lookup.c does', () => {
    expect(lookup({ id: echo.id, keys: 'eventlog', flags: 4 })).toEqual({ errnum: Errno.EPROTO, errstr: 'lookup request rejected with invalid flag' });
  });

  it.each<[string, Json]>([
    ['keys asked for', ['eventlog', 'jobspec', 'R']],
    ['no keys', []],
  ])('an unknown job, %s: ENOENT "invalid job id"', (_label, keys) => {
    expect(lookup({ id: 623072247809, keys, flags: 0 })).toEqual({ errnum: Errno.ENOENT, errstr: 'invalid job id' });
    // Decided before the permission check: a guest learns the same.
    expect(lookup({ id: 12345, keys, flags: 0 }, asGuest)).toEqual({ errnum: Errno.ENOENT, errstr: 'invalid job id' });
  });

  it('the recorded unknown IDs get the recorded errors', () => {
    for (const recorded of UNKNOWN_LOOKUPS) expect(lookup(recorded.request)).toEqual(recorded.error);
  });

  it.each<[string, string]>([
    ['R of a job that never ran', 'R'],
    ['guest.output of a job that never started', 'guest.output'],
    ['guest.exec.eventlog of a job that never started', 'guest.exec.eventlog'],
    ['a key the job does not have', 'nosuch'],
  ])('%s: ENOENT "<key>: key not found"', (_label, key) => {
    expect(lookup({ id: held.id, keys: [key], flags: 0 })).toEqual({ errnum: Errno.ENOENT, errstr: `${key}: key not found` });
  });

  it('one missing key fails the whole request, naming the first one missing', () => {
    expect(lookup({ id: held.id, keys: ['eventlog', 'jobspec', 'R', 'nosuch'], flags: 0 })).toEqual({ errnum: Errno.ENOENT, errstr: 'R: key not found' });
    expect(held.lookup.error).toEqual({ errnum: Errno.ENOENT, errstr: 'R: key not found' });
  });

  it.each(['guest', 'guest.exec'])('%s is a directory: EISDIR', (key) => {
    expect(lookup({ id: echo.id, keys: ['eventlog', key], flags: 0 })).toEqual({ errnum: Errno.EISDIR, errstr: `${key}: Is a directory` });
  });

  it('a path through a value: ENOTDIR', () => {
    expect(lookup({ id: echo.id, keys: ['eventlog.name'], flags: 0 })).toEqual({ errnum: Errno.ENOTDIR, errstr: 'eventlog.name: Not a directory' });
  });

  it('a key of 40 bytes or more: EOVERFLOW (39 still works), counted in UTF-8 bytes', () => {
    const overflow = { errnum: Errno.EOVERFLOW, errstr: 'error sending KVS lookup request(s): Value too large for defined data type' };
    expect(lookup({ id: echo.id, keys: ['k'.repeat(40)], flags: 0 })).toEqual(overflow);
    expect(lookup({ id: echo.id, keys: ['k'.repeat(39)], flags: 0 })).toEqual({ errnum: Errno.ENOENT, errstr: `${'k'.repeat(39)}: key not found` });
    expect(lookup({ id: echo.id, keys: ['ƒ'.repeat(20)], flags: 0 })).toEqual(overflow);
    // Decided before the job is looked up.
    expect(lookup({ id: 12345, keys: ['k'.repeat(40)], flags: 0 })).toEqual(overflow);
  });

  it('a guest asking about another user\'s job: EPERM "access is restricted to job/instance owner"', () => {
    expect(lookup({ id: echo.id, keys: ['eventlog'], flags: 0 }, asGuest)).toEqual({ errnum: Errno.EPERM, errstr: 'access is restricted to job/instance owner' });
    expect(lookup({ id: echo.id, keys: [], flags: 0 }, asGuest)).toEqual({ errnum: Errno.EPERM, errstr: 'access is restricted to job/instance owner' });
    // The recorded guest session (line 146/147) asked exactly this.
    expect(lookup(capturedJson(146), asGuest)).toEqual({ errnum: Errno.EPERM, errstr: capturedText(147) });
  });

  it('credentials without a role are refused before anything else', () => {
    expect(lookup({ id: echo.id, keys: [], flags: 0 }, { userid: GUEST, rolemask: Role.NONE })).toEqual({
      errnum: Errno.EPERM,
      errstr: 'Request rejected due to insufficient privilege',
    });
  });
});

/** An error response's text as the capture has it. */
function capturedText(line: number): string {
  return captured(line).text as string;
}

describe('job-info.lookup answers', () => {
  it('exactly the keys asked for, values as stored', () => {
    const answer = lookup({ id: echo.id, keys: ['jobspec'], flags: 0 }).payload as JsonObject;
    expect(Object.keys(answer)).toEqual(['id', 'jobspec']);
    expect(answer).toEqual({ id: Number(echo.id), jobspec: storedText(echo, 'jobspec') });
  });

  it('keys [] checks that the job exists and may be read', () => {
    expect(lookup({ id: echo.id, keys: [], flags: 0 })).toEqual({ payload: { id: Number(echo.id) } });
    expect(lookup({ id: GUEST_JOB, keys: [], flags: 0 }, asGuest)).toEqual({ payload: { id: Number(GUEST_JOB) } });
  });

  it('a key asked for twice is answered once', () => {
    const answer = lookup({ id: echo.id, keys: ['eventlog', 'R', 'eventlog'], flags: 0 }).payload as JsonObject;
    expect(Object.keys(answer)).toEqual(['id', 'eventlog', 'R']);
  });

  it('the owner reads any job, a user their own', () => {
    expect(lookup({ id: GUEST_JOB, keys: ['eventlog'], flags: 0 }).payload).toHaveProperty('eventlog');
    const own = lookup({ id: GUEST_JOB, keys: ['eventlog', 'guest.output'], flags: 0 }, asGuest).payload as JsonObject;
    expect((own.eventlog as string).startsWith(`{"timestamp":1796190000.0,"name":"submit","context":{"userid":${GUEST},`)).toBe(true);
    expect(own['guest.output']).toEqual(expect.stringContaining('"name":"header"'));
    // The owner role decides, not the uid: uid 0 without it is just another user.
    expect(lookup({ id: echo.id, keys: [], flags: 0 }, { userid: 0, rolemask: Role.USER })).toEqual({ payload: { id: Number(echo.id) } });
    expect(lookup({ id: GUEST_JOB, keys: [], flags: 0 }, { userid: 0, rolemask: Role.USER }).errnum).toBe(Errno.EPERM);
  });

  it.each(RECORDED_JOBS.map((recorded) => [recorded.label, recorded] as const))('%s: every recorded lookup answered as Flux did', (_label, recorded) => {
    for (const recordedLookup of [recorded.lookup, recorded.lookupCurrentDecoded, ...Object.values(recorded.lookupByKey)]) {
      if ((recordedLookup.request.keys as string[]).includes('guest.output') && recordedLookup.response !== undefined) continue; // output is ours, not Flux's
      const answer = lookup(recordedLookup.request);
      if (recordedLookup.error !== undefined) expect(answer).toEqual(recordedLookup.error);
      else expect(answer.payload).toEqual(recordedLookup.response);
    }
  });

  it('JSON_DECODE turns jobspec and R into objects; eventlog and guest keys stay strings', () => {
    const answer = lookup({ id: echo.id, keys: ['eventlog', 'jobspec', 'R', 'guest.output'], flags: 1 }).payload as JsonObject;
    expect(typeof answer.eventlog).toBe('string');
    expect(typeof answer['guest.output']).toBe('string');
    expect(answer.jobspec).toEqual(parseJson(storedText(echo, 'jobspec') as string));
    expect(answer.R).toEqual(parseJson(storedText(echo, 'R') as string));
  });

  it('CURRENT applies jobspec-update and resource-update in eventlog order', () => {
    const updated = recordedJob('jobspec_update');
    const jobspec = (id: bigint, flags: number): JsonObject => ((lookup({ id, keys: ['jobspec'], flags }).payload as JsonObject).jobspec as JsonObject);
    const duration = (value: JsonObject): Json => ((value.attributes as JsonObject).system as JsonObject).duration as Json;
    expect(duration(parseJson(jobspec(updated.id, 0) as unknown as string) as JsonObject)).toBe(300);
    expect(duration(jobspec(updated.id, 3))).toBe(600);
    const resized = recordedJob('resource_update');
    const expiration = (flags: number): Json => (((lookup({ id: resized.id, keys: ['R'], flags }).payload as JsonObject).R as JsonObject).execution as JsonObject).expiration as Json;
    const base = expiration(1) as number;
    expect(expiration(3)).toBe(1796187971.479939);
    expect((expiration(3) as number) - base).toBeCloseTo(60, 5);
  });

  it('CURRENT re-encodes with ", " and ": " even when nothing changed, as recorded (session 2 and 3)', () => {
    expect(lookup(capturedJson(5)).payload).toEqual(capturedJson(6));
    expect(lookup(capturedJson(8)).payload).toEqual(capturedJson(9));
    const text = (lookup({ id: echo.id, keys: ['jobspec'], flags: 2 }).payload as JsonObject).jobspec as string;
    expect(text).toBe((capturedJson(6) as JsonObject).jobspec);
    expect(text.startsWith('{"resources": [{"type": "slot", ')).toBe(true);
  });

  it('the eventlog read for access is only returned when asked for', () => {
    expect(Object.keys(lookup({ id: echo.id, keys: ['R'], flags: 2 }).payload as JsonObject)).toEqual(['id', 'R']);
  });

  it('the recorded flags-3 lookup of session 11 gets the recorded objects', () => {
    expect(lookup(capturedJson(102)).payload).toEqual(capturedJson(103));
    expect(lookup(capturedJson(104))).toEqual({ errnum: Errno.ENOENT, errstr: capturedText(105) });
    expect(lookup(capturedJson(106))).toEqual({ errnum: Errno.EPROTO, errstr: capturedText(107) });
  });
});

describe('job-info service methods', () => {
  const service = (topic: string, payload?: Json, credentials = asOwner): ServiceRequest => request(topic, payload, credentials);

  it('stats-get is for the owner', () => {
    expect(callOnce(instance.services, service('job-info.stats-get', {}, asGuest))).toEqual({ errnum: Errno.EPERM, errstr: 'Request requires owner credentials' });
    expect(callOnce(instance.services, service('job-info.stats-get', {}))).toEqual({
      payload: { lookups: 0, watchers: 0, guest_watchers: 0, update_lookups: 0, update_watchers: 0 },
    });
  });

  it('an unknown method: ENOSYS', () => {
    expect(callOnce(instance.services, service('job-info.nosuch', {}))).toEqual({ errnum: Errno.ENOSYS, errstr: "Unknown service method 'job-info.nosuch'" });
  });
});
