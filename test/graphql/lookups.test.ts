/**
 * What the app asks Flux for: exactly the attributes the selection needs (never "all"), and
 * every job-by-ID lookup of a request batched into one set of list-id RPCs.
 */
import { encodeJobId } from '../../src/flux/jobid';
import { f58Ids, workloadApp } from './test-app';

describe('attributes asked for', () => {
  const test = workloadApp({ jobs: 120, seed: 3 });
  let someIds: string[];
  let firstId: bigint;

  beforeAll(async () => {
    const listed = await test.list({ attrs: [], maxEntries: 5 });
    someIds = f58Ids(listed);
    firstId = (listed[0] as { id: bigint }).id;
    test.handle.reset();
  });

  afterEach(() => test.handle.reset());

  function listAttrs(): unknown[] {
    return test.handle.callsTo('job-list.list').map((call) => call.payload?.['attrs']);
  }

  it('lists `id name state` with the attributes state and name only', async () => {
    const response = await test.gql('{ jobs(first: 3) { nodes { id name state } } }');
    expect(response.errors).toBeUndefined();
    expect(test.handle.callsTo('job-list.list').map((call) => call.payload)).toEqual([
      { max_entries: 4, attrs: ['state', 'name'], since: 0, constraint: { and: [] } },
    ]);
  });

  it('asks for nothing but IDs when only IDs are selected', async () => {
    await test.gql('{ jobs(first: 2) { edges { node { id jobid(encoding: HEX) } } } }');
    expect(listAttrs()).toEqual([[]]);
  });

  it('adds what cursors need (state, t_run, t_inactive) only when cursors are selected', async () => {
    await test.gql('{ jobs(first: 2) { edges { cursor node { name } } } }');
    await test.gql('{ jobs(first: 2) { pageInfo { endCursor } nodes { name } } }');
    await test.gql('{ jobs(first: 2) { pageInfo { hasNextPage } nodes { name } } }');
    expect(listAttrs()).toEqual([['t_run', 't_inactive', 'state', 'name'], ['t_run', 't_inactive', 'state', 'name'], ['name']]);
  });

  it('follows named and inline fragments, aliases and @include/@skip', async () => {
    await test.gql(
      `query ($withQueue: Boolean!) {
         jobs(first: 2) {
           edges { node { ...Who } }
           nodes { ... on Job { started: tRun } exception { type } queue @include(if: $withQueue) ranks @skip(if: true) }
         }
       }
       fragment Who on Job { username ... on Node { id } status }`,
      { withQueue: true },
    );
    expect(listAttrs()).toEqual([['userid', 't_run', 'state', 'queue', 'exception_type', 'result']]);
  });

  it('maps derived fields to what Flux derives them from', async () => {
    await test.gql('{ jobs(first: 2) { nodes { returncode runtime contextualTime } } }');
    expect(listAttrs()).toEqual([['t_run', 't_cleanup', 'state', 'duration', 'result', 'waitstatus']]);
  });

  it('never asks for "all", even for every field', async () => {
    const every =
      'id jobid userid username urgency priority state stateSingle result resultAbbrev status statusAbbrev name cwd queue project bank ' +
      'ntasks ncores nnodes duration ranks nodelist expiration tSubmit tDepend tPriority tSched tRun tCleanup tInactive runtime tRemaining ' +
      'waitstatus returncode success exception { occurred severity type note } annotations dependencies contextualInfo contextualTime inactiveReason';
    await test.gql(`{ jobs(first: 2) { nodes { ${every} } } job(id: "${someIds[0]}") { ${every} } }`);
    const attrs = test.handle.calls.map((call) => call.payload?.['attrs']);
    expect(attrs).toHaveLength(2);
    for (const list of attrs) {
      expect(list).not.toContain('all');
      expect((list as string[]).length).toBe(32);
    }
  });

  it('looks up job(id:) with the attributes of its selection', async () => {
    await test.gql(`{ job(id: "${someIds[0]}") { name runtime } }`);
    expect(test.handle.callsTo('job-list.list-id').map((call) => call.payload)).toEqual([{ id: firstId, attrs: ['t_run', 't_cleanup', 'name'] }]);
  });

  it('looks up node(id:) with the attributes of its Job fragment', async () => {
    const response = await test.gql(`{ node(id: "${someIds[1]}") { id ... on Job { queue } } }`);
    expect(response.data).toEqual({ node: { id: someIds[1], queue: expect.any(String) } });
    expect(test.handle.callsTo('job-list.list-id').map((call) => call.payload?.['attrs'])).toEqual([['queue']]);
  });
});

