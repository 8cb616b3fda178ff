/**
 * job-info.eventlog-watch over the wire against the bytes a flux-core 0.88 broker sent Flux's
 * own tools: the same requests, every stored and live entry, the end of the stream, the
 * sentinel, the errors, and a cancel sent as libflux sends it, after which the matchtag is free.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { FluxRpcError } from '../../src/flux/errors';
import { WatchFlag } from '../../src/flux/job-info-protocol';
import { encodeMessage, MessageFlag } from '../../src/flux/message';
import { openLocalHandle } from '../../src/flux/local-connector';
import type { StreamHandle } from '../../src/flux/stream-handle';
import { frameRecord } from '../../src/flux/stream-framing';
import { classifyJobInfoFailure, JobInfoFailure, jobInfoLookup, watchEventlog, type EventlogEntry, type EventlogWatchItem } from '../../src/jobinfo';
import { startReplayBroker, type ReplayBroker } from '../support/capture-replay';
import { captureSessions, capturedLine, recordedJob, type CapturedMessage } from '../support/job-info-fixtures';
import { tmpSocketPath } from '../support/scripted-broker';

const sessions = captureSessions();
const sessionOf = (line: number): CapturedMessage[] => sessions.find((s) => s.some((m) => m.line === line)) as CapturedMessage[];
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

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

async function collect(watch: AsyncIterable<EventlogWatchItem>): Promise<EventlogWatchItem[]> {
  const items: EventlogWatchItem[] = [];
  for await (const item of watch) items.push(item);
  return items;
}

const entries = (items: EventlogWatchItem[]): EventlogEntry[] => items.flatMap((item) => (item.kind === 'entry' ? [item.entry] : []));
const recordedEntries = (label: string): EventlogEntry[] => recordedJob(label).job.eventlog_entries.map((e) => ({ timestamp: e.timestamp, name: e.name, context: e.context ?? null }));
const sentBytes = (replayed: ReplayBroker, index: number): string => hex(frameRecord(encodeMessage(replayed.matched[index]?.sent as never)));

describe('job-info.eventlog-watch against recorded sessions', () => {
  it('flux job wait-event ƒ9Ph3URkB clean: the same request; stored then live entries up to clean; ENODATA ends it', async () => {
    const { replay: replayed, handle } = await replay(52);
    const items = await collect(watchEventlog(handle, { id: 18527666831360n }));
    expect(sentBytes(replayed, 0)).toBe(hex(capturedLine(sessions, 52).bytes));
    expect(entries(items)).toEqual(recordedEntries('wait_target'));
    // The stream ended by itself: nothing was cancelled.
    expect(replayed.matched).toHaveLength(1);
  });

  it('flux job eventlog -F ƒ9Qnb5eKR: WAITCREATE, the same request', async () => {
    const { replay: replayed, handle } = await replay(67);
    const items = await collect(watchEventlog(handle, { id: 18569374990336n, flags: WatchFlag.WAITCREATE }));
    expect(sentBytes(replayed, 0)).toBe(hex(capturedLine(sessions, 67).bytes));
    expect(entries(items).map((e) => e.name)).toEqual(recordedEntries('follow_target').map((e) => e.name));
  });

  it('flux job attach ƒHTuvQm5: the main eventlog, then the exec eventlog, then the output, one after another', async () => {
    const { replay: replayed, handle } = await replay(17);
    const main = entries(await collect(watchEventlog(handle, { id: 626763235328n })));
    const exec = entries(await collect(watchEventlog(handle, { id: 626763235328n, path: 'guest.exec.eventlog' })));
    const output = entries(await collect(watchEventlog(handle, { id: 626763235328n, path: 'guest.output' })));
    expect(main).toEqual(recordedEntries('run_out_err'));
    expect(exec.map((e) => e.name)).toEqual(['init', 'starting', 'shell.init', 'shell.start', 'shell.task-exit', 'shell-exit', 'complete', 'done']);
    expect(exec[2]?.context).toEqual({ service: '0-shell-fHTuvQm5', 'leader-rank': 0, size: 1 });
    expect(output.map((e) => [e.name, e.context?.['stream'] ?? null, e.context?.['data'] ?? null])).toEqual([
      ['header', null, null],
      ['data', 'stderr', 'to-stderr\n'],
      ['data', 'stdout', 'to-stdout\n'],
      ['data', 'stderr', null],
      ['data', 'stdout', null],
    ]);
    // Each watch got the matchtag the last one freed, as libflux hands them out.
    expect(replayed.matched.map((m) => m.sent.aux2)).toEqual([1, 1, 1]);
  });

  it('INITIAL_SENTINEL: a response without payload after the stored entries (ƒHNHm8mD)', async () => {
    const { handle } = await replay(108);
    const items = await collect(watchEventlog(handle, { id: 623072247808n, flags: WatchFlag.INITIAL_SENTINEL }));
    expect(items.map((item) => (item.kind === 'entry' ? item.entry.name : 'SENTINEL')).slice(-3)).toEqual(['free', 'clean', 'SENTINEL']);
    expect(items).toHaveLength(11);
  });

  it('an unknown job: ENOENT without a payload, UNKNOWN_JOB', async () => {
    const { handle } = await replay(121);
    const error = await collect(watchEventlog(handle, { id: 12345n })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FluxRpcError);
    expect(error).toMatchObject({ errno: 2, errorString: undefined });
    expect(classifyJobInfoFailure(error, ['eventlog'])).toEqual({ failure: JobInfoFailure.UNKNOWN_JOB });
  });

  it("a guest's watches of the owner's job: EPERM without a payload, FORBIDDEN", async () => {
    const { handle } = await replay(148);
    for (const path of ['eventlog', 'guest.output']) {
      const error = await collect(watchEventlog(handle, { id: 623072247808n, path })).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ errno: 1 });
      expect(classifyJobInfoFailure(error, [path])).toEqual({ failure: JobInfoFailure.FORBIDDEN });
    }
  });

  it("leaving a live watch (ƒ9S5zb7ef after start) sends libflux's cancel, and the stream's ENODATA frees its matchtag", async () => {
    const { replay: replayed, handle } = await replay(131);
    const seen: string[] = [];
    for await (const item of watchEventlog(handle, { id: 18618867777536n })) {
      if (item.kind === 'entry') seen.push(item.entry.name);
      if (item.kind === 'entry' && item.entry.name === 'start') break;
    }
    // Sent before any reply can come back: the broker answers the cancel with the stream's
    // ENODATA (line 139) before this lookup, which takes tag 2 because tag 1 is still the
    // watch's. Once the lookup is answered the watch's tag is free, and the next request gets it.
    await jobInfoLookup(handle, 623072247808n, ['nosuch']).get().catch(() => undefined);
    const next = entries(await collect(watchEventlog(handle, { id: 623072247808n, path: 'guest.output' })));
    expect(seen).toEqual(['submit', 'validate', 'depend', 'priority', 'alloc', 'start']);
    expect(replayed.matched.map((m) => [m.sent.topic, m.sent.aux2])).toEqual([
      ['job-info.eventlog-watch', 1],
      ['job-info.eventlog-watch-cancel', 0],
      ['job-info.lookup', 2],
      ['job-info.eventlog-watch', 1],
    ]);
    // The cancel: NORESPONSE, matchtag 0, {"matchtag":1}, byte for byte what libflux sent (line 79).
    const cancel = replayed.matched[1]?.sent;
    expect(cancel?.flags).toBe(MessageFlag.TOPIC | MessageFlag.ROUTE | MessageFlag.PAYLOAD | MessageFlag.NORESPONSE);
    expect(sentBytes(replayed, 1)).toBe(hex(capturedLine(sessions, 79).bytes));
    expect(replayed.matched[1]?.recorded?.line).toBe(138);
    expect(next.map((e) => e.name)).toEqual(['header', 'data', 'data', 'data']);
  });

  it('a watch whose credentials are a user carries them on its cancel too', async () => {
    const { replay: replayed, handle } = await replay(131);
    const credentials = { userid: 5001, rolemask: 2 };
    for await (const item of watchEventlog(handle, { id: 18618867777536n }, { credentials })) {
      if (item.kind === 'entry') break;
    }
    // Answered after the cancel has reached the broker (one connection, in order).
    await jobInfoLookup(handle, 623072247808n, ['nosuch']).get().catch(() => undefined);
    expect(replayed.matched.map((m) => [m.sent.topic, m.sent.userid, m.sent.rolemask]).slice(0, 2)).toEqual([
      ['job-info.eventlog-watch', 5001, 2],
      ['job-info.eventlog-watch-cancel', 5001, 2],
    ]);
  });
});
