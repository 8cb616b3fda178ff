import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';
import { CSRF_HEADER } from './csrf-prevention';

/**
 * What GraphiQL shows the first time it is opened. Anonymous on purpose: GraphiQL remembers a
 * named operation until it re-parses the editor, so replacing a named default query and running
 * at once fails with "Cannot infer operation".
 */
export const DEFAULT_GRAPHIQL_QUERY = `# flux-graphql: the jobs of a Flux instance.
# Press ▶ to run; the Docs panel (book icon)
# lists every field and argument.
{
  jobStats {
    pending
    running
    inactive
  }
  jobs(first: 20) {
    totalCount
    edges {
      node {
        id
        name
        username
        state
        status
        queue
        nnodes
        runtime
        contextualInfo
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

export const GRAPHIQL_OPTIONS: GraphiQLOptions = {
  title: 'flux-graphql',
  defaultQuery: DEFAULT_GRAPHIQL_QUERY,
  // GraphiQL reads subscriptions as server-sent events with a GET, which CSRF prevention lets
  // through only with this header; the page is this server's own, so it may send it.
  additionalHeaders: { [CSRF_HEADER]: '1' },
};

/**
 * GraphiQL with its scripts and styles inlined in the page (@graphql-yoga/render-graphiql), so
 * it works where no CDN can be reached; yoga's built-in page loads them from unpkg.
 */
export function renderOfflineGraphiQL(options: GraphiQLOptions): string {
  // The page is about 9 MB; build it once per set of options rather than on every visit.
  const key = JSON.stringify(options);
  let page = renderedPages.get(key);
  if (page === undefined) {
    page = renderGraphiQL(options);
    renderedPages.set(key, page);
  }
  return page;
}

const renderedPages = new Map<string, string>();
