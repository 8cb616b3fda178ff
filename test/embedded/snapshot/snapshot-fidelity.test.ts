/**
 * Serving a snapshot must answer job-list requests exactly as the source instance would: the
 * recorded flux-core 0.88 snapshot, and a synthetic one built from the documented presence
 * rules. Expected answers are computed from the records in snapshot-expect.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Errno } from '../../../src/flux/constants';
import { FluxRpcError } from '../../../src/flux/errors';
import type { FluxHandle } from '../../../src/flux/handle';
import { parseJson, type JsonObject } from '../../../src/flux/json';
import { parseSnapshot } from '../../../src/embedded/snapshot/format';
import { createSnapshotInstance, openSnapshotInstance } from '../../../src/embedded/snapshot/instance';
import type { EmbeddedInstance } from '../../../src/embedded';
import {
  ALL_ATTRS,
  expectedJobStats,
  hosts,
  ids,
  keysAndValues,
  normalise,
  onceList,
  project,
  sortedStats,
  streamList,
  TIMESTAMP_KEYS,
  type Rec,
} from './snapshot-expect';

const FIXTURES = join(__dirname, '../../fixtures');
const ALL = { max_entries: 0, attrs: ['all'], constraint: { and: [] } };

interface Case {
  name: string;
  file: string;
  /** The recorded job-stats answer, when there is one (else it is computed from the records). */
  recordedStats?: string;
  loader: Loader;
}

type Loader = 'parsed in memory' | 'streamed from the file';

const SNAPSHOTS: Omit<Case, 'loader'>[] = [
  { name: 'flux-core 0.88 snapshot', file: 'flux-0.88-snapshot.json', recordedStats: 'flux-0.88-snapshot-job-stats.json' },
  { name: 'synthetic snapshot', file: 'synthetic-snapshot.json' },
];
const LOADERS: Loader[] = ['parsed in memory', 'streamed from the file'];
const CASES: Case[] = SNAPSHOTS.flatMap((snapshot) => LOADERS.map((loader) => ({ ...snapshot, loader })));

