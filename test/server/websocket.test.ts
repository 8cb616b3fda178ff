/**
 * The graphql-ws protocol over WebSocket on /graphql of a real listening server: subscriptions
 * and queries through the same plugins as HTTP (identity, credentials, error codes), the
 * upgrade's checks (who the client is, which page opened it), keep-alive pings, and a client
 * that stops reading.
 */
import WebSocket from 'ws';
import { exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeJobId } from '../../src/flux/jobid';
import { ev, job } from '../embedded/job-builders';
import {
  acknowledgedSocket,
  ALICE,
  closeOf,
  collect,
  openWatches,
  refusedUpgrade,
  settlesTo,
  sse,
  startLiveServer,
  T0,
  wsClient,
  type LiveServer,
} from '../support/live-server';

const EVENTS = 'subscription($id: JobID!) { jobEvents(id: $id) { name timestamp context } }';
const ALICE_JOB = 1000n;
const AS_ALICE = { 'x-remote-user': ALICE.name };

function eventNames(values: unknown[]): string[] {
  return values.map((value) => (value as { data: { jobEvents: { name: string } } }).data.jobEvents.name);
}

describe('graphql-ws over WebSocket, with --auth trusted-header', () => {
  let live: LiveServer;
  beforeAll(async () => {
    live = await startLiveServer(undefined, { corsOrigins: ['https://dashboard.example.org'] });
    live.instance.sink.ingest(job(ALICE_JOB, 'run', T0, { userid: ALICE.uid }));
    live.instance.sink.ingest(job(2000n, 'run', T0, { userid: 1001 }));
  });
  afterAll(() => live?.close());

  it('jobEvents: the stored events, then each one posted while watched, and complete at clean', async () => {
    live.instance.sink.ingest(job(1001n, 'run', T0, { userid: ALICE.uid }));
    const client = wsClient(live.wsUrl, AS_ALICE);
    const events = collect(client, EVENTS, { id: encodeJobId(1001n) });
    expect(eventNames(await events.atLeast(6))).toEqual(['submit', 'validate', 'depend', 'priority', 'alloc', 'start']);
    live.instance.sink.post(1001n, ev('finish', T0 + 50, { status: 0 }));
    expect(eventNames(await events.atLeast(7)).slice(6)).toEqual(['finish']);
    live.instance.sink.post(1001n, ev('release', T0 + 50.01, { ranks: 'all', final: true }));
    live.instance.sink.post(1001n, ev('free', T0 + 50.02));
    live.instance.sink.post(1001n, ev('clean', T0 + 50.03));
    expect(await events.ended).toBeUndefined();
    expect(events.values.slice(6)).toEqual([
      { data: { jobEvents: { name: 'finish', timestamp: T0 + 50, context: { status: 0 } } } },
      { data: { jobEvents: { name: 'release', timestamp: T0 + 50.01, context: { ranks: 'all', final: true } } } },
      { data: { jobEvents: { name: 'free', timestamp: T0 + 50.02, context: null } } },
      { data: { jobEvents: { name: 'clean', timestamp: T0 + 50.03, context: null } } },
    ]);
    await client.dispose();
  });

  it('answers queries as HTTP does: the same data, the same coded errors, without yoga\'s internal extensions', async () => {
    const client = wsClient(live.wsUrl, AS_ALICE);
    const queries = [
      '{ viewer { username userid admin } jobs { totalCount nodes { id userid } } }',
      '{ job(id: "nonsense") { id } }',
      '{ jobs { nope } }',
      '{ jobs(first: -3) { totalCount } }',
      '{ jobs {',
    ];
    for (const query of queries) {
      const overHttp = await fetch(live.server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...AS_ALICE }, body: JSON.stringify({ query }) });
      const overWs = collect(client, query);
      const ended = await overWs.ended;
      // graphql-ws sends a document that does not parse or validate as an error message, not a result.
      const answer = ended === undefined ? overWs.values[0] : { errors: ended };
      expect(answer).toEqual(await overHttp.json());
    }
    const viewer = collect(client, '{ viewer { username userid admin } }');
    await viewer.ended;
    // The trusted proxy's header, at the upgrade, names the user of every operation on the connection.
    expect(viewer.values).toEqual([{ data: { viewer: { username: 'alice', userid: ALICE.uid, admin: false } } }]);
    await client.dispose();
  });

  it("another user's job: the subscription's one result is FORBIDDEN, as over SSE", async () => {
    const client = wsClient(live.wsUrl, AS_ALICE);
    const events = collect(client, EVENTS, { id: encodeJobId(2000n) });
    expect(await events.ended).toBeUndefined();
    const overSse = await sse(live.server.url, EVENTS, { id: encodeJobId(2000n) }, AS_ALICE);
    const sseResults = await overSse.reader.results();
    expect(events.values).toEqual(sseResults);
    expect((events.values[0] as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('FORBIDDEN');
    await client.dispose();
  });

  it('the same subscription over SSE, with the same identity: the same events, and the same refusal without the header', async () => {
    live.instance.sink.ingest(job(1002n, 'run', T0, { userid: ALICE.uid }));
    const client = wsClient(live.wsUrl, AS_ALICE);
    const overWs = collect(client, EVENTS, { id: encodeJobId(1002n) });
    const overSse = await sse(live.server.url, EVENTS, { id: encodeJobId(1002n) }, AS_ALICE);
    expect(overSse.response.status).toBe(200);
    const stored = await overSse.reader.results(6);
    expect(await overWs.atLeast(6)).toEqual(stored);
    live.instance.sink.post(1002n, ev('exception', T0 + 20, { type: 'test', severity: 1, note: 'watched' }));
    expect(await overSse.reader.results(1)).toEqual([{ data: { jobEvents: { name: 'exception', timestamp: T0 + 20, context: { type: 'test', severity: 1, note: 'watched' } } } }]);
    expect((await overWs.atLeast(7))[6]).toEqual({ data: { jobEvents: { name: 'exception', timestamp: T0 + 20, context: { type: 'test', severity: 1, note: 'watched' } } } });
    await overSse.reader.close();
    await client.dispose();
    const anonymous = await fetch(live.server.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query: EVENTS, variables: { id: encodeJobId(1002n) } }) });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual((await refusedUpgrade(live.wsUrl)).body);
  });

  it('refuses an upgrade without the proxy\'s header: HTTP 401, UNAUTHENTICATED, as a request gets', async () => {
    const refused = await refusedUpgrade(live.wsUrl);
    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(refused.body).toEqual({ errors: [{ message: 'Not authenticated: the proxy did not set the X-Remote-User header.', extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('refuses a user the system does not know: HTTP 403, FORBIDDEN', async () => {
    const refused = await refusedUpgrade(live.wsUrl, { 'x-remote-user': 'mallory' });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0]?.extensions.code).toBe('FORBIDDEN');
    expect(refused.body.errors[0]?.message).toBe('User "mallory" is not known to this system\'s user database, so the server cannot ask Flux for their jobs.');
  });

  it("refuses a page of another site (cross-site WebSocket hijacking): HTTP 403, ORIGIN_NOT_ALLOWED", async () => {
    const refused = await refusedUpgrade(live.wsUrl, { ...AS_ALICE, origin: 'https://evil.example.com' });
    expect(refused.status).toBe(403);
    expect(refused.body.errors).toEqual([
      {
        message: 'A page of "https://evil.example.com" may not open a WebSocket to this server: only its own pages and those of the origins named by --cors-origin may (cross-site WebSocket hijacking).',
        extensions: { code: 'ORIGIN_NOT_ALLOWED' },
      },
    ]);
    expect((await refusedUpgrade(live.wsUrl, { ...AS_ALICE, origin: 'null' })).status).toBe(403);
  });

  it('accepts pages of its own origin and of --cors-origin', async () => {
    const own = new URL(live.server.url).origin;
    for (const origin of [own, 'https://dashboard.example.org']) {
      const client = wsClient(live.wsUrl, { ...AS_ALICE, origin });
      const viewer = collect(client, '{ viewer { username } }');
      expect(await viewer.ended).toBeUndefined();
      expect(viewer.values).toEqual([{ data: { viewer: { username: 'alice' } } }]);
      await client.dispose();
    }
  });

  it('answers an upgrade to another path with 404, NOT_FOUND', async () => {
    const refused = await refusedUpgrade(live.wsUrl.replace('/graphql', '/elsewhere'), AS_ALICE);
    expect(refused.status).toBe(404);
    expect(refused.body.errors[0]?.extensions.code).toBe('NOT_FOUND');
  });
});

describe('graphql-ws with --auth jwt', () => {
  let live: LiveServer;
  let dir: string;
  let signing: KeyLike;
  const token = (claims: Record<string, unknown>, expiresIn: string | number = '5m'): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).setIssuedAt().setExpirationTime(expiresIn).sign(signing);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fg-ws-jwt-'));
    const pair = await generateKeyPair('ES256');
    signing = pair.privateKey;
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, await exportSPKI(pair.publicKey));
    live = await startLiveServer({ mode: 'jwt', keyFile, userClaims: ['preferred_username', 'sub'] });
  });
  afterAll(async () => {
    await live?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the bearer token from the upgrade\'s Authorization header', async () => {
    const client = wsClient(live.wsUrl, { authorization: `Bearer ${await token({ sub: 'alice' })}` });
    const viewer = collect(client, '{ viewer { username } }');
    await viewer.ended;
    expect(viewer.values).toEqual([{ data: { viewer: { username: 'alice' } } }]);
    await client.dispose();
  });

  it('refuses a bad token in the header at the upgrade: HTTP 401 with the Bearer challenge', async () => {
    const expired = await token({ sub: 'alice' }, Math.floor(Date.now() / 1000) - 3600);
    const refused = await refusedUpgrade(live.wsUrl, { authorization: `Bearer ${expired}` });
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="flux-graphql", error="invalid_token", error_description="the bearer token has expired"');
    expect(refused.body.errors[0]).toEqual({ message: 'Not authenticated: the bearer token has expired.', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it("takes it from connection_init's payload, where a browser can put it", async () => {
    const client = wsClient(live.wsUrl, {}, { connectionParams: { Authorization: `Bearer ${await token({ preferred_username: 'bob' })}` } });
    const viewer = collect(client, '{ viewer { username } }');
    await viewer.ended;
    expect(viewer.values).toEqual([{ data: { viewer: { username: 'bob' } } }]);
    await client.dispose();
  });

  it('closes with 4401 and the coded reason for a missing or bad token, 4403 for an unknown user', async () => {
    const cases: [Record<string, unknown> | undefined, number, string][] = [
      [undefined, 4401, 'UNAUTHENTICATED: Not authenticated: this server needs a bearer token (Authorization: Bearer <JWT>).'],
      [{ authorization: 'Basic abc' }, 4401, 'UNAUTHENTICATED: Not authenticated: the Authorization header is not "Bearer <JWT>".'],
      [{ authorization: 42 }, 4401, 'UNAUTHENTICATED: Not authenticated: connection_init\'s "authorization" must be a string on one line.'],
      [{ authorization: `Bearer ${await token({ sub: 'mallory' })}` }, 4403, 'FORBIDDEN: User "mallory" is not known to this system\'s user database, so the server cannot ask Flux for their jobs.'],
    ];
    for (const [payload, code, reason] of cases) {
      const socket = new WebSocket(live.wsUrl, 'graphql-transport-ws');
      const closed = closeOf(socket);
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', ...(payload === undefined ? {} : { payload }) }));
      expect(await closed).toEqual({ code, reason });
    }
  });
});

describe('keep-alives', () => {
  let live: LiveServer;
  beforeAll(async () => {
    live = await startLiveServer(undefined, { keepAliveSeconds: 0.2 });
    live.instance.sink.ingest(job(ALICE_JOB, 'run', T0, { userid: ALICE.uid }));
  });
  afterAll(() => live?.close());

  it('pings a WebSocket client while its subscription is quiet', async () => {
    const { socket, closed } = await acknowledgedSocket(live.wsUrl, AS_ALICE);
    const pinged = new Promise((resolve) => socket.once('ping', resolve));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: EVENTS, variables: { id: encodeJobId(ALICE_JOB) } } }));
    await pinged;
    socket.close(1000);
    expect((await closed).code).toBe(1000);
  });

  it('cuts off a WebSocket peer that does not answer its pings, and lets go of its watches', async () => {
    const { socket, closed } = await acknowledgedSocket(live.wsUrl, AS_ALICE, { autoPong: false });
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: EVENTS, variables: { id: encodeJobId(ALICE_JOB) } } }));
    // 1006: the server terminated the connection without a close frame.
    expect((await closed).code).toBe(1006);
    expect(await settlesTo(() => openWatches(live.instance), 0)).toBe(0);
  });

  it('sends an SSE subscription a keep-alive comment while it is quiet', async () => {
    const { reader } = await sse(live.server.url, EVENTS, { id: encodeJobId(ALICE_JOB) }, AS_ALICE);
    expect(eventNames((await reader.results(6)) as unknown[])).toEqual(['submit', 'validate', 'depend', 'priority', 'alloc', 'start']);
    while (!reader.comments.includes(' keep-alive')) expect(await reader.next(true)).toBeDefined();
    // The stream goes on after it: the next event still comes.
    live.instance.sink.post(ALICE_JOB, ev('exception', T0 + 10, { type: 'test', severity: 1, note: '' }));
    expect(eventNames((await reader.results(1)) as unknown[])).toEqual(['exception']);
    await reader.close();
  });
});

