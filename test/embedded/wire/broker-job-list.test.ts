/**
 * The real embedded job-list service behind the wire broker: answers over
 * local:// must equal the in-process EmbeddedHandle's, and where the 0.88
 * capture has the same request, the bytes a real broker sent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Errno } from '../../../src/flux/constants';
import { FluxError, FluxRpcError } from '../../../src/flux/errors';
import type { FluxHandle } from '../../../src/flux/handle';
import { type Json, type JsonObject, parseJson, stringifyJson } from '../../../src/flux/json';
import { openLocalHandle } from '../../../src/flux/local-connector';
import { serveBroker, type RunningBroker } from '../../../src/embedded/wire/broker';
import { EmbeddedInstance } from '../../../src/embedded/embedded-instance';
import { connectRaw } from '../../support/raw-client';
import { tmpSocketPath } from '../../support/scripted-broker';

const fixtures = path.join(__dirname, '..', '..', 'fixtures');
const snapshot = parseJson(fs.readFileSync(path.join(fixtures, 'flux-0.88-snapshot.json'), 'utf8')) as JsonObject;
const snapshotJobs = snapshot.jobs as JsonObject[];
const capture = fs
  .readFileSync(path.join(fixtures, 'flux-0.88-wire-capture.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { dir: string; hex: string });

type Outcome = { ok: string } | { errno: number; text: string | undefined } | { other: string };

/** An answer in comparable form: JSON text as Flux would write it, or the error. */
async function outcome(run: () => Promise<Json | undefined>): Promise<Outcome> {
  try {
    return { ok: stringifyJson((await run()) ?? null) };
  } catch (err) {
    if (err instanceof FluxRpcError) return { errno: err.errno, text: err.errorString };
    return { other: String(err) };
  }
}

async function streamAll(handle: FluxHandle, topic: string, payload: JsonObject): Promise<Json[]> {
  const out: Json[] = [];
  for await (const value of handle.rpcStream(topic, payload)) out.push(value ?? null);
  return out;
}

