/**
 * snapshot --details round trip: an embedded instance served by the wire broker is snapshotted
 * with its job-info texts over a real local:// connection; the snapshot served again must
 * answer job-info.lookup and job-info.eventlog-watch for every job exactly as the source did.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHandle } from '../../src/flux/connect';
import { FluxRpcError } from '../../src/flux/errors';
import type { FluxHandle } from '../../src/flux/handle';
import type { Json } from '../../src/flux/json';
import { EmbeddedInstance } from '../../src/embedded';
import { serveBroker, type RunningBroker } from '../../src/embedded/wire/broker';
import { loadSnapshot, SNAPSHOT_DETAILS_VERSION } from '../../src/embedded/snapshot/format';
import { createSnapshotInstance, openSnapshotInstance } from '../../src/embedded/snapshot/instance';
import { takeSnapshot, type TakenSnapshot } from '../../src/embedded/snapshot/take';
import { openAtomicFileSink } from '../../src/embedded/snapshot/writer';
import { DETAIL_KEYS } from '../../src/embedded/store/recorded-details';
import { describeWorkload, forEachJob } from '../../src/embedded/workload/generate';
import { jobInfoDetailsFetch } from '../../src/server/snapshot-details';
import { streamList } from '../embedded/snapshot/snapshot-expect';

const NOW = 1795700000;
const WORKLOAD = { jobs: 400, seed: 11, now: NOW };
const KEYS = [...DETAIL_KEYS, 'guest', 'guest.exec'];

/** An answer or its error, comparable with toEqual. */
async function outcome(run: () => Promise<Json | undefined>): Promise<unknown> {
  try {
    return { answer: await run() };
  } catch (error) {
    if (error instanceof FluxRpcError) return { errnum: error.errno, text: error.text };
    throw error;
  }
}

/** Every response of a watch with INITIAL_SENTINEL up to its sentinel, or to its end if the job is inactive. */
async function watchLines(handle: FluxHandle, id: bigint, path: string, inactive: boolean): Promise<unknown[]> {
  const seen: unknown[] = [];
  try {
    for await (const response of handle.rpcStream('job-info.eventlog-watch', { id, path, flags: 2 }, { cancelTopic: 'job-info.eventlog-watch-cancel' })) {
      if (response === undefined) {
        seen.push('<sentinel>');
        if (!inactive) break;
      } else seen.push(response);
    }
    seen.push('<end>');
  } catch (error) {
    if (!(error instanceof FluxRpcError)) throw error;
    seen.push({ errnum: error.errno });
  }
  return seen;
}

