/**
 * C `strtod` as glibc applies it in the "C" locale, restricted to the question job-list asks:
 * does the conversion consume the whole string without a range error, and what is the value?
 */

// Alternatives are written so that no two quantifiers compete for the same characters: the match
// stays linear even on long hostile input.
const WHOLE_NUMBER = new RegExp(
  '^[ \\t\\n\\v\\f\\r]*(?<sign>[+-]?)(?:' +
    '0[xX](?<hexMantissa>[0-9a-fA-F]+(?:\\.[0-9a-fA-F]*)?|\\.[0-9a-fA-F]+)(?:[pP](?<hexExponent>[+-]?[0-9]+))?' +
    '|(?<decimal>(?<decimalMantissa>[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE](?<decimalExponent>[+-]?[0-9]+))?)' +
    '|(?<infinity>[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)' +
    '|(?<nan>[nN][aA][nN](?:\\([0-9A-Za-z_]*\\))?)' +
    ')$',
);

/** DBL_MIN, the smallest normal double. */
const SMALLEST_NORMAL = 2 ** -1022;
/** Every double below 2·DBL_MIN is a whole multiple of this (the smallest subnormal) … */
const SUBNORMAL_EXPONENT = -1074;
/**
 * … and a value is "tiny" for glibc when, rounded to 53 bits with an unbounded exponent, it is
 * still below DBL_MIN; that is when it lies below DBL_MIN − 2^-1076, written as (2^54 − 1)·2^-1076.
 */
const TINY_LIMIT_UNITS = (1n << 54n) - 1n;
const TINY_LIMIT_EXPONENT = -1076;

/** An exact non-negative value digits·base^exponent, as read from the text. */
interface ExactValue {
  readonly digits: bigint;
  readonly base: 2n | 10n;
  readonly exponent: number;
}

/** Sign of (x − units·2^exponent2), both exact. */
function compareExact(x: ExactValue, units: bigint, exponent2: number): number {
  // Bring both sides to integers: multiply through by 2^-min(exponents) and, for base 10 with a
  // negative exponent, by 10^-exponent.
  let left = x.digits;
  let right = units;
  let twos = (x.base === 2n ? x.exponent : 0) - exponent2;
  if (x.base === 10n) {
    if (x.exponent >= 0) left *= 10n ** BigInt(x.exponent);
    else {
      right *= 5n ** BigInt(-x.exponent);
      twos += x.exponent; // the 2^-exponent part of 10^-exponent moves to the left side as 2^exponent
    }
  }
  if (twos >= 0) left <<= BigInt(twos);
  else right <<= BigInt(-twos);
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * glibc reports ERANGE on overflow, and on underflow when the value is tiny (see above) and
 * not exactly representable. `rounded` is the correctly rounded double of the exact value.
 */
function outOfRange(exact: ExactValue, rounded: number): boolean {
  if (!Number.isFinite(rounded)) return true;
  if (exact.digits === 0n) return false;
  if (rounded === 0) return true;
  if (rounded >= 2 * SMALLEST_NORMAL) return false;
  const tiny = compareExact(exact, TINY_LIMIT_UNITS, TINY_LIMIT_EXPONENT) < 0;
  if (!tiny) return false;
  const units = BigInt(rounded * 2 ** 537 * 2 ** 537); // exact: rounded is a multiple of 2^-1074
  return compareExact(exact, units, SUBNORMAL_EXPONENT) !== 0;
}

/** digits·2^shift rounded to an integer, halfway cases to even. */
function roundShifted(digits: bigint, shift: number): bigint {
  if (shift >= 0) return digits << BigInt(shift);
  const drop = BigInt(-shift);
  const kept = digits >> drop;
  const rest = digits - (kept << drop);
  const half = 1n << (drop - 1n);
  if (rest > half || (rest === half && (kept & 1n) === 1n)) return kept + 1n;
  return kept;
}

function scaleByPowerOfTwo(value: number, exponent: number): number {
  if (value === 0) return 0;
  if (exponent > 2200) return Infinity;
  if (exponent < -2200) return 0;
  // Two steps keep each factor a normal double, so only the final product can over/underflow.
  const half = Math.trunc(exponent / 2);
  return value * 2 ** half * 2 ** (exponent - half);
}

function readHex(mantissa: string, binaryExponent: string | undefined): ExactValue {
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const fractionDigits = dot < 0 ? 0 : mantissa.length - dot - 1;
  // An exponent too long for a double saturates, which over/underflows just as strtod does.
  const written = binaryExponent === undefined ? 0 : Math.max(-1e9, Math.min(1e9, Number(binaryExponent)));
  return { digits: BigInt(`0x${digits === '' ? '0' : digits}`), base: 2n, exponent: written - 4 * fractionDigits };
}

/** The correctly rounded double of digits·2^exponent. */
function roundBinary({ digits, exponent }: ExactValue): number {
  if (digits === 0n) return 0;
  const bits = digits.toString(2).length;
  const top = exponent + bits - 1; // the value lies in [2^top, 2^(top+1))
  if (top < SUBNORMAL_EXPONENT - 1) return 0; // below half the smallest subnormal
  if (top < -1022) {
    // Subnormal range: round once, straight to a multiple of 2^-1074.
    return scaleByPowerOfTwo(Number(roundShifted(digits, exponent - SUBNORMAL_EXPONENT)), SUBNORMAL_EXPONENT);
  }
  // Keep 64 significant bits plus a sticky bit so the conversion to 53 bits rounds once, correctly;
  // scaling a normal result by a power of two is exact.
  let significand = digits;
  let scale = exponent;
  if (bits > 64) {
    const shift = BigInt(bits - 64);
    const dropped = significand & ((1n << shift) - 1n);
    significand = (significand >> shift) | (dropped === 0n ? 0n : 1n);
    scale += bits - 64;
  }
  return scaleByPowerOfTwo(Number(significand), scale);
}

function readDecimal(mantissa: string, decimalExponent: string | undefined): ExactValue {
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const fractionDigits = dot < 0 ? 0 : mantissa.length - dot - 1;
  const written = decimalExponent === undefined ? 0 : Math.max(-1e9, Math.min(1e9, Number(decimalExponent)));
  return { digits: BigInt(digits), base: 10n, exponent: written - fractionDigits };
}

/**
 * The value `strtod(text, &end)` returns when it consumes all of `text` and leaves errno alone;
 * undefined when it would stop early or report ERANGE. Like C, an empty string converts to 0
 * (nothing is consumed, but the end pointer already sits on the terminating NUL).
 */
export function strtodWhole(text: string): number | undefined {
  if (text === '') return 0;
  const m = WHOLE_NUMBER.exec(text);
  if (m === null) return undefined;
  const { sign, hexMantissa, hexExponent, decimal, decimalMantissa, decimalExponent, infinity } = m.groups ?? {};
  let value: number;
  if (hexMantissa !== undefined) {
    const exact = readHex(hexMantissa, hexExponent);
    value = roundBinary(exact);
    if (outOfRange(exact, value)) return undefined;
  } else if (decimal !== undefined && decimalMantissa !== undefined) {
    value = Number(decimal); // V8 rounds decimal text correctly, subnormals included
    // Only a result near or below DBL_MIN needs the exact value (and its BigInt cost).
    if (!Number.isFinite(value) || value < 2 * SMALLEST_NORMAL) {
      if (outOfRange(readDecimal(decimalMantissa, decimalExponent), value)) return undefined;
    }
  } else if (infinity !== undefined) {
    value = Infinity;
  } else {
    value = NaN;
  }
  return sign === '-' ? -value : value;
}
