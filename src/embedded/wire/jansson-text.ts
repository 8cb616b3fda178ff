/**
 * Decodes a request payload's JSON text the way flux-core does it (with the Jansson library),
 * so that malformed payloads get the same "invalid payload: ..." texts a real broker sends:
 * "'[' or '{' expected near 'hello'", "end of file expected near 'x'", and so on.
 *
 * Besides the value it reports which numbers were written as reals ("5.0"), because Flux tells
 * integers from reals by how they were written, and JavaScript numbers cannot.
 */
import type { Json, JsonObject } from '../../flux/json';

/** Jansson refuses deeper nesting than this. */
const MAX_DEPTH = 2048;
/** Jansson quotes the offending token only when it is at most this many bytes long. */
const MAX_CONTEXT_BYTES = 20;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Containers and the keys (or indexes) under which a number was written as a real. */
export type RealMarks = WeakMap<object, Set<string | number>>;

export type JanssonParseResult =
  | { ok: true; value: JsonObject | Json[]; reals: RealMarks }
  | { ok: false; message: string };

const enum Tok {
  Invalid = -1,
  Eof = 0,
  String = 256,
  Integer = 257,
  Real = 258,
  True = 259,
  False = 260,
  Null = 261,
}

/** Thrown inside the parser once the first error has been recorded; never escapes this module. */
class ParseFailure extends Error {}

const STREAM_EOF = -1;
const STREAM_ERROR = -2;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Length of the UTF-8 sequence a lead byte starts, or 0 when it cannot start one. */
function utf8SequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead < 0xc2) return 0; // continuation bytes and overlong 2-byte leads
  if (lead <= 0xdf) return 2;
  if (lead <= 0xef) return 3;
  if (lead <= 0xf4) return 4;
  return 0;
}

function utf8SequenceValid(bytes: Uint8Array, start: number, length: number): boolean {
  if (start + length > bytes.length) return false;
  const lead = bytes[start] as number;
  let value = length === 2 ? lead & 0x1f : length === 3 ? lead & 0x0f : lead & 0x07;
  for (let i = 1; i < length; i++) {
    const b = bytes[start + i] as number;
    if (b < 0x80 || b > 0xbf) return false;
    value = (value << 6) | (b & 0x3f);
  }
  if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return false;
  if ((length === 2 && value < 0x80) || (length === 3 && value < 0x800) || (length === 4 && value < 0x10000)) return false;
  return true;
}

function encodeUtf8(codepoint: number, out: number[]): void {
  if (codepoint < 0x80) out.push(codepoint);
  else if (codepoint < 0x800) out.push(0xc0 | (codepoint >> 6), 0x80 | (codepoint & 0x3f));
  else if (codepoint < 0x10000) {
    out.push(0xe0 | (codepoint >> 12), 0x80 | ((codepoint >> 6) & 0x3f), 0x80 | (codepoint & 0x3f));
  } else {
    out.push(
      0xf0 | (codepoint >> 18),
      0x80 | ((codepoint >> 12) & 0x3f),
      0x80 | ((codepoint >> 6) & 0x3f),
      0x80 | (codepoint & 0x3f),
    );
  }
}

const utf8 = new TextDecoder('utf-8');

