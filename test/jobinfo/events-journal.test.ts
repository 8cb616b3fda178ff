/**
 * watchJournal, the job-manager.events-journal client: the recorded session 10 (Python's
 * `events-journal {}` on a flux-core 0.88 broker) decoded from its payloads through a fake
 * handle and replayed over the wire, the cancel libflux sends when the loop is left, the guest's
 * EPERM of session 13, the request payloads, and a table of malformed responses.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { FluxError, FluxRpcError } from '../../src/flux/errors';
import type { FluxHandle, RpcOptions } from '../../src/flux/handle';
import { JobManagerTopic } from '../../src/flux/job-manager-protocol';
import type { Json, JsonObject } from '../../src/flux/json';
import { openLocalHandle } from '../../src/flux/local-connector';
import { decodeJsonPayload, encodeMessage, MessageFlag } from '../../src/flux/message';
import { frameRecord } from '../../src/flux/stream-framing';
import type { StreamHandle } from '../../src/flux/stream-handle';
import { eventsJournalPayload, watchJournal, type JournalItem } from '../../src/jobinfo';
import { startReplayBroker, type ReplayBroker } from '../support/capture-replay';
import { captureSessions, capturedLine, type CapturedMessage } from '../support/job-info-fixtures';
import { tmpSocketPath } from '../support/scripted-broker';

const sessions = captureSessions();
const sessionOf = (line: number): CapturedMessage[] => sessions.find((s) => s.some((m) => m.line === line)) as CapturedMessage[];
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** The payloads job-manager sent in session 10 before the client's cancel (lines 85-98). */
const SESSION_10_PAYLOADS: Json[] = Array.from({ length: 14 }, (_, i) => decodeJsonPayload(capturedLine(sessions, 85 + i).msg.payload as Uint8Array));

const HELD = 18616619630592n;
const RUNNING = 18618867777536n;
const LIVE = 18623129190400n;

interface FakeCall {
  topic: string;
  payload: JsonObject | undefined;
  options: RpcOptions | undefined;
  /** Whether the caller left the stream before its end. */
  abandoned: boolean;
}

/** A handle whose one stream yields `responses` in order, then ends as told (an error, or never). */
function fakeHandle(responses: ReadonlyArray<Json | undefined>, end: 'done' | Error = 'done'): { handle: FluxHandle; calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  const handle: FluxHandle = {
    uri: 'fake:',
    rpc: () => Promise.reject(new Error('not used')),
    rpcStream(topic, payload, options) {
      const call: FakeCall = { topic, payload, options, abandoned: false };
      calls.push(call);
      return {
        [Symbol.asyncIterator]: () => {
          let next = 0;
          return {
            next: async () => {
              if (next < responses.length) return { value: responses[next++], done: false };
              if (end instanceof Error) throw end;
              return { value: undefined, done: true };
            },
            return: async () => {
              call.abandoned = true;
              return { value: undefined, done: true };
            },
          };
        },
      };
    },
    close: async () => undefined,
  };
  return { handle, calls };
}

async function collect(journal: AsyncIterable<JournalItem>): Promise<JournalItem[]> {
  const items: JournalItem[] = [];
  for await (const item of journal) items.push(item);
  return items;
}

async function failure(journal: AsyncIterable<JournalItem>): Promise<{ items: JournalItem[]; error: unknown }> {
  const items: JournalItem[] = [];
  try {
    for await (const item of journal) items.push(item);
  } catch (error) {
    return { items, error };
  }
  throw new Error('the journal ended without an error');
}

/** An item in a few words: backlog/event with the job and event names, or the sentinel. */
function summary(item: JournalItem): string {
  switch (item.kind) {
    case 'sentinel':
      return 'sentinel';
    case 'backlog':
      return `backlog ${item.id} [${item.events.map((e) => e.name).join(' ')}]${item.jobspec ? ' +jobspec' : ''}${item.R ? ' +R' : ''}`;
    case 'event':
      return `event ${item.id} ${item.entry.name}${item.jobspec ? ' +jobspec' : ''}${item.R ? ' +R' : ''}`;
  }
}

