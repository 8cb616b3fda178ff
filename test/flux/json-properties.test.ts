/**
 * The JSON codec against a straightforward reference kept here: a recursive-descent parser
 * that reads integers beyond 2^53 as bigint, and a recursive writer. The codec takes faster
 * routes through native JSON; whatever route it takes, the results must be the reference's.
 */
import fc from 'fast-check';
import { FLUX_REAL_KEYS, parseJson, stringifyJson, type Json, type JsonObject } from '../../src/flux/json';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A plain object with these entries in this order, "__proto__" included, as JSON.parse builds it. */
function objectOf(entries: ReadonlyArray<readonly [string, Json | undefined]>): JsonObject {
  const object: JsonObject = {};
  for (const [key, value] of entries) {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return object;
}

function referenceParse(text: string): Json {
  let at = 0;
  const fail = (): never => {
    throw new SyntaxError(`reference parser: invalid JSON at ${at}`);
  };
  const skipBlanks = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at++;
  };
  const take = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (match === null) return undefined;
    at += match[0].length;
    return match[0];
  };
  const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
  const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const LITERAL = /true|false|null/y;

  const parseString = (): string => JSON.parse(take(STRING) ?? fail()) as string;
  const parseValue = (): Json => {
    skipBlanks();
    const c = text.charAt(at);
    if (c === '"') return parseString();
    if (c === '[') {
      at++;
      const items: Json[] = [];
      skipBlanks();
      if (text.charAt(at) === ']') {
        at++;
        return items;
      }
      for (;;) {
        items.push(parseValue());
        skipBlanks();
        const next = text.charAt(at++);
        if (next === ']') return items;
        if (next !== ',') fail();
      }
    }
    if (c === '{') {
      at++;
      const entries: Array<[string, Json]> = [];
      skipBlanks();
      if (text.charAt(at) === '}') {
        at++;
        return objectOf(entries);
      }
      for (;;) {
        skipBlanks();
        const key = parseString();
        skipBlanks();
        if (text.charAt(at++) !== ':') fail();
        entries.push([key, parseValue()]);
        skipBlanks();
        const next = text.charAt(at++);
        if (next === '}') return objectOf(entries);
        if (next !== ',') fail();
      }
    }
    const literal = take(LITERAL);
    if (literal !== undefined) return literal === 'null' ? null : literal === 'true';
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text) ?? fail();
    at += number[0].length;
    if (number[1] === undefined && number[2] === undefined) {
      const integer = BigInt(number[0]);
      if (integer > MAX_SAFE || integer < -MAX_SAFE) return integer;
    }
    return Number(number[0]);
  };
  const value = parseValue();
  skipBlanks();
  if (at !== text.length) fail();
  return value;
}

function referenceStringify(value: Json, realKeys: ReadonlySet<string>, asReal = false): string {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number': {
      if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${value} as JSON`);
      const text = String(value);
      return asReal && Number.isInteger(value) && !text.includes('e') ? `${text}.0` : text;
    }
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return String(value);
    default:
      break;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((item) => referenceStringify(item, realKeys, asReal)).join(',')}]`;
  const members = Object.keys(value)
    .filter((key) => value[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${referenceStringify(value[key] as Json, realKeys, realKeys.has(key))}`);
  return `{${members.join(',')}}`;
}

/** Every detail that tells two values apart: types (bigint vs number), -0, key order. */
function shapeOf(value: Json): string {
  switch (typeof value) {
    case 'bigint':
      return `${value}n`;
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return String(value);
    default:
      break;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(shapeOf).join(',')}]`;
  if (Object.getPrototypeOf(value) !== Object.prototype) return 'not a plain object';
  return `{${Object.keys(value)
    .map((key) => `${JSON.stringify(key)}:${shapeOf(value[key] as Json)}`)
    .join(',')}}`;
}

/** What a call produced: its result's shape, or the class and message of what it threw. */
function outcome(run: () => Json | string, withMessage = true): string {
  try {
    const result = run();
    return typeof result === 'string' && withMessage ? `text ${result}` : `value ${shapeOf(result)}`;
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    return withMessage ? `${err.name}: ${err.message}` : err.name;
  }
}

// ---- arbitraries ------------------------------------------------------------------------------

/** Pieces of strings that look like JSON, large integers in value position above all. */
const stringPiece = fc.constantFrom(
  '"',
  '\\',
  '\\"',
  ':',
  ',',
  '[',
  ']',
  '{',
  '}',
  ' ',
  '\n',
  '\u0000',
  'a',
  'é',
  '🚀',
  '\ud800',
  '0',
  '9',
  '.5',
  'e7',
  ':12345678901234567890,',
  '[18446744073709551615]',
  ', -9223372036854775808}',
  '9007199254740993',
);
const text = fc.array(stringPiece, { maxLength: 8 }).map((pieces) => pieces.join(''));

const bigints = fc.oneof(
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.bigInt({ min: MAX_SAFE - 3n, max: MAX_SAFE + 3n }),
  fc.bigInt({ min: -MAX_SAFE - 3n, max: -MAX_SAFE + 3n }),
  fc.bigInt({ min: -5n, max: 5n }),
);
const numbers = fc.oneof(
  fc.integer({ min: -2000, max: 2000 }),
  fc.double(),
  fc.constantFrom(0, -0, 1e21, -1e21, 1e300, 2 ** 53, 2 ** 60, 5e-324, 0.1, 1795636400.25, Number.NaN, Number.POSITIVE_INFINITY),
);
const keys = fc.oneof(
  fc.constantFrom('t_submit', 'duration', 'since', 'expiration', 'id', 'name', '0', '', '__proto__', 'toJSON'),
  text,
);
const leaf = fc.oneof(bigints, numbers, text, fc.boolean(), fc.constant(null));

const { value: jsonValue } = fc.letrec<{ value: Json | undefined }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value').map((item) => item ?? null), { maxLength: 5 }),
    fc
      .array(fc.tuple(keys, fc.option(tie('value'), { nil: undefined, freq: 6 })), { maxLength: 6 })
      .map((entries) => objectOf(entries)),
  ),
}));

