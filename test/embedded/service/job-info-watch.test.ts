/**
 * job-info.eventlog-watch and -cancel on the embedded instance: the error and ending tables of
 * docs/flux-job-info.md section 5, streams of inactive jobs against the 0.88 capture, live
 * entries as a running or pending job progresses, cancel by matchtag from the same sender, and
 * disconnect.
 */
import { Errno, Role } from '../../../src/flux/constants';
import type { Json, JsonObject } from '../../../src/flux/json';
import { parseJson } from '../../../src/flux/json';
import { EmbeddedInstance } from '../../../src/embedded';
import type { ServiceRequest, ServiceResponse } from '../../../src/embedded/service/service-types';
import { ev, job, rawRequest } from '../job-builders';
import { captured, capturedJson, RECORDED_JOBS, recordedDocuments, recordedJob } from '../job-info-fixtures';

const GUEST = 5001;
const T0 = 1796190000;
const asOwner: { userid: number; rolemask: number } = { userid: 0, rolemask: Role.OWNER };
const asGuest = { userid: GUEST, rolemask: Role.USER };

interface Watch {
  responses: ServiceResponse[];
  /** The event lines received so far (sentinels and the ending left out). */
  lines(): string[];
  names(): string[];
  ending(): ServiceResponse | undefined;
}

function setup(): { instance: EmbeddedInstance; watch: (payload: Json, options?: WatchOptions) => Watch; send: (topic: string, payload: Json, options?: WatchOptions) => ServiceResponse[] } {
  const instance = new EmbeddedInstance({ ownerUserid: 0 });
  for (const recorded of RECORDED_JOBS) instance.sink.ingest(recordedDocuments(recorded));
  const send = (topic: string, payload: Json, options: WatchOptions = {}): ServiceResponse[] => {
    const responses: ServiceResponse[] = [];
    const credentials = options.credentials ?? asOwner;
    const req: ServiceRequest = {
      topic,
      payload: { kind: 'json', value: payload },
      streaming: options.streaming ?? topic === 'job-info.eventlog-watch',
      userid: credentials.userid,
      rolemask: credentials.rolemask,
      sender: options.sender ?? 'client-1',
      matchtag: options.matchtag ?? 1,
    };
    instance.services.handle(req, (response) => responses.push(response));
    return responses;
  };
  const watch = (payload: Json, options: WatchOptions = {}): Watch => {
    const responses = send('job-info.eventlog-watch', payload, options);
    const lines = (): string[] => responses.flatMap((r) => (r.payload === undefined ? [] : [(r.payload as { event: string }).event]));
    return {
      responses,
      lines,
      names: () => lines().map((line) => (JSON.parse(line) as { name: string }).name),
      ending: () => responses.find((r) => r.errnum !== undefined),
    };
  };
  return { instance, watch, send };
}

interface WatchOptions {
  sender?: string;
  matchtag?: number;
  credentials?: { userid: number; rolemask: number };
  streaming?: boolean;
}

const echo = recordedJob('echo_hello');
const runOutErr = recordedJob('run_out_err');
const held = recordedJob('cancel_held');

/** A job running `lmp` with a 200 s limit (a progress line about every 10 s), started at T0 + 5. */
function runningJob(instance: EmbeddedInstance, id: bigint, userid = GUEST): void {
  instance.sink.ingest(job(id, 'run', T0, { userid, spec: { command: ['lmp', '-in', 'in.lj'], duration: 200 } }));
}

function finish(instance: EmbeddedInstance, id: bigint, at: number, status = 0): void {
  instance.sink.post(id, ev('finish', at, { status }));
  instance.sink.post(id, ev('release', at + 0.01, { ranks: 'all', final: true }));
  instance.sink.post(id, ev('free', at + 0.02));
  instance.sink.post(id, ev('clean', at + 0.03));
}

