/**
 * Golden bytes: every message a flux-core 0.88 broker and Flux's own tools
 * exchanged on a local:// socket (see test/fixtures, recorded by the project).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Errno, FLUX_NODEID_ANY, FLUX_USERID_UNKNOWN } from '../../src/flux/constants';
import {
  decodeJsonObjectPayload,
  decodeMessage,
  encodeMessage,
  errorStringOf,
  type FluxMessage,
  MessageFlag,
  MessageType,
} from '../../src/flux/message';
import { frameRecord, StreamDecoder } from '../../src/flux/stream-framing';

interface CaptureLine {
  dir: 'handshake' | 'client->broker' | 'broker->client';
  hex: string;
}
interface Captured {
  dir: CaptureLine['dir'];
  bytes: Uint8Array;
  msg: FluxMessage;
}

const lines: CaptureLine[] = fs
  .readFileSync(path.join(__dirname, '..', 'fixtures', 'flux-0.88-wire-capture.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as CaptureLine);

/** Sessions start at each handshake line. */
const sessions: Captured[][] = [];
for (const line of lines) {
  if (line.dir === 'handshake') {
    expect(line.hex).toBe('00');
    sessions.push([]);
    continue;
  }
  const bytes = Uint8Array.from(Buffer.from(line.hex, 'hex'));
  const decoder = new StreamDecoder();
  const bodies = decoder.push(bytes);
  expect(bodies).toHaveLength(1);
  (sessions[sessions.length - 1] as Captured[]).push({ dir: line.dir, bytes, msg: decodeMessage(bodies[0] as Uint8Array) });
}
const all = sessions.flat();
const requests = (s: Captured[]): FluxMessage[] => s.filter((c) => c.dir === 'client->broker').map((c) => c.msg);
const responses = (s: Captured[]): FluxMessage[] => s.filter((c) => c.dir === 'broker->client').map((c) => c.msg);
const json = (msg: FluxMessage): unknown => decodeJsonObjectPayload(msg.payload as Uint8Array);