describe.each(CASES)('$name ($loader) served by the embedded instance', ({ file, recordedStats, loader }) => {
  const path = join(FIXTURES, file);
  const text = readFileSync(path, 'utf8');
  // The file's records, read without our parser: plain JSON with ids made exact by the codec.
  const raw = parseJson(text) as { queues?: string[]; jobs: JsonObject[] };
  const records: Rec[] = raw.jobs.map(normalise);
  let instance: EmbeddedInstance;
  let handle: FluxHandle;

  beforeAll(async () => {
    instance = loader === 'parsed in memory' ? createSnapshotInstance(parseSnapshot(text, path), path) : (await openSnapshotInstance(path)).instance;
    handle = instance.handle();
  });
  afterAll(async () => {
    await handle.close();
    instance.close();
  });

  const subset = (keep: (job: Rec) => boolean): Rec[] => records.filter(keep);
  const expectList = async (payload: JsonObject, expected: Rec[]): Promise<void> => {
    expect(keysAndValues(await streamList(handle, payload))).toEqual(keysAndValues(expected));
  };

  describe('full listing', () => {
    it('streams every record of the file, in the file order, key for key', async () => {
      await expectList(ALL, records);
    });

    it('gives the same in one non-streamed response', async () => {
      expect(keysAndValues(await onceList(handle, ALL))).toEqual(keysAndValues(records));
    });

    it('gives the same without a constraint and with {}', async () => {
      await expectList({ max_entries: 0, attrs: ['all'] }, records);
      await expectList({ max_entries: 0, attrs: ['all'], constraint: {} }, records);
    });
  });

  it('answers job-stats with the source instance counters (queues as a set)', async () => {
    const expected =
      recordedStats === undefined
        ? expectedJobStats(records, raw.queues ?? [])
        : sortedStats(parseJson(readFileSync(join(FIXTURES, recordedStats), 'utf8')));
    expect(sortedStats(await handle.rpc('job-list.job-stats', {}))).toEqual(expected);
    // The recorded answer and the one computed from the records agree, too.
    expect(expectedJobStats(records, raw.queues ?? [])).toEqual(expected);
  });

  it('answers list-attrs with the 32 attributes and "all"', async () => {
    expect(await handle.rpc('job-list.list-attrs', {})).toEqual({ attrs: [...ALL_ATTRS, 'all'] });
  });

  it('answers list-id for every job with its record', async () => {
    for (const record of records) {
      const answer = (await handle.rpc('job-list.list-id', { id: record.id, attrs: ['all'] })) as { job: JsonObject };
      expect(keysAndValues([normalise(answer.job)])).toEqual(keysAndValues([record]));
    }
  });

  it('answers list-id for an unknown job with ENOENT', async () => {
    const unknown = records.reduce((max, job) => (job.id > max ? job.id : max), 0n) + 1n;
    await expect(handle.rpc('job-list.list-id', { id: unknown, attrs: [] })).rejects.toMatchObject({ errno: Errno.ENOENT });
    await expect(handle.rpc('job-list.list-id', { id: unknown, attrs: [] })).rejects.toBeInstanceOf(FluxRpcError);
  });

  describe('constraints', () => {
    const stateCases: Array<[string | number, number]> = [
      ['depend', 0x02], ['priority', 0x04], ['sched', 0x08], ['run', 0x10], ['cleanup', 0x20], ['inactive', 0x40],
      ['pending', 0x0e], ['running', 0x30], ['active', 0x3e], ['PD', 0x0e], ['R', 0x10], ['new', 0], [0x0c, 0x0c], [0x70, 0x70],
    ];
    it.each(stateCases)('states [%p]', async (value, mask) => {
      await expectList({ ...ALL, constraint: { states: [value] } }, subset((job) => ((job.state as number) & mask) !== 0));
    });

    const resultCases: Array<[string | number, number]> = [
      ['completed', 1], ['failed', 2], ['canceled', 4], ['timeout', 8], ['CD', 1], ['F', 2], ['CA', 4], ['TO', 8], [6, 6], [15, 15],
    ];
    it.each(resultCases)('results [%p]', async (value, mask) => {
      await expectList({ ...ALL, constraint: { results: [value] } }, subset((job) => job.state === 64 && ((job.result as number) & mask) !== 0));
    });

    it('not results: every active job', async () => {
      await expectList({ ...ALL, constraint: { not: [{ results: ['completed', 'failed', 'canceled', 'timeout'] }] } }, subset((job) => job.state !== 64));
    });

    it('userid: each user, a stranger, and the wildcard', async () => {
      const users = [...new Set(records.map((job) => job.userid as number))];
      for (const userid of users) await expectList({ ...ALL, constraint: { userid: [userid] } }, subset((job) => job.userid === userid));
      await expectList({ ...ALL, constraint: { userid: [424242] } }, []);
      await expectList({ ...ALL, constraint: { userid: [4294967295] } }, records);
      await expectList({ ...ALL, constraint: { userid: [-1] } }, records);
    });

    it('name: every name (exact, case-sensitive), a missing one and an upper-cased one', async () => {
      const names = [...new Set(records.map((job) => job.name).filter((name): name is string => typeof name === 'string'))];
      for (const name of names) await expectList({ ...ALL, constraint: { name: [name] } }, subset((job) => job.name === name));
      await expectList({ ...ALL, constraint: { name: names.slice(0, 3) } }, subset((job) => names.slice(0, 3).includes(job.name as string)));
      await expectList({ ...ALL, constraint: { name: ['no such job'] } }, []);
      const upper = names.find((name) => name.toUpperCase() !== name) as string;
      await expectList({ ...ALL, constraint: { name: [upper.toUpperCase()] } }, subset((job) => job.name === upper.toUpperCase()));
    });

    it('queue: every queue, none, and jobs without a queue', async () => {
      for (const queue of [...(raw.queues ?? []), 'nope']) {
        await expectList({ ...ALL, constraint: { queue: [queue] } }, subset((job) => job.queue === queue));
      }
      await expectList({ ...ALL, constraint: { not: [{ queue: raw.queues ?? [] }] } }, subset((job) => !(raw.queues ?? []).includes(job.queue as string)));
    });

    it('hostlist: every host, ranges of hosts, and an unknown host', async () => {
      const allHosts = [...new Set(records.flatMap((job) => (typeof job.nodelist === 'string' ? hosts(job.nodelist) : [])))].sort();
      expect(allHosts.length).toBeGreaterThan(0);
      const runOn = (wanted: string[]) => subset((job) => typeof job.nodelist === 'string' && hosts(job.nodelist).some((h) => wanted.includes(h)));
      for (const host of allHosts) await expectList({ ...ALL, constraint: { hostlist: [host] } }, runOn([host]));
      const nodelists = [...new Set(records.map((job) => job.nodelist).filter((n): n is string => typeof n === 'string'))];
      for (const nodelist of nodelists) await expectList({ ...ALL, constraint: { hostlist: [nodelist] } }, runOn(hosts(nodelist)));
      await expectList({ ...ALL, constraint: { hostlist: ['elsewhere[1-3]'] } }, []);
    });

    it('ranks: every rank, each job\'s rank set, and a rank no job ran on', async () => {
      const allRanks = [...new Set(records.flatMap((job) => (typeof job.ranks === 'string' ? ids(job.ranks) : [])))].sort((a, b) => a - b);
      const ranOn = (wanted: number[]) => subset((job) => typeof job.ranks === 'string' && ids(job.ranks).some((r) => wanted.includes(r)));
      for (const rank of allRanks) await expectList({ ...ALL, constraint: { ranks: [String(rank)] } }, ranOn([rank]));
      const sets = [...new Set(records.map((job) => job.ranks).filter((r): r is string => typeof r === 'string'))];
      for (const set of sets) await expectList({ ...ALL, constraint: { ranks: [set] } }, ranOn(ids(set)));
      await expectList({ ...ALL, constraint: { ranks: [String((allRanks.at(-1) ?? 0) + 1)] } }, []);
    });

    const ops: Array<[string, (a: number, b: number) => boolean]> = [
      ['<', (a, b) => a < b],
      ['<=', (a, b) => a <= b],
      ['>', (a, b) => a > b],
      ['>=', (a, b) => a >= b],
    ];
    it.each(TIMESTAMP_KEYS)('%s with every operator at the smallest, middle and largest value', async (key) => {
      const values = records.map((job) => job[key]).filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
      expect(values.length).toBeGreaterThan(0);
      const bounds = [values[0] as number, values[Math.floor(values.length / 2)] as number, values.at(-1) as number, 0];
      for (const bound of bounds) {
        for (const [op, holds] of ops) {
          const expected = subset((job) => typeof job[key] === 'number' && holds(job[key] as number, bound));
          await expectList({ ...ALL, constraint: { [key]: [`${op}${bound}`] } }, expected);
        }
      }
    });

    it('and / or / not combinations', async () => {
      const someUser = records[0]?.userid as number;
      await expectList(
        { ...ALL, constraint: { and: [{ states: ['inactive'] }, { results: ['failed'] }, { userid: [someUser] }] } },
        subset((job) => job.state === 64 && job.result === 2 && job.userid === someUser),
      );
      await expectList(
        { ...ALL, constraint: { or: [{ states: ['pending'] }, { results: ['timeout', 'canceled'] }] } },
        subset((job) => ((job.state as number) & 0x0e) !== 0 || (job.state === 64 && ((job.result as number) & 12) !== 0)),
      );
      await expectList({ ...ALL, constraint: { not: [{ states: ['running'] }, { userid: [someUser] }] } }, subset((job) => !(((job.state as number) & 0x30) !== 0 && job.userid === someUser)));
      await expectList({ ...ALL, constraint: { or: [] } }, records);
      await expectList({ ...ALL, constraint: { not: [] } }, []);
    });
  });

  describe('since and max_entries', () => {
    const inactive = records.filter((job) => job.state === 64);
    const tInactive = [...new Set(inactive.map((job) => job.t_inactive as number))].sort((a, b) => a - b);

    it('since keeps every active job and the inactive ones that ended strictly later', async () => {
      const sinces = [0, tInactive[0] as number, tInactive[Math.floor(tInactive.length / 2)] as number, tInactive.at(-1) as number, 9e9];
      for (const since of sinces) {
        await expectList({ ...ALL, since }, subset((job) => job.state !== 64 || (job.t_inactive as number) > since));
      }
    });

    it('since with a constraint', async () => {
      const since = tInactive[Math.floor(tInactive.length / 2)] as number;
      await expectList(
        { ...ALL, since, constraint: { results: ['completed'] } },
        subset((job) => job.state === 64 && job.result === 1 && (job.t_inactive as number) > since),
      );
    });

    it('max_entries returns the first N of the same order, streamed or not', async () => {
      for (const n of [1, 2, 5, 11, records.length - 1, records.length, records.length + 10]) {
        await expectList({ ...ALL, max_entries: n }, records.slice(0, n));
        expect(keysAndValues(await onceList(handle, { ...ALL, max_entries: n }))).toEqual(keysAndValues(records.slice(0, n)));
      }
    });

    it('max_entries with a constraint and since', async () => {
      const since = tInactive[0] as number;
      const expected = subset((job) => ((job.state as number) & 0x50) !== 0 && (job.state !== 64 || (job.t_inactive as number) > since));
      await expectList({ max_entries: 3, attrs: ['all'], since, constraint: { states: ['run', 'inactive'] } }, expected.slice(0, 3));
    });
  });

  describe('attribute projection', () => {
    const attrLists: string[][] = [
      [],
      ['name'],
      ['state', 'name', 'userid', 'name'],
      ['name', 'all'],
      ['t_run', 'ranks', 'nodelist', 'annotations'],
      ['result', 'success', 'exception_type', 'exception_note', 'waitstatus'],
      ['dependencies', 'priority', 't_sched', 'expiration'],
      ['queue', 'project', 'bank', 'cwd', 'duration', 'ntasks', 'ncores', 'nnodes'],
      [...ALL_ATTRS].reverse(),
    ];
    it.each(attrLists.map((attrs) => [JSON.stringify(attrs), attrs] as const))('attrs %s', async (_label, attrs) => {
      const expected = records.map((record) => project(record, attrs));
      await expectList({ max_entries: 0, attrs, constraint: { and: [] } }, expected);
      for (const record of records.slice(0, 5)) {
        const answer = (await handle.rpc('job-list.list-id', { id: record.id, attrs })) as { job: JsonObject };
        expect(keysAndValues([normalise(answer.job)])).toEqual(keysAndValues([project(record, attrs)]));
      }
    });
  });
});