describe('eventlog-watch errors', () => {
  const { watch, instance } = setup();
  instance.sink.ingest(job(900n, 'completed', T0, { userid: GUEST }));

  it('without the STREAMING flag: EPROTO with the message, after the flags are checked', () => {
    expect(watch({ id: echo.id, path: 'eventlog', flags: 0 }, { streaming: false }).responses).toEqual([
      { errnum: Errno.EPROTO, errstr: 'eventlog-watch request rejected without streaming RPC flag' },
    ]);
    expect(watch({ id: echo.id, path: 'eventlog', flags: 4 }, { streaming: false }).responses).toEqual([
      { errnum: Errno.EPROTO, errstr: 'eventlog-watch request rejected with invalid flag' },
    ]);
  });

  it.each([4, -1, 3 | 8])('flags %d: EPROTO "eventlog-watch request rejected with invalid flag"', (flags) => {
    expect(watch({ id: echo.id, path: 'eventlog', flags }).responses).toEqual([{ errnum: Errno.EPROTO, errstr: 'eventlog-watch request rejected with invalid flag' }]);
  });

  it.each<[string, Json]>([
    ['path missing', { id: echo.id, flags: 0 }],
    ['path not a string', { id: echo.id, path: 5, flags: 0 }],
    ['id a string', { id: String(echo.id), path: 'eventlog', flags: 0 }],
    ['flags missing', { id: echo.id, path: 'eventlog' }],
  ])('%s: EPROTO without a message', (_label, payload) => {
    expect(watch(payload).responses).toEqual([{ errnum: Errno.EPROTO }]);
  });

  it('a payload that is not JSON: EPROTO without a message', () => {
    const responses: ServiceResponse[] = [];
    instance.services.handle({ ...rawRequest('job-info.eventlog-watch', '{"id":', { streaming: true }) }, (r) => responses.push(r));
    expect(responses).toEqual([{ errnum: Errno.EPROTO }]);
  });

  it.each<[string, string, number]>([
    ['no such job, main eventlog', 'eventlog', 0],
    ['no such job, guest path', 'guest.output', 0],
    ['no such job, guest path with WAITCREATE', 'guest.exec.eventlog', 1],
  ])('%s: ENOENT without a message', (_label, path, flags) => {
    expect(watch({ id: 12345, path, flags }).responses).toEqual([{ errnum: Errno.ENOENT }]);
  });

  it('the recorded watch of id 12345 (line 121) gets the recorded ENOENT', () => {
    expect(watch(capturedJson(121), { matchtag: 2 }).responses).toEqual([{ errnum: captured(122).message.aux1 }]);
    expect(captured(122).text).toBeUndefined();
  });

  it('guest.nosuch of an inactive job (even with WAITCREATE) and nosuch without WAITCREATE: ENOENT', () => {
    expect(watch({ id: echo.id, path: 'guest.nosuch', flags: 1 }).responses).toEqual([{ errnum: Errno.ENOENT }]);
    expect(watch({ id: echo.id, path: 'nosuch', flags: 0 }).responses).toEqual([{ errnum: Errno.ENOENT }]);
  });

  it('a guest watching another user\'s job: EPERM without a message (main eventlog and guest paths, lines 148-151)', () => {
    expect(watch(capturedJson(148), { credentials: asGuest }).responses).toEqual([{ errnum: captured(149).message.aux1 }]);
    expect(watch(capturedJson(150), { credentials: asGuest }).responses).toEqual([{ errnum: captured(151).message.aux1 }]);
    expect(watch({ id: echo.id, path: 'jobspec', flags: 0 }, { credentials: asGuest }).responses).toEqual([{ errnum: Errno.EPERM }]);
    // Their own job is theirs to watch.
    expect(watch({ id: 900n, path: 'eventlog', flags: 0 }, { credentials: asGuest }).ending()).toEqual({ errnum: Errno.ENODATA });
  });

  it('a path too long for job-info\'s key buffer: EOVERFLOW', () => {
    expect(watch({ id: echo.id, path: 'x'.repeat(104), flags: 0 }).responses).toEqual([{ errnum: Errno.EOVERFLOW }]);
    expect(watch({ id: echo.id, path: 'x'.repeat(103), flags: 0 }).responses).toEqual([{ errnum: Errno.ENOENT }]);
  });

  it('a directory: EISDIR', () => {
    expect(watch({ id: echo.id, path: 'guest.exec', flags: 0 }).responses).toEqual([{ errnum: Errno.EISDIR }]);
  });
});