const realKeySets = fc.constantFrom<ReadonlySet<string>>(
  FLUX_REAL_KEYS,
  new Set<string>(),
  new Set(['0', '', 'duration', 'id', '__proto__']),
);

/** JSON text with blanks anywhere they may go and numbers written every way JSON allows. */
const blank = fc.constantFrom('', '', ' ', '\n', '\t ', '\r\n  ');
const digitRun = (min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom('0', '1', '2', '5', '7', '9'), { minLength: min, maxLength: max }).map((d) => d.join(''));
const integerLiteral = fc
  .tuple(fc.constantFrom('', '-'), fc.constantFrom('1', '5', '9'), digitRun(0, 24))
  .map(([sign, head, tail]) => `${sign}${head}${tail}`);
const numberLiteral = fc.oneof(
  integerLiteral,
  fc.constantFrom('0', '-0', '9007199254740991', '9007199254740992', '-9007199254740992', '1000000000000000'),
  fc.tuple(integerLiteral, digitRun(1, 25)).map(([int, fraction]) => `${int}.${fraction}`),
  fc
    .tuple(integerLiteral, fc.constantFrom('e', 'E', 'e+', 'e-', 'E-'), digitRun(1, 20))
    .map(([int, e, exponent]) => `${int}${e}${exponent}`),
);
const stringLiteral = text.map((s) => JSON.stringify(s));

const { value: jsonText } = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberLiteral,
    stringLiteral,
    fc.constantFrom('true', 'false', 'null'),
    fc
      .tuple(blank, fc.array(fc.tuple(blank, tie('value'), blank), { maxLength: 5 }))
      .map(([inner, items]) => `[${items.length === 0 ? inner : items.map((item) => item.join('')).join(',')}]`),
    fc
      .tuple(blank, fc.array(fc.tuple(blank, stringLiteral, blank, blank, tie('value'), blank), { maxLength: 5 }))
      .map(
        ([inner, members]) =>
          `{${
            members.length === 0
              ? inner
              : members.map(([b1, key, b2, b3, item, b4]) => `${b1}${key}${b2}:${b3}${item}${b4}`).join(',')
          }}`,
      ),
  ),
}));
const documentText = fc.tuple(blank, jsonText, blank).map((parts) => parts.join(''));

/** Valid text broken (or not) by one edit: a character dropped, inserted or the end cut off. */
const editedText = fc
  .tuple(documentText, fc.nat(), fc.constantFrom('drop', 'insert', 'cut'), fc.constantFrom('"', '0', '1', ':', ',', ']', '}', '{', ' ', 'x', '\\'))
  .map(([source, where, edit, c]) => {
    const at = source.length === 0 ? 0 : where % source.length;
    if (edit === 'drop') return source.slice(0, at) + source.slice(at + 1);
    if (edit === 'insert') return source.slice(0, at) + c + source.slice(at);
    return source.slice(0, at);
  });

