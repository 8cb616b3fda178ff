/**
 * Job details and who asks, on the embedded instance's own job-info service (no fake), in-process
 * and over a local:// broker, where the user's credentials travel in each request message.
 *
 * With --private-mode (trusted-header auth, as in access.test.ts): a user reads their own jobs'
 * details, and another user's job is out of reach even by an ID or a cursor an admin was given,
 * because job-list hides it before any job-info lookup is sent (no detail leaks, no lookup for it).
 * On an open instance, where job-list shows every job to everyone, job-info's own owner check is
 * what stops a user: FORBIDDEN on each detail field of another user's job, the rest standing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../src/flux/constants';
import { openHandle } from '../../src/flux/connect';
import type { FluxHandle } from '../../src/flux/handle';
import { serveBroker } from '../../src/embedded/wire/broker';
import type { Respond, ServiceRequest } from '../../src/embedded/service/service-types';
import { openEmbeddedInstance, type EmbeddedBackend } from '../../src/server/backend';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { embeddedIdentity } from '../support/embedded-identity';
import { ownerOf, type ServerUser } from '../../src/server/server-user';
import { RecordingHandle } from '../graphql/recording-handle';

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

interface Node {
  id: string;
  userid: number;
  eventlog: { name: string }[] | null;
  jobspec: unknown;
  output: { stdout: string | null } | null;
}

const PROXY = { req: { socket: { remoteAddress: '127.0.0.1' } } };
const DETAILS = 'id userid eventlog { name } jobspec';

async function ask(app: FluxGraphQLApp, user: string, query: string, variables: Record<string, unknown> = {}): Promise<Body> {
  const response = await app.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-remote-user': user }, body: JSON.stringify({ query, variables }) }, PROXY);
  return (await response.json()) as Body;
}

interface Setup {
  embedded: EmbeddedBackend;
  handle: RecordingHandle;
  owner: ServerUser;
  /** "userid/rolemask" of each job-info.lookup as the service received it. */
  lookupCredentials: string[];
  close(): Promise<void>;
}

/** The credentials each job-info.lookup request carries on an in-process handle. */
function credentialsRecorded(inner: FluxHandle, seen: string[]): FluxHandle {
  return {
    get uri() {
      return inner.uri;
    },
    rpc: (topic, payload, options) => {
      if (topic === 'job-info.lookup') seen.push(`${options?.credentials?.userid ?? 'own'}/${options?.credentials?.rolemask ?? 'own'}`);
      return inner.rpc(topic, payload, options);
    },
    rpcStream: (topic, payload, options) => inner.rpcStream(topic, payload, options),
    close: () => inner.close(),
  };
}

async function inProcess(privateMode: boolean): Promise<Setup> {
  const embedded = await openEmbeddedInstance({ jobs: 150, seed: 11, live: false, latencyMs: 0, privateMode });
  const handle = embedded.instance.handle();
  const lookupCredentials: string[] = [];
  return {
    embedded,
    handle: new RecordingHandle(credentialsRecorded(handle, lookupCredentials)),
    owner: ownerOf(embedded),
    lookupCredentials,
    close: async () => {
      await handle.close();
      await embedded.close();
    },
  };
}

