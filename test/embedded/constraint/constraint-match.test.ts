import { ComparisonBudget, compileConstraint, type MatchableJob } from '../../../src/embedded/constraint/compile';
import type { Json } from '../../../src/flux/json';
import { ALL_IDS, JOBS, allBut } from './constraint-jobs';

const OPTIONS = { maxHosts: 1024, maxRanks: 1024 };

function matchingIds(constraint: Json | undefined): string[] {
  const compiled = compileConstraint(constraint, OPTIONS);
  const budget = new ComparisonBudget(0);
  return JOBS.filter((job) => compiled.matches(job, budget)).map((job) => job.id);
}

const NONE: string[] = [];
const PENDING = ['depend', 'priority', 'sched', 'requeued'];
const RUNNING = ['run', 'cleanup', 'exception'];
const INACTIVE = ['completed', 'failed', 'canceled', 'timeout'];
const UID_100 = ['new', 'depend', 'sched', 'cleanup', 'completed'];
const RAN = ['run', 'cleanup', 'completed', 'failed', 'timeout'];

describe('matching the fixed job set', () => {
  it.each<[string, Json | undefined, string[]]>([
    // empty constraints and logical operators
    ['no constraint', undefined, [...ALL_IDS]],
    ['{}', {}, [...ALL_IDS]],
    ['empty and', { and: [] }, [...ALL_IDS]],
    ['empty or', { or: [] }, [...ALL_IDS]],
    ['empty not', { not: [] }, NONE],
    ['and of {}', { and: [{}] }, [...ALL_IDS]],
    ['or of {}', { or: [{}] }, [...ALL_IDS]],
    ['not of {}', { not: [{}] }, NONE],

    // userid
    ['no userids', { userid: [] }, NONE],
    ['one userid', { userid: [100] }, UID_100],
    ['two userids', { userid: [101, 102] }, ['priority', 'requeued', 'run', 'failed', 'canceled']],
    ['userid 0', { userid: [0] }, ['timeout']],
    ['unknown userid', { userid: [999] }, NONE],
    ['wildcard -1', { userid: [-1] }, [...ALL_IDS]],
    ['wildcard 4294967295', { userid: [4294967295] }, [...ALL_IDS]],
    ['wildcard after another value', { userid: [999, 4294967295] }, [...ALL_IDS]],
    ['2^32 wraps to 0', { userid: [4294967296] }, ['timeout']],
    ['-2^32 wraps to 0', { userid: [-4294967296] }, ['timeout']],
    ['2^32 + 100 wraps to 100', { userid: [4294967396] }, UID_100],
    ['-4294967196 wraps to 100', { userid: [-4294967196] }, UID_100],
    ['a 64-bit integer keeps its low 32 bits', { userid: [(1n << 60n) + 101n] }, ['priority', 'run', 'failed']],

    // name
    ['name', { name: ['alpha'] }, ['new', 'depend', 'run', 'completed']],
    ['names are case-sensitive', { name: ['Alpha'] }, NONE],
    ['two names', { name: ['beta', 'zeta'] }, ['priority', 'failed', 'exception']],
    ['the empty name does not match a job without one', { name: [''] }, NONE],
    ['no names', { name: [] }, NONE],

    // queue
    ['queue', { queue: ['batch'] }, ['new', 'depend', 'sched', 'run', 'completed', 'canceled', 'timeout']],
    ['other queue', { queue: ['debug'] }, ['priority', 'cleanup', 'failed', 'exception']],
    ['queues are case-sensitive', { queue: ['Batch'] }, NONE],
    ['no queues', { queue: [] }, NONE],
    ['not in queue (jobs without a queue included)', { not: [{ queue: ['batch'] }] }, ['priority', 'requeued', 'cleanup', 'failed', 'exception']],

    // states, by every spelling
    ['states new', { states: ['new'] }, ['new']],
    ['states 1 (NEW)', { states: [1] }, ['new']],
    ['states depend', { states: ['depend'] }, ['depend']],
    ['states DEPEND', { states: ['DEPEND'] }, ['depend']],
    ['states D', { states: ['D'] }, ['depend']],
    ['states d', { states: ['d'] }, ['depend']],
    ['states priority', { states: ['priority'] }, ['priority', 'requeued']],
    ['states P', { states: ['P'] }, ['priority', 'requeued']],
    ['states sched', { states: ['sched'] }, ['sched']],
    ['states s', { states: ['s'] }, ['sched']],
    ['states run', { states: ['run'] }, ['run']],
    ['states R', { states: ['R'] }, ['run']],
    ['states cleanup', { states: ['cleanup'] }, ['cleanup', 'exception']],
    ['states c', { states: ['c'] }, ['cleanup', 'exception']],
    ['states inactive', { states: ['inactive'] }, INACTIVE],
    ['states I', { states: ['I'] }, INACTIVE],
    ['states pending', { states: ['pending'] }, PENDING],
    ['states PENDING', { states: ['PENDING'] }, PENDING],
    ['states PD', { states: ['PD'] }, PENDING],
    ['states pd', { states: ['pd'] }, PENDING],
    ['states 14', { states: [14] }, PENDING],
    ['states running', { states: ['running'] }, RUNNING],
    ['states RU', { states: ['RU'] }, RUNNING],
    ['states ru', { states: ['ru'] }, RUNNING],
    ['states 48', { states: [48] }, RUNNING],
    ['states active', { states: ['active'] }, [...PENDING, ...RUNNING]],
    ['states ACTIVE', { states: ['ACTIVE'] }, [...PENDING, ...RUNNING]],
    ['states A', { states: ['A'] }, [...PENDING, ...RUNNING]],
    ['states a', { states: ['a'] }, [...PENDING, ...RUNNING]],
    ['states 62', { states: [62] }, [...PENDING, ...RUNNING]],
    ['states 64', { states: [64] }, INACTIVE],
    ['states 127', { states: [127] }, [...ALL_IDS]],
    ['states 126 (what flux jobs -a sends)', { states: [126] }, allBut('new')],
    ['states mixed names and masks', { states: ['priority', 32] }, ['priority', 'requeued', 'cleanup', 'exception']],
    ['no states', { states: [] }, NONE],
    ['states 0', { states: [0] }, NONE],
    ['states 2^32 + 16 wraps to RUN', { states: [4294967312] }, ['run']],
    ['states 2^32 wraps to 0', { states: [4294967296] }, NONE],
    ['states 2^40 + 64 keeps its low 32 bits', { states: [2 ** 40 + 64] }, INACTIVE],

    // results
    ['results completed', { results: ['completed'] }, ['completed']],
    ['results COMPLETED', { results: ['COMPLETED'] }, ['completed']],
    ['results CD', { results: ['CD'] }, ['completed']],
    ['results cd', { results: ['cd'] }, ['completed']],
    ['results 1', { results: [1] }, ['completed']],
    ['results failed', { results: ['failed'] }, ['failed']],
    ['results F', { results: ['F'] }, ['failed']],
    ['results canceled', { results: ['canceled'] }, ['canceled']],
    ['results CA', { results: ['CA'] }, ['canceled']],
    ['results ca', { results: ['ca'] }, ['canceled']],
    ['results timeout', { results: ['timeout'] }, ['timeout']],
    ['results TO', { results: ['TO'] }, ['timeout']],
    ['results failed, timeout', { results: ['failed', 'timeout'] }, ['failed', 'timeout']],
    ['results 15', { results: [15] }, INACTIVE],
    ['no results', { results: [] }, NONE],
    ['results 0', { results: [0] }, NONE],
    ['not completed includes every active job', { not: [{ results: ['completed'] }] }, allBut('completed')],

    // hostlist
    ['one host', { hostlist: ['node1'] }, ['run', 'completed']],
    ['a host range', { hostlist: ['node[3-4]'] }, ['cleanup', 'completed', 'failed']],
    ['hosts of several values', { hostlist: ['node5', 'login'] }, ['timeout']],
    ['comma-separated hosts', { hostlist: ['node0,node6'] }, ['completed', 'timeout']],
    ['an unknown host', { hostlist: ['node9'] }, NONE],
    ['host names are case-sensitive', { hostlist: ['NODE1'] }, NONE],
    ['zero padding is part of the name', { hostlist: ['node01'] }, NONE],
    ['1024 hosts', { hostlist: ['node[0-1023]'] }, RAN],
    ['no hosts', { hostlist: [] }, NONE],
    ['not on a host (jobs without nodes included)', { not: [{ hostlist: ['node1'] }] }, allBut('run', 'completed')],

    // ranks
    ['rank 0', { ranks: ['0'] }, ['completed']],
    ['a rank range', { ranks: ['2-3'] }, ['run', 'cleanup', 'completed']],
    ['ranks of several values', { ranks: ['4', '6'] }, ['failed', 'timeout']],
    ['bracketed ranks', { ranks: ['[5,7]'] }, ['timeout']],
    ['the empty idset', { ranks: [''] }, NONE],
    ['the empty bracketed idset', { ranks: ['[]'] }, NONE],
    ['no ranks', { ranks: [] }, NONE],
    ['a rank beyond the instance', { ranks: ['5000'] }, NONE],
    ['1024 ranks', { ranks: ['0-1023'] }, RAN],
    ['overlapping values count once', { ranks: ['0-600', '0-600'] }, RAN],

    // timestamps: the job must have the timestamp (reference section 5.3)
    ['t_submit >=', { t_submit: ['>=50'] }, ['run', 'cleanup', 'completed', 'failed', 'canceled', 'timeout', 'exception']],
    ['t_submit >', { t_submit: ['>50'] }, ['cleanup', 'completed', 'failed', 'canceled', 'timeout', 'exception']],
    ['t_submit <=', { t_submit: ['<=50'] }, ['new', 'depend', 'priority', 'sched', 'requeued', 'run']],
    ['t_submit <', { t_submit: ['<50'] }, ['new', 'depend', 'priority', 'sched', 'requeued']],
    ['t_depend: every job past NEW', { t_depend: ['>=0'] }, allBut('new')],
    ['t_priority: jobs that reached PRIORITY', { t_priority: ['>=0'] }, allBut('new', 'depend', 'exception')],
    ['t_sched: jobs that reached SCHED (even if back in PRIORITY)', { t_sched: ['>=0'] }, allBut('new', 'depend', 'priority', 'exception')],
    ['t_run: jobs that ran', { t_run: ['<9e9'] }, RAN],
    ['t_cleanup: jobs that reached CLEANUP', { t_cleanup: ['>=0'] }, ['cleanup', 'completed', 'failed', 'canceled', 'timeout', 'exception']],
    ['t_inactive <= exact value', { t_inactive: ['<=96'] }, ['completed', 'failed', 'canceled']],
    ['t_inactive < exact value', { t_inactive: ['<96'] }, ['completed', 'failed']],
    ['t_inactive >= exact value', { t_inactive: ['>=96'] }, ['canceled', 'timeout']],
    ['t_inactive > exact value', { t_inactive: ['>96'] }, ['timeout']],
    ['an empty number is 0', { t_sched: ['>'] }, allBut('new', 'depend', 'priority', 'exception')],
    ['hexadecimal', { t_run: ['>0x40'] }, ['completed', 'failed', 'timeout']],
    ['hexadecimal with a binary exponent', { t_run: ['<=0x1p6'] }, ['run', 'cleanup']],
    ['exponent', { t_run: ['>=6.4e1'] }, ['cleanup', 'completed', 'failed', 'timeout']],
    ['leading blanks', { t_run: ['> \t54'] }, ['cleanup', 'completed', 'failed', 'timeout']],
    ['explicit plus sign', { t_run: ['<+64'] }, ['run']],
    ['-0 is accepted', { t_run: ['<=-0'] }, NONE],
    ['infinity', { t_inactive: ['<inf'] }, INACTIVE],
    ['INFINITY', { t_inactive: ['>=INFINITY'] }, NONE],
    ['nan never compares true', { t_submit: ['<nan'] }, NONE],
    ['nan(chars) also', { t_submit: ['>=NaN(abc_1)'] }, NONE],
    ['extra values are ignored, even invalid ones', { t_submit: ['>=0', 'garbage', 5] }, [...ALL_IDS]],
    ['not having t_run', { and: [{ states: ['inactive'] }, { not: [{ t_run: ['>=0'] }] }] }, ['canceled']],

    // combinations
    ['user and state', { and: [{ userid: [100] }, { states: ['pending'] }] }, ['depend', 'sched']],
    ['pending or failed/timeout', { or: [{ states: ['pending'] }, { results: ['failed', 'timeout'] }] }, [...PENDING, 'failed', 'timeout']],
    ['not with two children negates their and', { not: [{ userid: [100] }, { name: ['alpha'] }] }, allBut('new', 'depend', 'completed')],
    ['double negation', { not: [{ not: [{ userid: [101] }] }] }, ['priority', 'run', 'failed']],
    ['or with a negation', { or: [{ not: [{ userid: [100] }] }, { name: ['alpha'] }] }, allBut('sched', 'cleanup')],
    ['hosts during a time window', { and: [{ hostlist: ['node[0-3]'] }, { t_inactive: ['>=70'] }] }, ['completed']],
    [
      'nested or in and',
      { and: [{ or: [{ userid: [100] }, { userid: [102] }] }, { queue: ['batch'] }] },
      ['new', 'depend', 'sched', 'completed', 'canceled'],
    ],
    [
      'a time window on t_run',
      { and: [{ t_run: ['>=60'] }, { t_run: ['<100'] }] },
      ['cleanup', 'completed', 'failed'],
    ],
  ])('%s', (_label, constraint, expected) => {
    expect(matchingIds(constraint)).toEqual(expected);
  });
});

