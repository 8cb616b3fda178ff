/**
 * Relay pagination over Flux's order: walking every page forwards or backwards gives exactly
 * the list Flux gives (no gaps, no duplicates), also across equal sort keys; later pages are
 * fetched with a key constraint, not by listing what came before. jobs(ids:) pages through
 * its list in the given order.
 */
import { encodeJobId } from '../../src/flux/jobid';
import type { Json } from '../../src/flux/json';
import { encodeCursor, queryFingerprint } from '../../src/graphql/pagination/cursor';
import { f58Ids, recordsApp, workloadApp, type GraphQLResponse, type TestApp } from './test-app';

interface Page {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const PAGE_QUERY = `
  query Page($first: Int, $after: String, $last: Int, $before: String, $filters: [JobFilter!], $queue: [String!], $since: Float) {
    jobs(first: $first, after: $after, last: $last, before: $before, filters: $filters, queue: $queue, since: $since) {
      edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;

async function page(test: TestApp, variables: Record<string, unknown>): Promise<Page> {
  const response = (await test.gql(PAGE_QUERY, variables)) as GraphQLResponse<{ jobs: Page }>;
  expect(response.errors).toBeUndefined();
  return (response.data as { jobs: Page }).jobs;
}

/** Every page from the start, following endCursor. */
async function walkForward(test: TestApp, size: number, filters: Record<string, unknown> = {}): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 500; guard++) {
    const current = await page(test, { ...filters, first: size, after });
    ids.push(...current.edges.map((edge) => edge.node.id));
    expect(current.pageInfo.hasPreviousPage).toBe(after !== null);
    if (!current.pageInfo.hasNextPage) return ids;
    expect(current.edges).toHaveLength(size);
    after = current.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

/** Every page from the end, following startCursor; returned in list order. */
async function walkBackward(test: TestApp, size: number, filters: Record<string, unknown> = {}): Promise<string[]> {
  const pages: string[][] = [];
  let before: string | null = null;
  for (let guard = 0; guard < 500; guard++) {
    const current = await page(test, { ...filters, last: size, before });
    pages.unshift(current.edges.map((edge) => edge.node.id));
    expect(current.pageInfo.hasNextPage).toBe(before !== null);
    if (!current.pageInfo.hasPreviousPage) return pages.flat();
    expect(current.edges).toHaveLength(size);
    before = current.pageInfo.startCursor;
  }
  throw new Error('pagination did not end');
}

describe('paging a generated workload', () => {
  const test = workloadApp({ jobs: 400, seed: 4 });

  const queries: [string, Record<string, unknown>, Parameters<TestApp['list']>[0]][] = [
    ['all jobs', {}, {}],
    ['inactive jobs', { filters: ['INACTIVE'] }, { filters: ['inactive'] }],
    ['active jobs', { filters: ['ACTIVE'] }, { filters: ['active'] }],
    ['running or failed', { filters: ['RUNNING', 'FAILED'] }, { filters: ['running', 'failed'] }],
    ['one queue', { queue: ['debug'] }, { queue: ['debug'] }],
  ];

  it.each(queries)('forward pages of %s reproduce Flux\'s list', async (_what, variables, listOptions) => {
    const expected = f58Ids(await test.list({ ...listOptions, attrs: [] }));
    expect(expected.length).toBeGreaterThan(3);
    for (const size of [1, 7, 50]) {
      if (size === 1 && expected.length > 120) continue; // one-job pages of the larger lists take long
      const ids = await walkForward(test, size, variables);
      expect(ids).toEqual(expected);
    }
  });

  it.each(queries)('backward pages of %s reproduce Flux\'s list', async (_what, variables, listOptions) => {
    const expected = f58Ids(await test.list({ ...listOptions, attrs: [] }));
    for (const size of [9, 50]) {
      const ids = await walkBackward(test, size, variables);
      expect(ids).toEqual(expected);
    }
  });

  it('pages after a `since` bound as Flux applies it (inactive jobs only)', async () => {
    const all = await test.list({ attrs: ['t_inactive'] });
    const times = all.map((job) => job['t_inactive']).filter((t): t is number => typeof t === 'number').sort((a, b) => a - b);
    const since = times[Math.floor(times.length / 2)] as number;
    const expected = f58Ids(await test.list({ since, attrs: [] }));
    expect(await walkForward(test, 13, { since })).toEqual(expected);
  });

  it('asks Flux only for the page, with a t_inactive bound, once past the active jobs', async () => {
    const first = await page(test, { first: 30, filters: ['INACTIVE'] });
    test.handle.reset();
    const second = await page(test, { first: 30, after: first.pageInfo.endCursor, filters: ['INACTIVE'] });
    expect(second.edges).toHaveLength(30);
    const lists = test.handle.callsTo('job-list.list');
    expect(lists).toHaveLength(1);
    const payload = lists[0]?.payload as { max_entries: number; constraint: Json };
    // 30 jobs, one more to tell whether there is a next page, one for the cursor's own job.
    expect(payload.max_entries).toBe(32);
    expect(JSON.stringify(payload.constraint)).toMatch(/"t_inactive":\["<=1795\d+(\.\d+)?"\]/);
  });

  it('follows a cursor among running jobs with a t_run bound', async () => {
    const first = await page(test, { first: 2, filters: ['RUNNING'] });
    test.handle.reset();
    await page(test, { first: 2, after: first.pageInfo.endCursor, filters: ['RUNNING'] });
    const payload = test.handle.callsTo('job-list.list')[0]?.payload as { constraint: Json };
    expect(JSON.stringify(payload.constraint)).toMatch(/"t_run":\["<=1795\d+(\.\d+)?"\]/);
  });

  it('uses the default page size, 50, when neither first nor last is given', async () => {
    const current = await page(test, {});
    expect(current.edges).toHaveLength(50);
    expect(current.pageInfo.hasNextPage).toBe(true);
  });

  it('returns no jobs for first: 0 but says whether there are any', async () => {
    const current = await page(test, { first: 0 });
    expect(current.edges).toEqual([]);
    expect(current.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null });
  });

  it('gives the jobs between two cursors with first/after/before and last/after/before', async () => {
    const all = f58Ids(await test.list({ attrs: [] }));
    const head = await page(test, { first: 20 });
    const cursorAt = (index: number): string => (head.edges[index] as { cursor: string }).cursor;
    const forward = await page(test, { first: 50, after: cursorAt(3), before: cursorAt(12) });
    expect(forward.edges.map((edge) => edge.node.id)).toEqual(all.slice(4, 12));
    expect(forward.pageInfo.hasNextPage).toBe(false);
    const backward = await page(test, { last: 5, after: cursorAt(3), before: cursorAt(12) });
    expect(backward.edges.map((edge) => edge.node.id)).toEqual(all.slice(7, 12));
    expect(backward.pageInfo.hasPreviousPage).toBe(true);
  });

  it('counts the matching jobs in totalCount, listing them only when asked', async () => {
    const expected = (await test.list({ filters: ['inactive'], attrs: [] })).length;
    test.handle.reset();
    const without = await test.gql('{ jobs(first: 5, filters: [INACTIVE]) { nodes { id } } }');
    expect(without.errors).toBeUndefined();
    expect(test.handle.callsTo('job-list.list')).toHaveLength(1);
    test.handle.reset();
    const withCount = await test.gql('{ jobs(first: 5, filters: [INACTIVE]) { totalCount nodes { id } } }');
    expect(withCount.data?.['jobs']).toMatchObject({ totalCount: expected });
    const calls = test.handle.callsTo('job-list.list');
    expect(calls).toHaveLength(2);
    expect(calls.map((call) => call.payload?.['attrs'])).toContainEqual([]);
  });
});

/** A hand-made instance whose jobs share sort keys: ties in t_run and t_inactive. */
function tiedRecords(): Json[] {
  const base = { userid: 1000, urgency: 16, cwd: '/tmp', queue: 'batch', ntasks: 1, ncores: 1, duration: 0.0 };
  const pending = (id: number, priority: number | undefined, state: number): Json => ({
    id,
    ...base,
    ...(priority === undefined ? {} : { priority }),
    t_submit: 100.5,
    t_depend: 100.6,
    ...(state >= 4 ? { t_priority: 100.7 } : {}),
    ...(state >= 8 ? { t_sched: 100.8 } : {}),
    state,
    name: `pending-${id}`,
  });
  const running = (id: number, tRun: number | undefined): Json => ({
    id,
    ...base,
    priority: 16,
    t_submit: 50.5,
    t_depend: 50.6,
    t_priority: 50.7,
    t_sched: 50.8,
    ...(tRun === undefined ? { t_cleanup: 60.5, state: 32 } : { t_run: tRun, state: 16, nnodes: 1, ranks: '0', nodelist: 'node1', expiration: 0.0 }),
    name: `running-${id}`,
  });
  const inactive = (id: number, tInactive: number): Json => ({
    id,
    ...base,
    priority: 16,
    t_submit: 10.5,
    t_depend: 10.6,
    t_priority: 10.7,
    t_sched: 10.8,
    t_run: 11.5,
    t_cleanup: tInactive - 0.5,
    t_inactive: tInactive,
    state: 64,
    name: `inactive-${id}`,
    nnodes: 1,
    ranks: '0',
    nodelist: 'node1',
    success: true,
    exception_occurred: false,
    result: 1,
    expiration: 0.0,
    waitstatus: 0,
  });
  return [
    pending(2001, 100, 8),
    pending(2002, 16, 8),
    pending(2003, 16, 8),
    pending(2004, undefined, 2),
    pending(2005, 0, 8),
    running(3001, 500.25),
    running(3002, 500.25),
    running(3003, 500.25),
    running(3004, 400.5),
    running(3005, undefined),
    running(3006, undefined),
    inactive(4009, 900.25),
    inactive(4007, 900.25),
    inactive(4005, 900.25),
    inactive(4003, 900.25),
    inactive(4001, 800.5),
    inactive(4010, 700.5),
    inactive(4002, 700.5),
  ];
}

describe('paging through equal sort keys', () => {
  const test = recordsApp(tiedRecords());

  it('is served in Flux\'s order', async () => {
    const listed = await test.list({ attrs: [] });
    expect(listed.map((job) => Number(job.id))).toEqual([
      2001, 2002, 2003, 2004, 2005, 3001, 3002, 3003, 3004, 3005, 3006, 4009, 4007, 4005, 4003, 4001, 4010, 4002,
    ]);
  });

  it.each([1, 2, 3, 4])('walks forward in pages of %d without gaps or duplicates', async (size) => {
    const expected = f58Ids(await test.list({ attrs: [] }));
    expect(await walkForward(test, size)).toEqual(expected);
  });

  it.each([1, 2, 3, 5])('walks backward in pages of %d without gaps or duplicates', async (size) => {
    const expected = f58Ids(await test.list({ attrs: [] }));
    expect(await walkBackward(test, size)).toEqual(expected);
  });

  it('walks forward through running jobs only, ties and never-ran jobs included', async () => {
    const expected = f58Ids(await test.list({ filters: ['running'], attrs: [] }));
    expect(expected).toHaveLength(6);
    expect(await walkForward(test, 1, { filters: ['RUNNING'] })).toEqual(expected);
    expect(await walkBackward(test, 1, { filters: ['RUNNING'] })).toEqual(expected);
  });
});

describe('paging jobs(ids:)', () => {
  const test = recordsApp(tiedRecords());
  /** Given order, not Flux's; a repeated ID; two IDs Flux does not know (1 and 9999). */
  const IDS = [4002, 2001, 1, 3005, 2001, 4009, 9999, 3001];
  const KNOWN = IDS.filter((id) => id !== 1 && id !== 9999);
  const f58 = (ids: readonly number[]): string[] => ids.map((id) => encodeJobId(BigInt(id)));

  const IDS_PAGE = `
    query IdsPage($ids: [JobID!], $first: Int, $after: String, $last: Int, $before: String) {
      jobs(ids: $ids, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        edges { cursor node { id } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }`;

  async function idsPage(variables: Record<string, unknown>): Promise<{ jobs: Page & { totalCount: number }; notFound: unknown[] }> {
    const response = (await test.gql(IDS_PAGE, { ids: IDS.map(String), ...variables })) as GraphQLResponse<{ jobs: Page & { totalCount: number } }>;
    const notFound = (response.errors ?? []).map((error) => [error.extensions?.code, error.extensions?.['jobid'], error.path]);
    return { jobs: (response.data as { jobs: Page & { totalCount: number } }).jobs, notFound };
  }

  it('walks forward and backward through the known IDs in the given order, reporting each unknown one on every page', async () => {
    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { jobs, notFound } = await idsPage({ first: 2, after });
      expect(notFound).toEqual([
        ['JOB_NOT_FOUND', encodeJobId(1n), ['jobs']],
        ['JOB_NOT_FOUND', encodeJobId(9999n), ['jobs']],
      ]);
      expect(jobs.totalCount).toBe(KNOWN.length);
      expect(jobs.pageInfo.hasPreviousPage).toBe(after !== null);
      forward.push(...jobs.edges.map((edge) => edge.node.id));
      if (!jobs.pageInfo.hasNextPage) break;
      after = jobs.pageInfo.endCursor;
    }
    expect(forward).toEqual(f58(KNOWN));

    const backward: string[][] = [];
    let before: string | null = null;
    for (;;) {
      const { jobs } = await idsPage({ last: 4, before });
      expect(jobs.pageInfo.hasNextPage).toBe(before !== null);
      backward.unshift(jobs.edges.map((edge) => edge.node.id));
      if (!jobs.pageInfo.hasPreviousPage) break;
      before = jobs.pageInfo.startCursor;
    }
    expect(backward).toEqual([f58(KNOWN.slice(0, 2)), f58(KNOWN.slice(2))]);
  });

  it('gives the jobs between two cursors with first/after/before and last/after/before', async () => {
    const { jobs: all } = await idsPage({ first: 50 });
    const cursorAt = (index: number): string => (all.edges[index] as { cursor: string }).cursor;
    const forward = (await idsPage({ first: 2, after: cursorAt(0), before: cursorAt(5) })).jobs;
    expect(forward.edges.map((edge) => edge.node.id)).toEqual(f58(KNOWN.slice(1, 3)));
    expect(forward.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const backward = (await idsPage({ last: 3, after: cursorAt(0), before: cursorAt(5) })).jobs;
    expect(backward.edges.map((edge) => edge.node.id)).toEqual(f58(KNOWN.slice(2, 5)));
    expect(backward.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  });

  it('reads a cursor as written before: an index into the ids list under the fingerprint of the arguments', async () => {
    const fingerprint = queryFingerprint(JSON.stringify([[], 'all', 0, null, null, null, IDS.map(String)]));
    // Index 2 is the unknown ID 1: the page starts after it, at 3005.
    const cursor = encodeCursor({ kind: 'ids', index: 2, query: fingerprint });
    const { jobs } = await idsPage({ first: 2, after: cursor });
    expect(jobs.edges.map((edge) => edge.node.id)).toEqual(f58([3005, 2001]));
    expect(jobs.edges[0]?.cursor).toBe(encodeCursor({ kind: 'ids', index: 3, query: fingerprint }));
  });
});
