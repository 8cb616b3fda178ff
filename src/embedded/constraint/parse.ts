import { ALL_RESULTS_MASK, ALL_STATES_MASK } from '../../flux/constants';
import { HostlistError, hostlistCount, parseHostlist } from '../../flux/hostlist';
import { type IdRange, IdsetError, idsetSize, parseIdsetRanges, unionIdsetRanges } from '../../flux/idset';
import type { Json, JsonObject } from '../../flux/json';
import { strtodWhole } from './c-strtod';
import { ConstraintError } from './errors';
import { RESULT_MASK_BY_NAME, STATE_MASK_BY_NAME } from './state-spellings';

/**
 * RFC 31 constraint objects with the RFC 43 operators of flux-core's job-list, validated in
 * the order Flux validates them so the first error reported is the one Flux reports.
 */

export const TIMESTAMP_KEYS = ['t_submit', 't_depend', 't_priority', 't_sched', 't_run', 't_cleanup', 't_inactive'] as const;
export type TimestampKey = (typeof TIMESTAMP_KEYS)[number];

/** Checked in this order, so ">=5" is "greater or equal 5", never "greater than =5". */
export const TIMESTAMP_COMPARISONS = ['>=', '<=', '>', '<'] as const;
export type TimestampComparison = (typeof TIMESTAMP_COMPARISONS)[number];

export type ConstraintNode =
  /** `{}` or no constraint: every job matches. */
  | { readonly kind: 'all' }
  | { readonly kind: 'and' | 'or' | 'not'; readonly children: readonly ConstraintNode[] }
  /** Low 32 bits of each value, in request order (order decides the comparison count). */
  | { readonly kind: 'userid'; readonly userids: readonly number[] }
  | { readonly kind: 'name' | 'queue'; readonly names: readonly string[] }
  | { readonly kind: 'states' | 'results'; readonly mask: number }
  /** Every host of every value in request order, duplicates kept (Flux iterates them so). */
  | { readonly kind: 'hostlist'; readonly hosts: readonly string[] }
  /** The union of all values as sorted, disjoint ranges. */
  | { readonly kind: 'ranks'; readonly ranks: readonly IdRange[]; readonly count: number }
  | {
      readonly kind: 'timestamp';
      readonly key: TimestampKey;
      readonly comparison: TimestampComparison;
      readonly value: number;
    };

export interface ConstraintLimits {
  /** Most hosts one `hostlist` constraint may name, counting duplicates. */
  readonly maxHosts: number;
  /** Most distinct ranks one `ranks` constraint may name. */
  readonly maxRanks: number;
}

/**
 * Flux never sees deeper constraints: its JSON parser stops at 2048 nested containers, and each
 * constraint level is an object plus an array. Refusing here keeps recursion bounded.
 */
export const MAX_CONSTRAINT_DEPTH = 1024;

const TIMESTAMP_KEY_SET: ReadonlySet<string> = new Set(TIMESTAMP_KEYS);

function isJsonObject(value: Json): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The low 32 bits (as unsigned) of a JSON integer, or undefined for anything else. Flux stores
 * these values in 32-bit C variables after checking only that they are integers. Integral
 * numbers beyond 2^53 cannot come from an integer literal (the codec makes those bigint), so
 * they are reals. A caller that knows which numbers were written as reals (`2.0`) must hand
 * them over non-integral for them to be refused as Flux refuses them.
 */
export function jsonIntegerLow32(value: Json): number | undefined {
  if (typeof value === 'bigint') return Number(BigInt.asUintN(32, value));
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value >>> 0;
  return undefined;
}

function parseUserids(values: readonly Json[]): ConstraintNode {
  const userids: number[] = [];
  for (const value of values) {
    const userid = jsonIntegerLow32(value);
    if (userid === undefined) throw new ConstraintError('userid value must be an integer');
    userids.push(userid);
  }
  return { kind: 'userid', userids };
}

function parseNames(kind: 'name' | 'queue', values: readonly Json[]): ConstraintNode {
  const names: string[] = [];
  for (const value of values) {
    if (typeof value !== 'string') throw new ConstraintError(`${kind} value must be a string`);
    names.push(value);
  }
  return { kind, names };
}

function hexMask(value: number): string {
  return `${value.toString(16).toUpperCase()}h`;
}

function parseMask(
  kind: 'states' | 'results',
  values: readonly Json[],
  byName: ReadonlyMap<string, number>,
  validBits: number,
): ConstraintNode {
  let mask = 0;
  for (const value of values) {
    let bits: number | undefined;
    if (typeof value === 'string') {
      bits = byName.get(value);
      if (bits === undefined) throw new ConstraintError(`invalid ${kind} value '${value}' specified`);
    } else {
      bits = jsonIntegerLow32(value);
      if (bits === undefined) throw new ConstraintError(`${kind} value invalid type`);
      if ((bits & ~validBits) !== 0) throw new ConstraintError(`invalid ${kind} value '${hexMask(bits)}' specified`);
    }
    mask |= bits;
  }
  return { kind, mask };
}