async function overWire(privateMode: boolean): Promise<Setup> {
  const embedded = await openEmbeddedInstance({ jobs: 150, seed: 11, live: false, latencyMs: 0, privateMode });
  const dir = mkdtempSync(join(tmpdir(), 'fg-details-access-'));
  const uid = process.getuid?.() ?? 0;
  // The broker stamps its own uid on its clients: that uid owns the instance it serves.
  const services = embedded.instance.servicesOwnedBy(uid);
  const lookupCredentials: string[] = [];
  // What the broker decoded from each request message, as the service receives it.
  const recorded = {
    handle: (request: ServiceRequest, respond: Respond): void => {
      if (request.topic === 'job-info.lookup') lookupCredentials.push(`${request.userid}/${request.rolemask}`);
      services.handle(request, respond);
    },
  };
  const broker = await serveBroker(recorded, { path: join(dir, 'local'), userid: uid, serviceNames: services.names, log: () => undefined });
  const handle = await openHandle(`local://${broker.path}`);
  return {
    embedded,
    handle: new RecordingHandle(handle),
    owner: { userid: uid, username: 'server' },
    lookupCredentials,
    close: async () => {
      await handle.close();
      await broker.close();
      await embedded.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function appFor(setup: Setup, admins: string[] = []): Promise<FluxGraphQLApp> {
  const handle: FluxHandle = setup.handle;
  const { embedded } = setup;
  const identity = await embeddedIdentity(embedded, { handle, serverUser: setup.owner, admins });
  return createApp({ handle, logging: false, identity, jobInfo: { now: embedded.instance.now, usernameOf: embedded.usernameOf } });
}

/** Two users with jobs (neither the instance owner nor the broker's uid) and the admin's view of every job. */
async function usersOf(setup: Setup): Promise<{ alice: { uid: number; name: string }; bob: { uid: number; name: string } }> {
  const listed = (await setup.embedded.instance.handle().rpc('job-list.list', { max_entries: 0, attrs: ['userid'], constraint: {} })) as unknown as { jobs: { userid: number }[] };
  const uids = [...new Set(listed.jobs.map((job) => job.userid))].filter((uid) => uid !== setup.embedded.instance.ownerUserid && uid !== setup.owner.userid).sort((a, b) => a - b);
  const [a, b] = uids as [number, number];
  return { alice: { uid: a, name: setup.embedded.usernameOf(a) as string }, bob: { uid: b, name: setup.embedded.usernameOf(b) as string } };
}

const TRANSPORTS: [string, (privateMode: boolean) => Promise<Setup>][] = [
  ['in-process', inProcess],
  ['over a local:// broker', overWire],
];

describe.each(TRANSPORTS)('job details in private mode, %s', (_transport, open) => {
  let setup: Setup;
  let users: Awaited<ReturnType<typeof usersOf>>;
  let adminNodes: Node[];
  let adminEdges: { cursor: string; node: { userid: number } }[];

  beforeAll(async () => {
    setup = await open(true);
    users = await usersOf(setup);
    // Bob is an admin: he sees every job and its details, with the server's credentials.
    const admin = await ask(await appFor(setup, [users.bob.name]), users.bob.name, `{ jobs(first: 1000) { nodes { ${DETAILS} } edges { cursor node { userid } } } }`);
    expect(admin.errors).toBeUndefined();
    const jobs = admin.data?.['jobs'] as { nodes: Node[]; edges: { cursor: string; node: { userid: number } }[] };
    adminNodes = jobs.nodes;
    adminEdges = jobs.edges;
  });
  afterAll(async () => setup?.close());

  it('serves an admin every job\'s details with the server\'s credentials', () => {
    expect(adminNodes).toHaveLength(150);
    expect(new Set(adminNodes.map((node) => node.userid)).size).toBeGreaterThan(2);
    expect(adminNodes.every((node) => (node.eventlog?.length ?? 0) > 0 && node.jobspec !== null)).toBe(true);
  });

  it("shows a user their own jobs' details, each lookup carrying the user's credentials", async () => {
    const app = await appFor(setup);
    setup.handle.reset();
    setup.lookupCredentials.length = 0;
    const body = await ask(app, users.alice.name, `{ jobs(first: 1000) { nodes { ${DETAILS} } } }`);
    expect(body.errors).toBeUndefined();
    const nodes = (body.data?.['jobs'] as { nodes: Node[] }).nodes;
    const alices = adminNodes.filter((node) => node.userid === users.alice.uid);
    expect(nodes.length).toBe(alices.length);
    // The same details the admin saw for these jobs.
    expect(nodes).toEqual(alices);
    expect(setup.handle.callsTo('job-info.lookup')).toHaveLength(alices.length);
    expect(new Set(setup.lookupCredentials.splice(0))).toEqual(new Set([`${users.alice.uid}/${Role.USER}`]));
  });

  it("gives a user no detail of another user's job reached by the admin's ID or cursor, and sends job-info nothing for it", async () => {
    const app = await appFor(setup);
    const bobs = adminNodes.find((node) => node.userid === users.bob.uid) as Node;
    setup.handle.reset();
    const byId = await ask(app, users.alice.name, `query($id: JobID!, $node: ID!) { job(id: $id) { ${DETAILS} } node(id: $node) { ... on Job { ${DETAILS} } } }`, { id: bobs.id, node: bobs.id });
    expect(byId).toEqual({ data: { job: null, node: null } });
    // The cursor of the edge before one of Bob's jobs: what follows it for Alice is hers alone.
    const before = adminEdges.findIndex((edge) => edge.node.userid === users.bob.uid) - 1;
    const cursor = before >= 0 ? (adminEdges[before] as { cursor: string }).cursor : null;
    const byCursor = await ask(app, users.alice.name, `query($after: String) { jobs(first: 1000, after: $after) { nodes { ${DETAILS} } } }`, { after: cursor });
    expect(byCursor.errors).toBeUndefined();
    const nodes = (byCursor.data?.['jobs'] as { nodes: Node[] }).nodes;
    expect(nodes.every((node) => node.userid === users.alice.uid)).toBe(true);
    const looked = new Set(setup.handle.callsTo('job-info.lookup').map((call) => String(call.payload?.['id'])));
    const bobsIds = new Set(adminNodes.filter((node) => node.userid === users.bob.uid).map((node) => node.id));
    expect([...looked].some((id) => bobsIds.has(id))).toBe(false);
    expect(looked.size).toBe(nodes.length);
  });
});

describe.each(TRANSPORTS)("job details on an open instance, %s: job-info's own owner check", (_transport, open) => {
  let setup: Setup;
  let users: Awaited<ReturnType<typeof usersOf>>;
  beforeAll(async () => {
    setup = await open(false);
    users = await usersOf(setup);
  });
  afterAll(async () => setup?.close());

  it("is FORBIDDEN on each detail field of another user's job, the rest of the answer standing", async () => {
    const app = await appFor(setup);
    setup.handle.reset();
    setup.lookupCredentials.length = 0;
    const body = await ask(app, users.alice.name, `{ jobs(first: 1000) { nodes { ${DETAILS} output { stdout } } } }`);
    const nodes = (body.data?.['jobs'] as { nodes: Node[] }).nodes;
    expect(nodes).toHaveLength(150);
    const theirs = nodes.filter((node) => node.userid !== users.alice.uid);
    const mine = nodes.filter((node) => node.userid === users.alice.uid);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((node) => (node.eventlog?.length ?? 0) > 0 && node.jobspec !== null)).toBe(true);
    expect(theirs.every((node) => node.eventlog === null && node.jobspec === null && node.output === null)).toBe(true);
    // Three FORBIDDEN errors per other user's job (eventlog, jobspec, output), each on its own field.
    const forbidden = (body.errors ?? []).filter((error) => error.extensions?.code === 'FORBIDDEN');
    expect(forbidden).toHaveLength(theirs.length * 3);
    expect(new Set(forbidden.map((error) => error.path?.[3]))).toEqual(new Set(['eventlog', 'jobspec', 'output']));
    expect(forbidden.every((error) => nodes[error.path?.[2] as number]?.userid !== users.alice.uid)).toBe(true);
    expect(forbidden[0]?.message).toMatch(/^job ƒ\w+: job-info\.lookup: access is restricted to job\/instance owner \(EPERM\)$/);
    // Only Alice's own jobs' fields are otherwise in error (a key not written yet), never FORBIDDEN.
    expect((body.errors ?? []).every((error) => error.extensions?.code === 'FORBIDDEN' || error.extensions?.code === 'KEY_NOT_FOUND')).toBe(true);
    // The credentials job-info judged by: Alice's, in every lookup message.
    expect(setup.lookupCredentials.length).toBeGreaterThanOrEqual(150);
    expect(new Set(setup.lookupCredentials)).toEqual(new Set([`${users.alice.uid}/${Role.USER}`]));
  });
});