describe('watchJournal on the recorded session 10', () => {
  it('decodes the backlog, the sentinel and the live events, in the order they came', async () => {
    const { handle } = fakeHandle(SESSION_10_PAYLOADS);
    const items = await collect(watchJournal(handle));
    expect(items.map(summary)).toEqual([
      `backlog ${HELD} [submit validate depend priority] +jobspec`,
      `backlog ${RUNNING} [submit validate depend priority alloc start] +jobspec +R`,
      'sentinel',
      `event ${LIVE} submit +jobspec`,
      `event ${LIVE} validate`,
      `event ${LIVE} depend`,
      `event ${LIVE} priority`,
      `event ${LIVE} annotations`,
      `event ${LIVE} alloc +R`,
      `event ${LIVE} start`,
      `event ${LIVE} finish`,
      `event ${LIVE} release`,
      `event ${LIVE} free`,
      `event ${LIVE} clean`,
    ]);
  });

  it('keeps every value: entries with null for no context, the jobspec and R as sent', async () => {
    const { handle } = fakeHandle(SESSION_10_PAYLOADS);
    const items = await collect(watchJournal(handle));
    const running = items[1] as Extract<JournalItem, { kind: 'backlog' }>;
    expect(running.events.slice(0, 2)).toEqual([
      { timestamp: 1796188941.4286506, name: 'submit', context: { userid: 0, urgency: 16, flags: 0, version: 1 } },
      { timestamp: 1796188941.4420335, name: 'validate', context: null },
    ]);
    expect(running.R).toEqual({ version: 1, execution: { R_lite: [{ rank: '0', children: { core: '0' } }], starttime: 1796188941.4545665, expiration: 0, nslots: 1, nodelist: ['vm'] } });
    expect((items[0] as Extract<JournalItem, { kind: 'backlog' }>).jobspec).toMatchObject({ tasks: [{ command: ['sleep', '60'] }], attributes: { system: { job: { name: 'journal-held' } } } });
    expect(items[7]).toEqual({ kind: 'event', id: LIVE, entry: { timestamp: 1796188941.7102804, name: 'annotations', context: { annotations: { sched: { resource_summary: 'rank0/core1' } } } } });
    expect((items[8] as Extract<JournalItem, { kind: 'event' }>).R).toMatchObject({ execution: { R_lite: [{ rank: '0', children: { core: '1' } }] } });
  });

  it('asks for the journal as Python did: {} with the cancel topic, and no timeout', async () => {
    const { handle, calls } = fakeHandle(SESSION_10_PAYLOADS);
    await collect(watchJournal(handle));
    expect(calls).toEqual([{ topic: 'job-manager.events-journal', payload: {}, options: { timeoutMs: 0, cancelTopic: 'job-manager.events-journal-cancel' }, abandoned: false }]);
    expect(decodeJsonPayload(capturedLine(sessions, 84).msg.payload as Uint8Array)).toEqual({});
  });

  it("passes the caller's options on, a timeout included", async () => {
    const { handle, calls } = fakeHandle([]);
    await collect(watchJournal(handle, { full: true }, { timeoutMs: 5000, credentials: { userid: 0, rolemask: 1 } }));
    expect(calls[0]?.options).toEqual({ timeoutMs: 5000, credentials: { userid: 0, rolemask: 1 }, cancelTopic: JobManagerTopic.EVENTS_JOURNAL_CANCEL });
  });

  it('leaving the loop releases the stream (the handle then cancels it)', async () => {
    const { handle, calls } = fakeHandle(SESSION_10_PAYLOADS);
    for await (const item of watchJournal(handle)) if (item.kind === 'sentinel') break;
    expect(calls[0]?.abandoned).toBe(true);
  });

  it('an error thrown by the loop body releases it too', async () => {
    const { handle, calls } = fakeHandle(SESSION_10_PAYLOADS);
    const error = await (async () => {
      for await (const item of watchJournal(handle)) if (item.kind === 'backlog') throw new Error('consumer failed');
    })().catch((caught: unknown) => caught);
    expect(error).toEqual(new Error('consumer failed'));
    expect(calls[0]?.abandoned).toBe(true);
  });

  it("passes an error response on as the handle's FluxRpcError", async () => {
    const refused = new FluxRpcError('job-manager.events-journal', 1, 'Request requires owner credentials');
    const { handle } = fakeHandle([], refused);
    const { items, error } = await failure(watchJournal(handle));
    expect(items).toEqual([]);
    expect(error).toBe(refused);
  });
});

