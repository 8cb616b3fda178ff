/**
 * A site whose users live in LDAP/SSSD: the server asks NSS (here a fake getent) for the names
 * of Job.username, one getent a response, and for the uid of jobs(user:).
 */
import { EmbeddedInstance } from '../../src/embedded';
import type { Json } from '../../src/flux/json';
import { NssUserDatabase, type GetentRunner } from '../../src/joblist';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { fakeGetent } from '../support/fake-getent';
import type { GraphQLResponse } from './test-app';

const NOW = 1795640000;
const USERS = [
  { name: 'alice', uid: 5001 },
  { name: 'bob', uid: 5002 },
  { name: 'carol', uid: 5003 },
];
const DIRECTORY = new Map(USERS.map((user) => [user.uid, user.name]));
/** Two jobs each for three directory users and one uid nobody knows. */
const UIDS = [5001, 5002, 5003, 7777, 5001, 5002, 5003, 7777];

function records(): Json[] {
  return UIDS.map((userid, index) => ({
    id: 1000 + index,
    userid,
    urgency: 16,
    state: 8,
    t_submit: NOW - 100 + index,
    t_depend: NOW - 100 + index,
    t_priority: NOW - 100 + index,
    t_sched: NOW - 100 + index,
    priority: 16,
    name: `job-${index}`,
    queue: 'batch',
    ntasks: 1,
    ncores: 1,
    duration: 0.0,
  }));
}

function appOn(getent: GetentRunner): FluxGraphQLApp {
  const instance = new EmbeddedInstance({ queues: ['batch'], now: () => NOW });
  instance.loadRecords(records());
  return createApp({
    handle: instance.handle(),
    logging: false,
    // No usernameOf of its own: names come from the user database, as for a real instance.
    jobInfo: { now: () => NOW, timeZone: 'UTC' },
    userDatabase: new NssUserDatabase({ getent, onError: () => undefined }),
  });
}

async function gql<T>(app: FluxGraphQLApp, query: string): Promise<GraphQLResponse<T>> {
  const response = await app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

type Page = { jobs: { nodes: { userid: number; username: string }[] } };

describe('users known only to NSS', () => {
  it('name the jobs of a page with one getent for all their uids', async () => {
    const getent = fakeGetent(USERS);
    const app = appOn(getent);
    const response = await gql<Page>(app, '{ jobs { nodes { userid username } } }');
    expect(response.errors).toBeUndefined();
    const nodes = response.data?.jobs.nodes ?? [];
    expect(nodes).toHaveLength(UIDS.length);
    for (const node of nodes) expect(node.username).toBe(DIRECTORY.get(node.userid) ?? String(node.userid));
    expect(getent.calls).toHaveLength(1);
    expect([...(getent.calls[0] ?? [])].sort()).toEqual(['5001', '5002', '5003', '7777']);
  });

  it('name jobs looked up by ID, and a second request is answered from the cache', async () => {
    const getent = fakeGetent(USERS);
    const app = appOn(getent);
    const query = '{ a: job(id: "1000") { username } b: job(id: "1001") { username } c: job(id: "1003") { username } }';
    const first = await gql<Record<string, { username: string }>>(app, query);
    expect(first.data).toEqual({ a: { username: 'alice' }, b: { username: 'bob' }, c: { username: '7777' } });
    expect(getent.calls).toHaveLength(1);
    await gql(app, query);
    // The unknown uid is believed unknown for the negative lifetime too.
    expect(getent.calls).toHaveLength(1);
  });

  it('are accepted by jobs(user:)', async () => {
    const getent = fakeGetent(USERS);
    const app = appOn(getent);
    const response = await gql<Page>(app, '{ jobs(user: "bob") { nodes { userid username } } }');
    expect(response.errors).toBeUndefined();
    expect(response.data?.jobs.nodes).toEqual([
      { userid: 5002, username: 'bob' },
      { userid: 5002, username: 'bob' },
    ]);
    // The name's lookup also taught the database uid 5002's name: no second getent.
    expect(getent.calls).toEqual([['bob']]);
  });

  it('refuse an unknown name as before (BAD_USER_INPUT)', async () => {
    const app = appOn(fakeGetent(USERS));
    const response = await gql(app, '{ jobs(user: "mallory") { nodes { id } } }');
    expect(response.errors?.map((error) => [error.extensions?.code, error.message])).toEqual([['BAD_USER_INPUT', 'Invalid user mallory specified']]);
  });

  it('take a uid and "all" without asking NSS for a name', async () => {
    const getent = fakeGetent(USERS);
    const app = appOn(getent);
    const byUid = await gql<Page>(app, '{ jobs(user: "7777") { nodes { userid username } } }');
    expect(byUid.data?.jobs.nodes).toEqual([
      { userid: 7777, username: '7777' },
      { userid: 7777, username: '7777' },
    ]);
    const all = await gql<Page>(app, '{ jobs(user: "all") { nodes { userid } } }');
    expect(all.data?.jobs.nodes).toHaveLength(UIDS.length);
    expect(getent.calls).toEqual([['7777']]);
  });

  it('show uids as numbers when getent fails, with no error', async () => {
    const failing: GetentRunner = async () => {
      throw new Error('spawn getent ENOENT');
    };
    const app = appOn(failing);
    const response = await gql<Page>(app, '{ jobs { nodes { userid username } } }');
    expect(response.errors).toBeUndefined();
    for (const node of response.data?.jobs.nodes ?? []) expect(node.username).toBe(String(node.userid));
    const refused = await gql(app, '{ jobs(user: "alice") { nodes { id } } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
