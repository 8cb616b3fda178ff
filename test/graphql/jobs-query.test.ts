/**
 * jobs(...) lists what Flux's JobList lists for the same arguments, in Flux's order; job IDs
 * are read in every Flux encoding; jobStats and jobAttributes are job-list's answers.
 */
import { encodeJobId } from '../../src/flux/jobid';
import type { JobListOptions } from '../../src/joblist';
import { f58Ids, readFixture, snapshotApp, workloadApp } from './test-app';

const IDS_QUERY = `
  query ($filters: [JobFilter!], $user: String, $since: Float, $name: String, $queue: [String!], $constraint: JSON, $ids: [JobID!]) {
    jobs(first: 1000, filters: $filters, user: $user, since: $since, name: $name, queue: $queue, constraint: $constraint, ids: $ids) {
      totalCount
      nodes { id }
    }
  }`;

describe('jobs(...) filters, as JobList applies them', () => {
  const test = workloadApp({ jobs: 500, seed: 9 });
  let sinceMiddle: number;
  let someUser: { uid: number; name: string };
  let commonName: string;

  beforeAll(async () => {
    const all = await test.list({ attrs: ['t_inactive', 'userid', 'name', 't_submit'] });
    const times = all.flatMap((job) => (typeof job['t_inactive'] === 'number' ? [job['t_inactive']] : [])).sort((a, b) => a - b);
    sinceMiddle = times[Math.floor(times.length / 2)] as number;
    const byUser = new Map<number, number>();
    for (const job of all) byUser.set(job['userid'] as number, (byUser.get(job['userid'] as number) ?? 0) + 1);
    const busiest = [...byUser.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as number;
    someUser = test.users.find((user) => user.uid === busiest) as { uid: number; name: string };
    const byName = new Map<string, number>();
    for (const job of all) byName.set(job['name'] as string, (byName.get(job['name'] as string) ?? 0) + 1);
    commonName = [...byName.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
  });

  const cases: [string, () => [Record<string, unknown>, JobListOptions]][] = [
    ['no filters: every job of every user', () => [{}, {}]],
    ['one state', () => [{ filters: ['RUN'] }, { filters: ['run'] }]],
    ['a set of states', () => [{ filters: ['PENDING'] }, { filters: ['pending'] }]],
    ['states ORed with results', () => [{ filters: ['RUNNING', 'FAILED', 'TIMEOUT'] }, { filters: ['running', 'failed', 'timeout'] }]],
    ['results only', () => [{ filters: ['COMPLETED'] }, { filters: ['completed'] }]],
    ['a user by name', () => [{ user: someUser.name }, { user: someUser.uid }]],
    ['a user by uid', () => [{ user: String(someUser.uid) }, { user: someUser.uid }]],
    ['all users', () => [{ user: 'all' }, { user: 'all' }]],
    ['a name', () => [{ name: commonName }, { name: commonName }]],
    ['queues', () => [{ queue: ['debug', 'gpu'] }, { queue: ['debug', 'gpu'] }]],
    ['since', () => [{ since: sinceMiddle }, { since: sinceMiddle }]],
    [
      'a constraint ANDed with filters and a queue',
      () => [
        { constraint: { t_submit: [`>=${sinceMiddle - 86400}`] }, filters: ['INACTIVE'], queue: ['batch'] },
        { constraint: { t_submit: [`>=${sinceMiddle - 86400}`] }, filters: ['inactive'], queue: ['batch'] },
      ],
    ],
  ];

  it.each(cases)('%s', async (_what, make) => {
    const [variables, listOptions] = make();
    const expected = f58Ids(await test.list({ ...listOptions, attrs: [] }));
    const response = await test.gql(IDS_QUERY, variables);
    expect(response.errors).toBeUndefined();
    const jobs = response.data?.['jobs'] as { totalCount: number; nodes: { id: string }[] };
    expect(jobs.nodes.map((node) => node.id)).toEqual(expected);
    expect(jobs.totalCount).toBe(expected.length);
  });

  it('narrows the listing: every filter case above returns fewer jobs than no filter', async () => {
    const everything = (await test.list({ attrs: [] })).length;
    for (const [, make] of cases.slice(1)) {
      const [, listOptions] = make();
      if (listOptions.user === 'all') continue;
      expect((await test.list({ ...listOptions, attrs: [] })).length).toBeLessThan(everything);
    }
  });

  it('fetches exactly the given IDs, in the given order, ignoring other filters', async () => {
    const inactive = f58Ids(await test.list({ filters: ['inactive'], attrs: [], maxEntries: 2 }));
    const pending = f58Ids(await test.list({ filters: ['pending'], attrs: [], maxEntries: 1 }));
    const ids = [pending[0], inactive[1], inactive[0], inactive[1]];
    const response = await test.gql(IDS_QUERY, { ids, filters: ['RUN'], queue: ['no-such-queue'] });
    expect(response.errors).toBeUndefined();
    expect((response.data?.['jobs'] as { nodes: { id: string }[] }).nodes.map((node) => node.id)).toEqual(ids);
  });

  it('still refuses a bad user when IDs are given, as JobList does', async () => {
    const response = await test.gql(IDS_QUERY, { ids: ['ƒ2'], user: 'no-such-user' });
    expect(response.errors?.[0]?.message).toBe('Invalid user no-such-user specified');
  });
});

describe('job IDs in every encoding', () => {
  const test = workloadApp({ jobs: 120, seed: 3 });
  let id: bigint;

  beforeAll(async () => {
    id = (await test.list({ attrs: [] })).map((job) => job.id).reduce((a, b) => (a > b ? a : b));
  });

  it('uses IDs beyond 2^53 (where a JSON number would lose digits)', () => {
    expect(id > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it.each(['dec', 'hex', 'dothex', 'kvs', 'f58', 'f58plain'] as const)('finds the job by its %s form', async (encoding) => {
    const text = encodeJobId(id, encoding);
    const response = await test.gql('query ($id: JobID!, $nodeId: ID!) { job(id: $id) { id } node(id: $nodeId) { id } }', { id: text, nodeId: text });
    expect(response).toEqual({ data: { job: { id: encodeJobId(id) }, node: { id: encodeJobId(id) } } });
  });

  it('takes a decimal integer literal of any size', async () => {
    const response = await test.gql(`{ job(id: ${id.toString()}) { id } }`);
    expect(response).toEqual({ data: { job: { id: encodeJobId(id) } } });
  });

  it('shows the ID in each encoding', async () => {
    const response = await test.gql(
      `{ job(id: "${encodeJobId(id)}") { dec: jobid(encoding: DEC) hex: jobid(encoding: HEX) dothex: jobid(encoding: DOTHEX) kvs: jobid(encoding: KVS) f58: jobid f58plain: jobid(encoding: F58PLAIN) } }`,
    );
    expect(response.data?.['job']).toEqual({
      dec: id.toString(),
      hex: `0x${id.toString(16)}`,
      dothex: encodeJobId(id, 'dothex'),
      kvs: encodeJobId(id, 'kvs'),
      f58: encodeJobId(id, 'f58'),
      f58plain: encodeJobId(id, 'f58plain'),
    });
  });
});

describe('jobStats and jobAttributes', () => {
  const test = snapshotApp();
  interface Counts {
    job_states: Record<string, number>;
    successful: number;
    failed: number;
    canceled: number;
    timeout: number;
    inactive_purged: number;
    name?: string;
  }
  const recorded = readFixture<Counts & { queues: Counts[] }>('flux-0.88-snapshot-job-stats.json');
  const COUNT_FIELDS = 'depend priority sched run cleanup inactive total pending running active successful failed canceled timeout unsuccessful inactivePurged';

  function expectedCounts(counts: Counts): Record<string, number> {
    const s = counts.job_states as Record<string, number>;
    const n = (key: string): number => s[key] as number;
    return {
      depend: n('depend'),
      priority: n('priority'),
      sched: n('sched'),
      run: n('run'),
      cleanup: n('cleanup'),
      inactive: n('inactive'),
      total: n('total'),
      pending: n('depend') + n('priority') + n('sched'),
      running: n('run') + n('cleanup'),
      active: n('total') - n('inactive'),
      successful: counts.successful,
      failed: counts.failed,
      canceled: counts.canceled,
      timeout: counts.timeout,
      unsuccessful: counts.failed + counts.canceled + counts.timeout,
      inactivePurged: counts.inactive_purged,
    };
  }

  it('counts what the 0.88 broker counted, overall and per queue', async () => {
    const response = await test.gql(`{ jobStats { ${COUNT_FIELDS} queues { name ${COUNT_FIELDS} } } }`);
    expect(response.errors).toBeUndefined();
    const stats = response.data?.['jobStats'] as Record<string, unknown> & { queues: Record<string, unknown>[] };
    const { queues, ...overall } = stats;
    expect(overall).toEqual(expectedCounts(recorded));
    const byName = (list: { name?: unknown }[]) => [...list].sort((a, b) => String(a.name).localeCompare(String(b.name)));
    expect(byName(queues)).toEqual(byName(recorded.queues.map((queue) => ({ name: queue.name, ...expectedCounts(queue) }))));
  });

  it('reads the overall and every per-queue count from one job-stats request', async () => {
    test.handle.reset();
    const response = await test.gql('{ jobStats { total queues { name total } } }');
    expect(response.errors).toBeUndefined();
    expect(test.handle.calls.map((call) => call.topic)).toEqual(['job-list.job-stats']);
  });

  it('sums the given queues', async () => {
    const response = await test.gql('{ jobStats(queue: ["pdebug", "gpu"]) { total inactive successful } }');
    expect(response.data?.['jobStats']).toEqual({ total: 17, inactive: 9, successful: 4 });
    const unknown = await test.gql('{ jobStats(queue: ["nope"]) { total } }');
    expect(unknown.errors?.[0]).toMatchObject({ message: 'no stats available for queue nope', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it("lists job-list's attribute names", async () => {
    const response = await test.gql('{ jobAttributes }');
    const attrs = response.data?.['jobAttributes'] as string[];
    expect(attrs).toHaveLength(33);
    expect(attrs.slice(0, 4)).toEqual(['userid', 'urgency', 'priority', 't_submit']);
    expect(attrs[attrs.length - 1]).toBe('all');
  });
});