describe('job-list service through the broker', () => {
  const { dir, path: socketPath } = tmpSocketPath();
  let instance: EmbeddedInstance;
  let broker: RunningBroker;
  let wire: FluxHandle;
  let local: FluxHandle;
  const seen: Array<{ topic: string; sender: string }> = [];

  beforeAll(async () => {
    instance = new EmbeddedInstance({ queues: snapshot.queues as string[], ownerUserid: 0 });
    instance.loadRecords(snapshotJobs);
    const service = instance.service;
    broker = await serveBroker(
      {
        handle: (req, respond) => {
          seen.push({ topic: req.topic, sender: req.sender });
          service.handle(req, respond);
        },
      },
      { path: socketPath, userid: 0, log: () => undefined },
    );
    wire = await openLocalHandle(socketPath);
    local = instance.handle();
  });
  afterAll(async () => {
    await wire.close();
    await local.close();
    await broker.close();
    instance.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const knownId = BigInt(snapshotJobs[0]?.id as number | bigint);

  it.each<[string, string, JsonObject]>([
    ['all jobs, all attributes', 'job-list.list', { max_entries: 0, attrs: ['all'], constraint: { and: [] } }],
    ['running jobs, a few attributes', 'job-list.list', { max_entries: 5, attrs: ['name', 't_run', 'nodelist'], constraint: { states: ['running'] } }],
    ['failed or timed-out jobs since a time', 'job-list.list', { max_entries: 100, attrs: ['result', 't_inactive'], since: 1.5, constraint: { results: ['failed', 'timeout'] } }],
    ['a legacy payload', 'job-list.list', { max_entries: 3, attrs: ['name'], userid: 0, states: 0, results: 0 }],
  ])('list (%s) answers the same over the wire, streaming and not', async (_what, topic, payload) => {
    const direct = await outcome(() => local.rpc(topic, payload));
    expect('ok' in direct).toBe(true);
    expect(await outcome(() => wire.rpc(topic, payload))).toEqual(direct);
    const streamedDirect = await outcome(() => streamAll(local, topic, payload));
    expect(await outcome(() => streamAll(wire, topic, payload))).toEqual(streamedDirect);
  });

  it('streams one job per response with version 1 first, as flux-core 0.88 does', async () => {
    const responses = await streamAll(wire, 'job-list.list', { max_entries: 0, attrs: ['name'], constraint: { and: [] } });
    expect(responses).toHaveLength(snapshotJobs.length);
    expect(responses[0]).toMatchObject({ version: 1, jobs: [{ id: Number(knownId), name: snapshotJobs[0]?.name }] });
    expect(responses[1]).not.toHaveProperty('version');
  });

  it('list-id finds a known job and answers ENOENT without a string for an unknown one', async () => {
    const payload = { id: knownId, attrs: ['name', 'state', 't_submit'] };
    const direct = await outcome(() => local.rpc('job-list.list-id', payload));
    expect(direct).toEqual({ ok: expect.stringContaining(`"id":${knownId}`) });
    expect(await outcome(() => wire.rpc('job-list.list-id', payload))).toEqual(direct);
    const unknown = { id: 12345, attrs: ['name'] };
    expect(await outcome(() => wire.rpc('job-list.list-id', unknown))).toEqual({ errno: Errno.ENOENT, text: undefined });
    expect(await outcome(() => local.rpc('job-list.list-id', unknown))).toEqual({ errno: Errno.ENOENT, text: undefined });
  });

  it.each<[string, JsonObject | undefined]>([
    ['job-list.list-attrs', {}],
    ['job-list.job-stats', {}],
    ['job-list.stats-get', undefined],
  ])('%s answers the same over the wire', async (topic, payload) => {
    const direct = await outcome(() => local.rpc(topic, payload));
    expect('ok' in direct).toBe(true);
    expect(await outcome(() => wire.rpc(topic, payload))).toEqual(direct);
  });

  it.each<[string, JsonObject, Outcome]>([
    ['job-list.nosuch', {}, { errno: Errno.ENOSYS, text: "Unknown service method 'job-list.nosuch'" }],
    ['nosuch.foo', {}, { errno: Errno.ENOSYS, text: 'No service matching nosuch.foo is registered' }],
    [
      'job-list.list',
      { max_entries: 5, attrs: ['name'], constraint: { bogus: [1] } },
      { errno: Errno.EPROTO, text: 'invalid payload: constraint object invalid: unknown constraint operator: bogus' },
    ],
    ['job-list.list', { max_entries: 5, attrs: 'name', constraint: { and: [] } }, { errno: Errno.EPROTO, text: 'invalid payload: attrs must be an array' }],
  ])('%s %j fails the same way over the wire', async (topic, payload, expected) => {
    expect(await outcome(() => wire.rpc(topic, payload))).toEqual(expected);
    expect(await outcome(() => local.rpc(topic, payload))).toEqual(expected);
  });

  it('keeps the payload typing only the wire can express: a real max_entries is refused as Jansson refuses it', async () => {
    const client = await connectRaw(socketPath);
    try {
      const text = '{"max_entries":5.0,"attrs":["name"],"constraint":{"and":[]}}';
      const body = Buffer.concat([
        Buffer.from([0x00, 0x0d]),
        Buffer.from('job-list.list'),
        Buffer.from([text.length + 1]),
        Buffer.from(text),
        Buffer.from([0x00, 0x14, 0x8e, 0x01, 0x01, 0x0b, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1]),
      ]);
      const header = Buffer.from([0x12, 0x00, 0xee, 0xff, 0, 0, 0, body.length]);
      client.sendRaw(Buffer.concat([header, body]));
      const [answer] = await client.waitForMessages(1);
      expect(answer?.aux1).toBe(Errno.EPROTO);
      expect(Buffer.from(answer?.payload as Uint8Array).toString('utf8')).toMatch(/^invalid payload: .*integer.*\u0000$/);
    } finally {
      await client.close();
    }
  });

  it('answers requests recorded from the real broker with the same bytes it sent', async () => {
    // list-attrs, the bad-constraint list, the unknown service, and list-id of an unknown job.
    const pairs: Array<[number, number]> = [
      [36, 37],
      [38, 39],
      [40, 41],
    ];
    for (const [requestLine, responseLine] of pairs) {
      const client = await connectRaw(socketPath);
      try {
        client.sendRaw(Buffer.from(capture[requestLine]?.hex as string, 'hex'));
        await client.waitForMessages(1);
        expect(Buffer.from(client.records[0] as Uint8Array).toString('hex')).toBe(capture[responseLine]?.hex);
      } finally {
        await client.close();
      }
    }
    const client = await connectRaw(socketPath);
    try {
      // Job 3483 is unknown here as it was there; the real broker answered tag 2, we send it as sent.
      client.sendRaw(Buffer.from(capture[33]?.hex as string, 'hex'));
      await client.waitForMessages(1);
      expect(Buffer.from(client.records[0] as Uint8Array).toString('hex')).toBe(capture[34]?.hex);
    } finally {
      await client.close();
    }
  });

  it('tells the service when a wire client with a streamed job-stats goes away', async () => {
    const handle = await openLocalHandle(socketPath);
    const iterator = handle.rpcStream('job-list.job-stats', {})[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect(first.value).toMatchObject({ job_states: { total: snapshotJobs.length } });
    const sender = seen[seen.length - 1]?.sender;
    expect(seen[seen.length - 1]?.topic).toBe('job-list.job-stats');
    await handle.close();
    await expect(iterator.next()).rejects.toThrow(FluxError);
    for (let i = 0; i < 500 && !seen.some((r) => r.topic === 'job-list.disconnect' && r.sender === sender); i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(seen.filter((r) => r.sender === sender).map((r) => r.topic)).toEqual(['job-list.job-stats', 'job-list.disconnect']);
  });
});
