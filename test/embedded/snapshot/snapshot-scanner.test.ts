/**
 * Reading snapshots piece by piece: whatever the chunk boundaries, the result is the same as
 * reading the whole text, and malformed text is refused with its place named.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringifyJson, type JsonObject } from '../../../src/flux/json';
import { loadSnapshot, parseSnapshot, readSnapshotFile, SnapshotError, SnapshotReader, type Snapshot } from '../../../src/embedded/snapshot/format';
import type { SnapshotJobRecord } from '../../../src/embedded/store/record-check';

const FIXTURE = join(__dirname, '../../fixtures/flux-0.88-snapshot.json');
const fixtureText = readFileSync(FIXTURE, 'utf8');

function readInChunks(text: string, size: number, name = 'chunks'): Snapshot {
  const jobs: SnapshotJobRecord[] = [];
  const reader = new SnapshotReader(name, { job: (record) => void jobs.push(record) });
  for (let i = 0; i < text.length; i += size) reader.feed(text.slice(i, i + size));
  const { jobCount, ...header } = reader.finish();
  expect(jobCount).toBe(jobs.length);
  return { ...header, jobs };
}

function refusal(run: () => unknown): SnapshotError {
  try {
    run();
  } catch (error) {
    if (error instanceof SnapshotError) return error;
    throw error;
  }
  throw new Error('accepted');
}

const job = (id: number | bigint, extra: JsonObject = {}): JsonObject => ({
  id,
  userid: 1,
  urgency: 16,
  t_submit: 100.5,
  t_depend: 100.75,
  state: 2,
  ...extra,
});

describe('SnapshotReader', () => {
  const whole = parseSnapshot(fixtureText, 'chunks');

  it.each([1, 2, 7, 64, 1000, 100000])('gives the same snapshot whatever the chunk size (%i)', (size) => {
    expect(readInChunks(fixtureText, size)).toEqual(whole);
  });

  it('is not fooled by brackets, quotes and escapes inside strings', () => {
    const names = ['a "quoted" }] name', 'back\\slash\\', '{[,]}', '\u2028 line sep', 'ƒ🚀 データ', 'end"'];
    const text = stringifyJson({
      version: 1,
      taken: 5,
      source: 'x ] } ,',
      queues: ['q]', 'q"'],
      jobs: names.map((name, i) => job(2n ** 60n + BigInt(i), { name, annotations: { user: { note: '}{"', list: [1, [2, {}]] } } })),
    });
    for (const size of [1, 3, 5000]) {
      const snapshot = readInChunks(text, size);
      expect(snapshot.jobs.map((j) => j.name)).toEqual(names);
      expect(snapshot.jobs[2]?.id).toBe(2n ** 60n + 2n);
      expect(snapshot.source).toBe('x ] } ,');
      expect(snapshot.queues).toEqual(['q]', 'q"']);
      expect(snapshot.jobs[0]?.annotations).toEqual({ user: { note: '}{"', list: [1, [2, {}]] } });
    }
  });

  it('accepts the header after the jobs, telling the consumer no queues were known yet', () => {
    const text = `{"jobs":[${stringifyJson(job(7))}],"queues":["a"],"source":"s","taken":1.5,"version":1}`;
    const seen: (string[] | undefined)[] = [];
    const reader = new SnapshotReader('late', { jobsStart: (queues) => void seen.push(queues), job: () => undefined });
    reader.feed(text);
    expect(reader.finish()).toEqual({ version: 1, taken: 1.5, source: 's', queues: ['a'], jobCount: 1 });
    expect(seen).toEqual([undefined]);
  });

  it('hands queues named before the jobs to the consumer when the jobs begin', () => {
    const seen: (string[] | undefined)[] = [];
    const reader = new SnapshotReader('early', { jobsStart: (queues) => void seen.push(queues), job: () => undefined });
    reader.feed(fixtureText);
    reader.finish();
    expect(seen).toEqual([['pbatch', 'pdebug', 'gpu']]);
  });

  it('refuses a newer version before looking at its jobs', () => {
    const text = `{"version":3,"taken":1,"source":"s","jobs":[{"not":"a job"}]}`;
    expect(refusal(() => parseSnapshot(text, 'v3.json')).message).toBe(
      'bad snapshot v3.json: unsupported "version" number 3: this flux-graphql reads snapshot versions 1 and 2',
    );
  });

  it.each([
    ['{}', 'bad snapshot t: "version" is missing (expected 1 or 2)'],
    ['', 'bad snapshot t: not valid JSON: the text ends before the snapshot does at line 1, column 1'],
    ['  \n', 'bad snapshot t: not valid JSON: the text ends before the snapshot does at line 2, column 1'],
    ['{"version":1,"taken":1,"source":"s","jobs":[]}\n x', 'bad snapshot t: not valid JSON: unexpected "x" after the end of the snapshot object at line 2, column 2'],
    ['{"version":1,"version":1}', 'bad snapshot t: "version" appears twice in the snapshot object at line 1, column 14'],
    ['{"version":1,}', 'bad snapshot t: not valid JSON: expected a member name in the snapshot object, found "}" at line 1, column 14'],
    ['{"version" 1}', 'bad snapshot t: not valid JSON: expected ":" after "version", found "1" at line 1, column 12'],
    ['{"version":1 "taken":1}', 'bad snapshot t: the value of "version" is not valid JSON (Unexpected non-whitespace character after JSON at position 2) at line 1, column 12'],
    ['{"version":1,"taken":1,"source":"s","jobs":[] ]', 'bad snapshot t: not valid JSON: expected "," or "}" after the value of "jobs", found "]" at line 1, column 47'],
    ['{"version":1,"taken":1,"source":"s","jobs":null}', 'bad snapshot t: "jobs" must be an array of job records, got null'],
    [
      `{"version":1,"taken":1,"source":"s","jobs":[\n${stringifyJson(job(1))}\n${stringifyJson(job(2))}]}`,
      'bad snapshot t: not valid JSON: expected "," or "]" after jobs[0], found "{" at line 3, column 1',
    ],
  ])('refuses %j', (text, message) => {
    expect(refusal(() => parseSnapshot(text, 't')).message).toBe(message);
  });

  it('names the job whose text is not JSON', () => {
    const text = `{"version":1,"taken":1,"source":"s","jobs":[${stringifyJson(job(1))},{"id":2,"userid":]}`;
    const error = refusal(() => parseSnapshot(text, 't'));
    expect(error.message).toMatch(/^bad snapshot t: jobs\[1\]: not valid JSON \(/);
    expect(error.job).toEqual({ index: 1 });
  });
});

describe('readSnapshotFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snapshot-scan-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps multi-byte characters whole across its 1 MiB reads', async () => {
    // About 3 MB of names in three scripts, so reads end inside characters many times.
    const jobs = Array.from({ length: 7000 }, (_, i) => job(1000 + i, { name: `${'データ処理🚀é'.repeat(20)} ${i}` }));
    const text = stringifyJson({ version: 1, taken: 1, source: 'big', jobs });
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 * (1 << 20));
    const path = join(dir, 'big.json');
    await writeFile(path, text);
    const streamed = await loadSnapshot(path);
    expect(streamed).toEqual(parseSnapshot(text, path));
    expect(streamed.jobs[6999]?.name).toBe(`${'データ処理🚀é'.repeat(20)} 6999`);
  });

  it('hands each job on as it is read and returns the header with the count', async () => {
    const indexes: number[] = [];
    const header = await readSnapshotFile(FIXTURE, { job: (_record, index) => void indexes.push(index) });
    expect(header).toMatchObject({ version: 1, source: 'a flux-core 0.88 test instance', jobCount: 59 });
    expect(indexes).toEqual(Array.from({ length: 59 }, (_, i) => i));
  });

  it('names a directory given as the file', async () => {
    await expect(readSnapshotFile(dir, { job: () => undefined })).rejects.toThrow(`bad snapshot ${dir}: cannot read the file (EISDIR: illegal operation on a directory`);
  });
});