describe('eventlog-watch of inactive jobs', () => {
  const { watch } = setup();

  it('streams the whole eventlog, one line with its newline per response, then ENODATA (session 6, lines 17-28)', () => {
    const stream = watch(capturedJson(17));
    const recorded = [...Array(10).keys()].map((i) => (capturedJson(18 + i) as { event: string }).event);
    expect(stream.lines()).toEqual(recorded);
    expect(stream.responses.slice(-1)).toEqual([{ errnum: Errno.ENODATA }]);
    expect(stream.responses).toHaveLength(11);
  });

  it('with INITIAL_SENTINEL an empty response comes after clean, just before ENODATA (lines 108-120)', () => {
    const stream = watch(capturedJson(108));
    expect(stream.lines()).toEqual([...Array(10).keys()].map((i) => (capturedJson(109 + i) as { event: string }).event));
    expect(stream.responses.slice(-2)).toEqual([{}, { errnum: Errno.ENODATA }]);
    expect(captured(119).text).toBeUndefined();
  });

  it('guest.exec.eventlog and guest.output: the stored log, then ENODATA', () => {
    const exec = watch({ id: runOutErr.id, path: 'guest.exec.eventlog', flags: 0 });
    const recordedNames = [33, 34, 35, 36, 37, 38, 39, 42].map((line) => (parseJson((capturedJson(line) as { event: string }).event) as { name: string }).name);
    expect(exec.names()).toEqual(recordedNames);
    expect(exec.ending()).toEqual({ errnum: Errno.ENODATA });
    const output = watch({ id: runOutErr.id, path: 'guest.output', flags: 2 });
    expect(output.names()[0]).toBe('header');
    expect(output.lines().every((line) => line.endsWith('}\n'))).toBe(true);
    expect(output.responses.slice(-2)).toEqual([{}, { errnum: Errno.ENODATA }]);
  });

  it('guest.* of a job that never started: ENODATA and no events', () => {
    expect(watch({ id: held.id, path: 'guest.output', flags: 0 }).responses).toEqual([{ errnum: Errno.ENODATA }]);
  });

  it('another main key never ends on its own and sends only whole lines: none for R', () => {
    const R = watch({ id: echo.id, path: 'R', flags: 2 });
    expect(R.responses).toEqual([{}]);
  });
});

