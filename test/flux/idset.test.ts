import fc from 'fast-check';
import {
  encodeIdset,
  encodeIdsetRanges,
  IDSET_MAX_ID,
  IdsetError,
  idsetSize,
  idsetsIntersect,
  idsToRanges,
  isValidIdset,
  parseIdset,
  parseIdsetRanges,
  unionIdsetRanges,
} from '../../src/flux/idset';

function idsetErrorOf(fn: () => unknown): IdsetError {
  try {
    fn();
  } catch (err) {
    if (err instanceof IdsetError) return err;
    throw err;
  }
  throw new Error('expected an IdsetError, but nothing was thrown');
}

describe('parseIdset: valid input (flux-core libidset vectors and RFC 22)', () => {
  it.each<[string, number[]]>([
    ['2', [2]],
    ['7-9', [7, 8, 9]],
    ['1,7-9', [1, 7, 8, 9]],
    ['1,7-9,16', [1, 7, 8, 9, 16]],
    ['1,7-9,14,16', [1, 7, 8, 9, 14, 16]],
    ['1-3,7-9,14,16', [1, 2, 3, 7, 8, 9, 14, 16]],
    ['2,3,4,5', [2, 3, 4, 5]],
    ['', []],
    ['1048576', [1048576]],
    ['[2]', [2]],
    ['[7-9]', [7, 8, 9]],
    ['[2,3,4,5]', [2, 3, 4, 5]],
    ['[0]', [0]],
    ['[]', []],
    ['0-3,7', [0, 1, 2, 3, 7]],
    ['[0,2-3]', [0, 2, 3]],
    ['1,2,3,5,6,42', [1, 2, 3, 5, 6, 42]],
    ['1-3,5-6,42', [1, 2, 3, 5, 6, 42]],
    // Flux splits on commas with strtok, which skips empty fields.
    ['1,,2', [1, 2]],
    [',1,', [1]],
    [',', []],
    ['[,]', []],
    ['0-1,2-3', [0, 1, 2, 3]],
    ['2147483647', [IDSET_MAX_ID]],
  ])('%j -> %j', (text, ids) => {
    expect(parseIdset(text)).toEqual(ids);
    expect(isValidIdset(text)).toBe(true);
  });
});

describe('parseIdset: invalid input gives Flux error texts', () => {
  it.each<[string, string]>([
    ['abc', "error parsing range 'abc'"],
    ['3-1', "error parsing range '3-1'"],
    ['3-3', "error parsing range '3-3'"],
    ['3-0', "error parsing range '3-0'"],
    ['-1', "error parsing range '-1'"],
    ['-5', "error parsing range '-5'"],
    ['[-5]', "error parsing range '-5'"],
    [' 0', "error parsing range ' 0'"],
    ['0 ', "error parsing range '0 '"],
    ['4.2', "error parsing range '4.2'"],
    ['x', "error parsing range 'x'"],
    ['1-2x', "error parsing range '1-2x'"],
    ['01,2', "error parsing range '01'"],
    ['00', "error parsing range '00'"],
    ['0-', "error parsing range '0-'"],
    ['[0-]', "error parsing range '0-'"],
    ['1-2-3', "error parsing range '1-2-3'"],
    ['1- 2', "error parsing range '1- 2'"],
    ['+1', "error parsing range '+1'"],
    ['0x1', "error parsing range '0x1'"],
    ['１', "error parsing range '１'"],
    ['99999999999999999999', "error parsing range '99999999999999999999'"],
    ['3,2', "range '2' is out of order"],
    ['2,2,2,2', "range '2' is out of order"],
    ['0-3,2', "range '2' is out of order"],
    ['0-3,3-5', "range '3-5' is out of order"],
    ['[0', 'mismatched or nested brackets'],
    ['0]', 'mismatched or nested brackets'],
    ['[[0]]', 'mismatched or nested brackets'],
    ['[[0,2]', 'mismatched or nested brackets'],
    ['[0,2]]', 'mismatched or nested brackets'],
    ['0,[2', 'mismatched or nested brackets'],
    ['0]2', 'mismatched or nested brackets'],
    ['[', 'mismatched or nested brackets'],
    [']', 'mismatched or nested brackets'],
    ['2147483648', "error appending '2147483648': set universe size would exceed maximum"],
    ['0-4294967295', "error appending '0-4294967295': set universe size would exceed maximum"],
  ])('%j: %s', (text, message) => {
    const err = idsetErrorOf(() => parseIdset(text));
    expect(err.code).toBe('INVALID_IDSET');
    expect(err.message).toBe(message);
    expect(err.input).toBe(text);
    expect(err.name).toBe('IdsetError');
    expect(isValidIdset(text)).toBe(false);
  });

  it('reports the first bad element, in order', () => {
    expect(idsetErrorOf(() => parseIdset('5,3-3000000000')).message).toBe("range '3-3000000000' is out of order");
    expect(idsetErrorOf(() => parseIdset('1,x,0')).message).toBe("error parsing range 'x'");
  });
});

