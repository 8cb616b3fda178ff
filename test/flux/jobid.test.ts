import fc from 'fast-check';
import {
  encodeJobId,
  fluidGenerator,
  fluidSequence,
  fluidTimestamp,
  isValidJobId,
  JobIdError,
  makeFluid,
  MAX_JOBID,
  parseJobId,
  type JobIdEncoding,
} from '../../src/flux/jobid';
import recordedIds from '../fixtures/flux-0.88-jobids.json';

/** Catch the JobIdError a call throws, failing the test if it throws anything else or nothing. */
function jobIdErrorOf(fn: () => unknown): JobIdError {
  try {
    fn();
  } catch (err) {
    if (err instanceof JobIdError) return err;
    throw err;
  }
  throw new Error('expected a JobIdError, but nothing was thrown');
}

// Worked examples from flux-core's libjob and python tests: one ID in every encoding.
const WORKED_EXAMPLES: Array<{
  id: bigint;
  dec: string;
  hex: string;
  dothex: string;
  f58: string;
  words: string;
  emoji: string;
}> = [
  {
    id: 0n,
    dec: '0',
    hex: '0x0',
    dothex: '0000.0000.0000.0000',
    f58: 'ƒ1',
    words: 'academy-academy-academy--academy-academy-academy',
    emoji: '😃',
  },
  {
    id: 1n,
    dec: '1',
    hex: '0x1',
    dothex: '0000.0000.0000.0001',
    f58: 'ƒ2',
    words: 'acrobat-academy-academy--academy-academy-academy',
    emoji: '😄',
  },
  {
    id: 65535n,
    dec: '65535',
    hex: '0xffff',
    dothex: '0000.0000.0000.ffff',
    f58: 'ƒLUv',
    words: 'nevada-archive-academy--academy-academy-academy',
    emoji: '💁📚',
  },
  {
    id: 6787342413402046n,
    dec: '6787342413402046',
    hex: '0x181d0d4d850fbe',
    dothex: '0018.1d0d.4d85.0fbe',
    f58: 'ƒuzzybunny',
    words: 'cake-plume-nepal--neuron-pencil-academy',
    emoji: '👴😱🔚🎮🕙🚩',
  },
  {
    id: 18446744073709551614n,
    dec: '18446744073709551614',
    hex: '0xfffffffffffffffe',
    dothex: 'ffff.ffff.ffff.fffe',
    f58: 'ƒjpXCZedGfVP',
    words: 'mustang-analyze-verbal--natural-analyze-verbal',
    emoji: '🚹💗💧👗😷📷📙',
  },
];

describe('worked examples (section 2.4)', () => {
  describe.each(WORKED_EXAMPLES)('job ID $dec', (example) => {
    it('encodes to dec, hex, dothex, kvs, f58 and f58plain', () => {
      expect(encodeJobId(example.id, 'dec')).toBe(example.dec);
      expect(encodeJobId(example.id, 'hex')).toBe(example.hex);
      expect(encodeJobId(example.id, 'dothex')).toBe(example.dothex);
      expect(encodeJobId(example.id, 'kvs')).toBe(`job.${example.dothex}`);
      expect(encodeJobId(example.id, 'f58')).toBe(example.f58);
      expect(encodeJobId(example.id, 'f58plain')).toBe(`f${example.f58.slice(1)}`);
    });

    it('defaults to f58 with the ƒ prefix', () => {
      expect(encodeJobId(example.id)).toBe(example.f58);
    });

    it('parses every supported form back to the ID', () => {
      for (const text of [
        example.dec,
        example.hex,
        example.dothex,
        `job.${example.dothex}`,
        example.f58,
        `f${example.f58.slice(1)}`,
      ]) {
        expect(parseJobId(text)).toBe(example.id);
      }
    });

    it('rejects words and emoji input as unsupported, naming the input', () => {
      const words = jobIdErrorOf(() => parseJobId(example.words));
      expect(words.code).toBe('UNSUPPORTED_ENCODING');
      expect(words.input).toBe(example.words);
      expect(words.message).toBe(`job ID '${example.words}': the words encoding is not supported`);

      const emoji = jobIdErrorOf(() => parseJobId(example.emoji));
      expect(emoji.code).toBe('UNSUPPORTED_ENCODING');
      expect(emoji.message).toBe(`job ID '${example.emoji}': the emoji encoding is not supported`);
    });

    it('refuses to encode words and emoji', () => {
      for (const encoding of ['words', 'emoji'] as const) {
        const err = jobIdErrorOf(() => encodeJobId(example.id, encoding));
        expect(err.code).toBe('UNSUPPORTED_ENCODING');
        expect(err.message).toBe(`cannot encode job ID ${example.dec}: the ${encoding} encoding is not supported`);
      }
    });
  });
});

