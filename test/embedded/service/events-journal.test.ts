/**
 * job-manager.events-journal on the embedded instance: the backlog (active jobs, or all with
 * full) with each job's stored eventlog, jobspec and R as job-info gives them, the sentinel,
 * live events as the store applies them (once each, in order, never ending), cancel by matchtag,
 * disconnect, allow/deny, the owner check and the error table of flux-job-info.md §7; the
 * session-10 journal rebuilt from its recorded jobs and compared response by response; and
 * watchJournal over the in-process handle while the live workload runs.
 */
import { Errno, JobState, Role } from '../../../src/flux/constants';
import { FluxRpcError } from '../../../src/flux/errors';
import type { EventlogEntry, Jobspec, ResourceSet } from '../../../src/flux/jobspec';
import type { Json, JsonObject } from '../../../src/flux/json';
import { parseJson } from '../../../src/flux/json';
import { stateAfterEvent, watchJournal, type JournalItem } from '../../../src/jobinfo';
import { EmbeddedInstance } from '../../../src/embedded';
import { decodeEventlog } from '../../../src/embedded/details/eventlog-text';
import type { ServiceRequest, ServiceResponse } from '../../../src/embedded/service/service-types';
import { LiveWorkload } from '../../../src/embedded/workload/live';
import { ev, job, rawRequest, resourceSet } from '../job-builders';
import { captured, capturedJson, RECORDED_JOBS, recordedDocuments } from '../job-info-fixtures';

const T0 = 1796190000;
const GUEST = 5001;
const JOURNAL = 'job-manager.events-journal';
const CANCEL = 'job-manager.events-journal-cancel';
const SENTINEL: ServiceResponse = { payload: { id: -1, events: [] } };

interface Caller {
  sender?: string;
  matchtag?: number;
  credentials?: { userid: number; rolemask: number };
  streaming?: boolean;
}

/** Sends one request to the instance's services and keeps every response it gets, now and later. */
function send(instance: EmbeddedInstance, topic: string, payload: ServiceRequest['payload'], caller: Caller = {}): ServiceResponse[] {
  const responses: ServiceResponse[] = [];
  const credentials = caller.credentials ?? { userid: 0, rolemask: Role.OWNER };
  instance.services.handle(
    {
      topic,
      payload,
      streaming: caller.streaming ?? topic === JOURNAL,
      userid: credentials.userid,
      rolemask: credentials.rolemask,
      sender: caller.sender ?? 'client-1',
      matchtag: caller.matchtag ?? 1,
    },
    (response) => responses.push(response),
  );
  return responses;
}

const journal = (instance: EmbeddedInstance, request: Json = {}, caller: Caller = {}): ServiceResponse[] => send(instance, JOURNAL, { kind: 'json', value: request }, caller);
const cancel = (instance: EmbeddedInstance, matchtag: number, caller: Caller = {}): ServiceResponse[] => send(instance, CANCEL, { kind: 'json', value: { matchtag } }, { ...caller, streaming: false });

const ACTIVE_IDS = [101n, 102n, 103n, 104n, 105n];

/** The 24 recorded (inactive) jobs, and one active job at each stage: NEW, DEPEND, SCHED, RUN, CLEANUP. */
function setup(): EmbeddedInstance {
  const instance = new EmbeddedInstance({ ownerUserid: 0 });
  for (const recorded of RECORDED_JOBS) instance.sink.ingest(recordedDocuments(recorded));
  instance.sink.ingest(job(101n, 'new', T0, { userid: GUEST }));
  instance.sink.ingest(job(102n, 'depend', T0));
  // Without R: the scheduler gives it with alloc.
  const { R: _unallocated, ...sched } = job(103n, 'sched', T0, { spec: { duration: 300, name: 'held' } });
  instance.sink.ingest(sched);
  instance.sink.ingest(job(104n, 'run', T0, { R: resourceSet('0', '2-3', ['node0'], T0 + 600) }));
  instance.sink.ingest(job(105n, 'cleanup', T0));
  return instance;
}

const idOf = (response: ServiceResponse): bigint => BigInt((response.payload as { id: number | bigint }).id);
const eventsOf = (response: ServiceResponse): EventlogEntry[] => (response.payload as unknown as { events: EventlogEntry[] }).events;
const namesOf = (response: ServiceResponse): string[] => eventsOf(response).map((e) => e.name);

