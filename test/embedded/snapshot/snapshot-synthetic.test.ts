import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSnapshot } from '../../../src/embedded/snapshot/format';
import { SYNTHETIC_SNAPSHOT, jobListOrder } from './snapshot-synthetic';
import type { JsonObject } from '../../../src/flux/json';

const FILE = join(__dirname, '../../fixtures/synthetic-snapshot.json');

describe('the synthetic snapshot fixture', () => {
  const fromFile = parseSnapshot(readFileSync(FILE, 'utf8'), FILE);

  it('is exactly what snapshot-synthetic.ts builds', () => {
    expect(fromFile).toEqual(SYNTHETIC_SNAPSHOT);
  });

  it('passes every record check and keeps ids above 2^53 exact', () => {
    expect(fromFile.jobs).toHaveLength(20);
    for (const job of fromFile.jobs) expect(job.id > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it('is in job-list order: pending, running, inactive', () => {
    const states = fromFile.jobs.map((job) => job.state);
    expect(states).toEqual([8, 8, 8, 2, 4, 8, 2, 16, 16, 32, 32, 64, 64, 64, 64, 64, 64, 64, 64, 64]);
    const resorted = [...fromFile.jobs].sort(jobListOrder as (a: JsonObject, b: JsonObject) => number);
    expect(resorted.map((job) => job.id)).toEqual(fromFile.jobs.map((job) => job.id));
  });
});
