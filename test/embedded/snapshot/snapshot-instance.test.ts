/**
 * Serving a snapshot, in memory or streamed from its file: clock, queues, instance size,
 * running-list ties, and refusals that name the file and job.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Errno } from '../../../src/flux/constants';
import { stringifyJson, type JsonObject } from '../../../src/flux/json';
import type { EmbeddedInstance } from '../../../src/embedded';
import { parseSnapshot, SnapshotError } from '../../../src/embedded/snapshot/format';
import { createSnapshotInstance, impliedInstanceSize, openSnapshotInstance, snapshotUri } from '../../../src/embedded/snapshot/instance';
import { streamList } from './snapshot-expect';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snapshot-instance-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TAKEN = 1795700000.5;

function running(id: number, tRun: number, ranks: string, extra: JsonObject = {}): JsonObject {
  return {
    id,
    userid: 5,
    urgency: 16,
    priority: 16,
    t_submit: 10,
    t_depend: 11,
    t_priority: 12,
    t_sched: 13,
    t_run: tRun,
    state: 16,
    name: `job-${id}`,
    ranks,
    nodelist: 'n0',
    expiration: 0,
    ...extra,
  };
}

const inactive = (id: number, tInactive: number, queue?: string): JsonObject => ({
  id,
  userid: 5,
  urgency: 16,
  t_submit: 1,
  t_depend: 2,
  t_cleanup: tInactive - 1,
  t_inactive: tInactive,
  state: 64,
  ...(queue === undefined ? {} : { queue }),
  success: false,
  exception_occurred: true,
  exception_type: 'cancel',
  exception_severity: 0,
  exception_note: '',
  result: 4,
});

function documentText(jobs: JsonObject[], extra: JsonObject = {}): string {
  return stringifyJson({ version: 1, taken: TAKEN, source: 'test', queues: ['a', 'b'], ...extra, jobs });
}

type Open = (text: string) => Promise<EmbeddedInstance>;
let fileNumber = 0;
const LOADERS: Array<[string, Open]> = [
  ['in memory', async (text) => createSnapshotInstance(parseSnapshot(text, 'mem.json'), 'mem.json')],
  [
    'streamed',
    async (text) => {
      const path = join(dir, `s${fileNumber++}.json`);
      await writeFile(path, text);
      return (await openSnapshotInstance(path)).instance;
    },
  ],
];

describe.each(LOADERS)('a snapshot served %s', (_how, open) => {
  it('keeps the file order of running jobs that started at the same time', async () => {
    for (const order of [[1, 2, 3], [3, 1, 2]]) {
      const jobs = order.map((id) => running(id * 1000, 500, '0'));
      const instance = await open(documentText(jobs));
      const listed = await streamList(instance.handle(), { max_entries: 0, attrs: [] });
      expect(listed.map((job) => Number(job.id))).toEqual(order.map((id) => id * 1000));
      instance.close();
    }
  });

  it('freezes the clock at the time the snapshot was taken', async () => {
    const instance = await open(documentText([]));
    expect(instance.now()).toBe(TAKEN);
    instance.close();
  });

  it('lists configured queues in job-stats even without jobs, and queues named only by jobs', async () => {
    const instance = await open(documentText([inactive(7000, 100, 'c')]));
    const stats = (await instance.handle().rpc('job-list.job-stats', {})) as { queues: Array<{ name: string; job_states: { total: number } }> };
    expect(stats.queues.map((q) => [q.name, q.job_states.total])).toEqual([
      ['a', 0],
      ['b', 0],
      ['c', 1],
    ]);
    instance.close();
  });

  it('accepts as many constraint ranks as the source instance had brokers', async () => {
    const small = await open(documentText([running(1000, 5, '0')]));
    const large = await open(documentText([running(1000, 5, '[0,1999]')]));
    const ranks = { max_entries: 0, attrs: [], constraint: { ranks: ['0-1499'] } };
    await expect(small.handle().rpc('job-list.list', ranks)).rejects.toMatchObject({
      errno: Errno.EPROTO,
      errorString: 'invalid payload: constraint object invalid: too many ranks specified',
    });
    expect(await large.handle().rpc('job-list.list', ranks)).toEqual({ jobs: [{ id: 1000 }] });
    small.close();
    large.close();
  });
});

describe('openSnapshotInstance', () => {
  it('reads a file whose header comes after the jobs', async () => {
    const path = join(dir, 'late-header.json');
    const jobs = [running(3000, 50, '0'), inactive(2000, 40, 'x'), inactive(1000, 30)];
    await writeFile(path, `{"jobs":[${jobs.map((job) => stringifyJson(job)).join(',')}],"queues":["q"],"source":"late","taken":123.5,"version":1}`);
    const { instance, summary } = await openSnapshotInstance(path);
    expect(summary).toEqual({ jobs: 3, taken: 123.5, source: 'late', queues: ['q'] });
    expect(instance.now()).toBe(123.5);
    expect(instance.uri).toBe(snapshotUri(path));
    expect((await streamList(instance.handle(), { max_entries: 0, attrs: [] })).map((job) => Number(job.id))).toEqual([3000, 2000, 1000]);
    const stats = (await instance.handle().rpc('job-list.job-stats', {})) as { queues: Array<{ name: string }> };
    expect(stats.queues.map((q) => q.name)).toEqual(['x', 'q']);
    instance.close();
  });

  it('runs the clock from the snapshot time when asked', async () => {
    const path = join(dir, 'clock.json');
    await writeFile(path, documentText([]));
    let realMs = 1_000_000;
    const { instance } = await openSnapshotInstance(path, { clock: 'running', realTimeMs: () => realMs });
    expect(instance.now()).toBe(TAKEN);
    realMs += 90_500;
    expect(instance.now()).toBe(TAKEN + 90.5);
    instance.close();
  });

  it('refuses a bad job in the middle of the file, naming its index and id', async () => {
    const path = join(dir, 'bad-middle.json');
    const jobs = [running(3000, 50, '0'), { ...inactive(2000, 40), ranks: '0' }, inactive(1000, 30)];
    await writeFile(path, documentText(jobs));
    const opening = openSnapshotInstance(path);
    await expect(opening).rejects.toBeInstanceOf(SnapshotError);
    await expect(opening).rejects.toThrow(`bad snapshot ${path}: jobs[1] (id 2000): "ranks" is present but the job never ran (no "t_run")`);
  });
});

describe('impliedInstanceSize', () => {
  it('is one more than the highest rank any job used, at least 1', () => {
    const snapshot = parseSnapshot(documentText([running(1, 5, '[2-4,17]'), inactive(2, 3)]), 'x');
    expect(impliedInstanceSize(snapshot)).toBe(18);
    expect(impliedInstanceSize(parseSnapshot(documentText([inactive(2, 3)]), 'x'))).toBe(1);
  });
});
