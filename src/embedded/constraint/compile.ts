import type { Json } from '../../flux/json';
import { ComparisonBudget } from './comparison-budget';
import { ConstraintError, ExcessiveComparisonsError } from './errors';
import { compileMatcher, type MatchableJob } from './match';
import { parseConstraint, type ConstraintNode } from './parse';
import { REAL_STATES, stateVerdict, type StateVerdict } from './state-verdict';

/**
 * The constraint language of flux-core's job-list service (RFC 31 syntax, RFC 43 operators) for
 * the embedded job-list service: compile a request's constraint once, then match jobs fast.
 */

export { ComparisonBudget, ConstraintError, ExcessiveComparisonsError };
export type { MatchableJob, StateVerdict, ConstraintNode };
export { timestampUpperBound, type TimestampUpperBound } from './bounds';

export interface ConstraintOptions {
  /** Most hosts a `hostlist` constraint may name; Flux uses max(instance size, 1024). */
  readonly maxHosts: number;
  /** Most ranks a `ranks` constraint may name; Flux uses the same limit as for hosts. */
  readonly maxRanks: number;
  /**
   * RFC 33 virtual queue → parent queue. Only flux-core after 0.88.0 applies this; leave it
   * out to match 0.88.0 brokers.
   */
  readonly queueParents?: ReadonlyMap<string, string>;
}

export interface CompiledConstraint {
  /** True if the job matches; charges the budget as Flux does (reference section 5.5). */
  matches(job: MatchableJob, budget: ComparisonBudget): boolean;
  /**
   * Reference section 5.6: can any job in a state of `stateMask` match? Flux scans a job list
   * only when this holds for one of the list's states. Bits outside the real states are ignored.
   */
  listMayMatch(stateMask: number): boolean;
  /** Flux's ALWAYS/MAYBE/NEVER for one real state bit (NEW … INACTIVE). */
  stateVerdict(state: number): StateVerdict;
  /** The validated constraint tree. */
  readonly tree: ConstraintNode;
}

/**
 * Validates `value` and prepares it for matching. `undefined` and `{}` match every job.
 * Throws ConstraintError with Flux's message for the first problem Flux would report.
 */
export function compileConstraint(value: Json | undefined, options: ConstraintOptions): CompiledConstraint {
  const tree = parseConstraint(value, options);
  const matches = compileMatcher(tree, { queueParents: options.queueParents });
  const verdicts = new Map<number, StateVerdict>(REAL_STATES.map((state) => [state, stateVerdict(tree, state)]));
  return {
    tree,
    matches,
    listMayMatch(stateMask: number): boolean {
      return REAL_STATES.some((state) => (stateMask & state) !== 0 && verdicts.get(state) !== 'never');
    },
    stateVerdict(state: number): StateVerdict {
      const verdict = verdicts.get(state);
      if (verdict === undefined) throw new RangeError(`not a job state bit: ${state}`);
      return verdict;
    },
  };
}