/** What job-info answers for a job (flags 3: jobspec and R decoded, updates applied); keys it lacks are left out. */
function jobInfo(instance: EmbeddedInstance, id: bigint): { eventlog: EventlogEntry[]; jobspec: Json; R?: Json } {
  const [found] = send(instance, 'job-info.lookup', { kind: 'json', value: { id, keys: ['eventlog', 'jobspec'], flags: 3 } }, { streaming: false });
  const [withR] = send(instance, 'job-info.lookup', { kind: 'json', value: { id, keys: ['R'], flags: 3 } }, { streaming: false });
  const answer = found?.payload as { eventlog: string; jobspec: Json };
  const R = withR?.errnum === undefined ? (withR?.payload as { R: Json }).R : undefined;
  return { eventlog: decodeEventlog(answer.eventlog), jobspec: answer.jobspec, ...(R === undefined ? {} : { R }) };
}

/** Every key of a JSON value at every depth, in order: what a comparison of objects with toEqual leaves out. */
function keyOrder(value: Json | undefined): string {
  if (Array.isArray(value)) return `[${value.map(keyOrder).join(',')}]`;
  if (value === null || typeof value !== 'object') return '';
  return `{${Object.keys(value).map((key) => `${key}${keyOrder(value[key])}`).join(',')}}`;
}

describe('the backlog', () => {
  it('{}: one response per active job (NEW, pending, running), by job ID, then the sentinel, and the stream stays open', () => {
    const instance = setup();
    const responses = journal(instance);
    expect(responses.map((r) => (r === responses[responses.length - 1] ? 'sentinel' : idOf(r)))).toEqual([...ACTIVE_IDS, 'sentinel']);
    expect(responses[responses.length - 1]).toEqual(SENTINEL);
    expect(responses.every((r) => r.errnum === undefined)).toBe(true);
    expect(instance.journal.openStreams).toBe(1);
  });

  it("each job's events are its stored eventlog as job-info gives it, with its jobspec, and R once allocated", () => {
    const instance = setup();
    const responses = journal(instance).slice(0, -1);
    for (const response of responses) {
      const id = idOf(response);
      const info = jobInfo(instance, id);
      expect([id, response.payload]).toEqual([id, { id: Number(id), events: info.eventlog, jobspec: info.jobspec, ...(info.R === undefined ? {} : { R: info.R }) }]);
      expect(Object.keys(response.payload as JsonObject)).toEqual(info.R === undefined ? ['id', 'events', 'jobspec'] : ['id', 'events', 'jobspec', 'R']);
    }
    expect(responses.map((r) => [idOf(r), namesOf(r).join(' ')])).toEqual([
      [101n, 'submit'],
      [102n, 'submit validate dependency-add'],
      [103n, 'submit validate depend priority'],
      [104n, 'submit validate depend priority alloc start'],
      [105n, 'submit validate depend priority alloc start finish release'],
    ]);
    // The run job's annotations event was the journal's alone: job-info's eventlog has none.
    expect(responses.some((r) => namesOf(r).includes('annotations'))).toBe(false);
  });

  it('full: the inactive jobs first, then the active ones, each by job ID; every job once', () => {
    const instance = setup();
    const responses = journal(instance, { full: true });
    const ids = responses.slice(0, -1).map(idOf);
    expect(ids).toHaveLength(instance.store.size);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(-5)).toEqual(ACTIVE_IDS);
    expect(new Set(ids.slice(0, -5))).toEqual(new Set(RECORDED_JOBS.map((r) => r.id)));
    expect(responses[responses.length - 1]).toEqual(SENTINEL);
    for (const response of responses.slice(0, 24)) expect(namesOf(response).pop()).toBe('clean');
  });

  it("full: false is {}; the jobspec and R of a job with updates are the job manager's, updates applied", () => {
    const instance = setup();
    instance.sink.post(104n, ev('jobspec-update', T0 + 10, { 'attributes.system.duration': 900.5 }));
    instance.sink.post(104n, ev('resource-update', T0 + 10.1, { expiration: T0 + 900.5 }));
    const responses = journal(instance, { full: false });
    const running = responses.find((r) => idOf(r) === 104n) as ServiceResponse;
    expect(responses.map((r) => r.payload)).toEqual(journal(instance, {}).map((r) => r.payload));
    expect((running.payload as unknown as { jobspec: Jobspec }).jobspec.attributes.system?.duration).toBe(900.5);
    expect((running.payload as unknown as { R: ResourceSet }).R.execution.expiration).toBe(T0 + 900.5);
    expect(running.payload).toMatchObject({ jobspec: jobInfo(instance, 104n).jobspec, R: jobInfo(instance, 104n).R as JsonObject });
  });

  it('a NEW job invalidated before validate is gone from the next backlog', () => {
    const instance = setup();
    instance.sink.post(101n, ev('invalidate', T0 + 1));
    expect(journal(instance).slice(0, -1).map(idOf)).toEqual(ACTIVE_IDS.slice(1));
  });
});

