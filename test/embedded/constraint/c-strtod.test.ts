import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { strtodWhole } from '../../../src/embedded/constraint/c-strtod';

/** Whole-string conversions recorded from glibc's own strtod (see the file's description). */
const glibcCases = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'embedded', 'glibc-strtod-cases.json'), 'utf8')) as {
    cases: [string, number | 'inf' | 'nan' | null][];
  }
).cases;

describe('strtodWhole (glibc strtod, whole string, no ERANGE)', () => {
  it.each<[string, number]>([
    ['', 0],
    ['0', 0],
    ['1', 1],
    ['1234.5', 1234.5],
    ['1.', 1],
    ['.5', 0.5],
    ['00012', 12],
    ['1e9', 1e9],
    ['1E9', 1e9],
    ['1.5e+3', 1500],
    ['15e-1', 1.5],
    ['1.e2', 100],
    ['+7', 7],
    ['-7', -7],
    [' 1', 1],
    ['\t\n\v\f\r 2', 2],
    ['  -3.25', -3.25],
    ['1700000000', 1700000000],
    ['946713600.0', 946713600],
    ['1795637772.6942372', 1795637772.6942372],
    ['0x10', 16],
    ['0X10', 16],
    ['0xff', 255],
    ['0x1.8', 1.5],
    ['0x.8', 0.5],
    ['0x1p4', 16],
    ['0x1P-1', 0.5],
    ['0x1.8p+1', 3],
    ['-0x10', -16],
    ['0x' + 'f'.repeat(20), 0xffffffffffffffffffff],
    ['0x1' + '0'.repeat(200) + 'p-800', 1],
    ['inf', Infinity],
    ['INF', Infinity],
    ['Infinity', Infinity],
    ['-inf', -Infinity],
    ['+INFINITY', Infinity],
    ['0e999999', 0],
    ['0x0p99999', 0],
    ['2.2250738585072014e-308', 2.2250738585072014e-308],
    ['1.7976931348623157e308', 1.7976931348623157e308],
    // below DBL_MIN: accepted when exact, or when rounding to 53 bits already reaches DBL_MIN
    ['0x1p-1074', 5e-324],
    ['0x1p-1023', 1.1125369292536007e-308],
    ['0x0.fffffffffffffp-1022', 2.225073858507201e-308],
    ['2.2250738585072013e-308', 2.2250738585072014e-308],
    [
      '4.940656458412465441765687928682213723650598026143247644255856825006755072702087518652998363616359923797965646954457177309266567103559397963987747960107818781263007131903114045278458171678489821036887186360569987307230500063874091535649843873124733972731696151400317153853980741262385655911710266585566867681870395603106249319452715914924553293054565444011274801297099995419319894090804165633245247571478690147267801593552386115501348035264934720193790268107107491703332226844753335720832431936092382893458368060106011506169809753078342277318329247904982524730776375927247874656084778203734469699533647017972677717585125660551199131504891101451037862738167250955837389733598993664809941164205702637090279242767544565229087538682506419718265533447265625E-324',
      5e-324,
    ],
  ])('%j → %d', (text, value) => {
    expect(strtodWhole(text)).toBe(value);
  });

  it('keeps the sign of zero', () => {
    expect(Object.is(strtodWhole('-0'), -0)).toBe(true);
    expect(Object.is(strtodWhole('-0.0e5'), -0)).toBe(true);
  });

  it.each(['nan', 'NaN', 'NAN', '-nan', 'nan()', 'nan(123)', 'nan(abc_DEF)', ' nan'])('%j is NaN', (text) => {
    expect(strtodWhole(text)).toBeNaN();
  });

  it.each([
    ' ', // blanks only: nothing converted, the end pointer stays on the blank
    '+',
    '-',
    '.',
    'e5',
    '1 ',
    '1x',
    '1e',
    '1e+',
    '1.5.',
    '1,5',
    '0x',
    '0xg',
    '0x1p',
    'infinit',
    'infinityx',
    'nan(',
    'nan(a b)',
    'nana',
    '--1',
    '+-1',
    '1e400', // overflow → ERANGE
    '-1e400',
    '0x1p1024',
    '1e-400', // underflow → ERANGE
    '1e-310', // below DBL_MIN and inexact → ERANGE
    '4.9406564584124654e-324',
    '2.2250738585072012e-308',
    '0x0.fffffffffffff8p-1022', // rounds up to DBL_MIN, but only because the exponent ran out
    '0x1.8p-1074',
    '0x3p-1075',
    '0x1p-1075',
    '0x1p-1076',
    '１', // not an ASCII digit
    '\u00a01', // not a C-locale blank
  ])('%j is refused', (text) => {
    expect(strtodWhole(text)).toBeUndefined();
  });

  it.each(glibcCases)('%j as glibc reads it: %p', (text, expected) => {
    const value = strtodWhole(text);
    if (expected === null) expect(value).toBeUndefined();
    else if (expected === 'nan') expect(value).toBeNaN();
    else if (expected === 'inf') expect(value).toBe(text.trimStart().startsWith('-') ? -Infinity : Infinity);
    else expect(value).toBe(expected);
  });

  it('agrees with JavaScript on ordinary decimal text', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), (value) => {
        // Skip the subnormal band, where glibc reports ERANGE.
        fc.pre(value === 0 || Math.abs(value) >= 2.2250738585072014e-308);
        expect(strtodWhole(String(value))).toBe(Number(String(value))); // String(-0) is "0"
        expect(strtodWhole(value.toExponential())).toBe(Number(value.toExponential()));
      }),
    );
  });

  it('reads hexadecimal integers exactly', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(strtodWhole(`0x${n.toString(16)}`)).toBe(n);
      }),
    );
  });

  it('stays fast on long hostile input', () => {
    const long = '1'.repeat(100_000);
    expect(strtodWhole(`${long}x`)).toBeUndefined();
    expect(strtodWhole(`${long}.${long}e`)).toBeUndefined();
    expect(strtodWhole(`0x${'f'.repeat(100_000)}p-`)).toBeUndefined();
    expect(strtodWhole(' '.repeat(100_000))).toBeUndefined();
    expect(strtodWhole(`0.${'0'.repeat(309)}${'1'.repeat(100_000)}`)).toBeUndefined(); // tiny, needs the exact value
    expect(strtodWhole('0x1p-99999999999999999')).toBeUndefined();
  });
});
