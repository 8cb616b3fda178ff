import fc from 'fast-check';
import { parseJson, stringifyJson, type Json } from '../../src/flux/json';

describe('parseJson', () => {
  it('keeps 64-bit job IDs exact', () => {
    const parsed = parseJson('{"id":18446744073709551614,"t":1.5,"n":-9007199254740993}') as Record<string, Json>;
    expect(parsed.id).toBe(18446744073709551614n);
    expect(parsed.n).toBe(-9007199254740993n);
    expect(parsed.t).toBe(1.5);
  });

  it('leaves safe integers, reals and digits inside strings alone', () => {
    expect(parseJson('{"a":9007199254740991,"b":"18446744073709551614","c":1e300,"d":12345678901234567.5}')).toEqual({
      a: 9007199254740991,
      b: '18446744073709551614',
      c: 1e300,
      d: 12345678901234567.5,
    });
  });

  it('handles escaped quotes before a large integer', () => {
    expect(parseJson('["a\\"b",18446744073709551615]')).toEqual(['a"b', 18446744073709551615n]);
  });

  it('rejects invalid text with a SyntaxError', () => {
    expect(() => parseJson('{"a":')).toThrow(SyntaxError);
  });

  it('round-trips any 64-bit integer', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), (id) => {
        const back = parseJson(stringifyJson({ id })) as Record<string, Json>;
        expect(BigInt(back.id as number | bigint)).toBe(id);
      }),
    );
  });
});

describe('stringifyJson', () => {
  it('writes real-typed keys with a decimal point and integers without', () => {
    expect(stringifyJson({ t_submit: 1000, duration: 0, expiration: 1.25, userid: 1000, id: 2n ** 63n })).toBe(
      '{"t_submit":1000.0,"duration":0.0,"expiration":1.25,"userid":1000,"id":9223372036854775808}',
    );
  });

  it('writes non-ASCII text as raw UTF-8, like Flux', () => {
    expect(stringifyJson({ name: 'ジョブ 🚀' })).toBe('{"name":"ジョブ 🚀"}');
  });

  it('refuses NaN and Infinity', () => {
    expect(() => stringifyJson({ x: Number.NaN })).toThrow(/cannot encode NaN/);
  });
});