describe('live events', () => {
  it('one response per event as the store applies it, in order, R with alloc; clean does not end the stream', () => {
    const instance = setup();
    const responses = journal(instance);
    const backlog = responses.length;
    const R = resourceSet('0', '5', ['node0'], T0 + 300);
    instance.sink.post(103n, ev('annotations', T0 + 20, { annotations: { sched: { resource_summary: 'rank0/core5' } } }));
    instance.sink.post(103n, ev('alloc', T0 + 20, { annotations: { sched: { resource_summary: 'rank0/core5' } } }), R);
    for (const [i, name] of ['start', 'finish', 'release', 'free', 'clean'].entries()) {
      instance.sink.post(103n, name === 'finish' ? ev(name, T0 + 30 + i, { status: 0 }) : name === 'release' ? ev(name, T0 + 30 + i, { ranks: 'all', final: true }) : ev(name, T0 + 30 + i));
    }
    const live = responses.slice(backlog);
    expect(live.map((r) => [idOf(r), namesOf(r), Object.keys(r.payload as JsonObject)])).toEqual([
      [103n, ['annotations'], ['id', 'events']],
      [103n, ['alloc'], ['id', 'events', 'R']],
      [103n, ['start'], ['id', 'events']],
      [103n, ['finish'], ['id', 'events']],
      [103n, ['release'], ['id', 'events']],
      [103n, ['free'], ['id', 'events']],
      [103n, ['clean'], ['id', 'events']],
    ]);
    expect((live[1] as ServiceResponse).payload).toEqual({ id: 103, events: [ev('alloc', T0 + 20, { annotations: { sched: { resource_summary: 'rank0/core5' } } })], R });
    // Backlog plus live is the job's eventlog now, plus the journal-only annotations.
    const sent = [...eventsOf(responses.find((r) => idOf(r) === 103n) as ServiceResponse), ...live.flatMap(eventsOf)];
    expect(sent.filter((e) => e.name !== 'annotations')).toEqual(jobInfo(instance, 103n).eventlog);
    expect(live.every((r) => r.errnum === undefined)).toBe(true);
    expect(instance.journal.openStreams).toBe(1);
  });

  it('a job submitted while watched: submit with its jobspec, then its events; an ingested history goes out entry by entry', () => {
    const instance = setup();
    const responses = journal(instance);
    const backlog = responses.length;
    instance.sink.ingest(job(200n, 'new', T0 + 50, { spec: { command: ['echo', 'journal live'], name: 'journal-live' } }));
    instance.sink.post(200n, ev('validate', T0 + 51));
    instance.sink.ingest(job(201n, 'canceled', T0 + 60));
    const live = responses.slice(backlog);
    expect(live.map((r) => `${idOf(r)} ${namesOf(r).join(',')}${(r.payload as JsonObject).jobspec === undefined ? '' : ' +jobspec'}`)).toEqual([
      '200 submit +jobspec',
      '200 validate',
      '201 submit +jobspec',
      '201 validate',
      '201 depend',
      '201 priority',
      '201 exception',
      '201 clean',
    ]);
    expect((live[0] as ServiceResponse).payload).toEqual({ id: 200, events: [ev('submit', T0 + 50, { userid: 1000, urgency: 16, flags: 0, version: 1 })], jobspec: jobInfo(instance, 200n).jobspec });
  });

  it('two journals opened at different times each get every entry once: the later one has in its backlog what the first got live', () => {
    const instance = setup();
    const first = journal(instance, {}, { sender: 'a' });
    instance.sink.post(102n, ev('dependency-remove', T0 + 5, { description: 'after-finish=f1' }));
    instance.sink.post(102n, ev('depend', T0 + 6));
    const second = journal(instance, {}, { sender: 'b' });
    instance.sink.post(102n, ev('priority', T0 + 7, { priority: 16 }));
    const namesFor = (responses: ServiceResponse[]): string[] => responses.filter((r) => r.payload !== undefined && idOf(r) === 102n).flatMap(namesOf);
    const expected = ['submit', 'validate', 'dependency-add', 'dependency-remove', 'depend', 'priority'];
    expect(namesFor(first)).toEqual(expected);
    expect(namesFor(second)).toEqual(expected);
    expect(instance.journal.openStreams).toBe(2);
  });

  it('no stream, no work: events applied while nobody listens are in the next backlog only', () => {
    const instance = setup();
    instance.sink.post(102n, ev('dependency-remove', T0 + 5, { description: 'after-finish=f1' }));
    const responses = journal(instance);
    expect(namesOf(responses.find((r) => idOf(r) === 102n) as ServiceResponse)).toEqual(['submit', 'validate', 'dependency-add', 'dependency-remove']);
    const backlog = responses.length;
    instance.sink.post(102n, ev('depend', T0 + 6));
    expect(responses.slice(backlog).map(namesOf)).toEqual([['depend']]);
  });
});

