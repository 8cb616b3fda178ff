/** Sends GraphQL requests to the app the way an HTTP client would, through app.fetch (no port). */
import type { FluxGraphQLApp } from '../src/server/app';

export type BenchApp = Pick<FluxGraphQLApp, 'fetch'>;

interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** The response's data; any error in the response fails the benchmark (a fast error is no result). */
export async function graphqlData<T>(app: BenchApp, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await app.fetch('http://bench/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLBody<T>;
  if (body.errors !== undefined && body.errors.length > 0) {
    const first = body.errors[0];
    throw new Error(`GraphQL error (${body.errors.length}): ${first?.extensions?.code ?? ''} ${first?.message ?? ''}`);
  }
  if (body.data === undefined || body.data === null) throw new Error(`GraphQL response without data (HTTP ${response.status})`);
  return body.data;
}