function hex4(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * Byte stream with Jansson's reading rules: a multi-byte UTF-8 character is checked as a whole
 * when its first byte is read, and an invalid one stops the stream for good.
 */
class Lexer {
  private pos = 0;
  /** Bytes of the current multi-byte character not handed out yet. */
  private pending: number[] = [];
  private state: 0 | typeof STREAM_EOF | typeof STREAM_ERROR = 0;
  /** The current token's text, as Jansson keeps it for error context. */
  saved: number[] = [];
  token: Tok | number = Tok.Invalid;
  stringValue = '';
  integerValue: number | bigint = 0;
  realValue = 0;
  error: string | undefined;

  constructor(private readonly bytes: Uint8Array) {}

  fail(message: string): never {
    if (this.error === undefined) {
      if (this.saved.length > 0) {
        this.error =
          this.saved.length <= MAX_CONTEXT_BYTES ? `${message} near '${utf8.decode(Uint8Array.from(this.saved))}'` : message;
      } else if (this.state === STREAM_ERROR) {
        this.error = message;
      } else {
        this.error = `${message} near end of file`;
      }
    }
    throw new ParseFailure();
  }

  private get(): number {
    if (this.state !== 0) return this.state;
    if (this.pending.length > 0) return this.pending.shift() as number;
    if (this.pos >= this.bytes.length) {
      this.state = STREAM_EOF;
      return STREAM_EOF;
    }
    const c = this.bytes[this.pos] as number;
    if (c >= 0x80) {
      const length = utf8SequenceLength(c);
      if (length === 0 || !utf8SequenceValid(this.bytes, this.pos, length)) {
        this.state = STREAM_ERROR;
        this.fail(`unable to decode byte 0x${c.toString(16)}`);
      }
      for (let i = 1; i < length; i++) this.pending.push(this.bytes[this.pos + i] as number);
      this.pos += length;
      return c;
    }
    this.pos++;
    return c;
  }

  private unget(c: number): void {
    if (c === STREAM_EOF || c === STREAM_ERROR) return;
    this.pending.unshift(c);
  }

  private getSave(): number {
    const c = this.get();
    if (c >= 0) this.saved.push(c);
    return c;
  }

  private ungetUnsave(c: number): void {
    if (c === STREAM_EOF || c === STREAM_ERROR) return;
    this.unget(c);
    this.saved.pop();
  }

  scan(): Tok | number {
    this.saved = [];
    let c: number;
    do c = this.get();
    while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d);
    if (c === STREAM_EOF) return (this.token = Tok.Eof);
    if (c === STREAM_ERROR) return (this.token = Tok.Invalid);
    this.saved.push(c);
    if (c === 0x7b || c === 0x7d || c === 0x5b || c === 0x5d || c === 0x3a || c === 0x2c) {
      this.token = c;
    } else if (c === 0x22) {
      this.scanString();
    } else if (isDigit(c) || c === 0x2d) {
      this.scanNumber(c);
    } else if (isAlpha(c)) {
      do c = this.getSave();
      while (isAlpha(c));
      this.ungetUnsave(c);
      const word = String.fromCharCode(...this.saved);
      this.token = word === 'true' ? Tok.True : word === 'false' ? Tok.False : word === 'null' ? Tok.Null : Tok.Invalid;
    } else {
      // Keep the whole character in the context text, as Jansson does.
      while (this.pending.length > 0) this.saved.push(this.pending.shift() as number);
      this.token = Tok.Invalid;
    }
    return this.token;
  }

  private scanString(): void {
    this.token = Tok.Invalid;
    let c = this.getSave();
    while (c !== 0x22) {
      if (c === STREAM_ERROR) throw new ParseFailure();
      if (c === STREAM_EOF) this.fail('premature end of input');
      if (c >= 0 && c <= 0x1f) {
        this.ungetUnsave(c);
        this.fail(c === 0x0a ? 'unexpected newline' : `control character 0x${c.toString(16)}`);
      }
      if (c === 0x5c) {
        c = this.getSave();
        if (c === 0x75) {
          c = this.getSave();
          for (let i = 0; i < 4; i++) {
            if (!isHexDigit(c)) this.fail('invalid escape');
            c = this.getSave();
          }
        } else if ([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74].includes(c)) {
          c = this.getSave();
        } else {
          this.fail('invalid escape');
        }
      } else {
        c = this.getSave();
      }
    }
    this.stringValue = this.decodeSavedString();
    this.token = Tok.String;
  }

  /** The string between the saved quotes with escapes resolved (the scan already checked their form). */
  private decodeSavedString(): string {
    const src = this.saved;
    const out: number[] = [];
    let i = 1;
    const end = src.length - 1;
    const hexAt = (at: number): number => parseInt(String.fromCharCode(...src.slice(at, at + 4)), 16);
    while (i < end) {
      const c = src[i] as number;
      if (c !== 0x5c) {
        out.push(c);
        i++;
        continue;
      }
      const e = src[i + 1] as number;
      if (e !== 0x75) {
        const simple: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9 };
        out.push(simple[e] as number);
        i += 2;
        continue;
      }
      let value = hexAt(i + 2);
      i += 6;
      if (value >= 0xd800 && value <= 0xdbff) {
        if (src[i] === 0x5c && src[i + 1] === 0x75) {
          const low = hexAt(i + 2);
          i += 6;
          if (low < 0xdc00 || low > 0xdfff) this.fail(`invalid Unicode '\\u${hex4(value)}\\u${hex4(low)}'`);
          value = ((value - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
        } else {
          this.fail(`invalid Unicode '\\u${hex4(value)}'`);
        }
      } else if (value >= 0xdc00 && value <= 0xdfff) {
        this.fail(`invalid Unicode '\\u${hex4(value)}'`);
      }
      encodeUtf8(value, out);
    }
    return utf8.decode(Uint8Array.from(out));
  }

  private scanNumber(first: number): void {
    this.token = Tok.Invalid;
    let c = first;
    if (c === 0x2d) c = this.getSave();
    if (c === 0x30) {
      c = this.getSave();
      if (isDigit(c)) {
        this.ungetUnsave(c);
        return;
      }
    } else if (isDigit(c)) {
      do c = this.getSave();
      while (isDigit(c));
    } else {
      this.ungetUnsave(c);
      return;
    }
    if (c !== 0x2e && c !== 0x45 && c !== 0x65) {
      this.ungetUnsave(c);
      const value = BigInt(String.fromCharCode(...this.saved));
      if (value > INT64_MAX) this.fail('too big integer');
      if (value < INT64_MIN) this.fail('too big negative integer');
      this.integerValue = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
      this.token = Tok.Integer;
      return;
    }
    if (c === 0x2e) {
      c = this.get();
      if (!isDigit(c)) {
        this.unget(c);
        return;
      }
      this.saved.push(c);
      do c = this.getSave();
      while (isDigit(c));
    }
    if (c === 0x45 || c === 0x65) {
      c = this.getSave();
      if (c === 0x2b || c === 0x2d) c = this.getSave();
      if (!isDigit(c)) {
        this.ungetUnsave(c);
        return;
      }
      do c = this.getSave();
      while (isDigit(c));
    }
    this.ungetUnsave(c);
    const value = Number(String.fromCharCode(...this.saved));
    if (!Number.isFinite(value)) this.fail('real number overflow');
    this.realValue = value;
    this.token = Tok.Real;
  }
}

function setMember(object: JsonObject, key: string, value: Json): void {
  // defineProperty, not assignment: a "__proto__" key must stay an ordinary member.
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

class Parser {
  private depth = 0;
  readonly reals: RealMarks = new WeakMap();

  constructor(private readonly lex: Lexer) {}

  private markReal(container: object, key: string | number): void {
    let keys = this.reals.get(container);
    if (keys === undefined) this.reals.set(container, (keys = new Set()));
    keys.add(key);
  }

  /** Parses the value at the current token; records it as a real under container/key when it is one. */
  private value(container: object | undefined, key: string | number): Json {
    const lex = this.lex;
    this.depth++;
    if (this.depth > MAX_DEPTH) lex.fail('maximum parsing depth reached');
    let result: Json;
    switch (lex.token) {
      case Tok.String:
        result = lex.stringValue;
        break;
      case Tok.Integer:
        result = lex.integerValue;
        break;
      case Tok.Real:
        result = lex.realValue;
        if (container !== undefined) this.markReal(container, key);
        break;
      case Tok.True:
        result = true;
        break;
      case Tok.False:
        result = false;
        break;
      case Tok.Null:
        result = null;
        break;
      case 0x7b:
        result = this.object();
        break;
      case 0x5b:
        result = this.array();
        break;
      case Tok.Invalid:
        return lex.fail('invalid token');
      default:
        return lex.fail('unexpected token');
    }
    this.depth--;
    return result;
  }

  private object(): JsonObject {
    const lex = this.lex;
    const object: JsonObject = {};
    lex.scan();
    if (lex.token === 0x7d) return object;
    for (;;) {
      if (lex.token !== Tok.String) lex.fail("string or '}' expected");
      const key = lex.stringValue;
      if (key.includes('\u0000')) lex.fail('NUL byte in object key not supported');
      lex.scan();
      if (lex.token !== 0x3a) lex.fail("':' expected");
      lex.scan();
      // A repeated key replaces the earlier value, real or not.
      this.reals.get(object)?.delete(key);
      setMember(object, key, this.value(object, key));
      lex.scan();
      if (lex.token !== 0x2c) break;
      lex.scan();
    }
    if (lex.token !== 0x7d) lex.fail("'}' expected");
    return object;
  }

  private array(): Json[] {
    const lex = this.lex;
    const array: Json[] = [];
    lex.scan();
    if (lex.token === 0x5d) return array;
    while (lex.token !== Tok.Eof) {
      array.push(this.value(array, array.length));
      lex.scan();
      if (lex.token !== 0x2c) break;
      lex.scan();
    }
    if (lex.token !== 0x5d) lex.fail("']' expected");
    return array;
  }

  document(): JsonObject | Json[] {
    const lex = this.lex;
    lex.scan();
    if (lex.token !== 0x5b && lex.token !== 0x7b) lex.fail("'[' or '{' expected");
    const result = this.value(undefined, 0) as JsonObject | Json[];
    lex.scan();
    if (lex.token !== Tok.Eof) lex.fail('end of file expected');
    return result;
  }
}

/**
 * Parses JSON text bytes (the payload up to its first NUL) as Jansson's json_loads does: the
 * top level must be an object or array, integers must fit in 64 bits (beyond 2^53 they become
 * bigint), and the first error is reported with Jansson's wording.
 */
export function parseJanssonText(bytes: Uint8Array): JanssonParseResult {
  const lex = new Lexer(bytes);
  const parser = new Parser(lex);
  try {
    return { ok: true, value: parser.document(), reals: parser.reals };
  } catch (err) {
    if (err instanceof ParseFailure) return { ok: false, message: lex.error ?? 'invalid token' };
    throw err;
  }
}

/**
 * The error Jansson gives for a top-level scalar such as `null` or `"str"` (json_loads wants an
 * object or array), for in-process payloads that would have been written as that text.
 */
export function topLevelScalarError(text: string): string {
  const result = parseJanssonText(new TextEncoder().encode(text));
  return result.ok ? 'payload is not a JSON object' : result.message;
}