describe('cancel and disconnect', () => {
  it("a cancel naming the stream's matchtag, from its sender, ends it with ENODATA; the cancel itself is not answered", () => {
    const instance = setup();
    const responses = journal(instance, {}, { sender: 'a', matchtag: 7 });
    const backlog = responses.length;
    expect(cancel(instance, 7, { sender: 'b' })).toEqual([]);
    expect(cancel(instance, 8, { sender: 'a' })).toEqual([]);
    expect(instance.journal.openStreams).toBe(1);
    expect(cancel(instance, 7, { sender: 'a' })).toEqual([]);
    expect(responses.slice(backlog)).toEqual([{ errnum: Errno.ENODATA }]);
    expect(instance.journal.openStreams).toBe(0);
    instance.sink.post(102n, ev('depend', T0 + 6));
    expect(responses).toHaveLength(backlog + 1);
    // A late cancel of the ended stream is ignored.
    expect(cancel(instance, 7, { sender: 'a' })).toEqual([]);
  });

  it('a cancel that is not {"matchtag": <int>} is ignored', () => {
    const instance = setup();
    const responses = journal(instance, {}, { sender: 'a', matchtag: 7 });
    const payloads: ServiceRequest['payload'][] = [{ kind: 'json', value: { matchtag: '7' } }, { kind: 'json', value: {} }, { kind: 'none' }];
    for (const payload of payloads) {
      expect(send(instance, CANCEL, payload, { sender: 'a', streaming: false })).toEqual([]);
    }
    expect(responses.filter((r) => r.errnum !== undefined)).toEqual([]);
    expect(instance.journal.openStreams).toBe(1);
  });

  it("job-manager.disconnect drops the sender's streams without a response, and only theirs", () => {
    const instance = setup();
    const a1 = journal(instance, {}, { sender: 'a', matchtag: 1 });
    const a2 = journal(instance, {}, { sender: 'a', matchtag: 2 });
    const b = journal(instance, {}, { sender: 'b' });
    const counts = [a1.length, a2.length, b.length];
    expect(instance.journal.openStreams).toBe(3);
    expect(send(instance, 'job-manager.disconnect', { kind: 'none' }, { sender: 'a', streaming: false })).toEqual([]);
    expect(instance.journal.openStreams).toBe(1);
    instance.sink.post(102n, ev('depend', T0 + 6));
    expect([a1.length, a2.length, b.length]).toEqual([counts[0], counts[1], (counts[2] as number) + 1]);
  });

  it("the in-process handle: leaving watchJournal's loop drops the stream", async () => {
    const instance = setup();
    const handle = instance.handle();
    const seen: string[] = [];
    for await (const item of watchJournal(handle)) {
      seen.push(item.kind);
      expect(instance.journal.openStreams).toBe(1);
      if (item.kind === 'sentinel') break;
    }
    expect(seen).toEqual(['backlog', 'backlog', 'backlog', 'backlog', 'backlog', 'sentinel']);
    expect(instance.journal.openStreams).toBe(0);
    await handle.close();
  });
});

