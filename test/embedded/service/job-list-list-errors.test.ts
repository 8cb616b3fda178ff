/**
 * job-list.list request validation: every row of the reference's 4.2 tables (recorded from a
 * flux-core 0.88 broker), for payloads given as raw frame bytes and as in-process JSON.
 */
import { Errno } from '../../../src/flux/constants';
import type { Json } from '../../../src/flux/json';
import { EmbeddedInstance } from '../../../src/embedded';
import { call, callOnce, job, rawRequest, request } from '../job-builders';

function instanceWithJob(): EmbeddedInstance {
  const instance = new EmbeddedInstance();
  instance.sink.ingest(job(1000n, 'run', 100));
  return instance;
}

const emptyInstance = new EmbeddedInstance();
const busyInstance = instanceWithJob();

describe('job-list.list payload errors (raw frames)', () => {
  // Rows always have three cells: jest passes a done callback for a missing argument.
  it.each<[string, string, boolean]>([
    ['', 'invalid payload: flux_msg_get_string: Protocol error', false],
    ['{"max_entries":0,"attrs":[]}', 'invalid payload: flux_msg_get_string: Protocol error', false],
    ['hello', "invalid payload: '[' or '{' expected near 'hello'", true],
    ['', "invalid payload: '[' or '{' expected near end of file", true],
    ['null', "invalid payload: '[' or '{' expected near 'null'", true],
    ['"str"', `invalid payload: '[' or '{' expected near '"str"'`, true],
    ['{"max_entries":0,"attrs":[]} x', "invalid payload: end of file expected near 'x'", true],
    ['[1,2]', 'invalid payload: payload is not a JSON object', true],
    ['{}', 'invalid payload: Object item not found: max_entries', true],
    ['{"attrs":[]}', 'invalid payload: Object item not found: max_entries', true],
    ['{"max_entries":0}', 'invalid payload: Object item not found: attrs', true],
    ['{"max_entries":5.0,"attrs":[]}', 'invalid payload: Expected integer, got real', true],
    ['{"max_entries":"5","attrs":[]}', 'invalid payload: Expected integer, got string', true],
    ['{"max_entries":null,"attrs":[]}', 'invalid payload: Expected integer, got null', true],
    ['{"max_entries":true,"attrs":[]}', 'invalid payload: Expected integer, got true', true],
    ['{"max_entries":0,"attrs":[],"since":"1"}', 'invalid payload: Expected real or integer, got string', true],
    ['{"max_entries":0,"attrs":[],"since":null}', 'invalid payload: Expected real or integer, got null', true],
    ['{"max_entries":-1,"attrs":[]}', 'invalid payload: max_entries < 0 not allowed', true],
    ['{"max_entries":2147483648,"attrs":[]}', 'invalid payload: max_entries < 0 not allowed', true],
    ['{"max_entries":0,"attrs":[],"since":-1}', 'invalid payload: since < 0.0 not allowed', true],
    ['{"max_entries":0,"attrs":[],"since":-1.0}', 'invalid payload: since < 0.0 not allowed', true],
    ['{"max_entries":0,"attrs":"name"}', 'invalid payload: attrs must be an array', true],
    ['{"max_entries":0,"attrs":{}}', 'invalid payload: attrs must be an array', true],
    ['{"max_entries":0,"attrs":null}', 'invalid payload: attrs must be an array', true],
    ['{"max_entries":0,"attrs":[],"constraint":null}', 'invalid payload: constraint object invalid: constraint must be JSON object', true],
    ['{"max_entries":0,"attrs":[],"constraint":5}', 'invalid payload: constraint object invalid: constraint must be JSON object', true],
    ['{"max_entries":0,"attrs":[],"constraint":[]}', 'invalid payload: constraint object invalid: constraint must be JSON object', true],
    ['{"max_entries":0,"attrs":[],"constraint":"x"}', 'invalid payload: constraint object invalid: constraint must be JSON object', true],
    ['{"max_entries":0,"attrs":[],"constraint":{"foo":[1]}}', 'invalid payload: constraint object invalid: unknown constraint operator: foo', true],
    ['{"max_entries":0,"attrs":[],"constraint":{"and":[{"bar":[]}]}}', 'invalid payload: constraint object invalid: unknown constraint operator: bar', true],
    // A real stays a real: Flux's matcher refuses 0.0 as a userid and 2.0 as a state.
    ['{"max_entries":0,"attrs":[],"constraint":{"userid":[0.0]}}', 'invalid payload: constraint object invalid: userid value must be an integer', true],
    ['{"max_entries":0,"attrs":[],"constraint":{"states":[2.0]}}', 'invalid payload: constraint object invalid: states value invalid type', true],
    // The first failing check wins.
    ['{"max_entries":-1,"since":-1,"attrs":"x"}', 'invalid payload: max_entries < 0 not allowed', true],
    ['{"max_entries":0,"attrs":"x","constraint":5}', 'invalid payload: attrs must be an array', true],
    ['{"since":"x","max_entries":"y"}', 'invalid payload: Expected integer, got string', true],
  ])('%j -> EPROTO %j', (text, message, nul) => {
    for (const streaming of [false, true]) {
      const responses = call(emptyInstance.service, rawRequest('job-list.list', text, { nul, streaming }));
      expect(responses).toEqual([{ errnum: Errno.EPROTO, errstr: message }]);
    }
  });

  it('rejects a request without a payload frame', () => {
    expect(call(emptyInstance.service, request('job-list.list'))).toEqual([
      { errnum: Errno.EPROTO, errstr: 'invalid payload: message does not have a string payload' },
    ]);
  });

  it('reads the text only up to the first NUL, as a C string', () => {
    const bytes = Uint8Array.from([...new TextEncoder().encode('{"max_entries":0,"attrs":[]}'), 0, 0x78, 0]);
    const response = callOnce(busyInstance.service, { ...rawRequest('job-list.list', ''), payload: { kind: 'raw', bytes } });
    expect(response.errnum ?? 0).toBe(0);
  });

  it('truncates max_entries to 32 bits: 4294967296 means no limit and 4294967297 means one', () => {
    const instance = instanceWithJob();
    instance.sink.ingest(job(2000n, 'run', 200));
    const all = callOnce(instance.service, rawRequest('job-list.list', '{"max_entries":4294967296,"attrs":[]}'));
    expect((all.payload as { jobs: unknown[] }).jobs).toHaveLength(2);
    const one = callOnce(instance.service, rawRequest('job-list.list', '{"max_entries":4294967297,"attrs":[]}'));
    expect((one.payload as { jobs: unknown[] }).jobs).toHaveLength(1);
  });

  it('accepts since written as an integer or a real, and a repeated key takes its last value', () => {
    expect(callOnce(busyInstance.service, rawRequest('job-list.list', '{"max_entries":0,"attrs":[],"since":5}')).errnum).toBeUndefined();
    expect(callOnce(busyInstance.service, rawRequest('job-list.list', '{"max_entries":0,"attrs":[],"since":5.5}')).errnum).toBeUndefined();
    expect(callOnce(busyInstance.service, rawRequest('job-list.list', '{"max_entries":-1,"max_entries":1,"attrs":[]}')).errnum).toBeUndefined();
  });
});