describe('RFC 19 example and more F58 pairs from flux-core', () => {
  it('RFC 19: 6731191091817518 in every supported form', () => {
    const id = 6731191091817518n;
    expect(encodeJobId(id)).toBe('ƒuZZybuNNy');
    expect(encodeJobId(id, 'hex')).toBe('0x17e9fb8df16c2e');
    expect(encodeJobId(id, 'dothex')).toBe('0017.e9fb.8df1.6c2e');
    expect(parseJobId('ƒuZZybuNNy')).toBe(id);
    expect(parseJobId('fuZZybuNNy')).toBe(id);
    expect(parseJobId('0x17e9fb8df16c2e')).toBe(id);
    expect(parseJobId('0017.e9fb.8df1.6c2e')).toBe(id);
    expect(parseJobId('6731191091817518')).toBe(id);
  });

  it.each([
    [57n, 'ƒz'],
    [1234n, 'ƒNH'],
    [1888n, 'ƒZZ'],
    [3363n, 'ƒzz'],
    [3364n, 'ƒ211'],
    [4369n, 'ƒ2JL'],
    [4294967295n, 'ƒ7YXq9G'],
    [633528662n, 'ƒxyzzy'],
    [18446744073709551615n, 'ƒjpXCZedGfVQ'],
  ])('%s <-> %s', (id, f58) => {
    expect(encodeJobId(id)).toBe(f58);
    expect(encodeJobId(id, 'f58plain')).toBe(`f${f58.slice(1)}`);
    expect(parseJobId(f58)).toBe(id);
    expect(parseJobId(`f${f58.slice(1)}`)).toBe(id);
  });

  it.each([
    [0n, '0x0'],
    [57n, '0x39'],
    [1234n, '0x4d2'],
    [1888n, '0x760'],
    [3363n, '0xd23'],
    [4369n, '0x1111'],
    [4294967295n, '0xffffffff'],
    [633528662n, '0x25c2e156'],
    [18446744073709551615n, '0xffffffffffffffff'],
  ])('hex %s <-> %s', (id, hex) => {
    expect(encodeJobId(id, 'hex')).toBe(hex);
    expect(parseJobId(hex)).toBe(id);
  });

  it('encoding names are case-insensitive, as in Flux', () => {
    expect(encodeJobId(65535n, 'HEX' as JobIdEncoding)).toBe('0xffff');
    expect(encodeJobId(65535n, 'F58Plain' as JobIdEncoding)).toBe('fLUv');
  });
});

describe('IDs recorded from a flux-core 0.88 broker', () => {
  const jobs = recordedIds.jobs.map((job) => ({ id: BigInt(job.dec), f58: job.f58 }));

  it('has the recorded jobs', () => {
    expect(jobs).toHaveLength(83);
  });

  it.each(jobs)('$id is $f58, both ways', ({ id, f58 }) => {
    expect(encodeJobId(id)).toBe(f58);
    expect(parseJobId(f58)).toBe(id);
    expect(parseJobId(encodeJobId(id, 'kvs'))).toBe(id);
  });

  it('were all issued by generator 0 (the rank-0 ingest of a one-broker instance)', () => {
    expect(jobs.map(({ id }) => fluidGenerator(id))).toEqual(jobs.map(() => 0));
  });
});

