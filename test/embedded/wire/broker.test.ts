import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Errno, FLUX_NODEID_ANY, FLUX_USERID_UNKNOWN, Role } from '../../../src/flux/constants';
import { FluxError } from '../../../src/flux/errors';
import { type Json, parseJson } from '../../../src/flux/json';
import {
  decodeMessage,
  decodeStringPayload,
  encodeJsonPayload,
  errorStringOf,
  type FluxMessage,
  MessageFlag,
  MessageType,
} from '../../../src/flux/message';
import { StreamDecoder } from '../../../src/flux/stream-framing';
import { serveBroker, type RunningBroker } from '../../../src/embedded/wire/broker';
import type { ServiceHandler } from '../../../src/embedded/service/service-types';
import type { ServiceResponse } from '../../../src/embedded/service/service-types';
import { createFakeService, type FakeService } from '../../support/fake-service';
import { connectRaw, type RawClient } from '../../support/raw-client';
import { tmpSocketPath } from '../../support/scripted-broker';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function socketPath(): string {
  const { dir, path: p } = tmpSocketPath();
  dirs.push(dir);
  return p;
}

function request(topic: string, overrides: Partial<FluxMessage> = {}, payload?: Json): FluxMessage {
  const msg: FluxMessage = {
    type: MessageType.REQUEST,
    flags: MessageFlag.TOPIC | MessageFlag.ROUTE,
    userid: FLUX_USERID_UNKNOWN,
    rolemask: Role.NONE,
    aux1: FLUX_NODEID_ANY,
    aux2: 1,
    routes: [],
    topic,
    ...overrides,
  };
  if (payload !== undefined) {
    msg.payload = encodeJsonPayload(payload);
    msg.flags |= MessageFlag.PAYLOAD;
  }
  return msg;
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('broker replaying the flux-core 0.88 capture', () => {
  interface Exchange {
    request: Uint8Array;
    requestMsg: FluxMessage;
    responses: Uint8Array[];
  }
  const sessions: Exchange[][] = [];
  for (const line of fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'flux-0.88-wire-capture.jsonl'), 'utf8').trim().split('\n')) {
    const { dir, hex: text } = JSON.parse(line) as { dir: string; hex: string };
    if (dir === 'handshake') {
      sessions.push([]);
      continue;
    }
    const bytes = Uint8Array.from(Buffer.from(text, 'hex'));
    const msg = decodeMessage(new StreamDecoder().push(bytes)[0] as Uint8Array);
    const session = sessions[sessions.length - 1] as Exchange[];
    if (dir === 'client->broker') {
      const pendingResponses = session.find((e) => e.request.length === 0 && e.requestMsg.aux2 === msg.aux2 && e.requestMsg.topic === msg.topic);
      if (pendingResponses) {
        pendingResponses.request = bytes;
        pendingResponses.requestMsg = msg;
      } else session.push({ request: bytes, requestMsg: msg, responses: [] });
    } else {
      let exchange = session.find((e) => e.requestMsg.aux2 === msg.aux2 && e.requestMsg.topic === msg.topic);
      if (!exchange) {
        // Logged before its request (see the fixture README): park it until the request shows up.
        exchange = { request: new Uint8Array(), requestMsg: msg, responses: [] };
        session.push(exchange);
      }
      exchange.responses.push(bytes);
    }
  }

  /** Answers each captured job-list request with the captured responses, re-encoded by the broker. */
  const service: ServiceHandler = {
    handle(req, respond) {
      if (req.payload.kind !== 'raw') return;
      const payloadHex = hex(req.payload.bytes);
      const exchange = sessions
        .flat()
        .find((e) => e.requestMsg.topic === req.topic && e.requestMsg.payload !== undefined && hex(e.requestMsg.payload) === payloadHex);
      if (!exchange) throw new Error(`no captured exchange for ${req.topic}`);
      for (const bytes of exchange.responses) {
        const msg = decodeMessage(bytes.subarray(8));
        const response: ServiceResponse = { errnum: msg.aux1 };
        if (msg.aux1 === 0 && msg.payload) response.payload = parseJson(decodeStringPayload(msg.payload));
        if (msg.aux1 !== 0 && msg.payload) response.errstr = decodeStringPayload(msg.payload);
        respond(response);
      }
    },
  };

  let broker: RunningBroker;
  beforeAll(async () => {
    // The captured broker ran as root: owner uid 0, responses stamped OWNER|LOCAL.
    broker = await serveBroker(service, { path: socketPath(), userid: 0, log: () => undefined });
  });
  afterAll(() => broker.close());

  it.each([0, 1, 2, 3])('session %i: the broker answers with the bytes the real broker sent', async (index) => {
    const session = sessions[index] as Exchange[];
    const client = await connectRaw(broker.path);
    try {
      expect(client.handshake).toBe(0);
      const expected = session.flatMap((e) => e.responses);
      // Sequential sessions reuse matchtags, so send each request after the previous one's answers.
      let received = 0;
      for (const exchange of session) {
        client.sendRaw(exchange.request);
        received += exchange.responses.length;
        await client.waitForMessages(received);
      }
      const byTag = (records: Uint8Array[]) =>
        records.map(hex).sort((a, b) => a.slice(-8).localeCompare(b.slice(-8)) || 0);
      if (index === 0) expect(client.records.map(hex)).toEqual(expected.map(hex));
      else expect(byTag(client.records)).toEqual(byTag(expected));
    } finally {
      await client.close();
    }
  });
});