function parseHosts(values: readonly Json[], limits: ConstraintLimits): ConstraintNode {
  // Count first and expand only once the total is known to be within the limit, so a request
  // naming millions of hosts costs nothing. Flux checks the limit after the last value.
  let total = 0;
  for (const value of values) {
    if (typeof value !== 'string') throw new ConstraintError('host value must be a string');
    let count: number;
    try {
      count = hostlistCount(value);
    } catch (err) {
      if (err instanceof HostlistError) throw new ConstraintError('host value not in valid Hostlist format');
      throw err;
    }
    if (count === 0) throw new ConstraintError('host value not in valid Hostlist format');
    total += count;
  }
  if (total > limits.maxHosts) throw new ConstraintError('too many hosts specified');
  const hosts: string[] = [];
  for (const value of values) for (const host of parseHostlist(value as string, { maxHosts: total })) hosts.push(host);
  return { kind: 'hostlist', hosts };
}

function parseRanks(values: readonly Json[], limits: ConstraintLimits): ConstraintNode {
  // Merge once at the end: merging after every value would be quadratic in the value count.
  const collected: IdRange[] = [];
  for (const value of values) {
    if (typeof value !== 'string') throw new ConstraintError('ranks value must be a string');
    try {
      for (const range of parseIdsetRanges(value)) collected.push(range);
    } catch (err) {
      if (err instanceof IdsetError) throw new ConstraintError(`ranks value '${value}': ${err.message}`);
      throw err;
    }
  }
  const ranks = unionIdsetRanges(collected, []);
  const count = idsetSize(ranks);
  if (count > limits.maxRanks) throw new ConstraintError('too many ranks specified');
  return { kind: 'ranks', ranks, count };
}

/** Splits "<=1234.5" into its comparison and value, with Flux's messages for each failure. */
export function parseTimestampComparison(text: string): { comparison: TimestampComparison; value: number } {
  const comparison = TIMESTAMP_COMPARISONS.find((prefix) => text.startsWith(prefix));
  if (comparison === undefined) throw new ConstraintError('timestamp comparison operator not specified');
  const value = strtodWhole(text.slice(comparison.length));
  if (value === undefined) throw new ConstraintError('Invalid timestamp value specified');
  if (value < 0) throw new ConstraintError('timestamp value must be >= 0.0');
  return { comparison, value };
}

function parseTimestamp(key: TimestampKey, values: readonly Json[]): ConstraintNode {
  // Only the first element counts; Flux never looks at the rest, valid or not.
  if (values.length === 0) throw new ConstraintError('timestamp value not specified');
  const first = values[0];
  if (typeof first !== 'string') throw new ConstraintError(`${key} value must be a string`);
  return { kind: 'timestamp', key, ...parseTimestampComparison(first) };
}

function parseNode(value: Json, limits: ConstraintLimits, depth: number): ConstraintNode {
  if (!isJsonObject(value)) throw new ConstraintError('constraint must be JSON object');
  const keys = Object.keys(value);
  if (keys.length > 1) throw new ConstraintError('constraint must only contain 1 element');
  const op = keys[0];
  if (op === undefined) return { kind: 'all' };
  const values = value[op] as Json;
  if (!Array.isArray(values)) throw new ConstraintError(`operator ${op} values not an array`);
  switch (op) {
    case 'and':
    case 'or':
    case 'not': {
      if (depth >= MAX_CONSTRAINT_DEPTH) {
        throw new ConstraintError(`constraint nested too deeply (more than ${MAX_CONSTRAINT_DEPTH} levels)`);
      }
      return { kind: op, children: values.map((child) => parseNode(child, limits, depth + 1)) };
    }
    case 'userid':
      return parseUserids(values);
    case 'name':
    case 'queue':
      return parseNames(op, values);
    case 'states':
      return parseMask('states', values, STATE_MASK_BY_NAME, ALL_STATES_MASK);
    case 'results':
      return parseMask('results', values, RESULT_MASK_BY_NAME, ALL_RESULTS_MASK);
    case 'hostlist':
      return parseHosts(values, limits);
    case 'ranks':
      return parseRanks(values, limits);
    default:
      if (TIMESTAMP_KEY_SET.has(op)) return parseTimestamp(op as TimestampKey, values);
      throw new ConstraintError(`unknown constraint operator: ${op}`);
  }
}

/**
 * Validates a constraint and returns its tree. `undefined` (no constraint) matches every job;
 * JSON `null` is not a constraint object and is refused, as Flux refuses it.
 */
export function parseConstraint(value: Json | undefined, limits: ConstraintLimits): ConstraintNode {
  if (value === undefined) return { kind: 'all' };
  return parseNode(value, limits, 1);
}
