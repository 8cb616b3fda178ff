import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Errno, Role } from '../../../src/flux/constants';
import { FluxRpcError } from '../../../src/flux/errors';
import type { FluxHandle } from '../../../src/flux/handle';
import { parseJson, type Json, type JsonObject } from '../../../src/flux/json';
import { loadSnapshot, parseSnapshot, SnapshotError } from '../../../src/embedded/snapshot/format';
import { createSnapshotInstance } from '../../../src/embedded/snapshot/instance';
import { SNAPSHOT_LIST_REQUEST, takeSnapshot } from '../../../src/embedded/snapshot/take';
import { openAtomicFileSink, streamSink, stringifyJobRecord } from '../../../src/embedded/snapshot/writer';

const fixtureText = readFileSync(join(__dirname, '../../fixtures/flux-0.88-snapshot.json'), 'utf8');
const fixtureJobs = (parseJson(fixtureText) as { jobs: JsonObject[] }).jobs;
const fixtureStats = parseJson(readFileSync(join(__dirname, '../../fixtures/flux-0.88-snapshot-job-stats.json'), 'utf8')) as JsonObject;

interface FakeOptions {
  jobs?: JsonObject[];
  /** Fail the stream with this errno after this many jobs. */
  failAfter?: { jobs: number; errno: number };
  /** Answer like a service without the streaming protocol: one response, no version. */
  oneShot?: boolean;
}

