import { FLUX_USERID_UNKNOWN, JobState } from '../../flux/constants';
import { parseHostlist } from '../../flux/hostlist';
import { type IdRange, idsetSize, idsetsIntersect, parseIdsetRanges } from '../../flux/idset';
import type { ComparisonBudget } from './comparison-budget';
import type { ConstraintNode, TimestampComparison, TimestampKey } from './parse';

/** The fields of a job the constraint language looks at; the embedded job record satisfies it. */
export interface MatchableJob {
  readonly userid: number;
  /** Exactly one job state bit. */
  readonly state: number;
  /** Result bit, only meaningful when state is INACTIVE. */
  readonly result: number;
  readonly name?: string;
  readonly queue?: string;
  /** RFC 29 hostlist of the job's nodes, once resources were assigned. */
  readonly nodelist?: string;
  /** RFC 22 idset of the job's broker ranks, once resources were assigned. */
  readonly ranks?: string;
  /** Timestamps; undefined when the job does not "have" it (reference section 5.3). */
  readonly t_submit: number;
  readonly t_depend?: number;
  readonly t_priority?: number;
  readonly t_sched?: number;
  readonly t_run?: number;
  readonly t_cleanup?: number;
  readonly t_inactive?: number;
}

/** True if the job matches; charges `budget` as Flux charges its comparison counter. */
export type JobMatcher = (job: MatchableJob, budget: ComparisonBudget) => boolean;

export interface MatchOptions {
  /**
   * RFC 33 virtual queues: virtual queue name → parent queue name. A `queue` value naming a
   * parent also matches jobs of its virtual queues. Flux releases up to 0.88.0 lack this rule;
   * leave it out to behave like them.
   */
  readonly queueParents?: ReadonlyMap<string, string>;
}

/** What scanning a constraint's values against one job's host or rank set costs and finds. */
interface SetOutcome {
  readonly charges: number;
  readonly hit: boolean;
}

const NO_OUTCOME: SetOutcome = { charges: 0, hit: false };

/**
 * Jobs share nodelists and rank sets, and a request may scan a million jobs: decoding each
 * distinct string once per compiled constraint keeps that cheap. The cap bounds memory when
 * every job's string is different.
 */
const MAX_MEMO_ENTRIES = 65536;

function memoized(compute: (text: string) => SetOutcome): (text: string) => SetOutcome {
  const memo = new Map<string, SetOutcome>();
  return (text) => {
    let outcome = memo.get(text);
    if (outcome === undefined) {
      if (memo.size >= MAX_MEMO_ENTRIES) memo.clear();
      outcome = compute(text);
      memo.set(text, outcome);
    }
    return outcome;
  };
}

/** Position of each value's first occurrence: scanning values in order stops there. */
function firstPositions<T>(values: readonly T[]): Map<T, number> {
  const positions = new Map<T, number>();
  values.forEach((value, index) => {
    if (!positions.has(value)) positions.set(value, index);
  });
  return positions;
}

function matchAll(_job: MatchableJob, budget: ComparisonBudget): boolean {
  budget.charge(1);
  return true;
}

function compileUserid(userids: readonly number[]): JobMatcher {
  const count = userids.length;
  const positions = firstPositions(userids);
  const wildcardAt = positions.get(FLUX_USERID_UNKNOWN) ?? Infinity;
  return (job, budget) => {
    // Flux tries the values in order, one comparison each, and stops at the first that
    // matches this job or is the any-user wildcard.
    const at = Math.min(positions.get(job.userid) ?? Infinity, wildcardAt);
    if (at === Infinity) {
      budget.charge(count);
      return false;
    }
    budget.charge(at + 1);
    return true;
  };
}

function compileName(names: readonly string[]): JobMatcher {
  const count = names.length;
  const positions = firstPositions(names);
  return (job, budget) => {
    // A job without a name still costs one comparison per value, as in Flux.
    const at = job.name === undefined ? undefined : positions.get(job.name);
    if (at === undefined) {
      budget.charge(count);
      return false;
    }
    budget.charge(at + 1);
    return true;
  };
}

function compileQueue(names: readonly string[], queueParents: ReadonlyMap<string, string> | undefined): JobMatcher {
  const count = names.length;
  const positions = firstPositions(names);
  return (job, budget) => {
    let at = Infinity;
    if (job.queue !== undefined) {
      at = positions.get(job.queue) ?? Infinity;
      const parent = queueParents?.get(job.queue);
      if (parent !== undefined) at = Math.min(at, positions.get(parent) ?? Infinity);
    }
    if (at === Infinity) {
      budget.charge(count);
      return false;
    }
    budget.charge(at + 1);
    return true;
  };
}

function compileStates(mask: number): JobMatcher {
  return (job, budget) => {
    budget.charge(1);
    return (mask & job.state) !== 0;
  };
}

