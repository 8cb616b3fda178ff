/**
 * Job documents as text, byte for byte as flux-core 0.88 stores them: eventlogs (RFC 18,
 * Jansson compact with %.17g reals), the compact jobspec, R with ", " separators and shortest
 * reals. Golden against every stored value of the recording, and properties of the codec.
 */
import fc from 'fast-check';
import type { EventlogEntry } from '../../../src/flux/jobspec';
import { parseJson, type Json } from '../../../src/flux/json';
import { decodeEventlog, encodeEventlog, EventlogSyntaxError, isFluxReal } from '../../../src/embedded/details/eventlog-text';
import { dumpJansson, formatReal, formatShortestReal, quoteJansson } from '../../../src/embedded/details/jansson-dump';
import { RECORDED_JOBS, storedText } from '../job-info-fixtures';

describe('stored documents of the recording, written again', () => {
  const stored = RECORDED_JOBS.flatMap((job) =>
    (['eventlog', 'guest.output', 'jobspec', 'R'] as const).flatMap((key) => {
      const text = storedText(job, key);
      return text === undefined ? [] : [[`${job.label} ${key}`, key, text] as const];
    }),
  );

  it('covers every job', () => {
    expect(stored.length).toBeGreaterThanOrEqual(90);
  });

  it.each(stored)('%s', (_label, key, text) => {
    const again =
      key === 'eventlog' || key === 'guest.output'
        ? encodeEventlog(decodeEventlog(text))
        : dumpJansson(parseJson(text), { compact: key === 'jobspec', isReal: isFluxReal, reals: key === 'R' ? 'shortest' : 'printf' });
    expect(again).toBe(text);
  });
});

describe('reals', () => {
  it.each([
    // "%.17g" keeps 17 digits where the shortest form needs fewer (recorded: finish at ...3790171).
    [1796187849.3790171, '1796187849.3790171', '1796187849.379017'],
    [1796187850.784057, '1796187850.7840569', '1796187850.784057'],
    [600, '600.0', '600.0'],
    [0, '0.0', '0.0'],
    [-0, '-0.0', '-0.0'],
    [0.1, '0.10000000000000001', '0.1'],
    [1e20, '1e20', '1e+20'],
    [1.5e-5, '1.5e-5', '1.5e-05'],
    [1e-7, '9.9999999999999995e-8', '1e-07'],
    [0.0001, '0.0001', '0.0001'],
    [123456789012345678, '1.2345678901234568e17', '1.2345678901234568e+17'],
    // An exact tie at the 18th digit rounds to even, as glibc's printf does.
    [1796187849 + 1 / 256, '1796187849.0039062', '1796187849.0039062'],
    [735954760445042.125, '735954760445042.12', '735954760445042.1'],
    [5e-324, '4.9406564584124654e-324', '5e-324'],
  ])('%p is %s with %%.17g and %s at its shortest', (value, printf, shortest) => {
    expect(formatReal(value)).toBe(printf);
    expect(formatShortestReal(value)).toBe(shortest);
  });

  it('reads back as the same double, in at most 17 significant digits', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const text = formatReal(value);
        expect(Number(text)).toBe(value);
        const digits = text.replace(/^-/, '').replace(/e.*$/, '').replace(/\.0$/, '').replace('.', '').replace(/^0+/, '');
        expect(digits.length).toBeLessThanOrEqual(17);
        expect(Number(formatShortestReal(value))).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with toPrecision(17) whenever the value is not halfway between two 17-digit decimals', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e15, noNaN: true }), (value) => {
        // Only an 18-digit form ending in 5 can be an exact tie (which rounds to even).
        fc.pre(!value.toPrecision(18).endsWith('5'));
        expect(formatReal(value)).toBe(trimmed(value.toPrecision(17)));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => formatReal(Number.NaN)).toThrow(TypeError);
    expect(() => formatShortestReal(Number.POSITIVE_INFINITY)).toThrow(TypeError);
  });
});

/** toPrecision(17) laid out as "%.17g" (no trailing zeros, ".0" for integral values). */
function trimmed(text: string): string {
  if (text.includes('e')) return text;
  const stripped = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  return stripped.includes('.') ? stripped : `${stripped}.0`;
}