describe('a WebSocket client that stops reading', () => {
  let live: LiveServer;
  // Four subscriptions of half a MiB events each pass the bound at once, whether their client reads or not.
  const note = 'x'.repeat(512 * 1024);
  beforeAll(async () => {
    live = await startLiveServer(undefined, { wsMaxBufferedBytes: 1024 * 1024, keepAliveSeconds: 1 });
  });
  afterAll(() => live?.close());

  const postRound = (ids: readonly bigint[], round: number): void => {
    for (const id of ids) live.instance.sink.post(id, ev('exception', T0 + 10 + round, { type: 'test', severity: 1, note }));
  };

  it('keeps a client that reads bursts larger than the bound', async () => {
    const ids = [3100n, 3101n, 3102n, 3103n];
    for (const id of ids) live.instance.sink.ingest(job(id, 'run', T0, { userid: ALICE.uid }));
    const client = wsClient(live.wsUrl, AS_ALICE);
    const watches = ids.map((id) => collect(client, EVENTS, { id: encodeJobId(id) }));
    for (const watch of watches) await watch.atLeast(6);
    for (let round = 0; round < 10; round++) postRound(ids, round);
    for (const watch of watches) expect((await watch.atLeast(16)).length).toBe(16);
    expect(await openWatches(live.instance)).toBe(ids.length);
    await client.dispose();
  });

  it('closes one that stays past the bound for a keep-alive interval with 1008 SUBSCRIBER_TOO_SLOW, and its watches end', async () => {
    const ids = [3000n, 3001n, 3002n, 3003n];
    for (const id of ids) live.instance.sink.ingest(job(id, 'run', T0, { userid: ALICE.uid }));
    expect(await settlesTo(() => openWatches(live.instance), 0)).toBe(0);
    const { socket, closed } = await acknowledgedSocket(live.wsUrl, AS_ALICE);
    for (const id of ids) socket.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query: EVENTS, variables: { id: encodeJobId(id) } } }));
    expect(await settlesTo(() => openWatches(live.instance), ids.length)).toBe(ids.length);
    socket.pause();
    // Until the system's buffers are full and the server's own stays past the bound.
    let round = 0;
    while ((await openWatches(live.instance)) > 0 && round < 500) {
      postRound(ids, round++);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await openWatches(live.instance)).toBe(0);
    socket.resume();
    expect(await closed).toEqual({ code: 1008, reason: 'SUBSCRIBER_TOO_SLOW: more than 1048576 bytes left unread (--ws-max-buffered-bytes)' });
  });
});

describe('shutdown', () => {
  it('tells WebSocket clients to go at once (1001): their subscriptions would never finish on their own', async () => {
    const live = await startLiveServer();
    live.instance.sink.ingest(job(ALICE_JOB, 'run', T0, { userid: ALICE.uid }));
    const { socket, closed } = await acknowledgedSocket(live.wsUrl, AS_ALICE);
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: EVENTS, variables: { id: encodeJobId(ALICE_JOB) } } }));
    expect(await settlesTo(() => openWatches(live.instance), 1)).toBe(1);
    await live.close();
    expect(await closed).toEqual({ code: 1001, reason: 'the server is shutting down' });
  });
});
