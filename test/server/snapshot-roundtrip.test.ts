/**
 * Round trip: an embedded instance served by the wire broker is snapshotted over a real
 * local:// connection, and the snapshot served again must answer exactly like the original.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHandle } from '../../src/flux/connect';
import type { FluxHandle } from '../../src/flux/handle';
import type { JsonObject } from '../../src/flux/json';
import { EmbeddedInstance } from '../../src/embedded';
import { serveBroker, type RunningBroker } from '../../src/embedded/wire/broker';
import { loadSnapshot, parseSnapshot } from '../../src/embedded/snapshot/format';
import { createSnapshotInstance, openSnapshotInstance } from '../../src/embedded/snapshot/instance';
import { takeSnapshot } from '../../src/embedded/snapshot/take';
import { openAtomicFileSink } from '../../src/embedded/snapshot/writer';
import { describeWorkload, forEachJob } from '../../src/embedded/workload/generate';
import { createApp } from '../../src/server/app';
import { keysAndValues, streamList } from '../embedded/snapshot/snapshot-expect';

const NOW = 1795700000;
const WORKLOAD = { jobs: 1500, seed: 7, now: NOW };

/** Requests whose answers must not change across the round trip. */
const QUERIES: JsonObject[] = [
  { max_entries: 0, attrs: ['all'], constraint: { and: [] } },
  { max_entries: 0, attrs: ['all'], since: NOW - 3600 },
  { max_entries: 25, attrs: ['name', 'state', 'nodelist'], constraint: { states: ['running'] } },
  { max_entries: 0, attrs: ['all'], constraint: { or: [{ results: ['failed', 'timeout'] }, { states: ['depend'] }] } },
  { max_entries: 0, attrs: ['t_run', 'ranks'], constraint: { and: [{ hostlist: ['fluke[1-8]'] }, { t_run: ['>=0'] }] } },
  { max_entries: 0, attrs: ['userid', 'queue'], constraint: { and: [{ queue: ['debug', 'gpu'] }, { not: [{ userid: [0] }] }] } },
];

const GRAPHQL_QUERIES = [
  `{ jobs(first: 60) { totalCount pageInfo { hasNextPage endCursor }
       nodes { id jobid(encoding: DEC) name state status statusAbbrev result returncode runtime tRemaining contextualInfo
               contextualTime inactiveReason username userid queue nodelist ranks nnodes ncores ntasks priority urgency
               tSubmit tRun tInactive expiration annotations dependencies exception { occurred type severity note } } } }`,
  `{ jobStats { total pending running inactive successful failed canceled timeout unsuccessful queues { name total active inactive } } }`,
  `{ jobs(filters: [RUNNING, FAILED], first: 40) { nodes { id name status runtime tRemaining nodelist } } }`,
  `{ jobs(queue: ["debug"], since: ${NOW - 7200}, first: 30) { totalCount nodes { id name state inactiveReason } } }`,
];

