/**
 * JSON as Flux speaks it: job IDs are 64-bit integers that JSON.parse would
 * round, and C peers insist that real-typed values carry a decimal point.
 *
 * Both directions lean on V8's native JSON (a job-list reply can be 10 MB) and
 * patch in what it cannot express through sentinel strings that carry a random
 * per-process nonce; the scanner and writer that handle every case by hand are
 * kept as the fallback for the rare inputs the fast paths cannot vouch for.
 */
import { randomBytes } from 'node:crypto';
import { REAL_JOB_ATTRIBUTES } from './attribute-names';

export type Json = null | boolean | number | bigint | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** Keys whose numeric values Flux types as reals (job-list attributes, request fields, snapshot headers). */
export const FLUX_REAL_KEYS: ReadonlySet<string> = new Set([...REAL_JOB_ATTRIBUTES, 'since', 'taken']);

/**
 * Marks a string that stands for a number during encoding or decoding. It starts with a
 * letter and holds only letters and digits: JSON.stringify writes it unescaped, and a
 * sentinel wrongly inserted inside a JSON string leaves a bare letter after that string's
 * new closing quote, which JSON.parse always rejects (see protectUnsafeIntegers).
 */
const NONCE = `fluxnum${randomBytes(16).toString('hex')}`;

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * A regular-expression alternative matching the integers written with as many digits as
 * `limit` that are greater than it: for each digit of the limit below 9, the limit's digits
 * before it, a greater digit, then any digits (900[8-9][0-9]{12} is one branch for 2^53 − 1).
 */
function sameLengthGreaterThan(limit: string): string {
  const branches: string[] = [];
  for (let i = 0; i < limit.length; i++) {
    const digit = Number(limit.charAt(i));
    if (digit < 9) branches.push(`${limit.slice(0, i)}[${digit + 1}-9][0-9]{${limit.length - 1 - i}}`);
  }
  return branches.join('|');
}

const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/**
 * An integer literal beyond ±(2^53 − 1) in value position: after `:`, `,`, `[` or at the start
 * of the text, and before `,`, `]`, `}` or the end, blanks allowed in between. Every such
 * integer of valid JSON matches. A leading zero never does, so text like 00000000000000001
 * stays invalid for JSON.parse, as it should.
 */
const UNSAFE_INTEGER = new RegExp(
  `(^|[:,[])([ \\t\\n\\r]*)(-?(?:[1-9][0-9]{${MAX_SAFE_DIGITS.length},}|${sameLengthGreaterThan(MAX_SAFE_DIGITS)}))` +
    `(?=[ \\t\\n\\r]*(?:[,\\]}]|$))`,
  'g',
);
/** Characters a sentinel string adds around the number it stands for: the quotes and the nonce. */
const SENTINEL_OVERHEAD = NONCE.length + 2;

interface ProtectedText {
  text: string;
  /** How many sentinel strings the text now holds. */
  count: number;
}

/**
 * Wraps the unsafe integers found by a regular expression as sentinel strings. The pattern
 * cannot tell whether a match lies inside a JSON string; if it does, the sentinel's opening
 * quote closes that string and the nonce's first letter follows it, so JSON.parse fails and
 * the caller falls back to the exact scanner. A text that parses therefore had every
 * sentinel in place of a number, and was valid before: a string stands wherever the
 * (valid) integer literal it replaced could.
 */
function protectUnsafeIntegers(text: string): ProtectedText {
  const replaced = text.replace(UNSAFE_INTEGER, `$1$2"${NONCE}$3"`);
  // Each wrap adds the same number of characters; counting them so spares a callback per match.
  return { text: replaced, count: (replaced.length - text.length) / SENTINEL_OVERHEAD };
}

/**
 * The exact scanner: follows strings (and their escapes) character by character and wraps
 * every integer literal outside them that a double cannot hold. Slower than the regular
 * expression, but right for any valid text, whatever its strings hold.
 */