describe('parse-only vectors', () => {
  it.each([
    ['f111', 0n],
    ['0.0.0.0', 0n],
    ['0.0.0.0039', 57n],
    ['0.0.0.ffff', 65535n],
    ['0000.0000.ffff.ffff', 4294967295n],
    ['ffff.ffff.ffff.ffff', 18446744073709551615n],
    ['ffff.0000.0000.0000', 18446462598732840960n],
    ['0000.ffff.0000.0000', 281470681743360n],
    ['0000.0000.ffff.0000', 4294901760n],
    ['a.b.c.d', 2814797012533261n],
    ['A.B.C.D', 2814797012533261n],
    ['1.2.3.4', 281483566841860n],
    [' 0xffff   ', 65535n],
    ['0xFFFF', 65535n],
    ['  1234  ', 1234n],
    ['+42', 42n],
    ['007', 7n],
    ['\t\n12\r\n', 12n],
    ['18446744073709551615', 18446744073709551615n],
    ['18446744073709551614', 18446744073709551614n],
    ['job.0018.1d0d.4d85.0fbe', 6787342413402046n],
    ['  job.0.0.0.1', 1n],
    // Flux strips "job." before choosing a decoder, so any form may follow it.
    ['job.1234', 1234n],
    ['job.0x10', 16n],
    ['job.ƒ2', 1n],
    ['job. 1.2.3.4', 281483566841860n],
  ])('%j -> %s', (text, id) => {
    expect(parseJobId(text)).toBe(id);
    expect(isValidJobId(text)).toBe(true);
  });
});

