import {
  ComparisonBudget,
  ExcessiveComparisonsError,
  compileConstraint,
  type MatchableJob,
} from '../../../src/embedded/constraint/compile';
import type { Json } from '../../../src/flux/json';
import { JOBS, jobById } from './constraint-jobs';

const OPTIONS = { maxHosts: 1024, maxRanks: 1024 };

function charges(constraint: Json | undefined, job: MatchableJob): number {
  const budget = new ComparisonBudget(0);
  compileConstraint(constraint, OPTIONS).matches(job, budget);
  return budget.used;
}

describe('ComparisonBudget', () => {
  it('counts and fails once the count exceeds the limit', () => {
    const budget = new ComparisonBudget(3);
    budget.charge();
    budget.charge(2);
    expect(budget.used).toBe(3);
    expect(() => budget.charge()).toThrow(ExcessiveComparisonsError);
    expect(budget.used).toBe(4);
  });

  it('fails on a batch that crosses the limit', () => {
    const budget = new ComparisonBudget(10);
    budget.charge(9);
    expect(() => budget.charge(5)).toThrow('Excessive comparisons made, limit search via states or since');
  });

  it('treats a limit of 0 as unlimited', () => {
    const budget = new ComparisonBudget(0);
    budget.charge(10_000_000);
    budget.charge();
    expect(budget.used).toBe(10_000_001);
  });

  it('ignores charges of 0 even at the limit', () => {
    const budget = new ComparisonBudget(2);
    budget.charge(2);
    budget.charge(0);
    expect(budget.used).toBe(2);
  });

  it('carries a stable code and Flux message', () => {
    const err = new ExcessiveComparisonsError();
    expect(err.code).toBe('EXCESSIVE_COMPARISONS');
    expect(err.message).toBe('Excessive comparisons made, limit search via states or since');
    expect(err.name).toBe('ExcessiveComparisonsError');
  });

  it.each([-1, 1.5, NaN])('rejects the limit %d', (limit) => {
    expect(() => new ComparisonBudget(limit)).toThrow(RangeError);
  });
});

describe('comparisons charged per job (reference section 5.5)', () => {
  it.each<[string, Json | undefined, string, number]>([
    ['no constraint', undefined, 'depend', 1],
    ['{}', {}, 'failed', 1],
    ['empty and', { and: [] }, 'depend', 0],
    ['empty or', { or: [] }, 'depend', 0],
    ['empty not', { not: [] }, 'depend', 0],
    ['and of two {}', { and: [{}, {}] }, 'depend', 2],
    ['or stops at the first {}', { or: [{}, {}] }, 'depend', 1],
    ['not evaluates like and', { not: [{}, {}] }, 'depend', 2],

    ['userid: values up to the match', { userid: [100, 101, 102] }, 'priority', 2],
    ['userid: first value matches', { userid: [100, 101, 102] }, 'depend', 1],
    ['userid: no match tries all', { userid: [100, 101, 102] }, 'timeout', 3],
    ['userid: the wildcard stops the scan', { userid: [5, -1, 101] }, 'priority', 2],
    ['userid: a repeated value', { userid: [101, 101] }, 'priority', 1],
    ['userid: none', { userid: [] }, 'priority', 0],
    ['name: match at the third value', { name: ['x', 'y', 'alpha'] }, 'depend', 3],
    ['name: a job without a name still costs every value', { name: ['x', 'y', 'alpha'] }, 'cleanup', 3],
    ['queue: a job without a queue costs every value', { queue: ['debug', 'batch'] }, 'requeued', 2],
    ['queue: second value', { queue: ['debug', 'batch'] }, 'depend', 2],
    ['queue: first value', { queue: ['debug', 'batch'] }, 'priority', 1],

    ['states', { states: ['run'] }, 'depend', 1],
    ['results on an active job still costs one', { results: ['failed'] }, 'depend', 1],
    ['results on an inactive job', { results: ['failed'] }, 'failed', 1],
    ['timestamp the job lacks still costs one', { t_run: ['>=0'] }, 'depend', 1],
    ['timestamp', { t_inactive: ['<1'] }, 'completed', 1],

    ['hostlist: up to the first constraint host the job has', { hostlist: ['a', 'b', 'node2', 'node1'] }, 'run', 3],
    ['hostlist: order is the constraint order', { hostlist: ['a', 'b', 'node2', 'node1'] }, 'completed', 3],
    ['hostlist: no hit costs every host', { hostlist: ['node[5-9]'] }, 'failed', 5],
    ['hostlist: first host hits', { hostlist: ['node[5-9]'] }, 'timeout', 1],
    ['hostlist: duplicates count', { hostlist: ['x', 'x', 'node4'] }, 'failed', 3],
    ['hostlist: free for a job without nodes', { hostlist: ['node[0-9]'] }, 'depend', 0],

    ['ranks: the smaller set (job)', { ranks: ['0-9'] }, 'completed', 4],
    ['ranks: the smaller set (constraint)', { ranks: ['3'] }, 'completed', 1],
    ['ranks: charged even without a hit', { ranks: ['100-199'] }, 'completed', 4],
    ['ranks: the empty idset costs nothing', { ranks: [''] }, 'completed', 0],
    ['ranks: free for a job without ranks', { ranks: ['0-9'] }, 'canceled', 0],

    ['and stops at the first false', { and: [{ userid: [999] }, { states: ['run'] }] }, 'run', 1],
    ['and evaluates all when true', { and: [{ userid: [101] }, { states: ['run'] }] }, 'run', 2],
    ['or stops at the first true', { or: [{ userid: [100] }, { states: ['run'] }] }, 'depend', 1],
    ['or evaluates all when false', { or: [{ userid: [100] }, { states: ['run'] }] }, 'priority', 2],
    ['not of a true and', { not: [{ userid: [100] }, { name: ['alpha'] }] }, 'depend', 2],
    ['not stops at the first false child', { not: [{ userid: [100] }, { name: ['alpha'] }] }, 'priority', 1],
    ['a free false hostlist short-circuits and', { and: [{ hostlist: ['node1'] }, { t_inactive: ['>=0'] }] }, 'depend', 0],
  ])('%s', (_label, constraint, jobId, expected) => {
    expect(charges(constraint, jobById(jobId))).toBe(expected);
  });
});