describe('virtual queues (RFC 33, flux-core after 0.88.0)', () => {
  const job = (queue: string) => ({ ...JOBS[0]!, queue });
  const parents = new Map([['expedite', 'batch']]);

  it.each<[string, string, boolean, boolean]>([
    // [constraint queue, job queue, matches with parents configured, matches without]
    ['batch', 'batch', true, true],
    ['batch', 'expedite', true, false],
    ['batch', 'debug', false, false],
    ['expedite', 'expedite', true, true],
    ['expedite', 'batch', false, false],
  ])('queue %s vs a job in %s', (constraintQueue, jobQueue, withParents, withoutParents) => {
    const budget = new ComparisonBudget(0);
    const configured = compileConstraint({ queue: [constraintQueue] }, { ...OPTIONS, queueParents: parents });
    const plain = compileConstraint({ queue: [constraintQueue] }, OPTIONS);
    expect(configured.matches(job(jobQueue), budget)).toBe(withParents);
    expect(plain.matches(job(jobQueue), budget)).toBe(withoutParents);
  });
});

describe('jobs with unusual fields', () => {
  const base = JOBS[7]!; // completed, ran on node[0-3], ranks [0-3]
  const budget = () => new ComparisonBudget(0);

  it('treats a zero t_priority or t_sched as not set, as Flux does', () => {
    const job = { ...base, t_priority: 0, t_sched: 0 };
    expect(compileConstraint({ t_priority: ['>=0'] }, OPTIONS).matches(job, budget())).toBe(false);
    expect(compileConstraint({ t_sched: ['<=100'] }, OPTIONS).matches(job, budget())).toBe(false);
  });

  it('never matches hosts or ranks of a job whose nodelist or ranks cannot be decoded', () => {
    const job = { ...base, nodelist: 'node[1-', ranks: 'x' };
    expect(compileConstraint({ hostlist: ['node1'] }, OPTIONS).matches(job, budget())).toBe(false);
    expect(compileConstraint({ not: [{ ranks: ['0-9'] }] }, OPTIONS).matches(job, budget())).toBe(true);
  });

  it('matches against the same nodelist many times consistently (decoded once per constraint)', () => {
    const compiled = compileConstraint({ hostlist: ['node2'] }, OPTIONS);
    const results = Array.from({ length: 5 }, () => compiled.matches(base, budget()));
    expect(results).toEqual([true, true, true, true, true]);
    expect(compiled.matches({ ...base, nodelist: 'node[3-4]' }, budget())).toBe(false);
  });

  it('compares a userid against the job as an unsigned 32-bit value', () => {
    const job = { ...base, userid: 4294967294 };
    expect(compileConstraint({ userid: [-2] }, OPTIONS).matches(job, budget())).toBe(true);
  });
});