describe('job-list.list payload errors (in-process JSON)', () => {
  it.each<[Json, string]>([
    [null, "invalid payload: '[' or '{' expected near 'null'"],
    ['str', `invalid payload: '[' or '{' expected near '"str"'`],
    [[1, 2], 'invalid payload: payload is not a JSON object'],
    [{}, 'invalid payload: Object item not found: max_entries'],
    [{ max_entries: 0 }, 'invalid payload: Object item not found: attrs'],
    [{ max_entries: 5.5, attrs: [] }, 'invalid payload: Expected integer, got real'],
    [{ max_entries: '5', attrs: [] }, 'invalid payload: Expected integer, got string'],
    [{ max_entries: false, attrs: [] }, 'invalid payload: Expected integer, got false'],
    [{ max_entries: [], attrs: [] }, 'invalid payload: Expected integer, got array'],
    [{ max_entries: {}, attrs: [] }, 'invalid payload: Expected integer, got object'],
    [{ max_entries: 0, attrs: [], since: true }, 'invalid payload: Expected real or integer, got true'],
    [{ max_entries: -1, attrs: [] }, 'invalid payload: max_entries < 0 not allowed'],
    [{ max_entries: 0, attrs: [], since: -0.5 }, 'invalid payload: since < 0.0 not allowed'],
    [{ max_entries: 0, attrs: 'x' }, 'invalid payload: attrs must be an array'],
    [{ max_entries: 0, attrs: [], constraint: null }, 'invalid payload: constraint object invalid: constraint must be JSON object'],
    [{ max_entries: 0, attrs: [], constraint: { a: [], b: [] } }, 'invalid payload: constraint object invalid: constraint must only contain 1 element'],
  ])('%j -> EPROTO %j', (payload, message) => {
    expect(call(emptyInstance.service, request('job-list.list', payload))).toEqual([{ errnum: Errno.EPROTO, errstr: message }]);
  });

  it('counts a JS number with an integral value as an integer', () => {
    expect(callOnce(busyInstance.service, request('job-list.list', { max_entries: 5, attrs: [], constraint: { userid: [1000] } })).errnum).toBeUndefined();
  });
});

