/**
 * The job-info service behind the wire broker: the 0.88 capture's requests replayed byte for
 * byte get the capture's responses byte for byte where the answer is the recorded jobs' stored
 * documents or an error; watches and cancels over a raw connection; and src/flux's StreamHandle
 * (the local:// connector) reading lookups and live watches, with its disconnect dropping them.
 */
import * as fs from 'node:fs';
import { Errno, Role } from '../../../src/flux/constants';
import { FluxRpcError } from '../../../src/flux/errors';
import type { Json, JsonObject } from '../../../src/flux/json';
import { openLocalHandle } from '../../../src/flux/local-connector';
import { encodeMessage, encodeJsonPayload, MessageFlag, MessageType, type FluxMessage } from '../../../src/flux/message';
import { frameRecord } from '../../../src/flux/stream-framing';
import type { StreamHandle } from '../../../src/flux/stream-handle';
import { EmbeddedInstance } from '../../../src/embedded';
import { serveBroker, type RunningBroker } from '../../../src/embedded/wire/broker';
import { ev, job } from '../job-builders';
import { CAPTURE, captured, RECORDED_JOBS, recordedDocuments, recordedJob } from '../job-info-fixtures';
import { connectRaw, type RawClient } from '../../support/raw-client';
import { tmpSocketPath } from '../../support/scripted-broker';

const T0 = 1796190000;
const GUEST = 5001;

function hexOf(record: Uint8Array): string {
  return Buffer.from(record).toString('hex');
}

function captureHex(line: number): string {
  const found = CAPTURE.find((m) => m.line === line);
  if (found === undefined) throw new Error(`no line ${line}`);
  return hexOf(frameRecord(encodeMessage(found.message)));
}

