/**
 * The shared instance of serve --workers, in one process: the broker side serves an embedded
 * instance or snapshot on a socket, and the backend each worker opens from what it reports
 * answers exactly as a single server's embedded backend does (same jobs, clock, user names,
 * owner, access rules), while several such backends see one instance.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend, type Backend, type EmbeddedSettings } from '../../../src/server/backend';
import type { ServeSettings } from '../../../src/server/cli';
import { clockFunction, openSharedInstanceBackend, serveSharedInstance, type ServingInstance } from '../../../src/server/cluster/shared-instance';
import { serveBackend, type RunningServer } from '../../../src/server/start';
import { COMPARISON_QUERIES, getOnNewConnection, postOnNewConnection } from '../../support/one-connection-post';

const SNAPSHOT = join(__dirname, '../../fixtures/flux-0.88-snapshot.json');
const SNAPSHOT_TAKEN = (JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { taken: number }).taken;
const FIXED: EmbeddedSettings = { jobs: 300, seed: 3, live: false, latencyMs: 0 };
const quiet = { log: () => undefined, handleSignals: false, announce: false };

let dir: string;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shared-instance-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function settingsFor(embedded: EmbeddedSettings, extra: Partial<ServeSettings> = {}): ServeSettings {
  return { port: 0, host: '127.0.0.1', embedded, maxPageSize: 1000, defaultPageSize: 50, ...extra };
}

async function serving(start: Parameters<typeof serveSharedInstance>[0]): Promise<ServingInstance> {
  const instance = await serveSharedInstance(start, () => undefined);
  cleanups.push(() => instance.close());
  return instance;
}

async function serve(backend: Backend, settings: ServeSettings): Promise<RunningServer> {
  const server = await serveBackend(backend, settings, quiet);
  cleanups.push(() => server.close());
  return server;
}

async function answers(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }[]> {
  const result = [];
  for (const payload of COMPARISON_QUERIES) {
    const answer = await postOnNewConnection(url, payload, headers);
    result.push({ status: answer.status, body: JSON.parse(answer.body) as unknown });
  }
  return result;
}

describe('the shared instance', () => {
  it('answers a frozen snapshot exactly as a single server does, clock and names included', async () => {
    const snapshot = { path: SNAPSHOT, live: false };
    const instance = await serving({ socketPath: join(dir, 'snap.sock'), embedded: FIXED, snapshot });
    expect(instance.shared.clock).toEqual({ frozenAt: SNAPSHOT_TAKEN });
    expect(instance.shared.users).toBeUndefined();
    const settings = settingsFor(FIXED, { snapshot });
    const single = await serve(await openBackend(settings), settings);
    const worker = await serve(await openSharedInstanceBackend(instance.shared), settings);
    const expected = await answers(single.url);
    // The last three are a client's mistakes: a malformed job ID, a bad constraint, a field that does not exist.
    expect(expected.map((answer) => 'errors' in (answer.body as object))).toEqual([false, false, false, false, false, false, false, true, true, true]);
    expect(expected.map((answer) => (answer.body as { data?: { jobs?: { totalCount?: number } } }).data?.jobs?.totalCount)[0]).toBe(59);
    expect(await answers(worker.url)).toEqual(expected);
    const health = await getOnNewConnection(worker.url.replace('/graphql', '/healthz'));
    expect(JSON.parse(health.body)).toEqual(JSON.parse((await getOnNewConnection(single.url.replace('/graphql', '/healthz'))).body));
  });

  it('gives every worker the same generated jobs, with the workload\'s user names and owner', async () => {
    const instance = await serving({ socketPath: join(dir, 'gen.sock'), embedded: FIXED });
    expect(instance.shared.clock).toEqual({ offsetSeconds: 0 });
    const settings = settingsFor(FIXED);
    const one = await serve(await openSharedInstanceBackend(instance.shared), settings);
    const two = await serve(await openSharedInstanceBackend(instance.shared), settings);
    const query = { query: '{ jobs(first: 1000) { totalCount nodes { id username userid state } } viewer { username userid admin } }' };
    const first = await postOnNewConnection(one.url, query);
    expect(first.status).toBe(200);
    expect((await postOnNewConnection(two.url, query)).body).toBe(first.body);
    const body = JSON.parse(first.body) as { data: { jobs: { totalCount: number; nodes: { username: string; userid: number }[] }; viewer: { username: string; userid: number } } };
    expect(body.data.jobs.totalCount).toBe(300);
    // Names from the workload's table, never bare uids as this machine's password database would give.
    const names = new Map(instance.shared.users?.map((user) => [user.uid, user.name]));
    for (const job of body.data.jobs.nodes) expect(job.username).toBe(names.get(job.userid));
    // The viewer is the workload's owner, as for a single server on the same settings.
    const single = await serve(await openBackend(settings), settings);
    const singleViewer = JSON.parse((await postOnNewConnection(single.url, { query: '{ viewer { username userid admin } }' })).body) as { data: { viewer: unknown } };
    expect(body.data.viewer).toEqual(singleViewer.data.viewer);
  });

  it('keeps the instance owner, so --auth and private mode work through it as they do in one process', async () => {
    const embedded = { ...FIXED, privateMode: true };
    const instance = await serving({ socketPath: join(dir, 'private.sock'), embedded });
    const user = instance.shared.users?.find((candidate) => candidate.uid !== instance.shared.owner.userid);
    if (user === undefined) throw new Error('the workload has no user besides its owner');
    const settings = settingsFor(embedded, { access: { auth: { mode: 'trusted-header', header: 'X-Remote-User', trustedProxies: ['127.0.0.1'] }, admins: [], ownJobsOnly: false } });
    const worker = await serve(await openSharedInstanceBackend(instance.shared), settings);
    const single = await serve(await openBackend(settings), settings);
    const query = { query: '{ jobs(first: 1000) { totalCount nodes { userid } } viewer { username admin } }' };
    const fromWorker = await postOnNewConnection(worker.url, query, { 'x-remote-user': user.name });
    const fromSingle = await postOnNewConnection(single.url, query, { 'x-remote-user': user.name });
    const body = JSON.parse(fromWorker.body) as { data: { jobs: { totalCount: number; nodes: { userid: number }[] }; viewer: unknown } };
    expect(body.data.viewer).toEqual({ username: user.name, admin: false });
    expect(new Set(body.data.jobs.nodes.map((job) => job.userid))).toEqual(new Set([user.uid]));
    expect(body.data.jobs.totalCount).toBe((JSON.parse(fromSingle.body) as typeof body).data.jobs.totalCount);
    const stats = await postOnNewConnection(worker.url, { query: '{ jobStats { total } }' }, { 'x-remote-user': user.name });
    expect((JSON.parse(stats.body) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('FORBIDDEN');
  });

  it('names the instance in /healthz as the broker last described it', async () => {
    const instance = await serving({ socketPath: join(dir, 'describe.sock'), embedded: FIXED });
    const backend = await openSharedInstanceBackend(instance.shared);
    const worker = await serve(backend, settingsFor(FIXED));
    const healthz = worker.url.replace('/graphql', '/healthz');
    expect(JSON.parse((await getOnNewConnection(healthz)).body)).toEqual({ ok: true, backend: 'embedded:jobs=300,seed=3,fixed' });
    backend.describe('embedded:jobs=300,seed=3,live-failed');
    expect(JSON.parse((await getOnNewConnection(healthz)).body)).toEqual({ ok: true, backend: 'embedded:jobs=300,seed=3,live-failed' });
  });
});

describe('clockFunction', () => {
  it('stands still at a frozen moment', () => {
    const clock = clockFunction({ frozenAt: 1795724198.25 });
    expect([clock(), clock()]).toEqual([1795724198.25, 1795724198.25]);
  });

  it('runs with the wall clock, shifted by the offset', () => {
    const before = Date.now() / 1000;
    const reading = clockFunction({ offsetSeconds: -86_400 })();
    const after = Date.now() / 1000;
    expect(reading).toBeGreaterThanOrEqual(before - 86_400);
    expect(reading).toBeLessThanOrEqual(after - 86_400);
  });
});