function protectUnsafeIntegersExactly(text: string): ProtectedText {
  let out: string[] | null = null;
  let count = 0;
  let copiedUpTo = 0;
  let inString = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    const isMinus = c === 45;
    if (!isMinus && (c < 48 || c > 57)) continue;
    let j = isMinus ? i + 1 : i;
    while (j < n && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    const digits = j - (isMinus ? i + 1 : i);
    const next = j < n ? text.charCodeAt(j) : 0;
    const isInteger = next !== 46 /* . */ && next !== 101 /* e */ && next !== 69; /* E */
    if (digits >= 16 && isInteger) {
      const literal = text.slice(i, j);
      const value = BigInt(literal);
      if (value > MAX_SAFE || value < MIN_SAFE) {
        out ??= [];
        out.push(text.slice(copiedUpTo, i), `"${NONCE}${literal}"`);
        copiedUpTo = j;
        count++;
      }
    }
    // Skip the fraction and exponent too, so their digits are not read as another integer
    // (0.09481167793273926 would otherwise turn its 17 fraction digits into a bigint).
    if (!isInteger) {
      while (j < n && /[0-9.eE+-]/.test(text.charAt(j))) j++;
    }
    i = j - 1;
  }
  if (out === null) return { text, count: 0 };
  out.push(text.slice(copiedUpTo));
  return { text: out.join(''), count };
}

function sentinelValue(text: string): bigint | undefined {
  return text.startsWith(NONCE) ? BigInt(text.slice(NONCE.length)) : undefined;
}

/** Whether for-in over a parsed object would also list inherited keys (someone added enumerable ones to Object.prototype). */
function objectPrototypeHasEnumerableKeys(): boolean {
  return Object.keys(Object.prototype).length > 0;
}

/** The bigint a sentinel string stands for; a container is queued to be walked. */
function visit(item: Json, pending: Array<Json[] | JsonObject>): bigint | undefined {
  if (typeof item === 'string') return sentinelValue(item);
  if (item !== null && typeof item === 'object') pending.push(item);
  return undefined;
}

/**
 * Puts the bigints back in place of their sentinels, walking only until all `count` are found.
 * Iterative, so a deeply nested value cannot exhaust the call stack. A JSON.parse reviver would
 * do the same at the cost of a call per value: about 4x slower than this walk plus JSON.parse.
 */
function restoreUnsafeIntegers(root: Json, count: number): Json {
  if (typeof root === 'string') return sentinelValue(root) ?? root;
  // for-in is about twice as fast as Object.keys here, but sees inherited enumerable keys.
  const ownKeysOnly = objectPrototypeHasEnumerableKeys();
  let left = count;
  const pending: Array<Json[] | JsonObject> = [];
  if (root !== null && typeof root === 'object') pending.push(root);
  while (left > 0 && pending.length > 0) {
    const node = pending.pop() as Json[] | JsonObject;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length && left > 0; i++) {
        const big = visit(node[i] as Json, pending);
        if (big !== undefined) {
          node[i] = big;
          left--;
        }
      }
    } else if (ownKeysOnly) {
      for (const key of Object.keys(node)) {
        const big = visit(node[key] as Json, pending);
        if (big !== undefined) {
          node[key] = big;
          if (--left === 0) break;
        }
      }
    } else {
      for (const key in node) {
        const big = visit(node[key] as Json, pending);
        if (big !== undefined) {
          node[key] = big;
          if (--left === 0) break;
        }
      }
    }
  }
  return root;
}

/**
 * Parses JSON text; integers beyond ±(2^53−1) become bigint, every other
 * number stays a number. Throws SyntaxError for invalid text, as JSON.parse does.
 */
export function parseJson(text: string): Json {
  const quick = protectUnsafeIntegers(text);
  if (quick.count === 0) return JSON.parse(text) as Json;
  let parsed: Json;
  try {
    parsed = JSON.parse(quick.text) as Json;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return parseJsonExactly(text);
  }
  return restoreUnsafeIntegers(parsed, quick.count);
}

/**
 * The slow path, for text the quick one could not parse: invalid text, or digits inside a
 * string that looked like a large integer. JSON.parse of the text itself decides validity
 * and words the error, since the scanner would also wrap digits where no number may stand
 * (`{12345678901234567890:1}`) or that have a leading zero.
 */
function parseJsonExactly(text: string): Json {
  const plain = JSON.parse(text) as Json;
  const wrapped = protectUnsafeIntegersExactly(text);
  if (wrapped.count === 0) return plain;
  return restoreUnsafeIntegers(JSON.parse(wrapped.text) as Json, wrapped.count);
}

// ---------------------------------------------------------------------------------------------
// Encoding

