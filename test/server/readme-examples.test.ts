/**
 * The README's example queries, run against what `npm start -- --no-live` serves (seed 1, 3000
 * jobs): each answers as the README shows, except values that depend on when the server started
 * (runtimes, time left, finish times, the cursor that encodes one). Keeps the README true.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { openBackend, type Backend } from '../../src/server/backend';

const CLOCK_DEPENDENT = new Set(['runtime', 'tRemaining', 'tInactive', 'endCursor']);

/** The README's graphql blocks and the json block after each, in order. */
function readmeExamples(): { query: string; shown: unknown }[] {
  const text = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const blocks = [...text.matchAll(/```(graphql|json)\n([\s\S]*?)```/g)].map((m) => ({ kind: m[1], body: m[2] as string }));
  const examples: { query: string; shown: unknown }[] = [];
  blocks.forEach((block, i) => {
    const next = blocks[i + 1];
    if (block.kind === 'graphql' && next?.kind === 'json') examples.push({ query: block.body, shown: JSON.parse(next.body) });
  });
  return examples;
}

/** The value with clock-dependent fields replaced by their type, so both sides compare equal. */
function timeless(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(timeless);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, CLOCK_DEPENDENT.has(key) ? typeof item : timeless(item)]),
    );
  }
  return value;
}

describe('the README examples', () => {
  const now = 1795700000.5;
  let backend: Backend;
  let app: FluxGraphQLApp;

  beforeAll(async () => {
    backend = await openBackend({ embedded: { jobs: 3000, seed: 1, live: false, latencyMs: 0 } }, { clock: () => now });
    app = createApp({
      handle: backend.handle,
      logging: false,
      graphiql: false,
      ...(backend.jobInfo === undefined ? {} : { jobInfo: backend.jobInfo }),
      ...(backend.userDatabase === undefined ? {} : { userDatabase: backend.userDatabase }),
    });
  });

  afterAll(async () => {
    await backend.close();
  });

  const examples = readmeExamples();

  it('has the three examples the README promises', () => {
    expect(examples).toHaveLength(3);
  });

  it.each(examples.map((example, index) => [index + 1, example] as const))('example %i answers as shown', async (_n, example) => {
    const response = await app.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: example.query, variables: { since: now - 86400 } }),
    });
    const body = await response.json();
    expect(timeless(body)).toEqual(timeless(example.shown));
  });
});
