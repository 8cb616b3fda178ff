import fc from 'fast-check';
import {
  ComparisonBudget,
  ConstraintError,
  ExcessiveComparisonsError,
  compileConstraint,
  timestampUpperBound,
  type ConstraintNode,
  type MatchableJob,
} from '../../../src/embedded/constraint/compile';
import { FLUX_USERID_UNKNOWN, JobState } from '../../../src/flux/constants';
import { parseHostlist } from '../../../src/flux/hostlist';
import { parseIdset } from '../../../src/flux/idset';
import type { Json, JsonObject } from '../../../src/flux/json';
import { JOBS } from './constraint-jobs';

const OPTIONS = { maxHosts: 1024, maxRanks: 1024 };
const TIMESTAMP_KEYS = ['t_submit', 't_depend', 't_priority', 't_sched', 't_run', 't_cleanup', 't_inactive'] as const;

function leafArbitrary(allowEmptyStates: boolean): fc.Arbitrary<Json> {
  const states = allowEmptyStates
    ? fc.subarray(['new', 'D', 'priority', 'S', 'run', 'C', 'inactive', 'pending', 'RU', 'active', 0, 14, 64])
    : fc.subarray(['new', 'D', 'priority', 'S', 'run', 'C', 'inactive', 'pending', 'RU', 'active', 14, 64], { minLength: 1 }).filter(
        (values) => values.some((v) => v !== 0),
      );
  return fc.oneof(
    fc.constant({}),
    fc.record({ userid: fc.subarray([0, 100, 101, 102, 103, 999, -1]) }),
    fc.record({ name: fc.subarray(['alpha', 'beta', 'gamma', 'zeta', 'nobody']) }),
    fc.record({ queue: fc.subarray(['batch', 'debug', 'nowhere']) }),
    fc.record({ states }),
    fc.record({ results: fc.subarray(['completed', 'F', 'canceled', 'TO', 0, 15]) }),
    fc.record({ hostlist: fc.subarray(['node0', 'node[1-2]', 'node[4-6]', 'login', 'node3,node9']) }),
    fc.record({ ranks: fc.subarray(['0', '1-2', '4', '[5-6]', '', '9']) }),
    fc
      .tuple(fc.constantFrom(...TIMESTAMP_KEYS), fc.constantFrom('<', '<=', '>', '>='), fc.integer({ min: 0, max: 24 }))
      .map(([key, cmp, n]): Json => ({ [key]: [`${cmp}${n * 5}`] })),
  );
}

function constraintArbitrary(allowEmptyStates = true): fc.Arbitrary<Json> {
  const { tree } = fc.letrec<{ tree: Json; node: Json }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArbitrary(allowEmptyStates), tie('node')),
    node: fc
      .tuple(fc.constantFrom('and', 'or', 'not'), fc.array(tie('tree'), { maxLength: 3 }))
      .map(([op, children]): Json => ({ [op]: children })),
  }));
  return tree;
}

const jobArbitrary = fc.constantFrom(...JOBS);

/** Match with an unlimited budget; report the answer and what it cost. */
function evaluate(constraint: Json, job: MatchableJob): { matched: boolean; used: number } {
  const budget = new ComparisonBudget(0);
  const matched = compileConstraint(constraint, OPTIONS).matches(job, budget);
  return { matched, used: budget.used };
}

/**
 * Flux's matcher transcribed literally (one comparison per value tried, values decoded per
 * job): the compiled matcher, with its lookup tables and memos, must agree on answer and cost.
 */
function literalMatch(node: ConstraintNode, job: MatchableJob, count: { n: number }): boolean {
  switch (node.kind) {
    case 'all':
      count.n++;
      return true;
    case 'and':
      return node.children.every((child) => literalMatch(child, job, count));
    case 'or':
      return node.children.length === 0 || node.children.some((child) => literalMatch(child, job, count));
    case 'not':
      return !node.children.every((child) => literalMatch(child, job, count));
    case 'userid':
      for (const userid of node.userids) {
        count.n++;
        if (userid === FLUX_USERID_UNKNOWN || userid === job.userid) return true;
      }
      return false;
    case 'name':
    case 'queue':
      for (const name of node.names) {
        count.n++;
        if ((node.kind === 'name' ? job.name : job.queue) === name) return true;
      }
      return false;
    case 'states':
      count.n++;
      return (node.mask & job.state) !== 0;
    case 'results':
      count.n++;
      return job.state === JobState.INACTIVE && (node.mask & job.result) !== 0;
    case 'hostlist': {
      if (job.nodelist === undefined) return false;
      const jobHosts = parseHostlist(job.nodelist);
      for (const host of node.hosts) {
        count.n++;
        if (jobHosts.includes(host)) return true;
      }
      return false;
    }
    case 'ranks': {
      if (job.ranks === undefined) return false;
      const jobRanks = parseIdset(job.ranks);
      const wanted = node.ranks.flatMap((r) => Array.from({ length: r.hi - r.lo + 1 }, (_, i) => r.lo + i));
      count.n += Math.min(jobRanks.length, wanted.length);
      return jobRanks.some((rank) => wanted.includes(rank));
    }
    case 'timestamp': {
      count.n++;
      let t = job[node.key];
      if ((node.key === 't_priority' || node.key === 't_sched') && t === 0) t = undefined;
      if (t === undefined) return false;
      switch (node.comparison) {
        case '<':
          return t < node.value;
        case '<=':
          return t <= node.value;
        case '>':
          return t > node.value;
        case '>=':
          return t >= node.value;
      }
    }
  }
}