function formatNumber(value: number, asReal: boolean): string {
  if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${value} as JSON`);
  const text = String(value);
  if (asReal && Number.isInteger(value) && !text.includes('e')) return `${text}.0`;
  return text;
}

/** The exact writer, by hand; the fallback when native JSON.stringify cannot be trusted. */
function write(value: Json, realKeys: ReadonlySet<string>, asReal: boolean, out: string[]): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      out.push(formatNumber(value, asReal));
      return;
    case 'bigint':
      out.push(value.toString());
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    default:
      break;
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      write(value[i] as Json, realKeys, asReal, out);
    }
    out.push(']');
    return;
  }
  out.push('{');
  let first = true;
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item === undefined) continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(key), ':');
    write(item, realKeys, realKeys.has(key), out);
  }
  out.push('}');
}

function writeExactly(value: Json, realKeys: ReadonlySet<string>): string {
  const out: string[] = [];
  write(value, realKeys, false, out);
  return out.join('');
}

const SENTINEL_STRING = new RegExp(`"${NONCE}(-?[0-9]+(?:\\.0)?)"`, 'g');

/**
 * Native JSON.stringify calls toJSON methods, which our writer never did; if some code in the
 * process gave BigInt, arrays or plain objects one, the native path would write something else.
 */
function toJsonInstalled(): boolean {
  return 'toJSON' in Array.prototype || 'toJSON' in BigInt.prototype;
}

/**
 * State of the encoding in progress, shared with sentinelReplacer. One module-level replacer
 * rather than a closure made per call, which measured about twice as slow on small requests.
 * `encoding` guards against reentry (a getter in the value calling stringifyJson), which then
 * takes the exact writer.
 */
let encoding = false;
let realKeysInUse: ReadonlySet<string> = FLUX_REAL_KEYS;
let tagged = 0;
let atTopLevel = true;
/**
 * Arrays whose elements are real-typed. An array is marked or unmarked when JSON.stringify
 * reaches it, and its elements are written right after, so only a cycle (which JSON.stringify
 * refuses) could change a mark before it is used.
 */
let realArrays: Set<unknown> | null = null;

/**
 * The JSON.stringify replacer: turns what native JSON cannot write (bigints, integral numbers
 * that must look real) into sentinel strings and refuses non-finite numbers. A number is
 * real-typed under one of the real keys, and so is every number in an array found there,
 * however deeply nested, as long as no object intervenes. It runs once per value of a 10 MB
 * reply, so the checks are written out inline.
 */
function sentinelReplacer(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${value} as JSON`);
    if (
      Number.isInteger(value) &&
      ((realKeysInUse.has(key) && !Array.isArray(this)) || (realArrays !== null && realArrays.has(this)))
    ) {
      const text = String(value);
      if (!text.includes('e')) {
        tagged++;
        return `${NONCE}${text}.0`;
      }
    }
    return value;
  }
  if (typeof value === 'bigint') {
    tagged++;
    return NONCE + value.toString();
  }
  if (Array.isArray(value)) {
    // The top-level value sits under the key "" of a wrapper object, which is no real key.
    const real =
      (realKeysInUse.has(key) && !atTopLevel && !Array.isArray(this)) || (realArrays !== null && realArrays.has(this));
    if (real) (realArrays ??= new Set()).add(value);
    else if (realArrays !== null) realArrays.delete(value);
  }
  atTopLevel = false;
  return value;
}

/** JSON.stringify with sentinelReplacer; undefined when the value has no JSON text. */
function stringifyTagged(value: Json, realKeys: ReadonlySet<string>): { text: string | undefined; tagged: number } {
  encoding = true;
  realKeysInUse = realKeys;
  tagged = 0;
  atTopLevel = true;
  realArrays = null;
  try {
    const text: unknown = JSON.stringify(value, sentinelReplacer);
    return { text: typeof text === 'string' ? text : undefined, tagged };
  } finally {
    encoding = false;
    realKeysInUse = FLUX_REAL_KEYS;
    realArrays = null;
  }
}

/**
 * Compact JSON text. bigint becomes a bare integer; a number under one of
 * `realKeys` (default FLUX_REAL_KEYS) is written as a real ("1000.0") even
 * when integral, since C clients read those with a strict real conversion.
 * Keys whose value is undefined are left out, as JSON.stringify does.
 * Non-ASCII text is written as is (UTF-8 on the wire); NaN and ±Infinity throw a TypeError.
 */
export function stringifyJson(value: Json, realKeys: ReadonlySet<string> = FLUX_REAL_KEYS): string {
  if (value === null || typeof value !== 'object' || encoding || toJsonInstalled()) return writeExactly(value, realKeys);
  const { text, tagged: count } = stringifyTagged(value, realKeys);
  if (text === undefined) return writeExactly(value, realKeys);
  if (count === 0) return text;
  const out = text.replace(SENTINEL_STRING, '$1');
  // Every sentinel we made shortens the text by the same amount; any other difference means
  // a string of the payload looked like a sentinel, and the exact writer takes over.
  if (text.length - out.length !== count * SENTINEL_OVERHEAD) return writeExactly(value, realKeys);
  return out;
}