async function graphql(app: ReturnType<typeof createApp>, query: string): Promise<unknown> {
  const response = await app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

function appFor(instance: EmbeddedInstance): ReturnType<typeof createApp> {
  return createApp({
    handle: instance.handle(),
    logging: false,
    graphiql: false,
    jobInfo: { now: instance.now, usernameOf: (uid) => (uid === 0 ? 'root' : undefined), timeZone: 'UTC' },
  });
}

describe('snapshot round trip over the wire', () => {
  let dir: string;
  let original: EmbeddedInstance;
  let broker: RunningBroker;
  let wire: FluxHandle;
  let copy: EmbeddedInstance;
  let path: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snapshot-rt-'));
    const workload = describeWorkload(WORKLOAD);
    original = new EmbeddedInstance({ queues: workload.queues, now: () => NOW, ownerUserid: workload.owner });
    forEachJob(WORKLOAD, (job) => original.sink.ingest(job));
    broker = await serveBroker(original.service, { path: join(dir, 'broker.sock'), log: () => undefined });
    wire = await openHandle(`local://${broker.path}`);
    path = join(dir, 'snapshot.json');
    await takeSnapshot(wire, await openAtomicFileSink(path), { now: () => NOW });
    ({ instance: copy } = await openSnapshotInstance(path));
  });

  afterAll(async () => {
    await wire?.close();
    await broker?.close();
    original?.close();
    copy?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records where and when it was taken, and every job', async () => {
    const snapshot = await loadSnapshot(path);
    expect(snapshot.source).toBe(`local://${broker.path}`);
    expect(snapshot.taken).toBe(NOW);
    expect(snapshot.jobs).toHaveLength(1500);
    expect(snapshot.queues?.slice().sort()).toEqual(describeWorkload(WORKLOAD).queues.slice().sort());
    expect(copy.uri).toBe(`snapshot:${path}`);
    expect(copy.now()).toBe(NOW);
  });

  it.each(QUERIES.map((query) => [JSON.stringify(query), query] as const))('job-list.list %s answers the same', async (_label, query) => {
    const fromOriginal = await streamList(original.handle(), query);
    const fromCopy = await streamList(copy.handle(), query);
    expect(fromOriginal.length).toBeGreaterThan(0);
    expect(keysAndValues(fromCopy)).toEqual(keysAndValues(fromOriginal));
  });

  it('job-stats answers the same, queues in the same order', async () => {
    expect(await copy.handle().rpc('job-list.job-stats', {})).toEqual(await original.handle().rpc('job-list.job-stats', {}));
  });

  it('list-id answers the same for a sample of jobs', async () => {
    const all = await streamList(original.handle(), { max_entries: 0, attrs: [] });
    for (const { id } of all.filter((_job, i) => i % 50 === 0)) {
      const request = { id, attrs: ['all'] };
      expect(await copy.handle().rpc('job-list.list-id', request)).toEqual(await original.handle().rpc('job-list.list-id', request));
    }
  });

  it.each(GRAPHQL_QUERIES)('GraphQL %s answers the same', async (query) => {
    const before = await graphql(appFor(original), query);
    const after = await graphql(appFor(copy), query);
    expect(before).not.toHaveProperty('errors');
    expect(after).toEqual(before);
  });

  it('a snapshot of the copy, taken the same way, is the same file content', async () => {
    const copyBroker = await serveBroker(copy.service, { path: join(dir, 'copy.sock'), log: () => undefined });
    const copyWire = await openHandle(`local://${copyBroker.path}`);
    try {
      const second = join(dir, 'second.json');
      await takeSnapshot(copyWire, await openAtomicFileSink(second), { now: () => NOW });
      const first = parseSnapshot(readFileSync(path, 'utf8'), path);
      const again = parseSnapshot(readFileSync(second, 'utf8'), second);
      expect(again.jobs).toEqual(first.jobs);
      expect(again.queues).toEqual(first.queues);
      // Only the source differs; the job lines are identical text.
      const jobLines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').slice(1);
      expect(jobLines(second)).toEqual(jobLines(path));
    } finally {
      await copyWire.close();
      await copyBroker.close();
    }
  });

  it('the recorded 0.88 snapshot survives a trip through the wire unchanged', async () => {
    const fixture = join(__dirname, '../fixtures/flux-0.88-snapshot.json');
    const served = createSnapshotInstance(parseSnapshot(readFileSync(fixture, 'utf8'), fixture), fixture);
    const servedBroker = await serveBroker(served.service, { path: join(dir, 'fixture.sock'), log: () => undefined });
    const servedWire = await openHandle(`local://${servedBroker.path}`);
    try {
      const out = join(dir, 'fixture-again.json');
      await takeSnapshot(servedWire, await openAtomicFileSink(out));
      expect((await loadSnapshot(out)).jobs).toEqual(parseSnapshot(readFileSync(fixture, 'utf8'), fixture).jobs);
    } finally {
      await servedWire.close();
      await servedBroker.close();
      served.close();
    }
  });
});