describe('job-list.list attribute errors', () => {
  it.each<[Json[], string]>([
    [['foo'], 'foo is not a valid attribute'],
    [['id'], 'id is not a valid attribute'],
    [['name', 'foo'], 'foo is not a valid attribute'],
    [['foo', 5], 'foo is not a valid attribute'],
    [['all', 'bar'], 'bar is not a valid attribute'],
    [[5], 'attr has no string value'],
    [[null], 'attr has no string value'],
    [['name', 5, 'foo'], 'attr has no string value'],
  ])('attrs %j -> EINVAL %j (no prefix), streaming or not', (attrs, message) => {
    for (const streaming of [false, true]) {
      expect(call(busyInstance.service, request('job-list.list', { max_entries: 0, attrs }, { streaming }))).toEqual([
        { errnum: Errno.EINVAL, errstr: message },
      ]);
    }
  });

  it('reports a bad attribute only when a job is emitted', () => {
    expect(call(emptyInstance.service, request('job-list.list', { max_entries: 0, attrs: ['foo'] }))).toEqual([{ payload: { jobs: [] } }]);
    expect(call(busyInstance.service, request('job-list.list', { max_entries: 0, attrs: ['foo'], constraint: { states: ['sched'] } }))).toEqual([
      { payload: { jobs: [] } },
    ]);
    expect(call(busyInstance.service, request('job-list.list', { max_entries: 0, attrs: [5] }, { streaming: true }))).toEqual([
      { errnum: Errno.EINVAL, errstr: 'attr has no string value' },
    ]);
  });
});

describe('job-list.list comparison budget', () => {
  const excessive = 'Excessive comparisons made, limit search via states or since';

  function instance(maxComparisons: number, jobs: number): EmbeddedInstance {
    const inst = new EmbeddedInstance({ maxComparisons });
    for (let i = 0; i < jobs; i++) inst.sink.ingest(job(BigInt(1000 + i), 'completed', 100 + i * 20));
    return inst;
  }

  it('fails with EINVAL once a request makes more comparisons than allowed', () => {
    const inst = instance(5, 6);
    expect(call(inst.service, request('job-list.list', { max_entries: 0, attrs: [] }))).toEqual([{ errnum: Errno.EINVAL, errstr: excessive }]);
    // Streaming requests get the error as their only response.
    expect(call(inst.service, request('job-list.list', { max_entries: 0, attrs: [] }, { streaming: true }))).toEqual([
      { errnum: Errno.EINVAL, errstr: excessive },
    ]);
  });

  it('counts only what is scanned: max_entries and since stop the scan before the limit', () => {
    const inst = instance(5, 6);
    expect(callOnce(inst.service, request('job-list.list', { max_entries: 5, attrs: [] })).errnum).toBeUndefined();
    // t_inactive of the jobs are 109, 129, ... 209; since 140 leaves the 4 newest
    const recent = callOnce(inst.service, request('job-list.list', { max_entries: 0, attrs: [], since: 140 }));
    expect((recent.payload as { jobs: unknown[] }).jobs).toHaveLength(4);
    // Two comparisons per job with a two-value userid list that misses on the first value.
    expect(call(inst.service, request('job-list.list', { max_entries: 3, attrs: [], constraint: { userid: [1, 1000] } }))).toEqual([
      { errnum: Errno.EINVAL, errstr: excessive },
    ]);
  });

  it('skips lists the constraint rules out, at no cost', () => {
    const inst = instance(5, 6);
    inst.sink.ingest(job(5000n, 'sched', 1000));
    const pending = callOnce(inst.service, request('job-list.list', { max_entries: 0, attrs: [], constraint: { states: ['pending'] } }));
    expect((pending.payload as { jobs: unknown[] }).jobs).toHaveLength(1);
  });

  it('is unlimited with max_comparisons 0', () => {
    const inst = instance(0, 30);
    const all = callOnce(inst.service, request('job-list.list', { max_entries: 0, attrs: [], constraint: { userid: [1, 2, 3, 1000] } }));
    expect((all.payload as { jobs: unknown[] }).jobs).toHaveLength(30);
  });

  it('refuses a negative or fractional limit', () => {
    expect(() => new EmbeddedInstance({ maxComparisons: -1 })).toThrow(RangeError);
    expect(() => new EmbeddedInstance({ maxComparisons: 1.5 })).toThrow(RangeError);
  });
});
