/**
 * Constraints nested deeper than Flux's JSON parser (Jansson, 2048 levels) decodes are refused as
 * Flux refuses them (INVALID_CONSTRAINT, "invalid payload: maximum parsing depth reached"), before
 * anything writes them, instead of overflowing a stack.
 */
import fc from 'fast-check';
import type { Json } from '../../src/flux/json';
import { constraintDepthProblem, jsonDepth } from '../../src/joblist/constraint-depth';
import { EmbeddedInstance } from '../../src/embedded';
import { createApp } from '../../src/server/app';

function nested(levels: number): Json {
  let constraint: Json = { userid: [1] };
  for (let i = 0; i < levels; i++) constraint = { not: [constraint] };
  return constraint;
}

describe('jsonDepth', () => {
  it.each([
    [1, 0],
    [null, 0],
    [{}, 1],
    [[], 1],
    [{ a: [1, { b: {} }] }, 4],
    [nested(0), 2],
    [nested(10), 22],
  ] as [Json, number][])('%j is %d deep', (value, depth) => {
    expect(jsonDepth(value, 10_000)).toBe(depth);
  });

  it('agrees with a recursive count on random values', () => {
    const recursive = (value: unknown): number =>
      value === null || typeof value !== 'object' ? 0 : 1 + Math.max(0, ...Object.values(value as object).map(recursive));
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => jsonDepth(value as Json, 100) === recursive(value)));
  });

  it('measures a million levels without recursion', () => {
    let deep: Json = 0;
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(jsonDepth(deep, 5000)).toBe(5001);
  });
});

describe('constraintDepthProblem', () => {
  it('accepts a constraint of 2047 levels (2048 inside the payload) and refuses one more', () => {
    expect(constraintDepthProblem(nested(1022))).toBeUndefined();
    expect(constraintDepthProblem(nested(1023))).toMatch(/^invalid payload: maximum parsing depth reached/);
  });
});

describe('a deep constraint through GraphQL', () => {
  it('is INVALID_CONSTRAINT, and the server goes on serving', async () => {
    const instance = new EmbeddedInstance({});
    const app = createApp({ handle: instance.handle(), logging: false });
    const ask = async (constraint: Json): Promise<{ data?: unknown; errors?: { message: string; extensions: { code: string } }[] }> =>
      (await (await app.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: 'query($c: JSON) { jobs(constraint: $c) { totalCount } }', variables: { c: constraint } }),
      })).json()) as never;
    const refused = await ask(nested(1500));
    expect(refused.errors?.[0]?.extensions.code).toBe('INVALID_CONSTRAINT');
    expect(refused.errors?.[0]?.message).toMatch(/^invalid payload: maximum parsing depth reached \(the constraint is nested more than 2047 levels deep/);
    expect(await ask(nested(3))).toEqual({ data: { jobs: { totalCount: 0 } } });
    instance.close();
  });
});