describe('large sets', () => {
  it('parses huge ranges without expanding them', () => {
    const ranges = parseIdsetRanges('0-2000000000');
    expect(ranges).toEqual([{ lo: 0, hi: 2000000000 }]);
    expect(idsetSize(ranges)).toBe(2000000001);
  });

  it('refuses to expand more ids than the limit, with its own code', () => {
    const err = idsetErrorOf(() => parseIdset('0-2000000000'));
    expect(err.code).toBe('IDSET_TOO_LARGE');
    expect(err.message).toBe("idset '0-2000000000' has 2000000001 ids, more than the limit of 1048576");
    expect(parseIdset('0-9', { maxIds: 10 })).toHaveLength(10);
    expect(idsetErrorOf(() => parseIdset('0-10', { maxIds: 10 })).code).toBe('IDSET_TOO_LARGE');
  });
});

describe('parseIdsetRanges', () => {
  it('merges adjacent elements', () => {
    expect(parseIdsetRanges('0-1,2-3,5,6,8')).toEqual([
      { lo: 0, hi: 3 },
      { lo: 5, hi: 6 },
      { lo: 8, hi: 8 },
    ]);
  });
});

describe('encodeIdset: the job-list `ranks` form', () => {
  it.each<[number[], string]>([
    [[], ''],
    [[0], '0'],
    [[2], '2'],
    [[0, 1, 2, 3], '[0-3]'],
    [[0, 2, 3], '[0,2-3]'],
    [[7, 8, 9], '[7-9]'],
    [[1, 7, 8, 9], '[1,7-9]'],
    [[1, 7, 8, 9, 16], '[1,7-9,16]'],
    [[1, 7, 8, 9, 14, 16], '[1,7-9,14,16]'],
    [[1, 2, 3, 7, 8, 9, 14, 16], '[1-3,7-9,14,16]'],
    [[2, 3, 4, 5], '[2-5]'],
    [[0, 1], '[0-1]'],
    [[5, 7], '[5,7]'],
  ])('%j -> %j', (ids, text) => {
    expect(encodeIdset(ids)).toBe(text);
  });

  it('sorts and removes duplicates', () => {
    expect(encodeIdset([3, 1, 2, 2, 9, 1])).toBe('[1-3,9]');
    expect(encodeIdset(new Set([4, 4]))).toBe('4');
  });

  it('writes the bare form without brackets when asked', () => {
    expect(encodeIdset([0, 1, 2, 3, 7], { brackets: false })).toBe('0-3,7');
  });

  it('encodes ranges directly', () => {
    expect(encodeIdsetRanges([{ lo: 5, hi: 9 }, { lo: 0, hi: 5 }])).toBe('[0-9]');
    expect(encodeIdsetRanges([{ lo: 0, hi: 2000000000 }])).toBe('[0-2000000000]');
  });

  it.each([[-1], [1.5], [Number.NaN], [2 ** 53]])('rejects the id %p', (id) => {
    expect(() => encodeIdset([id])).toThrow(RangeError);
  });
});

describe('set helpers', () => {
  it('intersects', () => {
    const a = parseIdsetRanges('0-3,10');
    expect(idsetsIntersect(a, parseIdsetRanges('3'))).toBe(true);
    expect(idsetsIntersect(a, parseIdsetRanges('4-9'))).toBe(false);
    expect(idsetsIntersect(a, parseIdsetRanges('4-9,10-20'))).toBe(true);
    expect(idsetsIntersect(a, parseIdsetRanges(''))).toBe(false);
    expect(idsetsIntersect(parseIdsetRanges('[]'), a)).toBe(false);
  });

  it('unions without duplicates, as the ranks constraint counts them', () => {
    const union = unionIdsetRanges(parseIdsetRanges('0-600'), parseIdsetRanges('0-600'));
    expect(idsetSize(union)).toBe(601);
    expect(encodeIdsetRanges(unionIdsetRanges(parseIdsetRanges('0-2'), parseIdsetRanges('3,7')))).toBe('[0-3,7]');
  });

  it('compresses ids into ranges', () => {
    expect(idsToRanges([5, 1, 2, 3])).toEqual([
      { lo: 1, hi: 3 },
      { lo: 5, hi: 5 },
    ]);
  });
});

describe('properties', () => {
  const idArray = fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 200 });

  it('parse(encode(ids)) gives the sorted unique ids, with or without brackets', () => {
    fc.assert(
      fc.property(idArray, fc.boolean(), (ids, brackets) => {
        const expected = [...new Set(ids)].sort((a, b) => a - b);
        expect(parseIdset(encodeIdset(ids, { brackets }))).toEqual(expected);
      }),
    );
  });

  it('encode(parse(text)) is stable (canonical form)', () => {
    fc.assert(
      fc.property(idArray, (ids) => {
        const text = encodeIdset(ids);
        expect(encodeIdset(parseIdset(text))).toBe(text);
      }),
    );
  });

  it('intersection agrees with a naive set check', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 20 }),
        (a, b) => {
          const naive = a.some((id) => b.includes(id));
          expect(idsetsIntersect(idsToRanges(a), idsToRanges(b))).toBe(naive);
        },
      ),
    );
  });

  it('never throws anything but IdsetError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9,\-[\] x]{0,12}$/), (text) => {
        try {
          const ids = parseIdset(text);
          for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] as number);
        } catch (err) {
          expect(err).toBeInstanceOf(IdsetError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