describe('flux-core unit test expectations (src/modules/job-list/test/match.c)', () => {
  const run = (constraint: Json, fields: Partial<MatchableJob>) => {
    const job: MatchableJob = { userid: 0, state: 0, result: 0, t_submit: 0, ...fields };
    return compileConstraint(constraint, OPTIONS).matches(job, new ComparisonBudget(0));
  };

  it.each<[Json, string | undefined, boolean]>([
    [{ hostlist: ['foo1'] }, undefined, false],
    [{ hostlist: ['foo1'] }, 'foo1', true],
    [{ hostlist: ['foo1'] }, 'foo2', false],
    [{ hostlist: ['foo1'] }, 'foo[1-2]', true],
    [{ hostlist: ['foo1'] }, 'foo[2-3]', false],
    [{ hostlist: ['foo[1-2]'] }, 'foo1', true],
    [{ hostlist: ['foo[1-2]'] }, 'foo2', true],
    [{ hostlist: ['foo[1-2]'] }, 'foo[2-3]', true],
    [{ hostlist: ['foo[1-2]'] }, 'foo[3-4]', false],
    [{ hostlist: ['foo1', 'foo2', 'foo3'] }, 'foo[3-4]', true],
    [{ hostlist: ['foo1', 'foo2', 'foo3'] }, 'foo4', false],
    [{ hostlist: ['foo1', 'foo2', 'foo3'] }, 'foo[4-5]', false],
    [{ hostlist: [] }, undefined, false],
  ])('hostlist %j against nodelist %s', (constraint, nodelist, expected) => {
    expect(run(constraint, nodelist === undefined ? {} : { nodelist })).toBe(expected);
  });

  it.each<[Json, string | undefined, boolean]>([
    [{ ranks: ['1'] }, undefined, false],
    [{ ranks: ['1'] }, '1', true],
    [{ ranks: ['1'] }, '2', false],
    [{ ranks: ['1'] }, '1-2', true],
    [{ ranks: ['1'] }, '2-3', false],
    [{ ranks: ['1-2'] }, '2-3', true],
    [{ ranks: ['1-2'] }, '3-4', false],
    [{ ranks: ['1', '2', '3'] }, '3-4', true],
    [{ ranks: ['1', '2', '3'] }, '4-5', false],
    [{ ranks: [] }, undefined, false],
  ])('ranks %j against ranks %s', (constraint, ranks, expected) => {
    expect(run(constraint, ranks === undefined ? {} : { ranks })).toBe(expected);
  });

  it.each<[Json, number, string | undefined, boolean]>([
    [{ or: [] }, 42, 'foo', true],
    [{ and: [] }, 42, 'foo', true],
    [{ not: [] }, 42, 'foo', false],
    [{ not: [{ userid: [42] }] }, 42, 'foo', false],
    [{ not: [{ userid: [42] }] }, 43, 'foo', true],
    [{ or: [{ userid: [42] }, { name: ['foo'] }] }, 43, 'bar', false],
    [{ or: [{ userid: [42] }, { name: ['foo'] }] }, 42, 'bar', true],
    [{ or: [{ userid: [42] }, { name: ['foo'] }] }, 43, 'foo', true],
    [{ or: [{ not: [{ userid: [42] }] }, { name: ['foo'] }] }, 43, 'bar', true],
    [{ or: [{ not: [{ userid: [42] }] }, { name: ['foo'] }] }, 42, 'bar', false],
    [{ not: [{ or: [{ userid: [42] }, { name: ['foo'] }] }] }, 43, 'bar', true],
    [{ not: [{ or: [{ userid: [42] }, { name: ['foo'] }] }] }, 43, 'foo', false],
    [{ and: [{ userid: [42] }, { name: ['foo'] }] }, 42, 'bar', false],
    [{ and: [{ userid: [42] }, { name: ['foo'] }] }, 42, 'foo', true],
    [{ and: [{ not: [{ userid: [42] }] }, { name: ['foo'] }] }, 43, 'foo', true],
    [{ and: [{ not: [{ userid: [42] }] }, { name: ['foo'] }] }, 42, 'foo', false],
    [{ not: [{ and: [{ userid: [42] }, { name: ['foo'] }] }] }, 42, 'bar', true],
    [{ not: [{ and: [{ userid: [42] }, { name: ['foo'] }] }] }, 42, 'foo', false],
    [{ and: [{ or: [{ userid: [42] }, { userid: [43] }] }, { name: ['foo'] }] }, 43, 'foo', true],
    [{ and: [{ or: [{ userid: [42] }, { userid: [43] }] }, { name: ['foo'] }] }, 43, 'bar', false],
    [{ userid: [-1] }, 42, undefined, true],
    [{ name: ['foo', 'bar'] }, 0, undefined, false],
  ])('%j with userid %d and name %s', (constraint, userid, name, expected) => {
    expect(run(constraint, name === undefined ? { userid } : { userid, name })).toBe(expected);
  });
});