describe('batching job-by-ID lookups', () => {
  const test = workloadApp({ jobs: 120, seed: 3 });
  let ids: bigint[];

  beforeAll(async () => {
    ids = (await test.list({ attrs: [], maxEntries: 60 })).map((job) => job.id);
  });

  beforeEach(() => {
    test.handle.reset();
    test.batches.length = 0;
  });

  it('sends 50 aliased job() lookups as one batch of 50 list-id RPCs', async () => {
    const fifty = ids.slice(0, 50);
    const query = `{ ${fifty.map((id, i) => `j${i}: job(id: "${encodeJobId(id)}") { id name }`).join(' ')} }`;
    const response = await test.gql(query);
    expect(response.errors).toBeUndefined();
    expect(Object.values(response.data ?? {}).map((job) => (job as { id: string }).id)).toEqual(fifty.map((id) => encodeJobId(id)));
    expect(test.batches).toEqual([{ ids: fifty, attrs: ['name'] }]);
    const rpcs = test.handle.callsTo('job-list.list-id');
    expect(rpcs).toHaveLength(50);
    expect(rpcs.map((call) => call.payload?.['id'])).toEqual(fifty);
    expect(test.handle.calls).toHaveLength(50);
  });

  it('collapses the same job asked for in several encodings and fields into one RPC, with the union of attributes', async () => {
    const id = ids[7] as bigint;
    const forms = [encodeJobId(id, 'dec'), encodeJobId(id, 'hex'), encodeJobId(id, 'dothex'), encodeJobId(id, 'kvs'), encodeJobId(id, 'f58plain')];
    const query = `{
      ${forms.map((form, i) => `a${i}: job(id: "${form}") { id name }`).join(' ')}
      b: node(id: "${encodeJobId(id)}") { ... on Job { queue } }
      c: jobs(ids: ["${forms[0]}", "${forms[1]}"]) { nodes { id userid } }
      d: nodes(ids: ["${forms[2]}"]) { id }
    }`;
    const response = await test.gql(query);
    expect(response.errors).toBeUndefined();
    expect(test.batches).toEqual([{ ids: [id], attrs: ['userid', 'name', 'queue'] }]);
    expect(test.handle.callsTo('job-list.list-id')).toHaveLength(1);
    expect(test.handle.calls).toHaveLength(1);
    const data = response.data as Record<string, unknown>;
    expect(data['a0']).toEqual(data['a4']);
    expect(data['c']).toEqual({ nodes: [{ id: encodeJobId(id), userid: expect.any(Number) }, { id: encodeJobId(id), userid: expect.any(Number) }] });
  });

  it('batches jobs(ids:) with other lookups and keeps unknown IDs out of the batch answer', async () => {
    const unknown = 12345n;
    const response = await test.gql(`{
      x: job(id: "${encodeJobId(ids[0] as bigint)}") { id }
      y: jobs(ids: ["${encodeJobId(ids[1] as bigint)}", "${unknown}"]) { nodes { id } }
    }`);
    expect(test.batches).toHaveLength(1);
    expect(test.batches[0]?.ids).toEqual([ids[0], ids[1], unknown]);
    expect((response.data?.['y'] as { nodes: unknown[] }).nodes).toEqual([{ id: encodeJobId(ids[1] as bigint) }]);
  });

  it('uses a fresh loader per request: nothing is cached across requests', async () => {
    const query = `{ job(id: "${encodeJobId(ids[2] as bigint)}") { id } }`;
    await test.gql(query);
    await test.gql(query);
    expect(test.batches).toHaveLength(2);
    expect(test.handle.callsTo('job-list.list-id')).toHaveLength(2);
  });
});
