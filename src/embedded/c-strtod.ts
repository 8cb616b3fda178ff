/**
 * C `strtod` as glibc applies it in the "C" locale, restricted to the question job-list asks:
 * does the conversion consume the whole string without a range error, and what is the value?
 */

// Alternatives are written so that no two quantifiers compete for the same characters: the match
// stays linear even on long hostile input.
const WHOLE_NUMBER = new RegExp(
  '^[ \\t\\n\\v\\f\\r]*(?<sign>[+-]?)(?:' +
    '0[xX](?<hexMantissa>[0-9a-fA-F]+(?:\\.[0-9a-fA-F]*)?|\\.[0-9a-fA-F]+)(?:[pP](?<hexExponent>[+-]?[0-9]+))?' +
    '|(?<decimal>(?<decimalMantissa>[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)' +
    '|(?<infinity>[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)' +
    '|(?<nan>[nN][aA][nN](?:\\([0-9A-Za-z_]*\\))?)' +
    ')$',
);

const SMALLEST_NORMAL = 2.2250738585072014e-308;

/** glibc reports ERANGE when a non-zero input overflows or lands below the normal range. */
function outOfRange(value: number, mantissaIsZero: boolean): boolean {
  if (!Number.isFinite(value)) return true;
  return !mantissaIsZero && Math.abs(value) < SMALLEST_NORMAL;
}

function scaleByPowerOfTwo(value: number, exponent: number): number {
  if (value === 0) return 0;
  if (exponent > 2200) return Infinity;
  if (exponent < -2200) return 0;
  // Two steps keep each factor a normal double, so only the final product can over/underflow.
  const half = Math.trunc(exponent / 2);
  return value * 2 ** half * 2 ** (exponent - half);
}

function hexValue(mantissa: string, binaryExponent: string | undefined): { value: number; zero: boolean } {
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const fractionDigits = dot < 0 ? 0 : mantissa.length - dot - 1;
  let significand = BigInt(`0x${digits === '' ? '0' : digits}`);
  if (significand === 0n) return { value: 0, zero: true };
  // An exponent too long for a double saturates, which over/underflows just as strtod does.
  let exponent = (binaryExponent === undefined ? 0 : Number(binaryExponent)) - 4 * fractionDigits;
  if (!Number.isFinite(exponent)) exponent = binaryExponent?.startsWith('-') ? -Infinity : Infinity;
  // Keep 64 significant bits plus a sticky bit so the conversion to 53 bits rounds once, correctly.
  const bits = significand.toString(2).length;
  if (bits > 64) {
    const shift = BigInt(bits - 64);
    const dropped = significand & ((1n << shift) - 1n);
    significand = (significand >> shift) | (dropped === 0n ? 0n : 1n);
    exponent += bits - 64;
  }
  return { value: scaleByPowerOfTwo(Number(significand), exponent), zero: false };
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
  const { sign, hexMantissa, hexExponent, decimal, decimalMantissa, infinity } = m.groups ?? {};
  let value: number;
  if (hexMantissa !== undefined) {
    const hex = hexValue(hexMantissa, hexExponent);
    if (outOfRange(hex.value, hex.zero)) return undefined;
    value = hex.value;
  } else if (decimal !== undefined) {
    value = Number(decimal);
    if (outOfRange(value, !/[1-9]/.test(decimalMantissa ?? ''))) return undefined;
  } else if (infinity !== undefined) {
    value = Infinity;
  } else {
    value = NaN;
  }
  return sign === '-' ? -value : value;
}
