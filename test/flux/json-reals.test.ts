import { parseJson } from '../../src/flux/json';

describe('parseJson with long fractions', () => {
  it.each([
    ['{"runtime":0.09481167793273926}', { runtime: 0.09481167793273926 }],
    ['[1.2345678901234567890,2]', [1.2345678901234567, 2]],
    ['{"a":1.5e-12345678901234567,"b":18446744073709551615}', { a: 0, b: 18446744073709551615n }],
    ['{"t":1795636135.64405110000000001}', { t: 1795636135.6440511 }],
  ])('keeps the real in %s a number', (text, expected) => {
    expect(parseJson(text)).toEqual(expected);
  });
});
