/**
 * Flux job IDs (FLUIDs, RFC 19): 64-bit unsigned integers shown in several text forms.
 *
 * Parsing follows the order in which flux-core picks a decoder, so a string is read the way
 * `flux job id` would read it. The words (mnemonicode) and emoji forms need lookup tables that
 * this project does not ship; strings Flux would send to those decoders are rejected with an
 * UNSUPPORTED_ENCODING error unless they are malformed in a way we can detect without a table.
 */

export type JobIdEncoding = 'dec' | 'hex' | 'dothex' | 'kvs' | 'f58' | 'f58plain' | 'words' | 'emoji';

export type JobIdErrorCode = 'INVALID_JOBID' | 'UNSUPPORTED_ENCODING';

export class JobIdError extends Error {
  override readonly name: string = 'JobIdError';
  constructor(
    readonly code: JobIdErrorCode,
    /** The text that could not be parsed, or (when encoding) the ID or encoding name. */
    readonly input: string,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_JOBID = (1n << 64n) - 1n;

const TIMESTAMP_BITS = 40n;
const GENERATOR_BITS = 14n;
const SEQUENCE_BITS = 10n;
const MAX_TIMESTAMP = (1n << TIMESTAMP_BITS) - 1n;
export const MAX_FLUID_GENERATOR = Number((1n << GENERATOR_BITS) - 1n);
export const MAX_FLUID_SEQUENCE = Number((1n << SEQUENCE_BITS) - 1n);

/** Standard base58 digits (no 0, O, I, l); a digit's value is its position. */
const BASE58_DIGITS = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BASE58_VALUE = new Map<string, bigint>([...BASE58_DIGITS].map((digit, value) => [digit, BigInt(value)]));
const F58_PREFIX = '\u0192'; // ƒ, LATIN SMALL LETTER F WITH HOOK
const F58_ASCII_PREFIX = 'f';
/** Flux refuses longer F58 strings; 12 base58 digits already exceed 64 bits. */
const F58_MAX_DIGITS = 12;

/** C isspace() in the C locale: the only whitespace Flux skips around a job ID. */
const C_SPACE = ' \t\n\v\f\r';
const isCSpace = (ch: string): boolean => ch.length === 1 && C_SPACE.includes(ch);

const DOTHEX = /^([0-9a-fA-F]{1,4})\.([0-9a-fA-F]{1,4})\.([0-9a-fA-F]{1,4})\.([0-9a-fA-F]{1,4})$/;
const HEX = /^0x([0-9a-fA-F]+)[ \t\n\v\f\r]*$/;
const DECIMAL = /^\+?([0-9]+)[ \t\n\v\f\r]*$/;

/** A mnemonicode job ID is exactly six words; a '-' in the input is what makes Flux try that form. */
const WORDS_PER_JOBID = 6;
/** Flux's emoji digits all start with UTF-8 bytes F0 9F, i.e. lie in U+1F000..U+1FFFF. */
const EMOJI_BLOCK_START = 0x1f000;
const EMOJI_BLOCK_END = 0x1ffff;
/**
 * Flux's emoji digits were chosen from the 2010 (Unicode 6.0) emoji, and no Unicode 6.0 emoji
 * lies above U+1F6C5 (later ones, like U+1F984 unicorn, cannot be digits), so input with such a
 * character is certainly invalid even without the digit table.
 */
const EMOJI_HIGHEST_POSSIBLE_DIGIT = 0x1f6c5;
const EMOJI_MIN_BYTES = 4;
const EMOJI_MAX_BYTES = 28; // 7 digits of base 576 cover 64 bits

function invalid(input: string, reason: string): JobIdError {
  return new JobIdError('INVALID_JOBID', input, `invalid job ID '${input}': ${reason}`);
}

function unsupported(input: string, encoding: 'words' | 'emoji'): JobIdError {
  return new JobIdError('UNSUPPORTED_ENCODING', input, `job ID '${input}': the ${encoding} encoding is not supported`);
}

function skipLeadingSpace(text: string): string {
  let start = 0;
  while (start < text.length && isCSpace(text.charAt(start))) start++;
  return text.slice(start);
}

function checkUint64(input: string, value: bigint): bigint {
  if (value > MAX_JOBID) {
    throw invalid(input, `value is larger than the largest job ID ${MAX_JOBID} (2^64-1)`);
  }
  return value;
}

function parseDothex(input: string, body: string): bigint {
  const match = DOTHEX.exec(body);
  if (match === null) {
    throw invalid(input, 'dothex form needs exactly four groups of 1-4 hex digits separated by "."');
  }
  let value = 0n;
  for (const group of match.slice(1)) value = (value << 16n) | BigInt(`0x${group}`);
  return value;
}

function parseWords(input: string, body: string): never {
  const words = body.match(/[A-Za-z]+/g) ?? [];
  if (words.length < WORDS_PER_JOBID) {
    if (/^-[0-9]+[ \t\n\v\f\r]*$/.test(body)) throw invalid(input, 'job IDs are never negative');
    throw invalid(input, `a '-' marks the words form, which needs ${WORDS_PER_JOBID} words (found ${words.length})`);
  }
  throw unsupported(input, 'words');
}

function parseF58(input: string, body: string, prefixLength: number): bigint {
  const digits = body.slice(prefixLength);
  const prefix = body.slice(0, prefixLength);
  if (digits === '') throw invalid(input, `no base58 digits after the '${prefix}' prefix`);
  // Flux limits the digit string by bytes; every valid digit is one byte, so counting code points
  // only differs for strings that are invalid anyway.
  const chars = [...digits];
  if (chars.length > F58_MAX_DIGITS) {
    throw invalid(input, `F58 form has more than ${F58_MAX_DIGITS} base58 digits`);
  }
  let value = 0n;
  for (const ch of chars) {
    const digit = BASE58_VALUE.get(ch);
    if (digit === undefined) throw invalid(input, `'${ch}' is not a base58 digit (0, O, I and l are not used)`);
    value = value * 58n + digit;
  }
  // Flux wraps silently modulo 2^64 here; an out-of-range F58 string is a typo, so say so.
  return checkUint64(input, value);
}

function looksLikeEmoji(body: string): boolean {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes < EMOJI_MIN_BYTES || bytes > EMOJI_MAX_BYTES || bytes % 4 !== 0) return false;
  const first = body.codePointAt(0) ?? 0;
  return first >= EMOJI_BLOCK_START && first <= EMOJI_BLOCK_END;
}

function parseEmoji(input: string, body: string): never {
  for (const ch of body) {
    const codePoint = ch.codePointAt(0) ?? 0;
    if (codePoint < EMOJI_BLOCK_START || codePoint > EMOJI_HIGHEST_POSSIBLE_DIGIT) {
      throw invalid(input, `'${ch}' is not a digit of Flux's emoji encoding`);
    }
  }
  throw unsupported(input, 'emoji');
}

function parseInteger(input: string, body: string): bigint {
  if (body.startsWith('0x')) {
    const hex = HEX.exec(body);
    if (hex === null) throw invalid(input, 'expected hex digits after "0x"');
    return checkUint64(input, BigInt(`0x${hex[1] ?? ''}`));
  }
  const decimal = DECIMAL.exec(body);
  if (decimal === null) {
    throw invalid(input, 'not a decimal, 0x hex, dothex, kvs, F58, words or emoji job ID');
  }
  return checkUint64(input, BigInt(decimal[1] ?? ''));
}

/**
 * Parse a job ID in any text form Flux accepts (decimal, 0x hex, dothex, kvs, F58 with 'ƒ' or 'f').
 * Throws JobIdError: INVALID_JOBID for malformed input, UNSUPPORTED_ENCODING for the words and
 * emoji forms.
 */
export function parseJobId(text: string): bigint {
  if (typeof text !== 'string') throw invalid(String(text), 'a job ID must be a string');
  if (text === '') throw invalid(text, 'empty string');
  let body = skipLeadingSpace(text);
  if (body.startsWith('job.')) body = body.slice(4);
  // Flux skips blanks a second time after the "job." prefix.
  body = skipLeadingSpace(body);
  // Flux reads "job." followed only by blanks as 0 (strtoull of nothing); nobody means that.
  if (body === '') throw invalid(text, 'no job ID found');

  if (body.includes('.')) return parseDothex(text, body);
  if (body.includes('-')) return parseWords(text, body);
  if (body.startsWith(F58_PREFIX)) return parseF58(text, body, F58_PREFIX.length);
  if (body.startsWith(F58_ASCII_PREFIX)) return parseF58(text, body, F58_ASCII_PREFIX.length);
  if (looksLikeEmoji(body)) return parseEmoji(text, body);
  return parseInteger(text, body);
}

/** True when parseJobId would return an ID (false for the unsupported words/emoji forms). */
export function isValidJobId(text: string): boolean {
  try {
    parseJobId(text);
    return true;
  } catch (err) {
    if (err instanceof JobIdError) return false;
    throw err;
  }
}

function checkJobIdRange(id: bigint): void {
  if (typeof id !== 'bigint') throw new TypeError(`job ID must be a bigint, got ${typeof id}`);
  if (id < 0n || id > MAX_JOBID) throw new RangeError(`job ID ${id} is outside the range 0..2^64-1`);
}

function toBase58(id: bigint): string {
  if (id === 0n) return BASE58_DIGITS.charAt(0);
  let out = '';
  for (let rest = id; rest > 0n; rest /= 58n) out = BASE58_DIGITS.charAt(Number(rest % 58n)) + out;
  return out;
}

function toDothex(id: bigint): string {
  const groups: string[] = [];
  for (let shift = 48n; shift >= 0n; shift -= 16n) {
    groups.push(((id >> shift) & 0xffffn).toString(16).padStart(4, '0'));
  }
  return groups.join('.');
}

/**
 * Write a job ID in one of Flux's text forms; the default is F58 with the 'ƒ' prefix, as
 * `flux jobs` prints it in a UTF-8 locale. Encoding names are case-insensitive, like Flux's.
 * Throws RangeError for an ID outside 0..2^64-1 and JobIdError UNSUPPORTED_ENCODING for
 * 'words', 'emoji' or an unknown encoding name.
 */
export function encodeJobId(id: bigint, encoding: JobIdEncoding = 'f58'): string {
  checkJobIdRange(id);
  const name = String(encoding).toLowerCase();
  switch (name) {
    case 'dec':
      return id.toString(10);
    case 'hex':
      return `0x${id.toString(16)}`;
    case 'dothex':
      return toDothex(id);
    case 'kvs':
      return `job.${toDothex(id)}`;
    case 'f58':
      return F58_PREFIX + toBase58(id);
    case 'f58plain':
      return F58_ASCII_PREFIX + toBase58(id);
    case 'words':
    case 'emoji':
      throw new JobIdError(
        'UNSUPPORTED_ENCODING',
        id.toString(10),
        `cannot encode job ID ${id}: the ${name} encoding is not supported`,
      );
    default:
      throw new JobIdError('UNSUPPORTED_ENCODING', String(encoding), `unknown job ID encoding '${String(encoding)}'`);
  }
}

/** Milliseconds since the instance's FLUID epoch at which the ID was issued (bits 63-24). */
export function fluidTimestamp(id: bigint): bigint {
  checkJobIdRange(id);
  return id >> (GENERATOR_BITS + SEQUENCE_BITS);
}

/** The generator (usually the broker rank that issued the ID, bits 23-10). */
export function fluidGenerator(id: bigint): number {
  checkJobIdRange(id);
  return Number((id >> SEQUENCE_BITS) & BigInt(MAX_FLUID_GENERATOR));
}

/** The sequence number within the millisecond (bits 9-0). */
export function fluidSequence(id: bigint): number {
  checkJobIdRange(id);
  return Number(id & BigInt(MAX_FLUID_SEQUENCE));
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`FLUID ${name} ${value} is outside the range 0..${max}`);
  }
}

/** Build a job ID from its fields, as Flux's ID generator lays them out. */
export function makeFluid(timestampMs: bigint, generator: number, sequence: number): bigint {
  if (typeof timestampMs !== 'bigint' || timestampMs < 0n || timestampMs > MAX_TIMESTAMP) {
    throw new RangeError(`FLUID timestamp ${String(timestampMs)} is outside the range 0..2^40-1`);
  }
  checkField('generator', generator, MAX_FLUID_GENERATOR);
  checkField('sequence', sequence, MAX_FLUID_SEQUENCE);
  return (timestampMs << (GENERATOR_BITS + SEQUENCE_BITS)) | (BigInt(generator) << SEQUENCE_BITS) | BigInt(sequence);
}
