/**
 * JSON as Flux speaks it: job IDs are 64-bit integers that JSON.parse would
 * round, and C peers insist that real-typed values carry a decimal point.
 */
export type Json = null | boolean | number | bigint | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** Keys whose numeric values Flux types as reals (job-list attributes, request fields, snapshot headers). */
export const FLUX_REAL_KEYS: ReadonlySet<string> = new Set([
  't_submit',
  't_depend',
  't_priority',
  't_sched',
  't_run',
  't_cleanup',
  't_inactive',
  'duration',
  'expiration',
  'since',
  'taken',
]);

const BIGINT_SENTINEL = '\u0000\u0001flux-bigint:';
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/**
 * Finds integer literals outside strings that a double cannot hold exactly and
 * returns the text with each one wrapped as a sentinel string, or null when
 * there are none (the common case, which then costs one scan).
 */
function protectLargeIntegers(text: string): string | null {
  let out: string[] | null = null;
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
        out.push(text.slice(copiedUpTo, i), JSON.stringify(BIGINT_SENTINEL + literal));
        copiedUpTo = j;
      }
    }
    // Skip the fraction and exponent too, so their digits are not read as another integer
    // (0.09481167793273926 would otherwise turn its 17 fraction digits into a bigint).
    if (!isInteger) {
      while (j < n && /[0-9.eE+-]/.test(text.charAt(j))) j++;
    }
    i = j - 1;
  }
  if (out === null) return null;
  out.push(text.slice(copiedUpTo));
  return out.join('');
}

function restoreLargeIntegers(value: Json): Json {
  if (typeof value === 'string') {
    return value.startsWith(BIGINT_SENTINEL) ? BigInt(value.slice(BIGINT_SENTINEL.length)) : value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restoreLargeIntegers(value[i] as Json);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) value[key] = restoreLargeIntegers(value[key] as Json);
  }
  return value;
}

/**
 * Parses JSON text; integers beyond ±(2^53−1) become bigint, every other
 * number stays a number. Throws SyntaxError for invalid text, as JSON.parse does.
 */
export function parseJson(text: string): Json {
  const protectedText = protectLargeIntegers(text);
  if (protectedText === null) return JSON.parse(text) as Json;
  return restoreLargeIntegers(JSON.parse(protectedText) as Json);
}

function formatNumber(value: number, asReal: boolean): string {
  if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${value} as JSON`);
  const text = String(value);
  if (asReal && Number.isInteger(value) && !text.includes('e')) return `${text}.0`;
  return text;
}

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

/**
 * Compact JSON text. bigint becomes a bare integer; a number under one of
 * `realKeys` (default FLUX_REAL_KEYS) is written as a real ("1000.0") even
 * when integral, since C clients read those with a strict real conversion.
 * Keys whose value is undefined are left out, as JSON.stringify does.
 */
export function stringifyJson(value: Json, realKeys: ReadonlySet<string> = FLUX_REAL_KEYS): string {
  const out: string[] = [];
  write(value, realKeys, false, out);
  return out.join('');
}
