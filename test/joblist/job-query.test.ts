import { JobQuery, JobPager, JobList, type UserDatabase } from '../../src/joblist';
import type { JsonObject } from '../../src/flux/json';
import { EmbeddedInstance } from '../../src/embedded';
import { job } from '../embedded/job-builders';
import { FakeHandle, jobListResponder } from './fake-handle';

const RECORDS: JsonObject[] = [
  { id: 1, state: 8, userid: 1000, name: 'a' },
  { id: 2, state: 64, userid: 1000, name: 'b', t_inactive: 10 },
];

/** A user database that counts its lookups. */
function countingUsers(): UserDatabase & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    lookups,
    nameOf: () => undefined,
    uidOf: (name) => {
      lookups.push(name);
      return name === 'alice' ? 1000 : undefined;
    },
  };
}

const OPTIONS = { filters: ['pending', 'inactive'], since: 0, name: null, queue: null, constraint: null };

describe('JobQuery', () => {
  it('resolves the user once however often it lists, pages and counts', async () => {
    const users = countingUsers();
    const handle = new FakeHandle(jobListResponder(RECORDS));
    const query = JobQuery.parse(handle, { ...OPTIONS, user: 'alice', userDatabase: users });
    const pager = new JobPager(query.sourceOn(handle), { attrs: ['state'], needCursors: true });
    await pager.forward(1);
    await pager.forward(1, { kind: 'pending', offset: 0 });
    await pager.count();
    expect(users.lookups).toEqual(['alice']);
    expect(handle.calls.map((call) => call.topic)).toEqual(['job-list.list', 'job-list.list', 'job-list.list']);
  });

  it('sends the payload JobList sends for the same filters', async () => {
    const handle = new FakeHandle(jobListResponder(RECORDS));
    const users = countingUsers();
    await JobQuery.parse(handle, { ...OPTIONS, user: 'alice', userDatabase: users }).list(handle, undefined, 5, ['state']);
    const expected = new JobList(handle, { ...OPTIONS, filters: [...OPTIONS.filters], user: 'alice', userDatabase: users, attrs: ['state'], maxEntries: 5 });
    expect(handle.calls[0]?.payload).toEqual(expected.payload());
  });

  it('refuses a bad user or filter as JobList does', () => {
    const handle = new FakeHandle(jobListResponder(RECORDS));
    expect(() => JobQuery.parse(handle, { ...OPTIONS, user: 'nobody', userDatabase: countingUsers() })).toThrow('Invalid user nobody specified');
    expect(() => JobQuery.parse(handle, { ...OPTIONS, filters: ['bogus'], user: 'all' })).toThrow('Invalid filter specified: bogus');
  });

  it('gives the cursor fingerprint text of its arguments', () => {
    const handle = new FakeHandle(jobListResponder(RECORDS));
    const query = JobQuery.parse(handle, { ...OPTIONS, user: 'all' });
    expect(query.fingerprintText()).toBe(JSON.stringify([['inactive', 'pending'], 'all', 0, null, null, null, null]));
    expect(query.fingerprintText([7n])).toBe(JSON.stringify([['inactive', 'pending'], 'all', 0, null, null, null, ['7']]));
  });
});

describe('JobQuery.withSince', () => {
  const sinceOf = (handle: FakeHandle): unknown => handle.calls[handle.calls.length - 1]?.payload?.since;

  it('lists with the later of its own since and the one given, and leaves the query it came from as it was', async () => {
    const handle = new FakeHandle(jobListResponder(RECORDS));
    const query = JobQuery.parse(handle, { ...OPTIONS, user: 'all', since: 100 });
    await query.withSince(250.5).list(handle, undefined, 0, ['state']);
    expect(sinceOf(handle)).toBe(250.5);
    await query.withSince(50).list(handle, undefined, 0, ['state']);
    expect(sinceOf(handle)).toBe(100);
    await query.list(handle, undefined, 0, ['state']);
    expect(sinceOf(handle)).toBe(100);
  });

  it('keeps the filters and the fingerprint of the query', async () => {
    const handle = new FakeHandle(jobListResponder(RECORDS));
    const query = JobQuery.parse(handle, { ...OPTIONS, user: 'all', name: 'b' });
    await query.list(handle, undefined, 0, ['state']);
    await query.withSince(5).list(handle, undefined, 0, ['state']);
    const [plain, later] = handle.calls.map((call) => call.payload);
    expect(later).toEqual({ ...plain, since: 5 });
    expect(query.withSince(5).fingerprintText()).toBe(JSON.stringify([['inactive', 'pending'], 'all', 5, 'b', null, null, null]));
  });

  it('refuses a since that is negative or not a number', () => {
    const query = JobQuery.parse(new FakeHandle(jobListResponder(RECORDS)), { ...OPTIONS, user: 'all' });
    expect(() => query.withSince(-1)).toThrow('since must be a time in seconds >= 0, got -1');
    expect(() => query.withSince(Number.NaN)).toThrow('since must be a time in seconds >= 0, got NaN');
  });
});

describe('JobQuery.listActive and newestInactive', () => {
  it('lists the pending and running jobs of the query, and the inactive one that ended last (whatever order job-list learnt of them)', async () => {
    const instance = new EmbeddedInstance({ ownerUserid: 0 });
    instance.sink.ingest(job(1000n, 'completed', 2000)); // inactive at 2009
    instance.sink.ingest(job(2000n, 'completed', 1000)); // inactive at 1009
    instance.sink.ingest(job(3000n, 'sched', 1000));
    instance.sink.ingest(job(4000n, 'run', 1000, { spec: { name: 'other' } }));
    instance.sink.ingest(job(5000n, 'run', 1000));
    const handle = instance.handle();
    const query = JobQuery.parse(handle, { ...OPTIONS, filters: [], user: 'all', name: 'sleep' });
    expect((await query.listActive(handle, ['state'])).map((record) => [record.id, record.state])).toEqual([
      [3000n, 8],
      [5000n, 16],
    ]);
    expect(await query.newestInactive(handle, ['t_inactive'])).toEqual({ id: 1000n, t_inactive: 2009 });
    const none = JobQuery.parse(handle, { ...OPTIONS, filters: ['failed'], user: 'all' });
    expect(await none.newestInactive(handle, ['t_inactive'])).toBeUndefined();
  });
});