function containsEmptyStates(constraint: Json): boolean {
  if (constraint === null || typeof constraint !== 'object' || Array.isArray(constraint)) return false;
  const [op, values] = Object.entries(constraint as JsonObject)[0] ?? [];
  if (!Array.isArray(values)) return false;
  if (op === 'states') return values.every((v) => v === 0);
  return values.some(containsEmptyStates);
}

describe('constraint properties', () => {
  it('agrees with a literal transcription of Flux on answer and comparisons', () => {
    fc.assert(
      fc.property(constraintArbitrary(), jobArbitrary, (constraint, job) => {
        const compiled = compileConstraint(constraint, OPTIONS);
        const count = { n: 0 };
        const expected = literalMatch(compiled.tree, job, count);
        expect(evaluate(constraint, job)).toEqual({ matched: expected, used: count.n });
      }),
      { numRuns: 2000 },
    );
  });

  it('not(not(c)) matches exactly the jobs c matches, at the same cost', () => {
    fc.assert(
      fc.property(constraintArbitrary(), jobArbitrary, (constraint, job) => {
        expect(evaluate({ not: [{ not: [constraint] }] }, job)).toEqual(evaluate(constraint, job));
      }),
      { numRuns: 1000 },
    );
  });

  it('and/or/not combine their children as booleans', () => {
    fc.assert(
      fc.property(fc.array(constraintArbitrary(), { maxLength: 4 }), jobArbitrary, (children, job) => {
        const each = children.map((child) => evaluate(child, job).matched);
        expect(evaluate({ and: children }, job).matched).toBe(each.every(Boolean));
        expect(evaluate({ or: children }, job).matched).toBe(children.length === 0 || each.some(Boolean));
        expect(evaluate({ not: children }, job).matched).toBe(!each.every(Boolean));
      }),
      { numRuns: 1000 },
    );
  });

  it('and is as cheap as its children up to the first false one', () => {
    fc.assert(
      fc.property(fc.array(constraintArbitrary(), { maxLength: 4 }), jobArbitrary, (children, job) => {
        let expected = 0;
        for (const child of children) {
          const result = evaluate(child, job);
          expected += result.used;
          if (!result.matched) break;
        }
        expect(evaluate({ and: children }, job).used).toBe(expected);
        expect(evaluate({ not: children }, job).used).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('a budget fails exactly when the unlimited count exceeds it', () => {
    fc.assert(
      fc.property(constraintArbitrary(), fc.array(jobArbitrary, { minLength: 1, maxLength: 6 }), fc.nat(40), (constraint, jobs, limit) => {
        fc.pre(limit > 0);
        const compiled = compileConstraint(constraint, OPTIONS);
        const unlimited = new ComparisonBudget(0);
        const answers = jobs.map((job) => compiled.matches(job, unlimited));
        const limited = new ComparisonBudget(limit);
        const run = () => jobs.map((job) => compiled.matches(job, limited));
        if (unlimited.used > limit) expect(run).toThrow(ExcessiveComparisonsError);
        else expect(run()).toEqual(answers);
      }),
      { numRuns: 1000 },
    );
  });

  it('the pre-filter never rules out a state of a matching job (without empty states lists)', () => {
    fc.assert(
      fc.property(constraintArbitrary(false), jobArbitrary, (constraint, job) => {
        fc.pre(!containsEmptyStates(constraint));
        const compiled = compileConstraint(constraint, OPTIONS);
        const verdict = compiled.stateVerdict(job.state);
        const matched = compiled.matches(job, new ComparisonBudget(0));
        if (matched) expect(verdict).not.toBe('never');
        if (verdict === 'always') expect(matched).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('a reported upper bound holds for every matching job', () => {
    const withBound = fc
      .tuple(constraintArbitrary(), fc.constantFrom('t_inactive', 't_run') as fc.Arbitrary<'t_inactive' | 't_run'>, fc.constantFrom('<', '<='), fc.integer({ min: 0, max: 24 }))
      .map(([other, key, cmp, n]) => ({ constraint: { and: [other, { [key]: [`${cmp}${n * 5}`] }] } as Json, key }));
    fc.assert(
      fc.property(withBound, jobArbitrary, ({ constraint, key }, job) => {
        const bound = timestampUpperBound(constraint, key);
        expect(bound).toBeDefined();
        if (bound === undefined || !evaluate(constraint, job).matched) return;
        const t = job[key];
        expect(t).toBeDefined();
        expect(bound.inclusive ? (t as number) <= bound.value : (t as number) < bound.value).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('anything that is not an object is refused with the same message', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.string(), fc.array(fc.jsonValue() as fc.Arbitrary<Json>)),
        (value) => {
          expect(() => compileConstraint(value, OPTIONS)).toThrow(new ConstraintError('constraint must be JSON object'));
        },
      ),
    );
  });

  it('an object with several keys is refused whatever they hold', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue() as fc.Arbitrary<Json>, { minKeys: 2 }), (value) => {
        expect(() => compileConstraint(value, OPTIONS)).toThrow('constraint must only contain 1 element');
      }),
    );
  });

  it('compiles any JSON value either to a matcher or to a ConstraintError', () => {
    fc.assert(
      fc.property(fc.jsonValue() as fc.Arbitrary<Json>, (value) => {
        try {
          compileConstraint(value, OPTIONS).matches(JOBS[7]!, new ComparisonBudget(0));
        } catch (err) {
          expect(err).toBeInstanceOf(ConstraintError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
