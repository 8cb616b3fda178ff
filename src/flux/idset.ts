/**
 * RFC 22 idsets: sets of non-negative integers written as "0-3,7" or "[0-3,7]".
 *
 * Parsing follows flux-core's idset decoder, which is stricter than the RFC in one way (ids and
 * ranges must strictly ascend, so "3-3" and "2,2" are errors) and looser in another (empty
 * elements such as "1,,2" or a trailing comma are skipped). Error messages reproduce Flux's texts
 * so that callers can embed them as Flux does (`ranks value '<s>': <message>`).
 */

export type IdsetErrorCode =
  | 'INVALID_IDSET' // the text is not an idset Flux would accept
  | 'IDSET_TOO_LARGE'; // valid, but has more members than the caller allowed us to expand

export class IdsetError extends Error {
  override readonly name: string = 'IdsetError';
  constructor(
    readonly code: IdsetErrorCode,
    /** The whole idset text that failed. */
    readonly input: string,
    message: string,
  ) {
    super(message);
  }
}

/** An inclusive range of ids, lo <= hi. */
export interface IdRange {
  readonly lo: number;
  readonly hi: number;
}

/**
 * Flux idsets hold unsigned ints below 2^31 (the largest universe it will allocate); an id above
 * this is refused with Flux's "set universe size would exceed maximum" text.
 */
export const IDSET_MAX_ID = 2 ** 31 - 1;

/** Default cap on how many ids parseIdset will materialise into an array. */
export const DEFAULT_MAX_EXPANDED_IDS = 1 << 20;

const ELEMENT = /^(0|[1-9][0-9]*)(?:-(0|[1-9][0-9]*))?$/;

function invalid(input: string, message: string): IdsetError {
  return new IdsetError('INVALID_IDSET', input, message);
}

/** Strip one pair of enclosing brackets; any other bracket is an error, as in Flux. */
function stripBrackets(text: string): string {
  let body = text;
  if (body.length >= 2 && body.startsWith('[') && body.endsWith(']')) body = body.slice(1, -1);
  if (body.includes('[') || body.includes(']')) throw invalid(text, 'mismatched or nested brackets');
  return body;
}

/** strtoul's limit: Flux's decoder fails to parse anything larger. */
const ULONG_MAX = (1n << 64n) - 1n;

/** Parse "lo" or "lo-hi" exactly as Flux's parser accepts it (ASCII digits, no leading zeros). */
function parseElement(text: string, element: string): { lo: bigint; hi: bigint } {
  const match = ELEMENT.exec(element);
  if (match === null) throw invalid(text, `error parsing range '${element}'`);
  const lo = BigInt(match[1] ?? '');
  const hi = match[2] === undefined ? lo : BigInt(match[2]);
  if (lo > ULONG_MAX || hi > ULONG_MAX) throw invalid(text, `error parsing range '${element}'`);
  // Flux requires a range to name at least two ids: "3-3" is as wrong as "3-1".
  if (match[2] !== undefined && hi <= lo) throw invalid(text, `error parsing range '${element}'`);
  return { lo, hi };
}

/**
 * Parse an idset into sorted, disjoint, non-adjacent ranges without expanding it, so that
 * "0-2000000000" costs nothing. "" and "[]" are the empty set.
 */
export function parseIdsetRanges(text: string): IdRange[] {
  if (typeof text !== 'string') throw invalid(String(text), 'input is not a string');
  const body = stripBrackets(text);
  const ranges: IdRange[] = [];
  let maxId = -1;
  for (const element of body.split(',')) {
    if (element === '') continue; // Flux tokenises with strtok, which skips empty fields
    const parsed = parseElement(text, element);
    if (parsed.lo <= BigInt(maxId)) throw invalid(text, `range '${element}' is out of order`);
    if (parsed.hi > BigInt(IDSET_MAX_ID)) {
      throw invalid(text, `error appending '${element}': set universe size would exceed maximum`);
    }
    const range: IdRange = { lo: Number(parsed.lo), hi: Number(parsed.hi) };
    maxId = range.hi;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.hi + 1 === range.lo) ranges[ranges.length - 1] = { lo: last.lo, hi: range.hi };
    else ranges.push(range);
  }
  return ranges;
}