// ---- properties -------------------------------------------------------------------------------

describe('the codec against the reference', () => {
  it('stringifyJson writes what the reference writes, and refuses what it refuses, with the same message', () => {
    fc.assert(
      fc.property(jsonValue, realKeySets, (value, realKeys) => {
        const json = value ?? null;
        expect(outcome(() => stringifyJson(json, realKeys))).toBe(outcome(() => referenceStringify(json, realKeys)));
      }),
      { numRuns: 500 },
    );
  });

  it('parseJson reads any valid text as the reference does', () => {
    fc.assert(
      fc.property(documentText, (source) => {
        expect(outcome(() => parseJson(source))).toBe(outcome(() => referenceParse(source)));
      }),
      { numRuns: 500 },
    );
  });

  it('parseJson throws a SyntaxError exactly when JSON.parse does, and otherwise matches the reference', () => {
    fc.assert(
      fc.property(fc.oneof(editedText, text), (source) => {
        const nativeVerdict = outcome(() => JSON.parse(source) as Json, false).startsWith('SyntaxError') ? 'SyntaxError' : 'valid';
        const ours = outcome(() => parseJson(source), false);
        // The reference agrees with JSON.parse on what is valid, or this test would prove little.
        expect(outcome(() => referenceParse(source), false).startsWith('SyntaxError') ? 'SyntaxError' : 'valid').toBe(nativeVerdict);
        expect(ours).toBe(nativeVerdict === 'SyntaxError' ? 'SyntaxError' : outcome(() => referenceParse(source), false));
      }),
      { numRuns: 500 },
    );
  });

  it('parseJson gives back what stringifyJson wrote (integers as bigint exactly when beyond 2^53, -0 as 0)', () => {
    // What reading the text back should give: an integral double beyond 2^53 written as an
    // integer (not under a real key, not in exponent form) comes back as the bigint of the
    // digits JavaScript prints for it (2 ** 60 prints as 1152921504606847000).
    const normalized = (value: Json | undefined, realKeys: ReadonlySet<string>, asReal: boolean): Json | undefined => {
      if (typeof value === 'bigint') return value > MAX_SAFE || value < -MAX_SAFE ? value : Number(value);
      if (typeof value === 'number') {
        if (!asReal && Number.isInteger(value) && !Number.isSafeInteger(value) && !String(value).includes('e')) return BigInt(String(value));
        return value === 0 ? 0 : value;
      }
      if (value === null || value === undefined || typeof value !== 'object') return value;
      if (Array.isArray(value)) return value.map((item) => normalized(item, realKeys, asReal) as Json);
      return objectOf(
        Object.keys(value)
          .filter((key) => value[key] !== undefined)
          .map((key) => [key, normalized(value[key], realKeys, realKeys.has(key))]),
      );
    };
    fc.assert(
      fc.property(jsonValue, realKeySets, (value, realKeys) => {
        const json = value ?? null;
        let written: string;
        try {
          written = stringifyJson(json, realKeys);
        } catch {
          return; // non-finite numbers: covered above
        }
        expect(shapeOf(parseJson(written))).toBe(shapeOf(normalized(json, realKeys, false) as Json));
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseJson, cases the quick path cannot settle alone', () => {
  it.each([
    ['{"name":"x:12345678901234567890,y","id":18446744073709551615}', '{"name":"x:12345678901234567890,y","id":18446744073709551615n}'],
    ['["[12345678901234567890]", 12345678901234567890]', '["[12345678901234567890]",12345678901234567890n]'],
    ['["a\\\\", 18446744073709551615, "b:9007199254740993}"]', '["a\\\\",18446744073709551615n,"b:9007199254740993}"]'],
    [' 18446744073709551615\n', '18446744073709551615n'],
    ['-9007199254740992', '-9007199254740992n'],
    ['[9007199254740991,-9007199254740991,1000000000000000]', '[9007199254740991,-9007199254740991,1000000000000000]'],
    ['[9007199254740992, -9007199254740992]', '[9007199254740992n,-9007199254740992n]'],
    ['{"__proto__":18446744073709551615}', '{"__proto__":18446744073709551615n}'],
  ])('reads %s', (source, shape) => {
    expect(shapeOf(parseJson(source))).toBe(shape);
  });

  it.each(['[00000000000000009007199254740993]', '{12345678901234567890:1}', '{"a":12345678901234567890,}', '[18446744073709551615'])(
    'rejects %s with the SyntaxError JSON.parse gives for it',
    (source) => {
      let expected = '';
      try {
        JSON.parse(source);
      } catch (err) {
        expected = String(err);
      }
      expect(expected).toMatch(/^SyntaxError/);
      expect(() => parseJson(source)).toThrow(expected.replace(/^SyntaxError: /, ''));
      expect(() => parseJson(source)).toThrow(SyntaxError);
    },
  );

  it('restores a large integer nested 100,000 arrays deep', () => {
    const depth = 100_000;
    const parsed = parseJson(`${'['.repeat(depth)}18446744073709551615${']'.repeat(depth)}`);
    let inner: Json = parsed;
    for (let i = 0; i < depth; i++) inner = (inner as Json[])[0] as Json;
    expect(inner).toBe(18446744073709551615n);
  });

  it('is not misled by enumerable keys someone added to Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = { nested: 'value' };
    try {
      expect(parseJson('{"a":{"id":18446744073709551615},"b":[18446744073709551614]}')).toEqual({
        a: { id: 18446744073709551615n },
        b: [18446744073709551614n],
      });
    } finally {
      delete proto.polluted;
    }
  });
});

describe('stringifyJson, cases native JSON would get wrong', () => {
  it.each<[string, Json, ReadonlySet<string>, string]>([
    ['arrays under a real key hold reals, nested arrays too', { duration: [1, [2, 2.5]], n: [1] }, FLUX_REAL_KEYS, '{"duration":[1.0,[2.0,2.5]],"n":[1]}'],
    ['an object inside such an array starts over', { duration: [{ x: 1, duration: 2 }] }, FLUX_REAL_KEYS, '{"duration":[{"x":1,"duration":2.0}]}'],
    ['a real key "0" names an object key, not an array index', { '0': 1, a: [1, 2] }, new Set(['0']), '{"0":1.0,"a":[1,2]}'],
    ['the top level is under no key', [1, { '': 2 }], new Set(['']), '[1,{"":2.0}]'],
    ['bigints and huge integral reals stay integers', { t_run: 5n, t_submit: 1e21, since: -0 }, FLUX_REAL_KEYS, '{"t_run":5,"t_submit":1e+21,"since":0.0}'],
    ['keys with undefined values are left out', { a: undefined as unknown as Json, since: 3, b: null }, FLUX_REAL_KEYS, '{"since":3.0,"b":null}'],
  ])('%s', (_what, value, realKeys, expected) => {
    expect(stringifyJson(value, realKeys)).toBe(expected);
  });

  it.each([
    [{ jobs: [{ id: 1n, t_run: Number.POSITIVE_INFINITY }] }, 'cannot encode Infinity as JSON'],
    [[1, [Number.NEGATIVE_INFINITY]], 'cannot encode -Infinity as JSON'],
    [Number.NaN, 'cannot encode NaN as JSON'],
  ])('refuses %p: %s', (value, message) => {
    expect(() => stringifyJson(value)).toThrow(TypeError);
    expect(() => stringifyJson(value)).toThrow(message);
  });

  it('ignores a toJSON that other code gave BigInt', () => {
    const proto = BigInt.prototype as unknown as Record<string, unknown>;
    proto.toJSON = function (this: bigint): string {
      return this.toString();
    };
    try {
      expect(stringifyJson({ id: 18446744073709551615n, t_run: 1 })).toBe('{"id":18446744073709551615,"t_run":1.0}');
    } finally {
      delete proto.toJSON;
    }
  });

  it('encodes from inside a getter of the value being encoded', () => {
    const value = {
      get inner(): string {
        return stringifyJson({ id: 2n ** 63n, since: 1 });
      },
      since: 2,
    } as unknown as Json;
    expect(stringifyJson(value)).toBe('{"inner":"{\\"id\\":9223372036854775808,\\"since\\":1.0}","since":2.0}');
  });

  it('writes one 20,000-job reply as the reference does', () => {
    const jobs = Array.from({ length: 20_000 }, (_, i) => ({
      id: 2n ** 60n + BigInt(i),
      userid: 1000 + (i % 7),
      t_submit: 1795636400 + i / 4,
      t_inactive: 1795636500 + i,
      duration: i % 3 === 0 ? 0 : 60.5,
      name: `job "${i}" \\ ${i % 10}`,
      annotations: { sched: { resource_summary: `rank${i % 16}/core0` } },
    }));
    const text = stringifyJson({ jobs });
    expect(text).toBe(referenceStringify({ jobs }, FLUX_REAL_KEYS));
    expect(shapeOf(parseJson(text))).toBe(shapeOf(referenceParse(text)));
  });
});