describe('eventlog-watch of jobs that progress', () => {
  it('a running job: the stored events, the sentinel, then each new event as it is posted, up to clean', () => {
    const { instance, watch } = setup();
    runningJob(instance, 1000n);
    const stream = watch({ id: 1000n, path: 'eventlog', flags: 2 });
    expect(stream.names()).toEqual(['submit', 'validate', 'depend', 'priority', 'alloc', 'start']);
    expect(stream.responses[6]).toEqual({});
    instance.sink.post(1000n, ev('memo', T0 + 40, { progress: 0.5 }));
    expect(stream.names().slice(6)).toEqual(['memo']);
    finish(instance, 1000n, T0 + 150);
    expect(stream.names().slice(6)).toEqual(['memo', 'finish', 'release', 'free', 'clean']);
    expect(stream.responses.slice(-1)).toEqual([{ errnum: Errno.ENODATA }]);
    expect(stream.lines()[7]).toBe('{"timestamp":1796190150.0,"name":"finish","context":{"status":0}}\n');
  });

  it('WAITCREATE on an ID not known yet waits for the job, then streams it', () => {
    const { instance, watch } = setup();
    const stream = watch({ id: 2000n, path: 'eventlog', flags: 1 });
    expect(stream.responses).toEqual([]);
    instance.sink.ingest(job(2000n, 'sched', T0));
    expect(stream.names()).toEqual(['submit', 'validate', 'depend', 'priority']);
    instance.sink.post(2000n, ev('exception', T0 + 9, { type: 'cancel', severity: 0, note: '', userid: 1000 }));
    instance.sink.post(2000n, ev('clean', T0 + 9.1));
    expect(stream.names().slice(4)).toEqual(['exception', 'clean']);
    expect(stream.ending()).toEqual({ errnum: Errno.ENODATA });
  });

  it('a main key created later, with WAITCREATE: R of a pending job waits, and still sends no lines', () => {
    const { instance, watch } = setup();
    instance.sink.ingest(job(2100n, 'sched', T0));
    const stream = watch({ id: 2100n, path: 'R', flags: 1 | 2 });
    expect(stream.responses).toEqual([]);
    instance.sink.post(2100n, ev('alloc', T0 + 10, { annotations: { sched: { resource_summary: 'rank0/core0' } } }));
    expect(stream.responses).toEqual([{}]);
  });

  it('guest.output of a running job: what the shell has written, more as time goes on, then ENODATA at the end', () => {
    const { instance, watch } = setup();
    runningJob(instance, 3000n);
    // The shell has not written its output header by the time the job started.
    expect(watch({ id: 3000n, path: 'guest.output', flags: 0 }).responses).toEqual([{ errnum: Errno.ENOENT }]);
    const stream = watch({ id: 3000n, path: 'guest.output', flags: 1 | 2 }, { matchtag: 2 });
    expect(stream.responses).toEqual([]);
    instance.sink.advanceTo?.(T0 + 30);
    const early = stream.lines().length;
    expect(stream.names()[0]).toBe('header');
    expect(early).toBeGreaterThan(3);
    expect(stream.responses[early]).toEqual({});
    instance.sink.advanceTo?.(T0 + 90);
    const later = stream.lines().length;
    expect(later).toBeGreaterThan(early);
    expect(stream.ending()).toBeUndefined();
    finish(instance, 3000n, T0 + 150);
    const all = stream.lines();
    expect(all.length).toBeGreaterThan(later);
    expect(all.filter((line) => line.includes('"eof":true'))).toHaveLength(2);
    expect(stream.ending()).toEqual({ errnum: Errno.ENODATA });
    // What the watch received is the job's guest.output, line for line.
    const lookup = instance.jobInfo;
    const answer: ServiceResponse[] = [];
    lookup.handle({ topic: 'job-info.lookup', payload: { kind: 'json', value: { id: 3000n, keys: ['guest.output'], flags: 0 } }, streaming: false, userid: 0, rolemask: Role.OWNER, sender: 'x' }, (r) => answer.push(r));
    expect((answer[0]?.payload as JsonObject)['guest.output']).toBe(all.join(''));
  });

  it('a job\'s guest stream ends before its main eventlog shows finish, as the namespace goes first', () => {
    const { instance, send } = setup();
    runningJob(instance, 3500n);
    instance.sink.advanceTo?.(T0 + 20);
    const order: string[] = [];
    const opened = (path: string, matchtag: number): void => {
      instance.services.handle(
        { topic: 'job-info.eventlog-watch', payload: { kind: 'json', value: { id: 3500n, path, flags: 0 } }, streaming: true, userid: 0, rolemask: Role.OWNER, sender: 's', matchtag },
        (r) => order.push(r.errnum !== undefined ? `${path} end` : `${path} ${(JSON.parse((r.payload as { event: string }).event) as { name: string }).name}`),
      );
    };
    opened('eventlog', 1);
    opened('guest.exec.eventlog', 2);
    order.length = 0;
    finish(instance, 3500n, T0 + 150);
    expect(order.indexOf('guest.exec.eventlog end')).toBeLessThan(order.indexOf('eventlog finish'));
    expect(order.slice(-1)).toEqual(['eventlog end']);
    expect(send('job-info.stats-get', {})).toEqual([{ payload: { lookups: 0, watchers: 0, guest_watchers: 0, update_lookups: 0, update_watchers: 0 } }]);
  });

  it('guest.exec.eventlog of a pending job: silent until it starts, then live', () => {
    const { instance, watch } = setup();
    instance.sink.ingest(job(4000n, 'sched', T0, { spec: { command: ['lmp'], duration: 200 } }));
    const stream = watch({ id: 4000n, path: 'guest.exec.eventlog', flags: 0 });
    expect(stream.responses).toEqual([]);
    instance.sink.post(4000n, ev('alloc', T0 + 10, { annotations: { sched: { resource_summary: 'rank0/core0' } } }), { version: 1, execution: { R_lite: [{ rank: '0', children: { core: '0' } }], nodelist: ['node0'], starttime: T0 + 10, expiration: 0 } });
    expect(stream.responses).toEqual([]);
    instance.sink.post(4000n, ev('start', T0 + 10.02));
    expect(stream.names()).toEqual(['init', 'starting']);
    instance.sink.advanceTo?.(T0 + 11);
    expect(stream.names()).toEqual(['init', 'starting', 'shell.init', 'shell.start']);
    finish(instance, 4000n, T0 + 60, 256);
    expect(stream.names()).toEqual(['init', 'starting', 'shell.init', 'shell.start', 'shell.task-exit', 'shell-exit', 'complete', 'done']);
    expect(stream.ending()).toEqual({ errnum: Errno.ENODATA });
  });

  it('guest.* of a pending job that ends without starting: ENODATA and no events', () => {
    const { instance, watch } = setup();
    instance.sink.ingest(job(5000n, 'sched', T0));
    const stream = watch({ id: 5000n, path: 'guest.output', flags: 1 });
    instance.sink.post(5000n, ev('exception', T0 + 9, { type: 'cancel', severity: 0, note: '', userid: 1000 }));
    expect(stream.responses).toEqual([]);
    instance.sink.post(5000n, ev('clean', T0 + 9.1));
    expect(stream.responses).toEqual([{ errnum: Errno.ENODATA }]);
  });
});