describe('allow and deny', () => {
  it('allow keeps only the named events, in the backlog and live; a job left with none still has its response', () => {
    const instance = setup();
    const responses = journal(instance, { allow: { alloc: 1, clean: true } });
    expect(responses.slice(0, -1).map((r) => [idOf(r), namesOf(r), Object.keys(r.payload as JsonObject)])).toEqual([
      [101n, [], ['id', 'events', 'jobspec']],
      [102n, [], ['id', 'events', 'jobspec']],
      [103n, [], ['id', 'events', 'jobspec']],
      [104n, ['alloc'], ['id', 'events', 'jobspec', 'R']],
      [105n, ['alloc'], ['id', 'events', 'jobspec', 'R']],
    ]);
    const backlog = responses.length;
    instance.sink.post(105n, ev('free', T0 + 40));
    instance.sink.post(105n, ev('clean', T0 + 41));
    expect(responses.slice(backlog).map((r) => [idOf(r), namesOf(r)])).toEqual([[105n, ['clean']]]);
  });

  it('deny drops the named events; with allow, deny applies to what allow kept', () => {
    const instance = setup();
    const denied = journal(instance, { deny: { submit: null, validate: 0 } });
    expect(denied.slice(0, -1).map(namesOf)).toEqual([[], ['dependency-add'], ['depend', 'priority'], ['depend', 'priority', 'alloc', 'start'], ['depend', 'priority', 'alloc', 'start', 'finish', 'release']]);
    const both = journal(instance, { allow: { submit: 1, start: 1 }, deny: { submit: 1 } }, { sender: 'b' });
    expect(both.slice(0, -1).map(namesOf)).toEqual([[], [], [], ['start'], ['start']]);
    const backlog = denied.length;
    instance.sink.ingest(job(300n, 'new', T0 + 70));
    instance.sink.post(300n, ev('validate', T0 + 71));
    instance.sink.post(300n, ev('depend', T0 + 72));
    expect(denied.slice(backlog).map(namesOf)).toEqual([['depend']]);
  });
});