describe('watchJournal over the wire against the recorded broker', () => {
  const open: { close(): Promise<unknown> }[] = [];
  afterAll(async () => {
    for (const thing of open.reverse()) await thing.close();
  });

  async function replay(line: number): Promise<{ replay: ReplayBroker; handle: StreamHandle }> {
    const { path } = tmpSocketPath();
    const replayed = await startReplayBroker(path, sessionOf(line));
    open.push({ close: async () => rmSync(dirname(path), { recursive: true, force: true }) }, replayed);
    const handle = await openLocalHandle(path, { connectRetries: 0 });
    open.push(handle);
    return { replay: replayed, handle };
  }

  it("sends libflux's request, reads every response, and leaving after clean sends the cancel the journal's ENODATA answers", async () => {
    const { replay: replayed, handle } = await replay(84);
    const seen: string[] = [];
    for await (const item of watchJournal(handle)) {
      seen.push(summary(item));
      if (item.kind === 'event' && item.entry.name === 'clean') break;
    }
    expect(seen).toHaveLength(14);
    expect(seen[2]).toBe('sentinel');
    // The request: byte for byte what Python's libflux sent (line 84).
    expect(hex(frameRecord(encodeMessage(replayed.matched[0]?.sent as never)))).toBe(hex(capturedLine(sessions, 84).bytes));
    // The session has one journal: the replay refuses another (ENOSYS). This one is sent while
    // tag 1 still waits for the ENODATA (line 100) the replay releases on the cancel; it goes
    // before this refusal on the one connection, so the journal after it gets tag 1 again.
    const second = await failure(watchJournal(handle));
    await failure(watchJournal(handle));
    expect(second.error).toMatchObject({ errno: 38 });
    expect(replayed.matched.map((m) => [m.sent.topic, m.sent.aux2])).toEqual([
      ['job-manager.events-journal', 1],
      ['job-manager.events-journal-cancel', 0],
      ['job-manager.events-journal', 2],
      ['job-manager.events-journal', 1],
    ]);
    const cancel = replayed.matched[1];
    expect(cancel?.sent.flags).toBe(MessageFlag.TOPIC | MessageFlag.ROUTE | MessageFlag.PAYLOAD | MessageFlag.NORESPONSE);
    expect(decodeJsonPayload(cancel?.sent.payload as Uint8Array)).toEqual({ matchtag: 1 });
    expect(cancel?.recorded?.line).toBe(99);
  });

  it("a guest (session 13): EPERM with libflux's dispatcher text, nothing yielded", async () => {
    const { handle } = await replay(152);
    const { items, error } = await failure(watchJournal(handle));
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(FluxRpcError);
    expect(error).toMatchObject({ topic: 'job-manager.events-journal', errno: 1, errorString: 'Request requires owner credentials' });
  });
});

describe('eventsJournalPayload', () => {
  it.each<[string, Parameters<typeof eventsJournalPayload>[0], JsonObject]>([
    ['nothing asked', {}, {}],
    ['full', { full: true }, { full: true }],
    ['full false, as given', { full: false }, { full: false }],
    ['allow', { allow: ['submit', 'clean'] }, { allow: { submit: 1, clean: 1 } }],
    ['deny', { deny: ['memo'] }, { deny: { memo: 1 } }],
    ['all three', { full: true, allow: ['alloc'], deny: [] }, { full: true, allow: { alloc: 1 }, deny: {} }],
  ])('%s', (_label, request, payload) => {
    expect(eventsJournalPayload(request)).toEqual(payload);
  });

  it.each<[string, unknown, string]>([
    ['full not a boolean', { full: 'yes' }, 'job-manager.events-journal: full must be a boolean, got yes'],
    ['an allowed name not a string', { allow: ['submit', 3] }, 'job-manager.events-journal: allow must list event names, got 3'],
    ['a denied name not a string', { deny: [null] }, 'job-manager.events-journal: deny must list event names, got null'],
  ])('refuses %s with a RangeError before anything is sent', (_label, request, message) => {
    const { handle, calls } = fakeHandle([]);
    expect(() => watchJournal(handle, request as Parameters<typeof eventsJournalPayload>[0])).toThrow(new RangeError(message));
    expect(calls).toEqual([]);
  });
});

