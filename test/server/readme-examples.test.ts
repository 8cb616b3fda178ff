/**
 * The README's example queries, run against what `npm start -- --no-live` serves (seed 1, 3000
 * jobs): each answers as the README shows, except values that depend on when the server started
 * (runtimes, time left, finish times, eventlog timestamps, the cursor that encodes one). Keeps the
 * README true.
 */
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { openBackend, type Backend } from '../../src/server/backend';
import { readmeExamples } from '../support/readme-examples';

const CLOCK_DEPENDENT = new Set(['runtime', 'tRemaining', 'tInactive', 'endCursor', 'timestamp']);

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

  it('has the four examples the README promises, none of them recorded elsewhere', () => {
    expect(examples).toHaveLength(4);
    expect(examples.filter((example) => example.recorded)).toEqual([]);
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
