/**
 * The node limit: job nodes a request may return, counted before execution from first/last, ids
 * and the default page size, through variables, aliases and fragments.
 */
import { parse } from 'graphql';
import { EmbeddedInstance } from '../../src/embedded';
import { schema } from '../../src/graphql/schema';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { countJobNodes, NODE_LIMIT_CODE } from '../../src/server/node-limit';

interface Answer {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string; limit?: number; asked?: number } }[];
}

const instance = new EmbeddedInstance({});
afterAll(() => instance.close());

function app(maxNodes?: number): FluxGraphQLApp {
  return createApp({ handle: instance.handle(), logging: false, ...(maxNodes === undefined ? {} : { maxNodes }) });
}

async function ask(server: FluxGraphQLApp, query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: Answer }> {
  const response = await server.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

const aliases = (count: number, field: string): string => Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ');

describe('countJobNodes', () => {
  const count = (query: string, variables?: Record<string, unknown>): number | undefined => countJobNodes(schema, parse(query), undefined, variables, 50);

  it.each([
    ['{ jobs { nodes { id } } }', undefined, 50],
    ['{ jobs(first: 7) { edges { node { id } } } }', undefined, 7],
    ['{ jobs(last: 9) { nodes { id } } }', undefined, 9],
    ['{ jobs(first: 0) { totalCount } }', undefined, 0],
    ['query($n: Int) { jobs(first: $n) { nodes { id } } }', { n: 1000 }, 1000],
    ['query($n: Int) { jobs(first: $n) { nodes { id } } }', {}, 50],
    [`{ ${aliases(3, 'jobs(first: 100) { nodes { id } }')} }`, undefined, 300],
    ['{ a: job(id: "1") { id } b: job(id: "2") { id } node(id: "3") { id } }', undefined, 3],
    ['{ jobs(ids: ["1", "2", "3", "4"], first: 1) { nodes { id } } }', undefined, 4],
    ['{ nodes(ids: ["1", "2"]) { id } }', undefined, 2],
    ['query($n: Int) { ...F ...F2 } fragment F on Query { jobs(first: $n) { nodes { id } } } fragment F2 on Query { x: jobs(first: $n) { ...G } } fragment G on JobConnection { nodes { id } }', { n: 20 }, 40],
    ['{ ... on Query { jobs(first: 5) { nodes { id } } } }', undefined, 5],
    ['{ jobStats { total } jobAttributes }', undefined, 0],
  ])('%s with %j asks for %d', (query, variables, expected) => {
    expect(count(query, variables)).toBe(expected);
  });

  it('leaves variables that do not coerce to execution (undefined)', () => {
    expect(count('query($n: Int) { jobs(first: $n) { nodes { id } } }', { n: 'many' })).toBeUndefined();
  });
});

describe('the node limit on the server', () => {
  it('refuses first through a variable times aliases beyond 10,000 by default, with its code, limit and count', async () => {
    const server = app();
    const query = `query($n: Int) { ${aliases(11, 'jobs(first: $n) { nodes { id } }')} }`;
    const { body } = await ask(server, query, { n: 1000 });
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions).toEqual({ code: NODE_LIMIT_CODE, limit: 10000, asked: 11000 });
    expect(body.errors?.[0]?.message).toBe(
      'This request may return up to 11000 job nodes (first/last and ids summed over every connection and alias); the node limit is 10000.',
    );
    expect(body.errors?.[0]?.message).not.toMatch(/Syntax Error/);
    // The same request within the limit runs, and the server goes on serving.
    const within = await ask(server, query, { n: 100 });
    expect(within.body.errors).toBeUndefined();
    expect(Object.keys(within.body.data as object)).toHaveLength(11);
  });

  it('counts the default page size and lookups by ID against --max-nodes', async () => {
    const server = app(120);
    expect((await ask(server, `{ ${aliases(3, 'jobs { totalCount }')} }`)).body.errors?.[0]?.extensions?.asked).toBe(150);
    expect((await ask(server, `{ ${aliases(2, 'jobs { totalCount }')} }`)).body.errors).toBeUndefined();
    expect((await ask(server, `{ ${aliases(121, 'job(id: "1") { id }')} }`)).body.errors?.[0]?.extensions?.code).toBe(NODE_LIMIT_CODE);
  });
});