describe('job-info over the wire broker', () => {
  const { dir, path: socketPath } = tmpSocketPath();
  let instance: EmbeddedInstance;
  let broker: RunningBroker;
  const raws: RawClient[] = [];

  beforeAll(async () => {
    instance = new EmbeddedInstance({ ownerUserid: 0 });
    for (const recorded of RECORDED_JOBS) instance.sink.ingest(recordedDocuments(recorded));
    instance.sink.ingest(job(9000n, 'run', T0, { userid: 0, spec: { command: ['lmp', '-in', 'in.lj'], duration: 200 } }));
    const services = instance.servicesOwnedBy(0);
    broker = await serveBroker(services, { path: socketPath, userid: 0, serviceNames: services.names, log: () => undefined });
  });
  afterAll(async () => {
    for (const raw of raws) await raw.close();
    await broker.close();
    instance.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function raw(): Promise<RawClient> {
    const client = await connectRaw(socketPath);
    raws.push(client);
    return client;
  }

  /** Sends captured request lines (as a guest if asked) and returns the responses that follow. */
  async function replay(lines: number[], expected: number, credentials?: { userid: number; rolemask: number }): Promise<string[]> {
    const client = await raw();
    for (const line of lines) {
      const message = captured(line).message;
      client.send(credentials === undefined ? message : { ...message, ...credentials });
    }
    await client.waitForMessages(expected);
    return client.records.map(hexOf);
  }

  it.each<[string, number[], number[]]>([
    ['flux job info ƒHNHm8mD eventlog (session 1)', [2], [3]],
    ['flux job info ƒHNHm8mD jobspec, CURRENT (session 2)', [5], [6]],
    ['flux job info ƒHNHm8mD R, CURRENT (session 3)', [8], [9]],
    ['flux job eventlog ƒHNHm8mD (session 4)', [11], [12]],
    ['an unknown id (session 9)', [81], [82]],
    ['lookup with flags 3 (session 11)', [102], [103]],
    ['a key not found (session 11)', [104], [105]],
    ['an invalid flag (session 11)', [106], [107]],
    ['a watch with INITIAL_SENTINEL of an inactive job (session 11)', [108], [109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120]],
    ['a watch of id 12345 (session 11)', [121], [122]],
    ['a watch without the STREAMING flag (session 11)', [123], [124]],
  ])('%s: the recorded responses, byte for byte', async (_label, requests, responses) => {
    expect(await replay(requests, responses.length)).toEqual(responses.map(captureHex));
  });

  it('flux job attach of a finished job (session 6): the main eventlog, list-id and the stdin EOF as recorded; late cancels unanswered', async () => {
    const client = await raw();
    client.send(captured(17).message);
    await client.waitForMessages(11);
    expect(client.records.map(hexOf)).toEqual([18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28].map(captureHex));
    client.send(captured(30).message);
    client.send(captured(31).message); // cancel of tag 1, which has already ended
    client.send(captured(41).message);
    await client.waitForMessages(13);
    const [listId, stdin] = client.records.slice(11).map(hexOf);
    expect(listId).toBe(captureHex(32));
    expect(stdin).toBe(captureHex(44));
    // The exec eventlog watch (tag 2) streams our job shell's entries and ends like the recorded one.
    client.send(captured(29).message);
    await client.waitForMessages(13 + 9);
    const exec = client.messages.slice(13);
    expect(exec.map((m) => [m.aux2, m.flags, m.aux1])).toEqual([...Array(8).fill([2, 0x4b, 0]), [2, 0x49, Errno.ENODATA]]);
    expect(client.records.length).toBe(22);
  });

  it.each<[string, number[], number[]]>([
    ['flux job info as a guest (session 12)', [143], [144]],
    ['a guest lookup of another user\'s job (session 13)', [146], [147]],
    ['a guest watch of another user\'s eventlog (session 13)', [148], [149]],
    ['a guest watch of another user\'s output (session 13)', [150], [151]],
    ['a guest lookup of an unknown id (session 13)', [154], [155]],
  ])('%s: the recorded errors, byte for byte', async (_label, requests, responses) => {
    expect(await replay(requests, responses.length, { userid: GUEST, rolemask: Role.USER })).toEqual(responses.map(captureHex));
  });

  it('a cancel on the same connection ends the watch with ENODATA and gets no response of its own', async () => {
    const client = await raw();
    const watch: FluxMessage = {
      type: MessageType.REQUEST,
      flags: MessageFlag.TOPIC | MessageFlag.PAYLOAD | MessageFlag.ROUTE | MessageFlag.STREAMING,
      userid: 0xffffffff,
      rolemask: 0,
      aux1: 0xffffffff,
      aux2: 5,
      routes: [],
      topic: 'job-info.eventlog-watch',
      payload: encodeJsonPayload({ id: 9000, path: 'eventlog', flags: 0 }),
    };
    client.send(watch);
    await client.waitForMessages(6);
    const cancel = (tag: number): FluxMessage => ({
      ...watch,
      flags: MessageFlag.TOPIC | MessageFlag.PAYLOAD | MessageFlag.ROUTE | MessageFlag.NORESPONSE,
      aux2: 0,
      topic: 'job-info.eventlog-watch-cancel',
      payload: encodeJsonPayload({ matchtag: tag }),
    });
    // Another connection cannot cancel it.
    const other = await raw();
    other.send(cancel(5));
    client.send(cancel(5));
    await client.waitForMessages(7);
    const ending = client.messages[6] as FluxMessage;
    expect([ending.type, ending.flags, ending.aux1, ending.aux2, ending.payload]).toEqual([MessageType.RESPONSE, 0x49, Errno.ENODATA, 5, undefined]);
    expect(other.messages).toEqual([]);
  });

  describe('through src/flux StreamHandle', () => {
    let handle: StreamHandle;
    beforeAll(async () => {
      handle = await openLocalHandle(socketPath);
    });
    afterAll(async () => {
      await handle.close();
    });

    it('lookups answer as in-process', async () => {
      const local = instance.handle();
      for (const recorded of RECORDED_JOBS) {
        const payload = { id: recorded.id, keys: ['eventlog', 'jobspec', 'guest.output'], flags: 3 };
        const outcome = async (h: { rpc(topic: string, p: JsonObject): Promise<Json | undefined> }): Promise<unknown> =>
          h.rpc('job-info.lookup', payload).catch((err: FluxRpcError) => [err.errno, err.errorString]);
        expect(await outcome(handle)).toEqual(await outcome(local));
      }
      await local.close();
    });

    it('errors come back as FluxRpcError with Flux\'s errno and text', async () => {
      const err = await handle.rpc('job-info.lookup', { id: recordedJob('cancel_held').id, keys: ['R'], flags: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FluxRpcError);
      expect([(err as FluxRpcError).errno, (err as FluxRpcError).errorString]).toEqual([Errno.ENOENT, 'R: key not found']);
    });

    it('a watch streams events as the job progresses and finishes at ENODATA', async () => {
      instance.sink.ingest(job(9100n, 'run', T0, { userid: 0 }));
      const events: string[] = [];
      const stream = handle.rpcStream('job-info.eventlog-watch', { id: 9100n, path: 'eventlog', flags: 0 });
      for await (const response of stream) {
        const name = (JSON.parse((response as { event: string }).event) as { name: string }).name;
        events.push(name);
        if (name === 'start') {
          instance.sink.post(9100n, ev('finish', T0 + 50, { status: 0 }));
          instance.sink.post(9100n, ev('release', T0 + 51, { ranks: 'all', final: true }));
          instance.sink.post(9100n, ev('free', T0 + 52));
          instance.sink.post(9100n, ev('clean', T0 + 53));
        }
      }
      expect(events).toEqual(['submit', 'validate', 'depend', 'priority', 'alloc', 'start', 'finish', 'release', 'free', 'clean']);
    });

    it('closing the connection drops its watches (job-info.disconnect)', async () => {
      const own = await openLocalHandle(socketPath);
      const stream = own.rpcStream('job-info.eventlog-watch', { id: 9000n, path: 'guest.exec.eventlog', flags: 1 })[Symbol.asyncIterator]();
      await stream.next();
      const stats = async (): Promise<Json | undefined> => instance.handle().rpc('job-info.stats-get', {});
      expect(await stats()).toMatchObject({ guest_watchers: 1 });
      await own.close();
      await waitFor(async () => ((await stats()) as { guest_watchers: number }).guest_watchers === 0);
      expect(await stats()).toMatchObject({ watchers: 0, guest_watchers: 0 });
    });
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('condition not reached');
}