describe('one budget per request', () => {
  it('accumulates over jobs and fails on the job that crosses the limit', () => {
    const compiled = compileConstraint({ userid: [1, 2, 3, 4, 5] }, OPTIONS);
    const budget = new ComparisonBudget(12);
    const examined: string[] = [];
    expect(() => {
      for (const job of JOBS) {
        examined.push(job.id);
        compiled.matches(job, budget);
      }
    }).toThrow(ExcessiveComparisonsError);
    expect(examined).toEqual(['new', 'depend', 'priority']);
  });

  it('allows exactly the limit', () => {
    const compiled = compileConstraint({ userid: [1, 2, 3, 4, 5] }, OPTIONS);
    const budget = new ComparisonBudget(10);
    expect(compiled.matches(JOBS[0]!, budget)).toBe(false);
    expect(compiled.matches(JOBS[1]!, budget)).toBe(false);
    expect(budget.used).toBe(10);
    expect(() => compiled.matches(JOBS[2]!, budget)).toThrow(ExcessiveComparisonsError);
  });

  it('fails on a rank comparison charged in one go', () => {
    const compiled = compileConstraint({ ranks: ['0-9'] }, OPTIONS);
    expect(() => compiled.matches(jobById('completed'), new ComparisonBudget(3))).toThrow(ExcessiveComparisonsError);
    expect(compiled.matches(jobById('completed'), new ComparisonBudget(4))).toBe(true);
  });

  it('fails from deep inside nested operators', () => {
    const compiled = compileConstraint({ or: [{ not: [{ and: [{}, {}, {}] }] }] }, OPTIONS);
    expect(() => compiled.matches(jobById('run'), new ComparisonBudget(2))).toThrow(ExcessiveComparisonsError);
  });

  it('charges a scan of every job with no constraint one comparison each', () => {
    const compiled = compileConstraint(undefined, OPTIONS);
    const budget = new ComparisonBudget(JOBS.length);
    for (const job of JOBS) expect(compiled.matches(job, budget)).toBe(true);
    expect(budget.used).toBe(JOBS.length);
  });
});
