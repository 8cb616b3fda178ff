/**
 * JSON text as flux-core writes it with the Jansson library: keys in insertion order, strings
 * in UTF-8 with only `"`, `\` and control characters escaped (`\u001B`, upper-case hex), reals
 * printed with "%.17g" and a ".0" added when that looks like an integer. Two layouts:
 * `compact` (JSON_COMPACT: what eventlogs and the redacted jobspec are stored as) and the
 * default one with ", " and ": " separators (how R is stored, and how job-info re-encodes
 * jobspec and R for a CURRENT lookup). The stored R has its reals in the shortest form instead
 * (recorded on flux-core 0.88: starttime 1796187850.784057, which "%.17g" prints ...7840569).
 *
 * JavaScript numbers do not say whether they were reals; `isReal` decides from the key, the
 * rest follows from the value (a non-integral number is always a real).
 */
import type { Json } from '../../flux/json';

export interface DumpOptions {
  compact: boolean;
  /** Whether an integral number under `key` is a real (written "600.0"). */
  isReal?: (key: string, value: number) => boolean;
  /**
   * How reals are printed: "printf" is Jansson's "%.17g" (eventlogs, job-info's re-encoding);
   * "shortest" the fewest digits that read back the same, as R is stored (1796187850.784057
   * where "%.17g" gives 1796187850.7840569).
   */
  reals?: 'printf' | 'shortest';
}

const noReals = (): boolean => false;

/** The text of `value` as Jansson's json_dumps writes it. */
export function dumpJansson(value: Json, options: DumpOptions): string {
  const out: string[] = [];
  const style: Style = {
    comma: options.compact ? ',' : ', ',
    colon: options.compact ? ':' : ': ',
    isReal: options.isReal ?? noReals,
    real: options.reals === 'shortest' ? formatShortestReal : formatReal,
  };
  write(value, '', style, out);
  return out.join('');
}

interface Style {
  comma: string;
  colon: string;
  isReal: (key: string, value: number) => boolean;
  real: (value: number) => string;
}

function write(value: Json, key: string, style: Style, out: string[]): void {
  switch (typeof value) {
    case 'string':
      out.push(quoteJansson(value));
      return;
    case 'number':
      out.push(Number.isInteger(value) && !style.isReal(key, value) ? integerText(value) : style.real(value));
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
      if (i > 0) out.push(style.comma);
      // Elements of an array under a real key are reals too.
      write(value[i] as Json, key, style, out);
    }
    out.push(']');
    return;
  }
  out.push('{');
  let first = true;
  for (const name of Object.keys(value)) {
    const item = value[name];
    if (item === undefined) continue;
    if (!first) out.push(style.comma);
    first = false;
    out.push(quoteJansson(name), style.colon);
    write(item, name, style, out);
  }
  out.push('}');
}

function integerText(value: number): string {
  if (!Number.isSafeInteger(value)) return BigInt(value).toString();
  return String(value);
}

const SHORT_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' };
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string literal with Jansson's escapes. */
export function quoteJansson(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[code];
    if (short !== undefined) out += short;
    else if (code < 0x20) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      out += text.slice(i, i + 2);
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      // A lone surrogate has no UTF-8 form; an escape keeps the text valid.
      out += `\\u${code.toString(16).toUpperCase()}`;
    } else out += text.charAt(i);
  }
  return `${out}"`;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

// ---------------------------------------------------------------------------------------------
// Reals: "%.17g" from the exact binary value, rounded half to even as glibc's printf does.

const SIGNIFICANT = 17;
const float = new Float64Array(1);
const words = new Uint32Array(float.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The double's exact value as decimal digits (no leading zeros) and the power of ten of the last digit. */
function exactDecimal(magnitude: number): { digits: string; exponent: number } {
  float[0] = magnitude;
  const hi = words[LITTLE_ENDIAN ? 1 : 0] as number;
  const lo = words[LITTLE_ENDIAN ? 0 : 1] as number;
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let power: number;
  if (biased === 0) power = -1074;
  else {
    mantissa |= 1n << 52n;
    power = biased - 1075;
  }
  if (power >= 0) return { digits: (mantissa << BigInt(power)).toString(), exponent: 0 };
  // m * 2^-k = m * 5^k / 10^k
  return { digits: (mantissa * 5n ** BigInt(-power)).toString(), exponent: power };
}

/** Rounds a digit string to `count` digits, half to even; returns the digits and how many places they moved up. */
function roundDigits(digits: string, count: number): { digits: string; carry: number } {
  if (digits.length <= count) return { digits, carry: 0 };
  const kept = digits.slice(0, count);
  const next = digits.charCodeAt(count) - 48;
  const rest = digits.slice(count + 1);
  const restNonZero = /[1-9]/.test(rest);
  const lastOdd = (kept.charCodeAt(count - 1) - 48) % 2 === 1;
  const up = next > 5 || (next === 5 && (restNonZero || lastOdd));
  if (!up) return { digits: kept, carry: 0 };
  const bumped = (BigInt(kept) + 1n).toString();
  // 999..9 + 1 gains a digit: drop the last one, the value moved up one place.
  if (bumped.length > count) return { digits: bumped.slice(0, count), carry: 1 };
  return { digits: bumped, carry: 0 };
}

/** A real as Jansson writes it: %.17g, ".0" when it looks integral, exponent without "+" or leading zeros. */
export function formatReal(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as a JSON real`);
  const negative = value < 0 || Object.is(value, -0);
  let text: string;
  if (value === 0) {
    text = '0';
  } else {
    const exact = exactDecimal(Math.abs(value));
    const rounded = roundDigits(exact.digits, SIGNIFICANT);
    // Decimal exponent of the first significant digit.
    const leading = exact.digits.length - 1 + exact.exponent + rounded.carry;
    const digits = rounded.digits.replace(/0+$/, '');
    if (leading < -4 || leading >= SIGNIFICANT) {
      const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
      text = `${mantissa}e${leading < 0 ? '-' : ''}${Math.abs(leading)}`;
    } else if (leading < 0) {
      text = `0.${'0'.repeat(-leading - 1)}${digits}`;
    } else if (digits.length <= leading + 1) {
      text = digits + '0'.repeat(leading + 1 - digits.length);
    } else {
      text = `${digits.slice(0, leading + 1)}.${digits.slice(leading + 1)}`;
    }
  }
  if (negative) text = `-${text}`;
  if (!text.includes('.') && !text.includes('e')) text += '.0';
  return text;
}

/** The shortest digits that read back as `value`, laid out as Python's repr does ("1e+16", "0.0001", "600.0"). */
export function formatShortestReal(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as a JSON real`);
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  // JavaScript's exponential form already has the shortest round-trip digits.
  const [mantissa, exp] = Math.abs(value).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const leading = Number(exp);
  let text: string;
  if (leading < -4 || leading >= 16) {
    const body = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    text = `${body}e${leading < 0 ? '-' : '+'}${String(Math.abs(leading)).padStart(2, '0')}`;
  } else if (leading < 0) {
    text = `0.${'0'.repeat(-leading - 1)}${digits}`;
  } else if (digits.length <= leading + 1) {
    text = `${digits}${'0'.repeat(leading + 1 - digits.length)}.0`;
  } else {
    text = `${digits.slice(0, leading + 1)}.${digits.slice(leading + 1)}`;
  }
  return sign + text;
}
