import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ComparisonBudget, compileConstraint, type MatchableJob } from '../../../src/embedded/constraint/compile';
import { parseJson, type Json, type JsonObject } from '../../../src/flux/json';

/**
 * The 59 jobs a flux-core 0.88 broker listed (test/fixtures/flux-0.88-snapshot.json: 20
 * completed, 13 failed, 4 canceled, 2 timed out, 5 running, 4 waiting on dependencies, 11
 * scheduled). job-list sends a timestamp attribute only when the job has it, so the listed
 * objects are matchable jobs as they stand.
 */
const snapshot = parseJson(readFileSync(join(__dirname, '..', '..', 'fixtures', 'flux-0.88-snapshot.json'), 'utf8')) as JsonObject;
const listed = snapshot.jobs as JsonObject[];
const jobs: MatchableJob[] = listed.map((job) => ({ ...(job as unknown as MatchableJob), result: (job.result as number | undefined) ?? 0 }));

function count(constraint: Json): number {
  const compiled = compileConstraint(constraint, { maxHosts: 1024, maxRanks: 1024 });
  const budget = new ComparisonBudget(0);
  return jobs.filter((job) => compiled.matches(job, budget)).length;
}

describe('constraints over the recorded flux-core 0.88 job list', () => {
  it('holds the 59 recorded jobs', () => {
    expect(jobs).toHaveLength(59);
  });

  it.each<[string, Json, number]>([
    ['every job', { and: [] }, 59],
    ['pending', { states: ['pending'] }, 15],
    ['PD', { states: ['PD'] }, 15],
    ['waiting on dependencies', { states: ['depend'] }, 4],
    ['scheduled', { states: ['S'] }, 11],
    ['running', { states: ['running'] }, 5],
    ['active', { states: ['active'] }, 20],
    ['inactive', { states: ['inactive'] }, 39],
    ['completed', { results: ['completed'] }, 20],
    ['failed', { results: ['F'] }, 13],
    ['canceled', { results: ['canceled'] }, 4],
    ['timed out', { results: ['TO'] }, 2],
    ['unsuccessful', { results: ['failed', 'canceled', 'timeout'] }, 19],
    ['not completed', { not: [{ results: ['completed'] }] }, 39],
    ['pending or unsuccessful', { or: [{ states: ['pending'] }, { results: ['failed', 'canceled', 'timeout'] }] }, 34],
    ['the instance owner (userid 0)', { userid: [0] }, 59],
    ['all users', { userid: [-1] }, 59],
    ['another user', { userid: [1000] }, 0],
    ['inactive jobs that never ran', { and: [{ states: ['inactive'] }, { not: [{ t_run: ['>=0'] }] }] }, 5],
  ])('%s', (_label, constraint, expected) => {
    expect(count(constraint)).toBe(expected);
  });

  it('matches t_run only on jobs that reached RUN, never a pending one', () => {
    const compiled = compileConstraint({ t_run: ['<9e9'] }, { maxHosts: 1024, maxRanks: 1024 });
    const budget = new ComparisonBudget(0);
    const matched = jobs.filter((job) => compiled.matches(job, budget));
    expect(matched.length).toBeGreaterThan(5);
    expect(matched.every((job) => job.t_run !== undefined && job.state >= 16)).toBe(true);
    expect(matched).toEqual(jobs.filter((job) => job.t_run !== undefined));
  });

  it('matches hosts and ranks exactly on the jobs that were given resources', () => {
    const withNodes = jobs.filter((job) => job.nodelist !== undefined).length;
    expect(withNodes).toBe(jobs.filter((job) => job.t_run !== undefined).length);
    expect(count({ hostlist: ['vm'] })).toBe(withNodes);
    expect(count({ ranks: ['0'] })).toBe(withNodes);
    expect(count({ ranks: ['1-1023'] })).toBe(0);
  });

  it('splits inactive jobs at an exact t_inactive', () => {
    const inactive = jobs.filter((job) => job.t_inactive !== undefined).map((job) => job.t_inactive as number);
    const middle = [...inactive].sort((a, b) => a - b)[19] as number;
    expect(count({ t_inactive: [`<=${middle}`] })).toBe(20);
    expect(count({ t_inactive: [`<${middle}`] })).toBe(19);
    expect(count({ t_inactive: [`>${middle}`] })).toBe(19);
    expect(count({ t_inactive: [`>=${middle}`] })).toBe(20);
  });
});