describe('snapshot --details round trip over the wire', () => {
  let dir: string;
  let original: EmbeddedInstance;
  let broker: RunningBroker;
  let wire: FluxHandle;
  let copy: EmbeddedInstance;
  let path: string;
  let taken: TakenSnapshot;
  let jobs: { id: bigint; state: number }[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snapshot-details-'));
    const workload = describeWorkload(WORKLOAD);
    original = new EmbeddedInstance({ queues: workload.queues, now: () => NOW, ownerUserid: workload.owner });
    forEachJob(WORKLOAD, (job) => original.sink.ingest(job));
    const services = original.servicesOwnedBy(workload.owner);
    broker = await serveBroker(services, { path: join(dir, 'broker.sock'), userid: workload.owner, serviceNames: services.names, log: () => undefined });
    wire = await openHandle(`local://${broker.path}`);
    path = join(dir, 'snapshot.json');
    taken = await takeSnapshot(wire, await openAtomicFileSink(path), { now: () => NOW, details: jobInfoDetailsFetch(wire, { maxBytes: 4 << 20, inFlight: 16 }) });
    ({ instance: copy } = await openSnapshotInstance(path));
    jobs = (await streamList(original.handle(), { max_entries: 0, attrs: ['state'] })).map((job) => ({ id: BigInt(job.id as unknown as number), state: job.state as number }));
  });

  afterAll(async () => {
    await wire?.close();
    await broker?.close();
    original?.close();
    copy?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a version 2 file with every job and its texts', async () => {
    const snapshot = await loadSnapshot(path);
    expect(snapshot.version).toBe(SNAPSHOT_DETAILS_VERSION);
    expect(snapshot.jobs).toHaveLength(400);
    expect(snapshot.details?.size).toBe(400);
    expect(taken.details).toMatchObject({ jobs: 400, cut: 0, missing: 0 });
    expect(copy.store.recorded.size).toBe(400);
    // The texts are most of the file, and each is in it once.
    expect((await stat(path)).size).toBeGreaterThan(taken.details?.bytes ?? Infinity);
  });

  it('serves the recorded texts, not documents composed from the record', async () => {
    const snapshot = await loadSnapshot(path);
    const ran = jobs.find(({ id, state }) => state === 64 && snapshot.details?.get(id)?.texts['guest.output'] !== undefined);
    expect(ran).toBeDefined();
    const id = (ran as { id: bigint }).id;
    const recorded = snapshot.details?.get(id);
    const line = '{"timestamp":1795699999.5,"name":"data","context":{"stream":"stdout","rank":"0","data":"only in the file\\n"}}\n';
    snapshot.details?.set(id, { texts: { ...recorded?.texts, 'guest.output': `${recorded?.texts['guest.output']}${line}` }, cut: [] });
    const served = createSnapshotInstance(snapshot, path);
    try {
      const answer = (await served.handle().rpc('job-info.lookup', { id, keys: ['guest.output'], flags: 0 })) as Record<string, Json>;
      expect(answer['guest.output']).toBe(`${recorded?.texts['guest.output']}${line}`);
      const watched = await watchLines(served.handle(), id, 'guest.output', true);
      expect(watched.slice(-3)).toEqual([{ event: line }, '<sentinel>', '<end>']);
    } finally {
      served.close();
    }
  });

  it('answers every lookup of every job as the source did, flags 0 and 3', async () => {
    expect(jobs.length).toBe(400);
    let compared = 0;
    for (const { id } of jobs) {
      for (const flags of [0, 1, 2, 3]) {
        for (const key of KEYS) {
          const request = { id, keys: [key], flags };
          const before = await outcome(() => original.handle().rpc('job-info.lookup', request));
          const after = await outcome(() => copy.handle().rpc('job-info.lookup', request));
          expect({ id, key, flags, after }).toEqual({ id, key, flags, after: before });
          compared++;
        }
        const all = { id, keys: ['eventlog', 'jobspec'], flags };
        expect(await outcome(() => copy.handle().rpc('job-info.lookup', all))).toEqual(await outcome(() => original.handle().rpc('job-info.lookup', all)));
      }
    }
    expect(compared).toBe(400 * 4 * KEYS.length);
  });

  it('stores the texts byte for byte: flags 0 gives back what the source stored', async () => {
    const snapshot = await loadSnapshot(path);
    for (const { id } of jobs.slice(0, 50)) {
      const stored = snapshot.details?.get(id);
      const answer = (await original.handle().rpc('job-info.lookup', { id, keys: ['eventlog', 'jobspec'], flags: 0 })) as Record<string, Json>;
      expect(stored?.texts.eventlog).toBe(answer.eventlog);
      expect(stored?.texts.jobspec).toBe(answer.jobspec);
    }
  });

  it('watches stream the same lines and end the same way', async () => {
    const states = new Map<number, number>();
    for (const { id, state } of jobs) {
      const inactive = state === 64;
      states.set(state, (states.get(state) ?? 0) + 1);
      for (const watched of ['eventlog', 'guest.exec.eventlog', 'guest.output']) {
        // A pending job's guest watch is silent until the job starts (no sentinel either), in both.
        if (watched !== 'eventlog' && state < 16) continue;
        const before = await watchLines(original.handle(), id, watched, inactive);
        const after = await watchLines(copy.handle(), id, watched, inactive);
        expect({ id, watched, after }).toEqual({ id, watched, after: before });
      }
    }
    // The workload has pending, running and inactive jobs: every kind of ending was compared.
    expect([...states.keys()].sort((a, b) => a - b)).toEqual(expect.arrayContaining([2, 16, 32, 64]));
  });

  it('a job over --max-detail-bytes keeps its eventlog and marks the rest as cut', async () => {
    const bounded = join(dir, 'bounded.json');
    const result = await takeSnapshot(wire, await openAtomicFileSink(bounded), { now: () => NOW, details: jobInfoDetailsFetch(wire, { maxBytes: 600 }) });
    expect(result.details?.cut).toBeGreaterThan(0);
    const snapshot = await loadSnapshot(bounded);
    const cutJob = [...(snapshot.details ?? [])].find(([, details]) => details.cut.length > 0);
    expect(cutJob).toBeDefined();
    const [id, details] = cutJob as NonNullable<typeof cutJob>;
    expect(details.texts.eventlog).toBeDefined();
    const text = await readFile(bounded, 'utf8');
    expect(text).toContain('"cut":[');
    const { instance } = await openSnapshotInstance(bounded);
    try {
      const key = details.cut[0] as string;
      await expect(instance.handle().rpc('job-info.lookup', { id, keys: [key], flags: 0 })).rejects.toMatchObject({
        errno: 27,
        text: `${key}: not kept in this snapshot (the job's details were over snapshot --max-detail-bytes)`,
      });
      const eventlog = await instance.handle().rpc('job-info.lookup', { id, keys: ['eventlog'], flags: 0 });
      expect(eventlog).toEqual(await original.handle().rpc('job-info.lookup', { id, keys: ['eventlog'], flags: 0 }));
    } finally {
      instance.close();
    }
  });

  it('a snapshot without --details is version 1 and its jobs keep the composed documents', async () => {
    const plain = join(dir, 'plain.json');
    const result = await takeSnapshot(wire, await openAtomicFileSink(plain), { now: () => NOW });
    expect(result.details).toBeUndefined();
    expect((await readFile(plain, 'utf8')).startsWith('{"version":1,')).toBe(true);
    const { instance } = await openSnapshotInstance(plain);
    try {
      expect(instance.store.recorded.size).toBe(0);
      const { id } = jobs[0] as { id: bigint };
      const answer = (await instance.handle().rpc('job-info.lookup', { id, keys: ['eventlog'], flags: 0 })) as Record<string, Json>;
      expect(typeof answer.eventlog).toBe('string');
    } finally {
      instance.close();
    }
  });

  it('the recorded 0.88 snapshot (version 1) still loads and answers lookups', async () => {
    const fixture = join(__dirname, '../fixtures/flux-0.88-snapshot.json');
    const { instance, summary } = await openSnapshotInstance(fixture);
    try {
      expect(summary.jobs).toBeGreaterThan(0);
      expect(instance.store.recorded.size).toBe(0);
      const [first] = await streamList(instance.handle(), { max_entries: 1, attrs: [] });
      const answer = (await instance.handle().rpc('job-info.lookup', { id: first?.id as unknown as number, keys: ['eventlog'], flags: 0 })) as Record<string, Json>;
      expect(answer.eventlog).toMatch(/"name":"submit"/);
    } finally {
      instance.close();
    }
  });
});
