import type { Json } from '../../flux/json';
import { ConstraintError } from './errors';
import { MAX_CONSTRAINT_DEPTH, parseTimestampComparison } from './parse';

export interface TimestampUpperBound {
  readonly value: number;
  /** True for `<=` (a job at exactly `value` may match), false for `<`. */
  readonly inclusive: boolean;
}

function tighter(a: TimestampUpperBound | undefined, b: TimestampUpperBound | undefined): TimestampUpperBound | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.value !== b.value) return a.value < b.value ? a : b;
  return a.inclusive ? b : a;
}

function boundOf(value: Json, key: 't_inactive' | 't_run', depth: number): TimestampUpperBound | undefined {
  if (depth > MAX_CONSTRAINT_DEPTH || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const op = keys[0] as string;
  const values = value[op];
  if (!Array.isArray(values)) return undefined;
  if (op === 'and') {
    let bound: TimestampUpperBound | undefined;
    for (const child of values) bound = tighter(bound, boundOf(child, key, depth + 1));
    return bound;
  }
  if (op !== key || typeof values[0] !== 'string') return undefined;
  let parsed: ReturnType<typeof parseTimestampComparison>;
  try {
    parsed = parseTimestampComparison(values[0]);
  } catch (err) {
    if (err instanceof ConstraintError) return undefined;
    throw err;
  }
  // A NaN bound matches nothing, but promises no order a search could rely on.
  if (Number.isNaN(parsed.value)) return undefined;
  if (parsed.comparison === '<=') return { value: parsed.value, inclusive: true };
  if (parsed.comparison === '<') return { value: parsed.value, inclusive: false };
  return undefined;
}

/**
 * An upper bound on `key` that every matching job must satisfy, read from the constraint's
 * top-level chain of `and` operators (nested `and`s included); undefined when the constraint
 * does not certainly imply one. A matching job also certainly has the timestamp. When several
 * bounds apply, the tightest is returned. Lets the service binary-search a list sorted by the
 * timestamp instead of scanning it. Call it only on a constraint that compiled.
 */
export function timestampUpperBound(value: Json | undefined, key: 't_inactive' | 't_run'): TimestampUpperBound | undefined {
  if (value === undefined) return undefined;
  return boundOf(value, key, 0);
}