describe('rejected input', () => {
  it.each([
    ['', 'empty string'],
    ['   ', 'no job ID found'],
    ['job.', 'no job ID found'],
    ['job.   ', 'no job ID found'],
    ['boo', 'not a decimal, 0x hex, dothex, kvs, F58, words or emoji job ID'],
    ['invalid', 'not a decimal, 0x hex, dothex, kvs, F58, words or emoji job ID'],
    ['f', "no base58 digits after the 'f' prefix"],
    ['ƒ', "no base58 digits after the 'ƒ' prefix"],
    ['-1', 'job IDs are never negative'],
    ['0.0.0', 'dothex form needs exactly four groups of 1-4 hex digits separated by "."'],
    ['0.0.0.0.0', 'dothex form needs exactly four groups of 1-4 hex digits separated by "."'],
    ['0.0.0.g', 'dothex form needs exactly four groups of 1-4 hex digits separated by "."'],
    ['0.0.0.', 'dothex form needs exactly four groups of 1-4 hex digits separated by "."'],
    ['.0.0.0', 'dothex form needs exactly four groups of 1-4 hex digits separated by "."'],
    ['12345.0.0.0', 'dothex form needs exactly four groups of 1-4 hex digits separated by "."'],
    ['0.0.0.0 ', 'dothex form needs exactly four groups of 1-4 hex digits separated by "."'],
    ['job.0.0', 'dothex form needs exactly four groups of 1-4 hex digits separated by "."'],
    ['job.0.0.0.0.0', 'dothex form needs exactly four groups of 1-4 hex digits separated by "."'],
    ['notjob.0.0.0.0', 'dothex form needs exactly four groups of 1-4 hex digits separated by "."'],
    ['f0', "'0' is not a base58 digit (0, O, I and l are not used)"],
    ['fO', "'O' is not a base58 digit (0, O, I and l are not used)"],
    ['fI', "'I' is not a base58 digit (0, O, I and l are not used)"],
    ['fl', "'l' is not a base58 digit (0, O, I and l are not used)"],
    ['flux', "'l' is not a base58 digit (0, O, I and l are not used)"],
    ['f1230', "'0' is not a base58 digit (0, O, I and l are not used)"],
    ['fuzzy bunny', "' ' is not a base58 digit (0, O, I and l are not used)"],
    ['f1111111111111', 'F58 form has more than 12 base58 digits'],
    ['ƒjpXCZedGfVR', 'value is larger than the largest job ID 18446744073709551615 (2^64-1)'],
    ['ƒzzzzzzzzzzzz', 'value is larger than the largest job ID 18446744073709551615 (2^64-1)'],
    ['invalid-words-test', "a '-' marks the words form, which needs 6 words (found 3)"],
    ['12-34', "a '-' marks the words form, which needs 6 words (found 0)"],
    ['18446744073709551616', 'value is larger than the largest job ID 18446744073709551615 (2^64-1)'],
    ['0x10000000000000000', 'value is larger than the largest job ID 18446744073709551615 (2^64-1)'],
    ['🦄', "'🦄' is not a digit of Flux's emoji encoding"],
    ['😃abcd', "'a' is not a digit of Flux's emoji encoding"],
    ['😃🦄', "'🦄' is not a digit of Flux's emoji encoding"],
    [' -1 ', 'job IDs are never negative'],
    ['-18446744073709551615', 'job IDs are never negative'],
    ['0x', 'expected hex digits after "0x"'],
    ['0xg', 'expected hex digits after "0x"'],
    ['0X10', 'not a decimal, 0x hex, dothex, kvs, F58, words or emoji job ID'],
    ['+0x10', 'not a decimal, 0x hex, dothex, kvs, F58, words or emoji job ID'],
    ['12abc', 'not a decimal, 0x hex, dothex, kvs, F58, words or emoji job ID'],
    ['1 2', 'not a decimal, 0x hex, dothex, kvs, F58, words or emoji job ID'],
    ['+', 'not a decimal, 0x hex, dothex, kvs, F58, words or emoji job ID'],
    ['1e3', 'not a decimal, 0x hex, dothex, kvs, F58, words or emoji job ID'],
    ['１２', 'not a decimal, 0x hex, dothex, kvs, F58, words or emoji job ID'],
    ['\u00a012', 'not a decimal, 0x hex, dothex, kvs, F58, words or emoji job ID'],
  ])('%j: %s', (text, reason) => {
    const err = jobIdErrorOf(() => parseJobId(text));
    expect(err.code).toBe('INVALID_JOBID');
    expect(err.input).toBe(text);
    expect(err.message).toBe(`invalid job ID '${text}': ${reason}`);
    expect(err.name).toBe('JobIdError');
    expect(err).toBeInstanceOf(Error);
    expect(isValidJobId(text)).toBe(false);
  });

  it.each([
    ['foo-bar-baz--qux-quux-corge', 'words'],
    ['a-b-c--d-e-f', 'words'],
    ['job.a-b-c--d-e-f', 'words'],
    ['  Cake-Plume-Nepal--Neuron-Pencil-Academy', 'words'],
    ['😀😀', 'emoji'],
  ])('%j needs the %s table, which we do not have', (text, encoding) => {
    const err = jobIdErrorOf(() => parseJobId(text));
    expect(err.code).toBe('UNSUPPORTED_ENCODING');
    expect(err.input).toBe(text);
    expect(err.message).toBe(`job ID '${text}': the ${encoding} encoding is not supported`);
    expect(isValidJobId(text)).toBe(false);
  });

  it('an emoji-looking string of the wrong byte length is read as a number and rejected', () => {
    // 8 emoji = 32 bytes, longer than any 64-bit emoji ID, so Flux does not try the emoji decoder.
    const err = jobIdErrorOf(() => parseJobId('😃😃😃😃😃😃😃😃'));
    expect(err.code).toBe('INVALID_JOBID');
  });
});

describe('encodeJobId range and encoding checks', () => {
  it.each([-1n, MAX_JOBID + 1n, 1n << 70n])('rejects %s with a RangeError', (id) => {
    expect(() => encodeJobId(id)).toThrow(RangeError);
    expect(() => encodeJobId(id)).toThrow(`job ID ${id} is outside the range 0..2^64-1`);
  });

  it('rejects an unknown encoding name', () => {
    const err = jobIdErrorOf(() => encodeJobId(1n, 'base64' as JobIdEncoding));
    expect(err.code).toBe('UNSUPPORTED_ENCODING');
    expect(err.message).toBe("unknown job ID encoding 'base64'");
  });

  it('pads dothex groups and keeps hex unpadded', () => {
    expect(encodeJobId(0x1_0002_0003n, 'dothex')).toBe('0000.0001.0002.0003');
    expect(encodeJobId(0x1_0002_0003n, 'hex')).toBe('0x100020003');
  });
});

