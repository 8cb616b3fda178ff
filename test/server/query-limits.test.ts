/**
 * The static query limits (depth, aliases, tokens, cost): each refusal has its own code, the
 * limit's value, and a sentence naming the limit and what was found, with no "Syntax Error".
 */
import { EmbeddedInstance } from '../../src/embedded';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { QUERY_LIMIT_CODES } from '../../src/server/query-limits';

interface Answer {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

const instance = new EmbeddedInstance({});
const app: FluxGraphQLApp = createApp({
  handle: instance.handle(),
  logging: false,
  queryLimits: { maxDepth: 4, maxAliases: 3, maxTokens: 200, maxCost: 5000 },
});
afterAll(() => instance.close());

async function ask(query: string): Promise<Answer> {
  const response = await app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as Answer;
}

describe('query limits', () => {
  it.each([
    ['aliases', '{ a: jobAttributes b: jobAttributes c: jobAttributes d: jobAttributes }', QUERY_LIMIT_CODES.aliases, 3, 'Aliases limit of 3 exceeded, found 4.'],
    ['depth', '{ jobs { edges { node { exception { type } } } } }', QUERY_LIMIT_CODES.depth, 4, /^Query depth limit of 4 exceeded, found 5\.?$/],
    ['tokens', `{ ${'jobAttributes '.repeat(250)} }`, QUERY_LIMIT_CODES.tokens, 200, 'Token limit of 200 exceeded.'],
    ['cost', '{ jobs(first: 1000) { nodes { id name } } }', QUERY_LIMIT_CODES.cost, 5000, /^Query Cost limit of 5000 exceeded, found \d+\.$/],
  ])('refuses a query over the %s limit with its code and value', async (_name, query, code, limit, message) => {
    const answer = await ask(query);
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors).toHaveLength(1);
    const error = answer.errors?.[0];
    expect(error?.extensions).toEqual({ code, limit });
    if (typeof message === 'string') expect(error?.message).toBe(message);
    else expect(error?.message).toMatch(message);
    // The server goes on serving.
    expect(await ask('{ jobAttributes }')).toEqual({ data: { jobAttributes: expect.arrayContaining(['all']) } });
  });
});