describe('broker protocol behaviour', () => {
  let service: FakeService;
  let broker: RunningBroker;
  const logs: string[] = [];
  const clients: RawClient[] = [];
  async function client(): Promise<RawClient> {
    const c = await connectRaw(broker.path);
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    service = createFakeService();
    broker = await serveBroker(service, { path: socketPath(), userid: 1000, serviceNames: ['test'], log: (line) => logs.push(line) });
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await broker.close();
  });

  it('creates the socket for its owner only and sends the 00 handshake byte', async () => {
    expect(fs.statSync(broker.path).mode & 0o777).toBe(0o600);
    expect((await client()).handshake).toBe(0);
  });

  it('flags responses as the real broker does: 0x0b success, 0x4b streamed, 0x49 ENODATA, 0x09 bare error', async () => {
    const c = await client();
    c.send(request('test.echo', { aux2: 1 }, {}));
    c.send(request('test.count', { aux2: 2, flags: MessageFlag.TOPIC | MessageFlag.ROUTE | MessageFlag.STREAMING }, { n: 2 }));
    c.send(request('test.enoent', { aux2: 3 }, {}));
    c.send(request('test.fail', { aux2: 4 }, {}));
    const got = await c.waitForMessages(6);
    expect(got.map((m) => [m.aux2, m.flags, m.aux1, m.userid, m.rolemask, m.topic, m.routes])).toEqual([
      [1, 0x0b, 0, 1000, 5, 'test.echo', []],
      [2, 0x4b, 0, 1000, 5, 'test.count', []],
      [2, 0x4b, 0, 1000, 5, 'test.count', []],
      [2, 0x49, Errno.ENODATA, 1000, 5, 'test.count', []],
      [3, 0x09, Errno.ENOENT, 1000, 5, 'test.enoent', []],
      [4, 0x0b, Errno.EINVAL, 1000, 5, 'test.fail', []],
    ]);
    expect(errorStringOf(got[5] as FluxMessage)).toBe('bad thing requested');
  });

  it('adds ROUTE to a request that lacks it and carries a client route stack back unchanged', async () => {
    const c = await client();
    c.send(request('test.echo', { aux2: 7, flags: MessageFlag.TOPIC }, undefined));
    c.send(request('test.echo', { aux2: 8, routes: ['hop-b', 'hop-a'] }));
    const [plain, routed] = await c.waitForMessages(2);
    expect([plain?.flags, plain?.routes]).toEqual([0x0b, []]);
    expect([routed?.aux2, routed?.routes]).toEqual([8, ['hop-b', 'hop-a']]);
  });

  it('writes reals as reals and 64-bit integers exactly', async () => {
    const c = await client();
    c.send(request('test.echo', { aux2: 1 }, { t_submit: 5, id: 2n ** 64n - 1n }));
    const [answer] = await c.waitForMessages(1);
    const text = decodeStringPayload(answer?.payload as Uint8Array);
    expect(text).toContain('"echo":{"t_submit":5.0,"id":18446744073709551615}');
  });

  it('sends nothing back for NORESPONSE requests', async () => {
    const c = await client();
    c.send(request('test.echo', { aux2: 0, flags: MessageFlag.TOPIC | MessageFlag.ROUTE | MessageFlag.NORESPONSE }, { quiet: true }));
    c.send(request('nosuch.service', { aux2: 0, flags: MessageFlag.TOPIC | MessageFlag.ROUTE | MessageFlag.NORESPONSE }));
    c.send(request('test.echo', { aux2: 9 }, { loud: true }));
    const [only] = await c.waitForMessages(1);
    expect(only?.aux2).toBe(9);
    await until(() => service.requests.some((r) => (r.payload.kind === 'raw' ? decodeStringPayload(r.payload.bytes) : '').includes('quiet')), 'the quiet request');
    expect(c.messages).toHaveLength(1);
  });

  it('passes raw payload bytes, the STREAMING flag, a per-connection sender and its credentials to the service', async () => {
    const a = await client();
    const b = await client();
    a.send(request('test.echo', { aux2: 1, flags: MessageFlag.TOPIC | MessageFlag.ROUTE | MessageFlag.STREAMING }, { from: 'a' }));
    b.send(request('test.echo', { aux2: 1 }, { from: 'b' }));
    const [fromA] = await a.waitForMessages(1);
    const [fromB] = await b.waitForMessages(1);
    const answerA = parseJson(decodeStringPayload(fromA?.payload as Uint8Array)) as Record<string, Json>;
    const answerB = parseJson(decodeStringPayload(fromB?.payload as Uint8Array)) as Record<string, Json>;
    expect(answerA).toMatchObject({ echo: { from: 'a' }, streaming: true, payloadKind: 'raw', userid: 1000, rolemask: 5 });
    expect(answerB).toMatchObject({ echo: { from: 'b' }, streaming: false });
    expect(answerA.sender).not.toBe(answerB.sender);
    expect(fromA?.flags).toBe(0x4b);
  });

  it("lets the owner's connection present its own credentials, as flux-core's auth_init_message does", async () => {
    const c = await client();
    c.send(request('test.echo', { aux2: 1, userid: 55, rolemask: Role.USER }, {}));
    const [answer] = await c.waitForMessages(1);
    expect(parseJson(decodeStringPayload(answer?.payload as Uint8Array))).toMatchObject({ userid: 55, rolemask: Role.USER });
  });

  it('closes a client that sends a malformed message, logs why, and keeps serving others', async () => {
    const bad = await client();
    const good = await client();
    bad.sendRaw(Uint8Array.of(0x12, 0x00, 0xee, 0xff, 0, 0, 0, 3, 1, 2, 3));
    await bad.closed;
    expect(logs[logs.length - 1]).toMatch(
      /^broker: closing client [0-9a-f-]{36}: malformed message: truncated message: frame 1 at offset 2 expected 3 byte\(s\), only 0 remain$/,
    );
    const garbage = await client();
    garbage.sendRaw(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await garbage.closed;
    expect(logs[logs.length - 1]).toMatch(/malformed message: corrupt stream: expected magic 12 00 ee ff \(or ff ee 00 12\), received 47 45 54 20$/);
    good.send(request('test.echo', { aux2: 1 }, {}));
    await expect(good.waitForMessages(1)).resolves.toHaveLength(1);
  });

  it('ignores requests without a topic and non-request messages, as the router does', async () => {
    const c = await client();
    c.send({ ...request('x'), flags: MessageFlag.ROUTE, topic: undefined });
    c.send({ ...request('test.echo'), type: MessageType.RESPONSE });
    c.send(request('test.echo', { aux2: 5 }, {}));
    const [answer] = await c.waitForMessages(1);
    expect(answer?.aux2).toBe(5);
    expect(c.messages).toHaveLength(1);
  });

  it('answers EPROTO when the service gives a response it cannot encode', async () => {
    const odd = await serveBroker(
      { handle: (_req, respond) => respond({ payload: { x: Number.NaN } }) },
      { path: socketPath(), log: (line) => logs.push(line) },
    );
    const c = await connectRaw(odd.path);
    try {
      c.send(request('job-list.list', { aux2: 1 }, {}));
      const [answer] = await c.waitForMessages(1);
      expect(answer?.aux1).toBe(Errno.EPROTO);
      expect(errorStringOf(answer as FluxMessage)).toBe("broker could not encode the service's response: cannot encode NaN as JSON");
      expect(logs[logs.length - 1]).toMatch(/^broker: cannot encode the response to request job-list.list flags=0x0b nodeid=4294967295 matchtag=1 from client/);
    } finally {
      await c.close();
      await odd.close();
    }
  });

  it('drops a client whose message exceeds maxMessageSize', async () => {
    const small = await serveBroker(createFakeService(), { path: socketPath(), maxMessageSize: 64, log: (line) => logs.push(line) });
    const c = await connectRaw(small.path);
    try {
      c.send(request('job-list.list', { aux2: 1 }, { pad: 'x'.repeat(100) }));
      await c.closed;
      expect(logs[logs.length - 1]).toMatch(/more than the limit of 64 bytes \(maxMessageSize\)$/);
    } finally {
      await small.close();
    }
  });
});

