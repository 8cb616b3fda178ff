/**
 * printf-style "%.Nf" and "%.Ng" for doubles, rounding the exact binary value half-to-even
 * as glibc does. JavaScript's toFixed/toPrecision round exact ties away from zero
 * (10.125 -> "10.13" where C prints "10.12"), which would make durations print differently
 * from Flux's tools.
 */

const view = new DataView(new ArrayBuffer(8));

/** A positive finite double as mantissa * 2^exponent, both exact. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  if (biased === 0) return { mantissa, exponent: -1074 };
  mantissa |= 1n << 52n;
  return { mantissa, exponent: biased - 1075 };
}

/** round(|x| * 10^digits), ties to even, exactly. `digits` may be negative. */
function roundScaled(x: number, digits: number): bigint {
  const { mantissa, exponent } = decompose(Math.abs(x));
  let numerator = mantissa;
  let denominator = 1n;
  if (exponent >= 0) numerator <<= BigInt(exponent);
  else denominator <<= BigInt(-exponent);
  if (digits >= 0) numerator *= 10n ** BigInt(digits);
  else denominator *= 10n ** BigInt(-digits);
  const quotient = numerator / denominator;
  const twiceRemainder = 2n * (numerator % denominator);
  if (twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n)) {
    return quotient + 1n;
  }
  return quotient;
}

function signOf(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : '';
}

function nonFinite(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  return x < 0 ? '-inf' : 'inf';
}

/** Digits of `scaled` with a decimal point inserted `fractionDigits` from the right. */
function placePoint(scaled: bigint, fractionDigits: number): string {
  const digits = scaled.toString().padStart(fractionDigits + 1, '0');
  if (fractionDigits === 0) return digits;
  return `${digits.slice(0, -fractionDigits)}.${digits.slice(-fractionDigits)}`;
}

function stripFractionZeros(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/** C's "%.{precision}f". */
export function formatFixed(x: number, precision: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  if (x === 0) return signOf(x) + placePoint(0n, precision);
  return signOf(x) + placePoint(roundScaled(x, precision), precision);
}

/** C's "%.{precision}g" (no '#' flag: trailing zeros and a bare point are removed). */
export function formatGeneral(x: number, precision: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const significant = Math.max(1, precision);
  if (x === 0) return `${signOf(x)}0`;
  const lower = 10n ** BigInt(significant - 1);
  const upper = lower * 10n;
  // log10 is only an estimate near powers of ten; settle the exponent on the rounded value.
  let exponent = Math.floor(Math.log10(Math.abs(x)));
  let scaled = roundScaled(x, significant - 1 - exponent);
  for (let attempt = 0; attempt < 4 && (scaled >= upper || scaled < lower); attempt++) {
    exponent += scaled >= upper ? 1 : -1;
    scaled = roundScaled(x, significant - 1 - exponent);
  }
  if (exponent < -4 || exponent >= significant) {
    const mantissa = stripFractionZeros(placePoint(scaled, significant - 1));
    const exponentText = String(Math.abs(exponent)).padStart(2, '0');
    return `${signOf(x)}${mantissa}e${exponent < 0 ? '-' : '+'}${exponentText}`;
  }
  return signOf(x) + stripFractionZeros(placePoint(scaled, significant - 1 - exponent));
}
