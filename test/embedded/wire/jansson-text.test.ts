import { parseJanssonText } from '../../../src/embedded/wire/jansson-text';
import { RequestPayload } from '../../../src/embedded/wire/request-payload';

function parse(text: string | Uint8Array) {
  return parseJanssonText(typeof text === 'string' ? new TextEncoder().encode(text) : text);
}

function errorOf(text: string | Uint8Array): string {
  const result = parse(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to fail`);
  return result.message;
}

describe('Jansson-compatible payload parsing', () => {
  it.each([
    ['hello', "'[' or '{' expected near 'hello'"],
    ['', "'[' or '{' expected near end of file"],
    ['   \n\t ', "'[' or '{' expected near end of file"],
    ['null', "'[' or '{' expected near 'null'"],
    ['"str"', `'[' or '{' expected near '"str"'`],
    ['42', "'[' or '{' expected near '42'"],
    ['"a string longer than twenty bytes"', "'[' or '{' expected"],
    ['{"max_entries":0,"attrs":[]} x', "end of file expected near 'x'"],
    ['{} {}', "end of file expected near '{'"],
    ['{1:2}', "string or '}' expected near '1'"],
    ['{"a" 1}', "':' expected near '1'"],
    ['{"a":1 "b":2}', `'}' expected near '"b"'`],
    ['{"a":1,}', "string or '}' expected near '}'"],
    ['[1,]', "unexpected token near ']'"],
    ['[1 2]', "']' expected near '2'"],
    ['{"a":}', "unexpected token near '}'"],
    ['{"a":', 'unexpected token near end of file'],
    ['[', "']' expected near end of file"],
    ['{"a":01}', "invalid token near '0'"],
    ['{"a":-}', "invalid token near '-'"],
    ['{"a":1.}', "invalid token near '1.'"],
    ['{"a":1e}', "invalid token near '1e'"],
    ['{"a":tru}', "invalid token near 'tru'"],
    ['{"a":@}', "invalid token near '@'"],
    ['{"abc', `premature end of input near '"abc'`],
    ['{"a\nb":1}', `unexpected newline near '"a'`],
    ['{"a\u0001":1}', `control character 0x1 near '"a'`],
    ['{"\\q":1}', `invalid escape near '"\\q'`],
    ['{"\\u12G4":1}', `invalid escape near '"\\u12G'`],
    ['{"\\uD800":1}', `invalid Unicode '\\uD800' near '"\\uD800"'`],
    ['{"\\uDC00":1}', `invalid Unicode '\\uDC00' near '"\\uDC00"'`],
    ['{"\\uD800\\u0041":1}', `invalid Unicode '\\uD800\\u0041' near '"\\uD800\\u0041"'`],
    ['{"a string key longer than twenty\\q":1}', 'invalid escape'],
    ['{"\\u0000":1}', `NUL byte in object key not supported near '"\\u0000"'`],
    ['{"a":9223372036854775808}', "too big integer near '9223372036854775808'"],
    ['{"a":-9223372036854775809}', "too big negative integer near '-9223372036854775809'"],
    ['{"a":1e999}', "real number overflow near '1e999'"],
  ])('%j fails with %j', (text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it('reports undecodable UTF-8 without context at a token start, with it inside a string', () => {
    expect(errorOf(Uint8Array.from([0xff]))).toBe('unable to decode byte 0xff');
    expect(errorOf(Uint8Array.from([0x7b, 0x22, 0x61, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]))).toBe(`unable to decode byte 0xc3 near '"a'`);
  });

  it('refuses nesting deeper than 2048 levels and accepts 2048', () => {
    expect(parse('['.repeat(2048) + ']'.repeat(2048)).ok).toBe(true);
    expect(errorOf('['.repeat(2049) + ']'.repeat(2049))).toBe("maximum parsing depth reached near '['");
  });

  it('keeps 64-bit integers exact and remembers which numbers were reals', () => {
    const result = parse('{"id":18446744073709551615,"big":9007199254740993,"i":5,"r":5.0,"e":1e3,"a":[1,2.0],"dup":1.5,"dup":2}');
    // 2^64-1 does not fit Jansson's int64
    expect(result.ok).toBe(false);
    const ok = parse('{"big":9007199254740993,"i":5,"r":5.0,"e":1e3,"a":[1,2.0],"dup":1.5,"dup":2,"neg":-0}');
    if (!ok.ok) throw new Error(ok.message);
    const payload = new RequestPayload(ok.value as never, ok.reals);
    const object = payload.object;
    expect(object.big).toBe(9007199254740993n);
    expect(payload.typeOf(object, 'i')).toBe('integer');
    expect(payload.typeOf(object, 'r')).toBe('real');
    expect(payload.typeOf(object, 'e')).toBe('real');
    expect(payload.typeOf(object.a as never, 0)).toBe('integer');
    expect(payload.typeOf(object.a as never, 1)).toBe('real');
    // A repeated key: the last value wins, with its own type.
    expect(object.dup).toBe(2);
    expect(payload.typeOf(object, 'dup')).toBe('integer');
    expect(payload.typeOf(object, 'missing')).toBeUndefined();
  });

  it('decodes escapes, surrogate pairs and raw UTF-8 in strings', () => {
    const ok = parse('{"s":"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t","u":"\\u00e9\\ud83d\\ude00","raw":"日本","nul":"a\\u0000b"}');
    if (!ok.ok) throw new Error(ok.message);
    expect(ok.value).toEqual({ s: 'a"b\\c/d\b\f\n\r\t', u: 'é😀', raw: '日本', nul: 'a\u0000b' });
  });

  it('keeps a "__proto__" key as an ordinary member', () => {
    const ok = parse('{"__proto__":{"x":1}}');
    if (!ok.ok) throw new Error(ok.message);
    expect(Object.keys(ok.value)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(ok.value)).toBe(Object.prototype);
  });
});