describe('strings', () => {
  it.each([
    ['plain', '"plain"'],
    ['quote " and backslash \\', '"quote \\" and backslash \\\\"'],
    ['line\nfeed\ttab\r\b\f', '"line\\nfeed\\ttab\\r\\b\\f"'],
    ['escape \u001b[0m', '"escape \\u001B[0m"'],
    ['ƒHNHm8mD データ 🚀 /slash', '"ƒHNHm8mD データ 🚀 /slash"'],
    ['lone \ud800 surrogate', '"lone \\uD800 surrogate"'],
  ])('%j', (text, quoted) => {
    expect(quoteJansson(text)).toBe(quoted);
  });
});

describe('layouts', () => {
  const value: Json = { version: 1, execution: { R_lite: [{ rank: '0', children: { core: '0' } }], starttime: 1796187849.5, expiration: 0, nslots: 1, nodelist: ['vm'] }, empty: {}, none: [] };

  it('compact and with separators', () => {
    expect(dumpJansson(value, { compact: true, isReal: isFluxReal })).toBe(
      '{"version":1,"execution":{"R_lite":[{"rank":"0","children":{"core":"0"}}],"starttime":1796187849.5,"expiration":0.0,"nslots":1,"nodelist":["vm"]},"empty":{},"none":[]}',
    );
    expect(dumpJansson(value, { compact: false, isReal: isFluxReal })).toBe(
      '{"version": 1, "execution": {"R_lite": [{"rank": "0", "children": {"core": "0"}}], "starttime": 1796187849.5, "expiration": 0.0, "nslots": 1, "nodelist": ["vm"]}, "empty": {}, "none": []}',
    );
  });

  it('types the numbers Flux writes as reals by their key', () => {
    // A duration of 0 means none: flux submit writes the integer; any other one is a real.
    expect(dumpJansson({ duration: 0, other: { duration: 600 }, 'attributes.system.duration': 60, count: 3, bigger: 2n ** 64n }, { compact: true, isReal: isFluxReal })).toBe(
      '{"duration":0,"other":{"duration":600.0},"attributes.system.duration":60.0,"count":3,"bigger":18446744073709551616}',
    );
  });
});

const entryArbitrary: fc.Arbitrary<EventlogEntry> = fc.record(
  {
    timestamp: fc.double({ min: 0, max: 4e9, noNaN: true }),
    name: fc.string({ minLength: 1 }),
    context: fc.dictionary(
      fc.string(),
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x))),
    ),
  },
  { requiredKeys: ['timestamp', 'name'] },
);

describe('eventlog codec', () => {
  it('decodes what it encodes, entry for entry', () => {
    fc.assert(
      fc.property(fc.array(entryArbitrary, { maxLength: 8 }), (entries) => {
        const text = encodeEventlog(entries);
        expect(decodeEventlog(text)).toEqual(entries.map((e) => ({ ...e, timestamp: e.timestamp === 0 ? 0 : e.timestamp })));
        expect(encodeEventlog(decodeEventlog(text))).toBe(text);
        expect(text.split('\n')).toHaveLength(entries.length + 1);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves out a context that is not there, keeps an empty one', () => {
    expect(encodeEventlog([{ timestamp: 1, name: 'start' }, { timestamp: 2, name: 'memo', context: {} }])).toBe(
      '{"timestamp":1.0,"name":"start"}\n{"timestamp":2.0,"name":"memo","context":{}}\n',
    );
  });

  it.each([
    ['{"timestamp":1.0,"name":"start"}', 'entry 1 does not end with a newline'],
    ['{"timestamp":1.0,"name":"start"}\nnot json\n', 'entry 2: not JSON'],
    ['[1]\n', 'entry 1: an entry must be a JSON object'],
    ['{"name":"start"}\n', 'entry 1: "timestamp" must be a number'],
    ['{"timestamp":1.0,"name":7}\n', 'entry 1: "name" must be a string'],
    ['{"timestamp":1.0,"name":"x","context":[]}\n', 'entry 1: "context" must be an object'],
  ])('refuses %j', (text, message) => {
    expect(() => decodeEventlog(text)).toThrow(EventlogSyntaxError);
    expect(() => decodeEventlog(text)).toThrow(message);
  });

  it('an empty eventlog has no entries', () => {
    expect(decodeEventlog('')).toEqual([]);
  });
});
