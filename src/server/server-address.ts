/** Where the server answers GraphQL, and the address its start-up line prints. */
export const GRAPHQL_PATH = '/graphql';

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** e.g. http://127.0.0.1:4000/graphql, or http://[::1]:4000/graphql */
export function graphqlUrl(host: string, port: number): string {
  return `http://${urlHost(host)}:${port}${GRAPHQL_PATH}`;
}