/** A FluxHandle that answers job-stats and one listing from a fixed set of records, and logs requests. */
function fakeHandle(options: FakeOptions = {}): FluxHandle & { requests: [string, Json | undefined][] } {
  const jobs = options.jobs ?? fixtureJobs;
  const requests: [string, Json | undefined][] = [];
  return {
    uri: 'local:///tmp/fake-flux/local',
    requests,
    async rpc(topic, payload) {
      requests.push([topic, payload]);
      if (topic === 'job-list.job-stats') return fixtureStats;
      throw new FluxRpcError(topic, Errno.ENOSYS);
    },
    async *rpcStream(topic, payload): AsyncGenerator<Json | undefined> {
      requests.push([topic, payload]);
      if (topic !== 'job-list.list') throw new FluxRpcError(topic, Errno.ENOSYS);
      if (options.oneShot) {
        yield { jobs };
        return;
      }
      for (const [index, job] of jobs.entries()) {
        if (options.failAfter !== undefined && index === options.failAfter.jobs) {
          throw new FluxRpcError(topic, options.failAfter.errno);
        }
        yield index === 0 ? { jobs: [job], version: 1 } : { jobs: [job] };
      }
    },
    async close() {},
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snapshot-take-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('takeSnapshot', () => {
  it('asks job-stats, then one streamed listing of everything with all attributes', async () => {
    const handle = fakeHandle();
    await takeSnapshot(handle, await openAtomicFileSink(join(dir, 's.json')));
    expect(handle.requests).toEqual([
      ['job-list.job-stats', {}],
      ['job-list.list', { max_entries: 0, attrs: ['all'], constraint: { and: [] } }],
    ]);
    expect(SNAPSHOT_LIST_REQUEST).toEqual({ max_entries: 0, attrs: ['all'], constraint: { and: [] } });
  });

  it('writes every record as received, in order, with the header and the queue names', async () => {
    const path = join(dir, 's.json');
    const taken = await takeSnapshot(fakeHandle(), await openAtomicFileSink(path), { now: () => 1795640000.5 });
    expect(taken).toEqual({ jobs: 59, taken: 1795640000.5, source: 'local:///tmp/fake-flux/local', queues: ['pdebug', 'pbatch', 'gpu'] });
    const snapshot = await loadSnapshot(path);
    expect(snapshot.taken).toBe(1795640000.5);
    expect(snapshot.source).toBe('local:///tmp/fake-flux/local');
    expect(snapshot.queues).toEqual(['pdebug', 'pbatch', 'gpu']);
    expect(snapshot.jobs).toEqual(fixtureJobs.map((job) => ({ ...job, id: BigInt(job.id as number) })));
    // Key order inside each record is Flux's, too.
    expect(snapshot.jobs.map((job) => Object.keys(job))).toEqual(fixtureJobs.map((job) => Object.keys(job)));
  });

  it('writes reals as reals and integers as integers, one record a line', async () => {
    const path = join(dir, 's.json');
    await takeSnapshot(fakeHandle(), await openAtomicFileSink(path), { now: () => 1795640000 });
    const text = await readFile(path, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(59 + 2);
    expect(lines[0]).toBe('{"version":1,"taken":1795640000.0,"source":"local:///tmp/fake-flux/local","queues":["pdebug","pbatch","gpu"],"jobs":[');
    expect(lines[1]).toContain('"id":898201812992,"userid":0,"urgency":31,"priority":4294967295,"t_submit":1795637774.810466,');
    expect(lines[1]).toContain('"duration":14400.0}');
    expect(lines[2]).toContain('"duration":0.0');
    expect(lines[60]).toBe(']}');
  });

  it('reports progress against job-stats total', async () => {
    const seen: [number, number | undefined][] = [];
    await takeSnapshot(fakeHandle(), await openAtomicFileSink(join(dir, 's.json')), {
      onProgress: (written, expected) => seen.push([written, expected]),
    });
    expect(seen).toHaveLength(59);
    expect(seen[0]).toEqual([1, 59]);
    expect(seen[58]).toEqual([59, 59]);
  });

  it('leaves an existing file untouched and no temporary file behind when the listing fails', async () => {
    const path = join(dir, 's.json');
    await writeFile(path, 'previous snapshot');
    const run = takeSnapshot(fakeHandle({ failAfter: { jobs: 30, errno: Errno.EPROTO } }), await openAtomicFileSink(path));
    await expect(run).rejects.toThrow(FluxRpcError);
    expect(await readFile(path, 'utf8')).toBe('previous snapshot');
    expect(await readdir(dir)).toEqual(['s.json']);
  });

  it('refuses a record it could not load back, naming the source and the job', async () => {
    const jobs = fixtureJobs.map((job, i) => (i === 3 ? { ...job, state: 12 } : job));
    const path = join(dir, 's.json');
    const run = takeSnapshot(fakeHandle({ jobs }), await openAtomicFileSink(path));
    await expect(run).rejects.toBeInstanceOf(SnapshotError);
    await expect(run).rejects.toThrow('bad snapshot local:///tmp/fake-flux/local: jobs[3] (id 907362172928): "state" 12 is not a single job state bit');
    expect(await readdir(dir)).toEqual([]);
  });

  it('accepts a service that answers the listing in one response without a version', async () => {
    const path = join(dir, 's.json');
    const taken = await takeSnapshot(fakeHandle({ oneShot: true }), await openAtomicFileSink(path));
    expect(taken.jobs).toBe(59);
    expect((await loadSnapshot(path)).jobs).toHaveLength(59);
  });

  it('writes an instance without jobs as an empty list', async () => {
    const path = join(dir, 's.json');
    await takeSnapshot(fakeHandle({ jobs: [] }), await openAtomicFileSink(path));
    const snapshot = await loadSnapshot(path);
    expect(snapshot.jobs).toEqual([]);
  });

  it('streams to a plain stream, such as stdout', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    await takeSnapshot(fakeHandle(), streamSink(out));
    expect(parseSnapshot(Buffer.concat(chunks).toString('utf8'), 'stdout').jobs).toHaveLength(59);
  });
});

describe('takeSnapshot from an instance in private mode, as a guest', () => {
  it('takes the jobs job-list lists for the guest, without queue names, and says why', async () => {
    const file = join(__dirname, '../../fixtures/synthetic-snapshot.json');
    const instance = createSnapshotInstance(parseSnapshot(readFileSync(file, 'utf8'), file), file, { privateMode: true });
    const guest = instance.handle({ userid: 1001, rolemask: Role.USER });
    const notices: string[] = [];
    const path = join(dir, 'guest.json');
    try {
      const taken = await takeSnapshot(guest, await openAtomicFileSink(path), { onNotice: (text) => notices.push(text) });
      expect(taken).not.toHaveProperty('queues');
      const snapshot = await loadSnapshot(path);
      expect(snapshot.queues).toBeUndefined();
      expect(snapshot.jobs.length).toBeGreaterThan(0);
      expect(snapshot.jobs.every((job) => job.userid === 1001)).toBe(true);
      expect(snapshot.jobs.length).toBe(parseSnapshot(readFileSync(file, 'utf8'), file).jobs.filter((job) => job.userid === 1001).length);
      expect(notices).toEqual([
        'job-list.job-stats was refused (Operation not permitted), as in private mode: the snapshot has no queue names and holds only the jobs job-list lists for this user',
      ]);
    } finally {
      await guest.close();
      instance.close();
    }
  });

  it('still fails on other job-stats errors', async () => {
    const handle = fakeHandle();
    handle.rpc = async (topic) => {
      throw new FluxRpcError(topic, Errno.ENOSYS, 'No service matching job-list.job-stats is registered');
    };
    await expect(takeSnapshot(handle, await openAtomicFileSink(join(dir, 'x.json')))).rejects.toThrow('No service matching job-list.job-stats is registered');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('stringifyJobRecord', () => {
  it('forces reals only on the real-typed attributes, not on keys of the same name inside annotations', () => {
    expect(
      stringifyJobRecord({ id: 2n ** 63n, t_submit: 5, userid: 7, annotations: { user: { duration: 3, since: 2.5 } }, duration: 60 }),
    ).toBe('{"id":9223372036854775808,"t_submit":5.0,"userid":7,"annotations":{"user":{"duration":3,"since":2.5}},"duration":60.0}');
  });
});