describe('eventlog-watch-cancel and disconnect', () => {
  it('a cancel naming the watch\'s matchtag, from the same sender, ends it with ENODATA and is never answered (lines 131-139)', () => {
    const { instance, watch, send } = setup();
    runningJob(instance, 6000n, 0);
    const stream = watch({ id: 6000n, path: 'eventlog', flags: 0 }, { matchtag: 1 });
    expect(stream.names()).toEqual(['submit', 'validate', 'depend', 'priority', 'alloc', 'start']);
    expect(send('job-info.eventlog-watch-cancel', { matchtag: 1 }, { sender: 'someone-else' })).toEqual([]);
    expect(send('job-info.eventlog-watch-cancel', { matchtag: 7 })).toEqual([]);
    expect(send('job-info.eventlog-watch-cancel', { tag: 1 })).toEqual([]);
    expect(stream.ending()).toBeUndefined();
    expect(send('job-info.eventlog-watch-cancel', capturedJson(138))).toEqual([]);
    expect(stream.responses.slice(-1)).toEqual([{ errnum: captured(139).message.aux1 }]);
    // Nothing more arrives, and a late cancel (as flux job wait-event sends) is ignored.
    instance.sink.post(6000n, ev('memo', T0 + 40, { a: 1 }));
    expect(send('job-info.eventlog-watch-cancel', { matchtag: 1 })).toEqual([]);
    expect(stream.responses.filter((r) => r.errnum !== undefined)).toHaveLength(1);
  });

  it('a cancel ends a watch waiting for its job, a key, or a pending job\'s start', () => {
    const { instance, watch, send } = setup();
    instance.sink.ingest(job(6100n, 'sched', T0));
    const streams = [
      watch({ id: 6199n, path: 'eventlog', flags: 1 }, { matchtag: 11 }),
      watch({ id: echo.id, path: 'nosuch', flags: 1 }, { matchtag: 12 }),
      watch({ id: 6100n, path: 'guest.output', flags: 0 }, { matchtag: 13 }),
      watch({ id: echo.id, path: 'jobspec', flags: 0 }, { matchtag: 14 }),
    ];
    expect(streams.map((s) => s.responses)).toEqual([[], [], [], []]);
    for (const tag of [11, 12, 13, 14]) send('job-info.eventlog-watch-cancel', { matchtag: tag });
    expect(streams.map((s) => s.responses)).toEqual([[{ errnum: Errno.ENODATA }], [{ errnum: Errno.ENODATA }], [{ errnum: Errno.ENODATA }], [{ errnum: Errno.ENODATA }]]);
  });

  it('a disconnect drops the sender\'s watches without a response', () => {
    const { instance, watch, send } = setup();
    runningJob(instance, 7000n, 0);
    const mine = watch({ id: 7000n, path: 'eventlog', flags: 0 }, { sender: 'gone' });
    const guestLog = watch({ id: 7000n, path: 'guest.exec.eventlog', flags: 1 }, { sender: 'gone', matchtag: 2 });
    const theirs = watch({ id: 7000n, path: 'eventlog', flags: 0 }, { sender: 'stays' });
    expect(send('job-info.stats-get', {})).toEqual([{ payload: { lookups: 0, watchers: 2, guest_watchers: 1, update_lookups: 0, update_watchers: 0 } }]);
    expect(send('job-info.disconnect', {}, { sender: 'gone' })).toEqual([]);
    expect(send('job-info.stats-get', {})).toEqual([{ payload: { lookups: 0, watchers: 1, guest_watchers: 0, update_lookups: 0, update_watchers: 0 } }]);
    finish(instance, 7000n, T0 + 100);
    expect(mine.names()).toEqual(['submit', 'validate', 'depend', 'priority', 'alloc', 'start']);
    expect(mine.ending()).toBeUndefined();
    expect(guestLog.ending()).toBeUndefined();
    expect(theirs.names().slice(-1)).toEqual(['clean']);
    expect(theirs.ending()).toEqual({ errnum: Errno.ENODATA });
    expect(send('job-info.stats-get', {})).toEqual([{ payload: { lookups: 0, watchers: 0, guest_watchers: 0, update_lookups: 0, update_watchers: 0 } }]);
  });
});