describe('watchJournal ids', () => {
  it.each<[string, Json, bigint | 'sentinel']>([
    ['a number', 18616619630592, 18616619630592n],
    ['a bigint beyond 2^53 (as parseJson gives it)', 9007199254740993n, 9007199254740993n],
    ['the largest job ID a signed pack sends as -2', -2, (1n << 64n) - 2n],
    ['-1: the sentinel', -1, 'sentinel'],
    ['FLUX_JOBID_ANY unsigned: the sentinel too', (1n << 64n) - 1n, 'sentinel'],
  ])('%s', async (_label, id, expected) => {
    const { handle } = fakeHandle([{ id, events: [] }]);
    const [item] = await collect(watchJournal(handle));
    expect(item).toEqual(expected === 'sentinel' ? { kind: 'sentinel' } : { kind: 'backlog', id: expected, events: [] });
  });
});

describe('watchJournal refuses what is not a journal response', () => {
  const submit = { timestamp: 1796188941.2938209, name: 'submit', context: { userid: 0, urgency: 16, flags: 0, version: 1 } };
  const sentinel = { id: -1, events: [] };
  const P = 'job-manager.events-journal: ';
  it.each<[string, Array<Json | undefined>, string]>([
    ['a response without payload', [undefined], `${P}expected {"id": <job ID>, "events": [...]}, got nothing`],
    ['an array', [[1, 2]], `${P}expected {"id": <job ID>, "events": [...]}, got [1,2]`],
    ['no id', [{ events: [] }], `${P}id: expected a 64-bit integer, got nothing`],
    ['an id as a string', [{ id: '18616619630592', events: [] }], `${P}id: expected a 64-bit integer, got "18616619630592"`],
    ['an id with a fraction', [{ id: 1.5, events: [] }], `${P}id: expected a 64-bit integer, got 1.5`],
    ['an id beyond 64 bits', [{ id: 1n << 64n, events: [] }], `${P}id: 18446744073709551616 is not a 64-bit integer`],
    ['no events', [{ id: 5 }], `${P}events: expected an array, got nothing`],
    ['events as an object', [{ id: 5, events: {} }], `${P}events: expected an array, got {}`],
    ['an event that is not an object', [{ id: 5, events: [submit, 'clean'] }], `${P}job 5, event 2: expected a JSON object, got "clean"`],
    ['an event without a timestamp', [{ id: 5, events: [{ name: 'submit' }] }], `${P}job 5, event 1: timestamp: expected a number, got nothing`],
    ['an event whose name is a number', [{ id: 5, events: [{ timestamp: 1, name: 7 }] }], `${P}job 5, event 1: name: expected a string, got 7`],
    ['an event with a null context', [{ id: 5, events: [{ timestamp: 1, name: 'submit', context: null }] }], `${P}job 5, event 1: context: expected an object, got null`],
    ['a null jobspec', [{ id: 5, events: [submit], jobspec: null }], `${P}job 5: jobspec: expected an object, got null`],
    ['R as an array', [{ id: 5, events: [], R: [] }], `${P}job 5: R: expected an object, got []`],
    ['a sentinel with events', [{ id: -1, events: [submit] }], `${P}the sentinel (id -1) must have no events, got 1`],
    ['a second sentinel', [sentinel, sentinel], `${P}a second sentinel (id -1) after the backlog had ended`],
    ['a live response without its event', [sentinel, { id: 5, events: [] }], `${P}job 5: a live response must hold one event, got 0`],
    ['a live response with two', [sentinel, { id: 5, events: [submit, submit] }], `${P}job 5: a live response must hold one event, got 2`],
  ])('%s: FLUX_PROTOCOL, after what came before it, and the stream is released', async (_label, responses, message) => {
    const { handle, calls } = fakeHandle([...responses, sentinel]);
    const { items, error } = await failure(watchJournal(handle));
    expect(error).toBeInstanceOf(FluxError);
    expect(error).toMatchObject({ code: 'FLUX_PROTOCOL', message });
    expect(items).toHaveLength(responses.length - 1);
    expect(calls[0]?.abandoned).toBe(true);
  });
});