describe('FLUID fields', () => {
  it('splits the documented example into timestamp, generator and sequence', () => {
    const id = 6787342413402046n;
    expect(fluidTimestamp(id)).toBe(404557133n);
    expect(fluidGenerator(id)).toBe(8515);
    expect(fluidSequence(id)).toBe(958);
    expect(makeFluid(404557133n, 8515, 958)).toBe(id);
  });

  it('places each field in its bits', () => {
    expect(makeFluid(1n, 0, 0)).toBe(1n << 24n);
    expect(makeFluid(0n, 1, 0)).toBe(1n << 10n);
    expect(makeFluid(0n, 0, 1)).toBe(1n);
    expect(makeFluid((1n << 40n) - 1n, 16383, 1023)).toBe(MAX_JOBID);
  });

  it.each([
    [() => makeFluid(-1n, 0, 0), 'FLUID timestamp -1 is outside the range 0..2^40-1'],
    [() => makeFluid(1n << 40n, 0, 0), 'FLUID timestamp 1099511627776 is outside the range 0..2^40-1'],
    [() => makeFluid(0n, 16384, 0), 'FLUID generator 16384 is outside the range 0..16383'],
    [() => makeFluid(0n, -1, 0), 'FLUID generator -1 is outside the range 0..16383'],
    [() => makeFluid(0n, 0, 1024), 'FLUID sequence 1024 is outside the range 0..1023'],
    [() => makeFluid(0n, 0, 1.5), 'FLUID sequence 1.5 is outside the range 0..1023'],
    [() => fluidTimestamp(-5n), 'job ID -5 is outside the range 0..2^64-1'],
  ])('rejects out-of-range fields (%#)', (call, message) => {
    expect(call).toThrow(RangeError);
    expect(call).toThrow(message);
  });
});

describe('properties', () => {
  const anyJobId = fc.bigInt({ min: 0n, max: MAX_JOBID });
  const supported: JobIdEncoding[] = ['dec', 'hex', 'dothex', 'kvs', 'f58', 'f58plain'];

  it('every supported encoding round-trips through parseJobId', () => {
    fc.assert(
      fc.property(anyJobId, fc.constantFrom(...supported), (id, encoding) => {
        expect(parseJobId(encodeJobId(id, encoding))).toBe(id);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips with surrounding blanks where Flux allows them', () => {
    fc.assert(
      fc.property(anyJobId, fc.stringMatching(/^[ \t\n]{0,3}$/), fc.stringMatching(/^[ \t]{0,3}$/), (id, lead, trail) => {
        expect(parseJobId(`${lead}${encodeJobId(id, 'dec')}${trail}`)).toBe(id);
        expect(parseJobId(`${lead}${encodeJobId(id, 'hex')}${trail}`)).toBe(id);
        expect(parseJobId(`${lead}${encodeJobId(id, 'f58')}`)).toBe(id);
        expect(parseJobId(`${lead}${encodeJobId(id, 'kvs')}`)).toBe(id);
      }),
    );
  });

  it('encode(parse(text)) is the canonical form for any F58 string Flux would produce', () => {
    fc.assert(
      fc.property(anyJobId, (id) => {
        const f58 = encodeJobId(id);
        expect(encodeJobId(parseJobId(f58))).toBe(f58);
        expect(f58.length).toBeLessThanOrEqual(13);
      }),
    );
  });

  it('splitting into fields and rebuilding gives the same ID', () => {
    fc.assert(
      fc.property(anyJobId, (id) => {
        expect(makeFluid(fluidTimestamp(id), fluidGenerator(id), fluidSequence(id))).toBe(id);
      }),
    );
  });

  it('never throws anything but JobIdError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (text) => {
        try {
          const id = parseJobId(text);
          expect(id >= 0n && id <= MAX_JOBID).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(JobIdError);
          expect((err as JobIdError).message).toContain(`'${text}'`);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