describe('who may open it, and the error table', () => {
  it('a user who is not the owner: errnum 1 with the text, and no stream', () => {
    const instance = setup();
    expect(journal(instance, {}, { credentials: { userid: GUEST, rolemask: Role.USER } })).toEqual([{ errnum: Errno.EPERM, errstr: 'Request requires owner credentials' }]);
    // Checked before the payload, as libflux's dispatcher does.
    expect(send(instance, JOURNAL, { kind: 'none' }, { credentials: { userid: GUEST, rolemask: Role.USER } })).toEqual([{ errnum: Errno.EPERM, errstr: 'Request requires owner credentials' }]);
    expect(instance.journal.openStreams).toBe(0);
  });

  it('through a handle with the USER role: FluxRpcError EPERM, and its cancel and disconnect do nothing', async () => {
    const instance = setup();
    const owner = journal(instance, {}, { sender: 'owner', matchtag: 3 });
    const guest = instance.handle({ userid: GUEST, rolemask: Role.USER });
    const error = await (async () => {
      for await (const item of watchJournal(guest)) return item;
      return undefined;
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FluxRpcError);
    expect(error).toMatchObject({ errno: 1, errorString: 'Request requires owner credentials' });
    expect(cancel(instance, 3, { sender: 'owner', credentials: { userid: GUEST, rolemask: Role.USER } })).toEqual([]);
    expect(send(instance, 'job-manager.disconnect', { kind: 'none' }, { sender: 'owner', streaming: false, credentials: { userid: GUEST, rolemask: Role.USER } })).toEqual([]);
    expect(owner.filter((r) => r.errnum !== undefined)).toEqual([]);
    expect(instance.journal.openStreams).toBe(1);
    await guest.close();
  });

  const raw = (text: string, options: { streaming?: boolean; nul?: boolean } = {}): ServiceRequest['payload'] =>
    rawRequest(JOURNAL, text, { streaming: options.streaming ?? true, nul: options.nul }).payload;
  const PROTO = { errnum: Errno.EPROTO };
  it.each<[string, ServiceRequest['payload'], boolean, ServiceResponse]>([
    ['no STREAMING flag', raw('{}'), false, { errnum: Errno.EPROTO, errstr: 'job-manager.events requires streaming RPC flag' }],
    ['allow a number', raw('{"allow": 1}'), true, { errnum: Errno.EPROTO, errstr: 'job-manager.events allow should be an object' }],
    ['allow null', raw('{"allow": null}'), true, { errnum: Errno.EPROTO, errstr: 'job-manager.events allow should be an object' }],
    ['allow a list of names', raw('{"allow": ["submit"]}'), true, { errnum: Errno.EPROTO, errstr: 'job-manager.events allow should be an object' }],
    ['deny an array', raw('{"deny": []}'), true, { errnum: Errno.EPROTO, errstr: 'job-manager.events deny should be an object' }],
    ['full a number', raw('{"full": 1}'), true, PROTO],
    ['full null', raw('{"full": null}'), true, PROTO],
    ['full a string', raw('{"full": "true"}'), true, PROTO],
    ['no payload', { kind: 'none' }, true, PROTO],
    ['a payload without its NUL', raw('{}', { nul: false }), true, PROTO],
    ['not JSON', raw('{full: true}'), true, PROTO],
    ['an array', raw('[]'), true, PROTO],
    // Flux's order: the payload is unpacked first, then the flag, then allow, then deny.
    ['full mistyped and no STREAMING flag', raw('{"full": 1}'), false, PROTO],
    ['allow mistyped and no STREAMING flag', raw('{"allow": 1}'), false, { errnum: Errno.EPROTO, errstr: 'job-manager.events requires streaming RPC flag' }],
    ['allow and deny both mistyped', raw('{"allow": 1, "deny": 2}'), true, { errnum: Errno.EPROTO, errstr: 'job-manager.events allow should be an object' }],
    ['allow mistyped, full too', raw('{"allow": 1, "full": 1}'), true, PROTO],
  ])('%s', (_label, payload, streaming, expected) => {
    const instance = setup();
    expect(send(instance, JOURNAL, payload, { streaming })).toEqual([expected]);
    expect(instance.journal.openStreams).toBe(0);
  });

  it('accepts keys it does not know, and a full given as true or false', () => {
    const instance = setup();
    expect(send(instance, JOURNAL, raw('{"nosuch": 1, "full": false}')).pop()).toEqual(SENTINEL);
    expect(send(instance, JOURNAL, raw('{"full": true, "allow": {}}'), { sender: 'b' })).toHaveLength(instance.store.size + 1);
  });

  it('any other job-manager method: ENOSYS', () => {
    const instance = setup();
    expect(send(instance, 'job-manager.list', { kind: 'json', value: {} }, { streaming: false })).toEqual([{ errnum: Errno.ENOSYS, errstr: "Unknown service method 'job-manager.list'" }]);
  });
});

describe('the session-10 journal, rebuilt from its recorded jobs', () => {
  /** The recorded payload of a capture line, parsed. */
  const recorded = <T = JsonObject>(line: number): T => capturedJson(line) as unknown as T;

  it('backlog, sentinel and live responses with the recorded values and key order, and the cancel ending it as recorded', () => {
    const instance = new EmbeddedInstance({ ownerUserid: 0 });
    // The two active jobs as they stood when the journal opened (lines 85 and 86).
    for (const line of [85, 86]) {
      const { id, events, jobspec, R } = recorded<{ id: number; events: EventlogEntry[]; jobspec: Jobspec; R?: ResourceSet }>(line);
      instance.sink.ingest({ id: BigInt(id), jobspec, ...(R === undefined ? {} : { R }), eventlog: events });
    }
    const responses = journal(instance, parseJson(captured(84).text as string), { matchtag: captured(84).message.aux2 });
    const live = recorded<{ id: number; events: EventlogEntry[]; jobspec: Jobspec }>(88);
    instance.sink.ingest({ id: BigInt(live.id), jobspec: live.jobspec, eventlog: live.events });
    for (let line = 89; line <= 98; line++) {
      const { events, R } = recorded<{ events: EventlogEntry[]; R?: ResourceSet }>(line);
      instance.sink.post(BigInt(live.id), events[0] as EventlogEntry, R);
    }
    const expected = Array.from({ length: 14 }, (_, i) => recorded(85 + i));
    expect(responses.map((r) => r.payload)).toEqual(expected);
    expect(responses.map((r) => keyOrder(r.payload))).toEqual(expected.map(keyOrder));
    // Line 99: the client's cancel; line 100: the journal's ENODATA, without payload.
    expect(send(instance, CANCEL, { kind: 'json', value: parseJson(captured(99).text as string) }, { streaming: false })).toEqual([]);
    expect(responses.slice(14)).toEqual([{ errnum: captured(100).message.aux1 }]);
    expect(captured(100).message.aux1).toBe(Errno.ENODATA);
  });
});

describe('watchJournal through the in-process handle while the live workload runs', () => {
  it("every job's events arrive once and in order, backlog then live, and the states they give are the store's", async () => {
    const instance = new EmbeddedInstance({ queues: ['batch', 'debug', 'gpu'], ownerUserid: 0 });
    let now = 1795640000;
    const workload = new LiveWorkload(instance.sink, { jobs: 600, seed: 3, now, clock: () => now, submitRate: 0.05 });
    const activeBefore = instance.store.lists.pending.size + instance.store.lists.running.size;
    const handle = instance.handle();
    const byJob = new Map<bigint, EventlogEntry[]>();
    const kinds: string[] = [];
    const states = new Map<bigint, number>();
    let caughtUp: () => void = () => undefined;
    const sentinelSeen = new Promise<void>((resolve) => (caughtUp = resolve));
    let stop = false;
    const reading = (async () => {
      for await (const item of watchJournal(handle)) {
        if (kinds[kinds.length - 1] !== item.kind) kinds.push(item.kind);
        if (item.kind === 'sentinel') caughtUp();
        const entries = item.kind === 'backlog' ? item.events : item.kind === 'event' ? [item.entry] : [];
        if (item.kind !== 'sentinel') {
          const seen = byJob.get(item.id) ?? [];
          byJob.set(item.id, [...seen, ...entries.map((e) => ({ timestamp: e.timestamp, name: e.name, ...(e.context === null ? {} : { context: e.context }) }))]);
          for (const entry of entries) states.set(item.id, stateAfterEvent(states.get(item.id), entry));
        }
        if (stop && item.kind === 'event') break;
      }
    })();
    await sentinelSeen;
    const activeAtStart = byJob.size;
    for (let i = 0; i < 30; i++) {
      now += 120;
      workload.step(now);
      await new Promise((resolve) => setImmediate(resolve));
    }
    stop = true;
    instance.sink.post(instance.store.jobs.id(instance.store.lists.running.toArray()[0] as number), ev('memo', now + 1, { note: 'last' }));
    await reading;
    expect(kinds).toEqual(['backlog', 'sentinel', 'event']);
    expect(activeAtStart).toBe(activeBefore);
    let withAnnotations = 0;
    for (const [id, entries] of byJob) {
      const slot = instance.store.lookup(id);
      const stored = jobInfo(instance, id).eventlog;
      // Once each, in order: what arrived is the stored eventlog plus the journal-only annotations.
      expect([id, entries.filter((e) => e.name !== 'annotations')]).toEqual([id, stored]);
      const annotations = entries.findIndex((e) => e.name === 'annotations');
      if (annotations >= 0) {
        withAnnotations++;
        expect([id, entries[annotations + 1]?.name]).toEqual([id, 'alloc']);
      }
      expect([id, states.get(id)]).toEqual([id, instance.store.jobs.state[slot]]);
    }
    expect(byJob.size).toBeGreaterThan(activeAtStart);
    expect(withAnnotations).toBeGreaterThan(10);
    expect([...states.values()].filter((state) => state === JobState.INACTIVE).length).toBeGreaterThan(10);
    expect(instance.journal.openStreams).toBe(0);
    await handle.close();
    instance.close();
  });
});