describe('broker disconnect handling', () => {
  it('sends one <service>.disconnect per client that sent response-expecting requests, naming that sender', async () => {
    const service = createFakeService();
    const broker = await serveBroker(service, { path: socketPath(), serviceNames: ['test'], log: () => undefined });
    try {
      const talker = await connectRaw(broker.path);
      talker.send(request('test.echo', { aux2: 1 }, {}));
      talker.send(request('test.count', { aux2: 2, flags: 0x49 }, { n: 1 }));
      await talker.waitForMessages(3);
      const quiet = await connectRaw(broker.path);
      quiet.send(request('test.echo', { aux2: 0, flags: MessageFlag.TOPIC | MessageFlag.ROUTE | MessageFlag.NORESPONSE }));
      quiet.send(request('other.thing', { aux2: 1 }));
      await quiet.waitForMessages(1);
      const sender = service.requests[0]?.sender;
      await talker.close();
      await quiet.close();
      await until(() => service.requests.some((r) => r.topic === 'test.disconnect'), 'the disconnect');
      // The quiet client's own NORESPONSE request must have arrived before we count.
      await until(() => service.requests.filter((r) => r.topic === 'test.echo').length === 2, 'both echo requests');
      const disconnects = service.requests.filter((r) => r.topic === 'test.disconnect');
      expect(disconnects).toEqual([
        { topic: 'test.disconnect', payload: { kind: 'none' }, streaming: false, userid: service.requests[0]?.userid, rolemask: 5, sender },
      ]);
    } finally {
      await broker.close();
    }
  });

  it('drops responses for a client that has gone', async () => {
    const service = createFakeService();
    const logs: string[] = [];
    const broker = await serveBroker(service, { path: socketPath(), serviceNames: ['test'], log: (line) => logs.push(line) });
    try {
      const c = await connectRaw(broker.path);
      c.send(request('test.hang', { aux2: 1 }, {}));
      await until(() => service.held.length === 1, 'the held request');
      await c.close();
      await until(() => service.requests.some((r) => r.topic === 'test.disconnect'), 'the disconnect');
      expect(() => service.held[0]?.({ payload: { late: true } })).not.toThrow();
      expect(logs).toEqual([]);
    } finally {
      await broker.close();
    }
  });

  it('close() disconnects every client and removes the socket file', async () => {
    const service = createFakeService();
    const broker = await serveBroker(service, { path: socketPath(), serviceNames: ['test'], log: () => undefined });
    const c = await connectRaw(broker.path);
    c.send(request('test.hang', { aux2: 1 }, {}));
    await until(() => service.held.length === 1, 'the held request');
    await broker.close();
    await c.closed;
    expect(service.requests.map((r) => r.topic)).toEqual(['test.hang', 'test.disconnect']);
    expect(fs.existsSync(broker.path)).toBe(false);
  });
});

describe('broker socket file', () => {
  it('replaces a stale socket left by a killed process', async () => {
    const p = socketPath();
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(p)}, () => console.log('up'))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    expect(fs.lstatSync(p).isSocket()).toBe(true);
    const broker = await serveBroker(createFakeService(), { path: p, log: () => undefined });
    try {
      expect((await connectRaw(p).then(async (c) => (await c.close(), c.handshake)))).toBe(0);
    } finally {
      await broker.close();
    }
  });

  it('refuses to replace a socket another process is serving, or a file that is not a socket', async () => {
    const p = socketPath();
    const first = await serveBroker(createFakeService(), { path: p, log: () => undefined });
    try {
      await expect(serveBroker(createFakeService(), { path: p })).rejects.toThrow(
        new FluxError('FLUX_CONNECT', `cannot listen on ${p}: another process is accepting connections there`),
      );
    } finally {
      await first.close();
    }
    const file = socketPath();
    fs.writeFileSync(file, 'precious');
    await expect(serveBroker(createFakeService(), { path: file })).rejects.toThrow(`cannot listen on ${file}: the path exists and is not a socket`);
    expect(fs.readFileSync(file, 'utf8')).toBe('precious');
  });
});
