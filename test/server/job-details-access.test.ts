/**
 * Job details carry the request's user like every other RPC: an authenticated user's
 * job-info.lookup requests have the user's credentials, so job-info's owner check lets them
 * read their own jobs and answers EPERM for another user's (FORBIDDEN on that field alone, the
 * rest of the page standing); an admin is served with the server's own credentials. On an open
 * instance (job-list shows everyone every job), with job-info answered by the fake of
 * test/support whose owner check is Flux's.
 */
import { Role } from '../../src/flux/constants';
import { openEmbeddedInstance, type EmbeddedBackend } from '../../src/server/backend';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { embeddedIdentity } from '../support/embedded-identity';
import { createFakeJobInfo, documentsOf, withFakeJobInfo, type FakeJobInfo } from '../support/fake-job-info';
import { recordedJob } from '../support/job-info-fixtures';

interface Body {
  data?: { jobs: { nodes: { userid: number; eventlog: { name: string }[] | null }[] } } | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

const PROXY = { req: { socket: { remoteAddress: '127.0.0.1' } } };
const QUERY = '{ jobs(first: 1000) { nodes { userid eventlog { name } } } }';

async function ask(app: FluxGraphQLApp, user: string): Promise<Body> {
  const response = await app.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-remote-user': user }, body: JSON.stringify({ query: QUERY }) }, PROXY);
  return (await response.json()) as Body;
}

describe('job details and who asks', () => {
  let embedded: EmbeddedBackend;
  let fake: FakeJobInfo;
  let jobs: { id: number; userid: number }[];
  let alice: { name: string; uid: number };

  async function appFor(options: { admins?: string[]; ownJobsOnly?: boolean } = {}): Promise<FluxGraphQLApp> {
    const handle = withFakeJobInfo(embedded.instance.handle(), fake, embedded.instance.ownerUserid);
    const identity = await embeddedIdentity(embedded, { handle, ...options });
    return createApp({ handle, logging: false, identity, jobInfo: { now: embedded.instance.now, usernameOf: embedded.usernameOf } });
  }

  beforeAll(async () => {
    embedded = await openEmbeddedInstance({ jobs: 80, seed: 11, live: false, latencyMs: 0 });
    const listed = (await embedded.instance.handle().rpc('job-list.list', { max_entries: 0, attrs: ['userid'], constraint: {} })) as { jobs: { id: number; userid: number }[] };
    jobs = listed.jobs;
    // Every job has the recorded details of ƒHTuvQm5, owned by whoever submitted it.
    const recorded = documentsOf(recordedJob('run_out_err').job);
    fake = createFakeJobInfo(new Map(jobs.map((job) => [BigInt(job.id), { ...recorded, owner: job.userid }])));
    const uid = jobs.map((job) => job.userid).find((candidate) => candidate !== embedded.instance.ownerUserid) as number;
    alice = { uid, name: embedded.usernameOf(uid) as string };
  });
  afterAll(async () => embedded?.close());
  beforeEach(() => fake.reset());

  it("reads a user's own jobs' eventlogs with the user's credentials, and is FORBIDDEN each other one", async () => {
    const body = await ask(await appFor(), alice.name);
    const nodes = body.data?.jobs.nodes ?? [];
    expect(nodes).toHaveLength(jobs.length);
    const mine = nodes.filter((node) => node.userid === alice.uid);
    const theirs = nodes.filter((node) => node.userid !== alice.uid);
    expect(mine.length).toBeGreaterThan(0);
    expect(theirs.length).toBeGreaterThan(0);
    expect(mine.every((node) => node.eventlog?.length === 10)).toBe(true);
    expect(theirs.every((node) => node.eventlog === null)).toBe(true);
    // One FORBIDDEN error per other user's job, each at its own eventlog.
    expect(body.errors).toHaveLength(theirs.length);
    expect(new Set(body.errors?.map((error) => error.extensions?.code))).toEqual(new Set(['FORBIDDEN']));
    expect(body.errors?.every((error) => error.path?.[3] === 'eventlog' && (nodes[error.path?.[2] as number]?.userid ?? alice.uid) !== alice.uid)).toBe(true);
    expect(body.errors?.[0]?.message).toMatch(/^job ƒ\w+: job-info\.lookup: access is restricted to job\/instance owner \(EPERM\)$/);
    // Every lookup carried Alice's credentials.
    expect(fake.lookups).toHaveLength(jobs.length);
    expect(new Set(fake.lookups.map((lookup) => `${lookup.userid}/${lookup.rolemask}`))).toEqual(new Set([`${alice.uid}/${Role.USER}`]));
  });

  it('serves an admin with the server\'s own credentials: every eventlog', async () => {
    const body = await ask(await appFor({ admins: [alice.name] }), alice.name);
    expect(body.errors).toBeUndefined();
    expect(body.data?.jobs.nodes.every((node) => node.eventlog?.length === 10)).toBe(true);
    expect(new Set(fake.lookups.map((lookup) => lookup.rolemask))).toEqual(new Set([Role.OWNER]));
  });

  it('with --own-jobs-only, looks up only the jobs the user may see', async () => {
    const body = await ask(await appFor({ ownJobsOnly: true }), alice.name);
    expect(body.errors).toBeUndefined();
    const nodes = body.data?.jobs.nodes ?? [];
    expect(nodes.every((node) => node.userid === alice.uid && node.eventlog?.length === 10)).toBe(true);
    expect(fake.lookups).toHaveLength(nodes.length);
  });
});
