/**
 * What the server child says about itself at GET /metrics, read by the pairs to check that a
 * query became the RPCs it should (a batch that fell apart would still answer, only slower).
 */

const RPC_LINE = /^flux_graphql_rpcs_total\{([^}]*)\} (\d+(?:\.\d+)?(?:e\+?\d+)?)$/;

/** Flux RPCs of `topic` that the server sent with outcome "ok", from its Prometheus text. */
export function okRpcCount(metricsText: string, topic: string): number {
  let count = 0;
  for (const line of metricsText.split('\n')) {
    const match = RPC_LINE.exec(line);
    if (match === null) continue;
    const labels = match[1] as string;
    if (labels.includes(`topic="${topic}"`) && labels.includes('outcome="ok"')) count += Number(match[2]);
  }
  return count;
}

/** The server's /metrics, next to its /graphql. */
export async function fetchMetrics(graphqlUrl: string): Promise<string> {
  const url = new URL('/metrics', graphqlUrl);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url.href}: HTTP ${response.status}`);
  return response.text();
}

const ACTIVE_LINE = /^flux_graphql_active_requests (\d+)$/m;

/** GraphQL requests the server is serving now, from its Prometheus text. */
export function activeRequests(metricsText: string): number {
  const match = ACTIVE_LINE.exec(metricsText);
  if (match === null) throw new Error('the server\'s /metrics has no flux_graphql_active_requests');
  return Number(match[1]);
}

/**
 * Waits until the server has finished every GraphQL request: a load run that ends leaves its
 * last requests in flight, and the next run's connections would find them still counted
 * against --max-concurrent-per-user.
 */
export async function waitUntilIdle(graphqlUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (activeRequests(await fetchMetrics(graphqlUrl)) > 0) {
    if (performance.now() > deadline) throw new Error(`the server at ${graphqlUrl} still had requests in flight after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
