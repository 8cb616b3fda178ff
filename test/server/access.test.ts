/**
 * Flux decides what each user sees: with private mode on, every path of the API shows an
 * authenticated user their own jobs only, because each request's RPCs carry that user's
 * credentials and the job-list service applies its rules to them. Tried on the embedded
 * instance and over the wire broker (where the credentials really travel in the messages).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHandle } from '../../src/flux/connect';
import type { FluxHandle } from '../../src/flux/handle';
import { serveBroker, type RunningBroker } from '../../src/embedded/wire/broker';
import { openEmbeddedInstance, type EmbeddedBackend } from '../../src/server/backend';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { createAuthenticator } from '../../src/server/auth/authenticator';
import { embeddedIdentity } from '../support/embedded-identity';
import type { ServerUser } from '../../src/server/server-user';
import { ownerOf } from '../../src/server/server-user';

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const PROXY = { req: { socket: { remoteAddress: '127.0.0.1' } } };

async function ask(app: FluxGraphQLApp, user: string | undefined, query: string, variables: Record<string, unknown> = {}): Promise<{ status: number; body: GraphQLBody }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (user !== undefined) headers['x-remote-user'] = user;
  const response = await app.fetch('http://localhost/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) }, PROXY);
  return { status: response.status, body: (await response.json()) as GraphQLBody };
}

interface JobRow {
  id: string;
  userid: number;
}

/** Every job a user's `jobs` connection yields, page by page through its cursors. */
async function allJobs(app: FluxGraphQLApp, user: string, pageSize = 40): Promise<{ ids: string[]; totalCount: number; userids: Set<number> }> {
  const ids: string[] = [];
  const userids = new Set<number>();
  let after: string | null = null;
  let totalCount = -1;
  for (;;) {
    const { body } = await ask(app, user, 'query($after: String, $n: Int) { jobs(first: $n, after: $after) { totalCount nodes { id userid } pageInfo { endCursor hasNextPage } } }', { after, n: pageSize });
    expect(body.errors).toBeUndefined();
    const jobs = body.data?.['jobs'] as { totalCount: number; nodes: JobRow[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
    totalCount = jobs.totalCount;
    for (const node of jobs.nodes) {
      ids.push(node.id);
      userids.add(node.userid);
    }
    if (!jobs.pageInfo.hasNextPage) break;
    after = jobs.pageInfo.endCursor;
  }
  return { ids, totalCount, userids };
}

type Case = { name: string; open(): Promise<{ app: (admins?: string[]) => Promise<FluxGraphQLApp>; everyJob: JobRow[]; users: { name: string; uid: number }[]; owner: ServerUser; close(): Promise<void> }> };

async function identityFor(embedded: EmbeddedBackend, handle: FluxHandle = embedded.instance.handle(), serverUser: ServerUser = ownerOf(embedded), admins: string[] = [], ownJobsOnly = false) {
  return embeddedIdentity(embedded, { handle, serverUser, admins, ownJobsOnly });
}

async function appOn(handle: FluxHandle, embedded: EmbeddedBackend, serverUser: ServerUser, admins: string[], ownJobsOnly = false): Promise<FluxGraphQLApp> {
  const identity = await identityFor(embedded, handle, serverUser, admins, ownJobsOnly);
  return createApp({ handle, logging: false, identity, jobInfo: { now: embedded.instance.now, usernameOf: embedded.usernameOf } });
}

async function everyJobOf(handle: FluxHandle): Promise<JobRow[]> {
  const response = (await handle.rpc('job-list.list', { max_entries: 0, attrs: ['userid'], constraint: {} })) as { jobs: { id: number; userid: number }[] };
  return response.jobs.map((job) => ({ id: String(job.id), userid: job.userid }));
}

async function privateEmbedded(privateMode = true): Promise<EmbeddedBackend> {
  return openEmbeddedInstance({ jobs: 150, seed: 11, live: false, latencyMs: 0, privateMode });
}

function usersWithJobs(embedded: EmbeddedBackend, jobs: JobRow[]): { name: string; uid: number }[] {
  const uids = [...new Set(jobs.map((job) => job.userid))].filter((uid) => uid !== embedded.instance.ownerUserid).sort((a, b) => a - b);
  return uids.map((uid) => ({ uid, name: embedded.usernameOf(uid) as string }));
}

const CASES: Case[] = [
  {
    name: 'the embedded instance',
    open: async () => {
      const embedded = await privateEmbedded();
      const handle = embedded.instance.handle();
      const owner = ownerOf(embedded);
      const everyJob = await everyJobOf(handle);
      return { app: (admins = []) => appOn(handle, embedded, owner, admins), everyJob, users: usersWithJobs(embedded, everyJob), owner, close: async () => { await handle.close(); await embedded.close(); } };
    },
  },
  {
    name: 'the wire broker',
    open: async () => {
      const embedded = await privateEmbedded();
      const dir = mkdtempSync(join(tmpdir(), 'fg-access-'));
      const uid = process.getuid?.() ?? 0;
      // The broker's instance owner is the uid it stamps on its clients: this process's.
      const services = embedded.instance.servicesOwnedBy(uid);
      const broker: RunningBroker = await serveBroker(services, { path: join(dir, 'local'), userid: uid, serviceNames: services.names, log: () => undefined });
      const handle = await openHandle(`local://${broker.path}`);
      const owner = { userid: uid, username: 'server' };
      const everyJob = await everyJobOf(handle);
      return {
        app: (admins = []) => appOn(handle, embedded, owner, admins),
        everyJob,
        users: usersWithJobs(embedded, everyJob).filter((user) => user.uid !== uid),
        owner,
        close: async () => {
          await handle.close();
          await broker.close();
          await embedded.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

CASES.push({
  name: 'an open instance, with --own-jobs-only',
  open: async () => {
    const embedded = await privateEmbedded(false);
    const handle = embedded.instance.handle();
    const owner = ownerOf(embedded);
    const everyJob = await everyJobOf(handle);
    return { app: (admins = []) => appOn(handle, embedded, owner, admins, true), everyJob, users: usersWithJobs(embedded, everyJob), owner, close: async () => { await handle.close(); await embedded.close(); } };
  },
});

describe.each(CASES)('private mode on $name', ({ open }) => {
  let setup: Awaited<ReturnType<Case['open']>>;
  let app: FluxGraphQLApp;
  let alice: { name: string; uid: number };
  let bob: { name: string; uid: number };
  const own = (uid: number): JobRow[] => setup.everyJob.filter((job) => job.userid === uid);

  beforeAll(async () => {
    setup = await open();
    app = await setup.app();
    expect(setup.users.length).toBeGreaterThanOrEqual(2);
    [alice, bob] = setup.users as [typeof alice, typeof bob];
    expect(own(alice.uid).length).toBeGreaterThan(0);
    expect(own(bob.uid).length).toBeGreaterThan(0);
  });
  afterAll(async () => setup?.close());

  it('tells each user who they are', async () => {
    const { body } = await ask(app, alice.name, '{ viewer { username userid admin } }');
    expect(body).toEqual({ data: { viewer: { username: alice.name, userid: alice.uid, admin: false } } });
  });

  it('lists exactly the user\'s own jobs, in every page, with the matching totalCount', async () => {
    for (const user of [alice, bob]) {
      const listed = await allJobs(app, user.name);
      expect(listed.userids).toEqual(new Set([user.uid]));
      expect(listed.totalCount).toBe(own(user.uid).length);
      expect(listed.ids).toHaveLength(own(user.uid).length);
    }
  });

  it('finds another user\'s job neither by job(id:) nor by node(id:), and finds one\'s own', async () => {
    const [bobs] = own(bob.uid) as [JobRow];
    const [alices] = own(alice.uid) as [JobRow];
    const query = 'query($id: JobID!, $node: ID!) { job(id: $id) { userid } node(id: $node) { id } }';
    const theirs = await ask(app, alice.name, query, { id: bobs.id, node: bobs.id });
    expect(theirs.body).toEqual({ data: { job: null, node: null } });
    const mine = await ask(app, alice.name, query, { id: alices.id, node: alices.id });
    expect((mine.body.data?.['job'] as { userid: number }).userid).toBe(alice.uid);
    expect(mine.body.data?.['node']).not.toBeNull();
  });

  it('answers jobs(ids:) with the user\'s own job and JOB_NOT_FOUND for another\'s', async () => {
    const [alices] = own(alice.uid) as [JobRow];
    const [bobs] = own(bob.uid) as [JobRow];
    const { body } = await ask(app, alice.name, 'query($ids: [JobID!]) { jobs(ids: $ids) { nodes { userid } } }', { ids: [alices.id, bobs.id] });
    expect(body.data?.['jobs']).toEqual({ nodes: [{ userid: alice.uid }] });
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['JOB_NOT_FOUND']);
  });

  it('gives a user nothing of another\'s through a cursor taken from the other\'s query', async () => {
    const { body: first } = await ask(app, alice.name, '{ jobs(first: 2) { pageInfo { endCursor } } }');
    const cursor = (first.data?.['jobs'] as { pageInfo: { endCursor: string } }).pageInfo.endCursor;
    const { body } = await ask(app, bob.name, 'query($after: String) { jobs(first: 1000, after: $after) { nodes { userid } } }', { after: cursor });
    const nodes = (body.data?.['jobs'] as { nodes: { userid: number }[] } | undefined)?.nodes ?? [];
    expect(nodes.every((node) => node.userid === bob.uid)).toBe(true);
  });

  it('refuses jobStats with FORBIDDEN, as job-list does in private mode', async () => {
    const { body } = await ask(app, alice.name, '{ jobStats { total } }');
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('serves an --admin user, and the instance owner, with the server\'s credentials: every job and jobStats', async () => {
    const withAdmin = await setup.app([bob.name]);
    const admin = await allJobs(withAdmin, bob.name, 500);
    expect(admin.totalCount).toBe(setup.everyJob.length);
    const stats = await ask(withAdmin, bob.name, '{ viewer { admin } jobStats { total } }');
    expect(stats.body).toEqual({ data: { viewer: { admin: true }, jobStats: { total: setup.everyJob.length } } });
    // Alice is no admin there.
    expect((await allJobs(withAdmin, alice.name)).userids).toEqual(new Set([alice.uid]));
  });
});

describe('authentication on the request path', () => {
  let embedded: EmbeddedBackend;
  let app: FluxGraphQLApp;
  beforeAll(async () => {
    embedded = await privateEmbedded();
    const handle = embedded.instance.handle();
    app = await appOn(handle, embedded, ownerOf(embedded), []);
  });
  afterAll(async () => embedded?.close());

  it('answers 401 UNAUTHENTICATED without the header, and from an address that is no trusted proxy', async () => {
    const missing = await ask(app, undefined, '{ viewer { username } }');
    expect(missing.status).toBe(401);
    expect(missing.body.errors?.[0]).toEqual({ message: 'Not authenticated: the proxy did not set the X-Remote-User header.', extensions: { code: 'UNAUTHENTICATED' } });
    const response = await app.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-remote-user': 'root' }, body: '{"query":"{ viewer { username } }"}' }, { req: { socket: { remoteAddress: '10.1.2.3' } } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as GraphQLBody).errors?.[0]?.message).toBe('Not authenticated: requests must come through the authenticating proxy; 10.1.2.3 is not a trusted proxy.');
  });

  it('answers 403 FORBIDDEN for a user the user database does not know', async () => {
    const { status, body } = await ask(app, 'mallory', '{ viewer { username } }');
    expect(status).toBe(403);
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(body.errors?.[0]?.message).toContain('"mallory" is not known');
  });

  it('serves the GraphiQL page without a user (the page, never a result), and nothing when GraphiQL is off', async () => {
    const page = await app.fetch('http://localhost/graphql?query=%7Bviewer%7Busername%7D%7D', { headers: { accept: 'text/html' } }, PROXY);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<html');
    expect(html).not.toContain('"viewer":');
    const withoutGraphiQL = createApp({ handle: embedded.instance.handle(), logging: false, graphiql: false, identity: await identityFor(embedded) });
    const query = await withoutGraphiQL.fetch('http://localhost/graphql?query=%7Bviewer%7Busername%7D%7D', { headers: { accept: 'text/html' } }, PROXY);
    expect(query.status).toBe(401);
  });

  it('keeps /healthz and /readyz open', async () => {
    expect((await app.fetch('http://localhost/healthz', {}, PROXY)).status).toBe(200);
    expect((await app.fetch('http://localhost/readyz', {}, PROXY)).status).toBe(200);
  });

  it('is not fooled by a header that only looks like a user', async () => {
    for (const name of ['', ' root', 'a:b', 'x'.repeat(300)]) {
      const { status, body } = await ask(app, name, '{ viewer { username } }');
      expect(status).toBe(401);
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('createAuthenticator', () => {
  it('for none, names no user', async () => {
    const authenticator = await createAuthenticator({ mode: 'none' });
    expect(await authenticator.authenticate(new Request('http://x/graphql'), undefined)).toEqual({ ok: true, username: undefined });
  });
});

describe('an open instance (no private mode, no --own-jobs-only)', () => {
  it('shows an authenticated user every job: Flux decides, and this instance lets everyone see everything', async () => {
    const embedded = await privateEmbedded(false);
    const handle = embedded.instance.handle();
    const everyJob = await everyJobOf(handle);
    const app = await appOn(handle, embedded, ownerOf(embedded), []);
    const [someone] = usersWithJobs(embedded, everyJob) as [{ name: string; uid: number }];
    const listed = await allJobs(app, someone.name, 500);
    expect(listed.totalCount).toBe(everyJob.length);
    expect(listed.userids.size).toBeGreaterThan(1);
    const { body } = await ask(app, someone.name, '{ jobStats { total } }');
    expect(body).toEqual({ data: { jobStats: { total: everyJob.length } } });
    await handle.close();
    await embedded.close();
  });
});