describe('flux-core 0.88 wire capture', () => {
  it('has the four sessions the fixture README describes', () => {
    expect(lines).toHaveLength(42);
    expect(sessions).toHaveLength(4);
    expect(sessions.map((s) => s.length)).toEqual([26, 2, 4, 6]);
  });

  it.each(all.map((c, i) => [i, c] as const))('message %i decodes and re-encodes to the identical bytes', (_i, captured) => {
    expect(Buffer.from(frameRecord(encodeMessage(captured.msg))).toString('hex')).toBe(Buffer.from(captured.bytes).toString('hex'));
  });

  it('uses the little-endian stream magic in both directions', () => {
    for (const c of all) expect(Buffer.from(c.bytes.subarray(0, 4)).toString('hex')).toBe('1200eeff');
  });

  it('client requests are built as libflux builds them: unknown creds, nodeid ANY, empty route stack', () => {
    for (const s of sessions) {
      for (const req of requests(s)) {
        expect(req.type).toBe(MessageType.REQUEST);
        expect(req.userid).toBe(FLUX_USERID_UNKNOWN);
        expect(req.rolemask).toBe(0);
        expect(req.aux1).toBe(FLUX_NODEID_ANY);
        expect(req.routes).toEqual([]);
        expect(req.flags & (MessageFlag.TOPIC | MessageFlag.ROUTE | MessageFlag.PAYLOAD)).toBe(0x0b);
      }
    }
  });

  it('broker responses carry ROUTE with an empty stack, the request topic, userid 0 and rolemask OWNER|LOCAL', () => {
    for (const s of sessions) {
      for (const res of responses(s)) {
        expect(res.type).toBe(MessageType.RESPONSE);
        expect(res.flags & MessageFlag.ROUTE).toBe(MessageFlag.ROUTE);
        expect(res.routes).toEqual([]);
        expect(res.userid).toBe(0);
        expect(res.rolemask).toBe(5);
        const req = requests(s).find((r) => r.aux2 === res.aux2 && r.topic === res.topic);
        expect(req).toBeDefined();
      }
    }
  });

  it('session 1: streaming job-list.list, 24 one-job responses flagged 0x4b, then ENODATA flagged 0x49', () => {
    const [req] = requests(sessions[0] as Captured[]);
    expect(req?.topic).toBe('job-list.list');
    expect(req?.flags).toBe(0x4b);
    expect(req?.aux2).toBe(1);
    expect(json(req as FluxMessage)).toEqual({
      max_entries: 1001,
      attrs: ['state', 'name'],
      since: 0,
      constraint: { and: [{ userid: [0] }, { states: [126] }] },
    });
    const res = responses(sessions[0] as Captured[]);
    expect(res).toHaveLength(25);
    const jobs = res.slice(0, 24);
    for (const r of jobs) {
      expect(r.flags).toBe(0x4b);
      expect(r.aux1).toBe(0);
      expect(r.aux2).toBe(1);
      expect((json(r) as { jobs: unknown[] }).jobs).toHaveLength(1);
    }
    expect(json(jobs[0] as FluxMessage)).toEqual({
      jobs: [{ id: 136918859776, state: 8, name: 'long-queue-stopped' }],
      version: 1,
    });
    expect(json(jobs[1] as FluxMessage)).not.toHaveProperty('version');
    const end = res[24] as FluxMessage;
    expect(end.flags).toBe(0x49);
    expect(end.aux1).toBe(Errno.ENODATA);
    expect(end.payload).toBeUndefined();
  });

  it('session 2: job-list.job-stats and its one 0x0b response', () => {
    const [req] = requests(sessions[1] as Captured[]);
    const [res] = responses(sessions[1] as Captured[]);
    expect(req?.topic).toBe('job-list.job-stats');
    expect(res?.flags).toBe(0x0b);
    expect(json(res as FluxMessage)).toMatchObject({
      job_states: { depend: 2, priority: 0, sched: 5, run: 4, cleanup: 0, inactive: 13, total: 24 },
      successful: 5,
      failed: 5,
      canceled: 2,
      timeout: 1,
    });
  });

  it('session 3: two concurrent list-id requests; the unknown ID answers ENOENT with no payload (flags 0x09)', () => {
    const s = sessions[2] as Captured[];
    expect(requests(s).map((r) => [r.topic, r.aux2])).toEqual([
      ['job-list.list-id', 1],
      ['job-list.list-id', 2],
    ]);
    const byTag = new Map(responses(s).map((r) => [r.aux2, r]));
    const known = byTag.get(1) as FluxMessage;
    expect(known.aux1).toBe(0);
    expect((json(known) as { job: { id: number; name: string } }).job).toMatchObject({ id: 28185722880, name: 'hello' });
    const unknown = byTag.get(2) as FluxMessage;
    expect(unknown.aux1).toBe(Errno.ENOENT);
    expect(unknown.flags).toBe(0x09);
    expect(unknown.payload).toBeUndefined();
    expect(errorStringOf(unknown)).toBeUndefined();
  });

  it('session 4: list-attrs, an EPROTO constraint error with its string, ENOSYS for an unknown service', () => {
    const res = responses(sessions[3] as Captured[]);
    expect(res.map((r) => [r.topic, r.aux1, r.flags])).toEqual([
      ['job-list.list-attrs', 0, 0x0b],
      ['job-list.list', Errno.EPROTO, 0x0b],
      ['no-such.topic', Errno.ENOSYS, 0x0b],
    ]);
    const attrs = (json(res[0] as FluxMessage) as { attrs: string[] }).attrs;
    expect(attrs).toHaveLength(33);
    expect(attrs[0]).toBe('userid');
    expect(attrs[attrs.length - 1]).toBe('all');
    expect((res[0] as FluxMessage).payload).toHaveLength(379);
    expect(errorStringOf(res[1] as FluxMessage)).toBe('invalid payload: constraint object invalid: unknown constraint operator: bogus');
    expect(errorStringOf(res[2] as FluxMessage)).toBe('No service matching no-such.topic is registered');
  });

  it('a stream of the whole capture, fed in odd-sized pieces, yields the same messages in order', () => {
    const joined = Buffer.concat(all.map((c) => c.bytes));
    const decoder = new StreamDecoder();
    const bodies: Uint8Array[] = [];
    for (let offset = 0, step = 1; offset < joined.length; offset += step, step = (step * 7 + 3) % 97 + 1) {
      bodies.push(...decoder.push(joined.subarray(offset, offset + step)));
    }
    expect(bodies.map((b) => decodeMessage(b))).toEqual(all.map((c) => c.msg));
    expect(decoder.pendingBytes).toBe(0);
  });
});