/** Number of ids in a set of disjoint ranges. */
export function idsetSize(ranges: readonly IdRange[]): number {
  let size = 0;
  for (const range of ranges) size += range.hi - range.lo + 1;
  return size;
}

/**
 * Parse an idset into its ids, ascending. Throws IdsetError INVALID_IDSET with Flux's message,
 * or IDSET_TOO_LARGE when the set has more than `maxIds` members (use parseIdsetRanges for
 * sets that may be huge).
 */
export function parseIdset(text: string, options: { maxIds?: number } = {}): number[] {
  const maxIds = options.maxIds ?? DEFAULT_MAX_EXPANDED_IDS;
  const ranges = parseIdsetRanges(text);
  const size = idsetSize(ranges);
  if (size > maxIds) {
    throw new IdsetError('IDSET_TOO_LARGE', text, `idset '${text}' has ${size} ids, more than the limit of ${maxIds}`);
  }
  const ids: number[] = [];
  for (const range of ranges) for (let id = range.lo; id <= range.hi; id++) ids.push(id);
  return ids;
}

/** True when the text parses as an idset (of any size). */
export function isValidIdset(text: string): boolean {
  try {
    parseIdsetRanges(text);
    return true;
  } catch (err) {
    if (err instanceof IdsetError) return false;
    throw err;
  }
}

/** Sort and merge arbitrary ranges into disjoint, non-adjacent ranges. */
function normalizeRanges(ranges: IdRange[]): IdRange[] {
  const sorted = [...ranges].sort((a, b) => a.lo - b.lo || a.hi - b.hi);
  const merged: IdRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.lo <= last.hi + 1) {
      if (range.hi > last.hi) merged[merged.length - 1] = { lo: last.lo, hi: range.hi };
    } else {
      merged.push(range);
    }
  }
  return merged;
}

/** Compress ids (any order, duplicates allowed) into disjoint ranges. */
export function idsToRanges(ids: Iterable<number>): IdRange[] {
  const list: IdRange[] = [];
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`idset member ${id} is not a non-negative integer`);
    list.push({ lo: id, hi: id });
  }
  return normalizeRanges(list);
}

/** The union of two range lists, e.g. to merge several `ranks` constraint values. */
export function unionIdsetRanges(a: readonly IdRange[], b: readonly IdRange[]): IdRange[] {
  return normalizeRanges([...a, ...b]);
}

/** True when the two sets share at least one id. Both inputs must be sorted and disjoint. */
export function idsetsIntersect(a: readonly IdRange[], b: readonly IdRange[]): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as IdRange;
    const y = b[j] as IdRange;
    if (x.hi < y.lo) i++;
    else if (y.hi < x.lo) j++;
    else return true;
  }
  return false;
}

function rangesToString(ranges: readonly IdRange[]): string {
  return ranges.map((r) => (r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`)).join(',');
}

/**
 * Write ids the way job-list shows a job's `ranks`: ascending, consecutive ids as ranges, and
 * brackets only when there is more than one id ("0", "[0-3]", "[0,2-3]", "" for none).
 * Pass `brackets: false` for the bare form ("0-3,7").
 */
export function encodeIdset(ids: Iterable<number>, options: { brackets?: boolean } = {}): string {
  return encodeIdsetRanges(idsToRanges(ids), options);
}

/** encodeIdset for ranges (any order, overlaps allowed). */
export function encodeIdsetRanges(ranges: readonly IdRange[], options: { brackets?: boolean } = {}): string {
  for (const r of ranges) {
    if (!Number.isSafeInteger(r.lo) || !Number.isSafeInteger(r.hi) || r.lo < 0 || r.hi < r.lo) {
      throw new RangeError(`idset range ${r.lo}-${r.hi} is not a range of non-negative integers`);
    }
  }
  const merged = normalizeRanges([...ranges]);
  const text = rangesToString(merged);
  const brackets = options.brackets ?? true;
  return brackets && idsetSize(merged) > 1 ? `[${text}]` : text;
}