function compileResults(mask: number): JobMatcher {
  return (job, budget) => {
    budget.charge(1);
    return job.state === JobState.INACTIVE && (mask & job.result) !== 0;
  };
}

function compileHostlist(hosts: readonly string[]): JobMatcher {
  const positions = firstPositions(hosts);
  const outcomeFor = memoized((nodelist) => {
    let jobHosts: string[];
    try {
      // An empty nodelist decodes in Flux too: it just names no host.
      jobHosts = parseHostlist(nodelist, { allowEmpty: true });
    } catch {
      return NO_OUTCOME; // Flux skips a job whose nodelist it cannot decode, at no cost
    }
    let at = Infinity;
    for (const host of jobHosts) at = Math.min(at, positions.get(host) ?? Infinity);
    return at === Infinity ? { charges: hosts.length, hit: false } : { charges: at + 1, hit: true };
  });
  return (job, budget) => {
    if (job.nodelist === undefined) return false;
    const outcome = outcomeFor(job.nodelist);
    budget.charge(outcome.charges);
    return outcome.hit;
  };
}

function compileRanks(ranks: readonly IdRange[], count: number): JobMatcher {
  const outcomeFor = memoized((text) => {
    let jobRanks: IdRange[];
    try {
      jobRanks = parseIdsetRanges(text);
    } catch {
      return NO_OUTCOME; // as for an undecodable nodelist
    }
    // Flux charges the size of the smaller set in one go, whatever the answer.
    return { charges: Math.min(idsetSize(jobRanks), count), hit: idsetsIntersect(jobRanks, ranks) };
  });
  return (job, budget) => {
    if (job.ranks === undefined) return false;
    const outcome = outcomeFor(job.ranks);
    budget.charge(outcome.charges);
    return outcome.hit;
  };
}

type TimestampGetter = (job: MatchableJob) => number | undefined;

/** Flux trusts a non-zero t_priority/t_sched: both record the first entry into a state that can be re-entered. */
function nonZero(value: number | undefined): number | undefined {
  return value === 0 ? undefined : value;
}

const TIMESTAMP_GETTERS: Readonly<Record<TimestampKey, TimestampGetter>> = {
  t_submit: (job) => job.t_submit,
  t_depend: (job) => job.t_depend,
  t_priority: (job) => nonZero(job.t_priority),
  t_sched: (job) => nonZero(job.t_sched),
  t_run: (job) => job.t_run,
  t_cleanup: (job) => job.t_cleanup,
  t_inactive: (job) => job.t_inactive,
};

function compileTimestamp(key: TimestampKey, comparison: TimestampComparison, bound: number): JobMatcher {
  const get = TIMESTAMP_GETTERS[key];
  // A job without the timestamp never matches, whatever the comparison; it still costs one.
  switch (comparison) {
    case '>=':
      return (job, budget) => {
        budget.charge(1);
        const t = get(job);
        return t !== undefined && t >= bound;
      };
    case '<=':
      return (job, budget) => {
        budget.charge(1);
        const t = get(job);
        return t !== undefined && t <= bound;
      };
    case '>':
      return (job, budget) => {
        budget.charge(1);
        const t = get(job);
        return t !== undefined && t > bound;
      };
    case '<':
      return (job, budget) => {
        budget.charge(1);
        const t = get(job);
        return t !== undefined && t < bound;
      };
  }
}

function compileAnd(children: readonly JobMatcher[]): JobMatcher {
  return (job, budget) => {
    for (const child of children) if (!child(job, budget)) return false;
    return true;
  };
}

function compileOr(children: readonly JobMatcher[]): JobMatcher {
  if (children.length === 0) return () => true; // RFC 31: an empty "or" is true, and costs nothing
  return (job, budget) => {
    for (const child of children) if (child(job, budget)) return true;
    return false;
  };
}

/** Turns a parsed constraint into a matcher; every string is decoded here, once per request. */
export function compileMatcher(node: ConstraintNode, options: MatchOptions = {}): JobMatcher {
  switch (node.kind) {
    case 'all':
      return matchAll;
    case 'and':
      return compileAnd(node.children.map((child) => compileMatcher(child, options)));
    case 'or':
      return compileOr(node.children.map((child) => compileMatcher(child, options)));
    case 'not': {
      const all = compileAnd(node.children.map((child) => compileMatcher(child, options)));
      return (job, budget) => !all(job, budget);
    }
    case 'userid':
      return compileUserid(node.userids);
    case 'name':
      return compileName(node.names);
    case 'queue':
      return compileQueue(node.names, options.queueParents);
    case 'states':
      return compileStates(node.mask);
    case 'results':
      return compileResults(node.mask);
    case 'hostlist':
      return compileHostlist(node.hosts);
    case 'ranks':
      return compileRanks(node.ranks, node.count);
    case 'timestamp':
      return compileTimestamp(node.key, node.comparison, node.value);
  }
}
