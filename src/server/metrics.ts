/**
 * Prometheus metrics at GET /metrics (prom-client, one registry per app so that apps in one
 * process do not mix their counts): HTTP requests by status and their latency, requests in
 * flight, GraphQL errors by code, Flux RPCs by topic and outcome with their latency, whether
 * the connection to Flux is up with how often it came back, and the subscriptions open by
 * transport with the WebSocket connections that carry some of them.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Plugin } from 'graphql-yoga';
import type { RpcOutcome } from './rpc-instrumentation';
import { LIVE_TRANSPORTS, type LiveTransport } from './subscriptions';
import { existingObservationOf, observationOf, secondsSince } from './request-observation';

export const METRICS_PATH = '/metrics';

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'flux_graphql_http_requests_total', help: 'HTTP requests to the GraphQL endpoint, by status', labelNames: ['status'], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: 'flux_graphql_http_request_duration_seconds',
    help: 'Time from request to response on the GraphQL endpoint',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly active = new Gauge({ name: 'flux_graphql_active_requests', help: 'GraphQL requests being served', registers: [this.registry] });
  private readonly errors = new Counter({ name: 'flux_graphql_errors_total', help: 'GraphQL errors in answers, by extensions.code', labelNames: ['code'], registers: [this.registry] });
  private readonly rpcs = new Counter({ name: 'flux_graphql_rpcs_total', help: 'Flux RPCs sent, by topic and outcome (ok, an errno name, or a connector error code)', labelNames: ['topic', 'outcome'], registers: [this.registry] });
  private readonly rpcLatency = new Histogram({
    name: 'flux_graphql_rpc_duration_seconds',
    help: 'Time from request to last response of Flux RPCs, by topic',
    labelNames: ['topic'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  private readonly brokerConnected = new Gauge({ name: 'flux_graphql_broker_connected', help: 'Whether the connection to the Flux broker is up (1) or lost (0)', registers: [this.registry] });
  private readonly brokerReconnects = new Counter({ name: 'flux_graphql_broker_reconnects_total', help: 'Times the connection to the Flux broker came back after it was lost', registers: [this.registry] });
  private readonly openSubscriptions = new Gauge({ name: 'flux_graphql_open_subscriptions', help: 'Subscriptions being served, by transport (sse: server-sent events, ws: graphql-ws over WebSocket)', labelNames: ['transport'], registers: [this.registry] });
  private readonly webSockets = new Gauge({ name: 'flux_graphql_websocket_connections', help: 'WebSocket connections open on the GraphQL endpoint', registers: [this.registry] });

  private readonly render: () => Promise<string>;

  /**
   * With `processMetrics`, also the process's own (CPU, memory, event loop), as prom-client collects them.
   * `exposition` replaces what GET /metrics answers (default: this registry), e.g. with the sum
   * over the workers of a cluster, which this registry is one of.
   */
  constructor(options: { processMetrics?: boolean; exposition?: () => Promise<string> } = {}) {
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
    // Both transports are listed from the start, at 0, so that a dashboard's query finds them.
    for (const transport of LIVE_TRANSPORTS) this.openSubscriptions.set({ transport }, 0);
    this.render = options.exposition ?? (() => this.registry.metrics());
  }

  /** The text GET /metrics answers, in Prometheus's exposition format. */
  exposition(): Promise<string> {
    return this.render();
  }

  observeRpc(topic: string, seconds: number, outcome: RpcOutcome): void {
    this.rpcs.inc({ topic, outcome });
    this.rpcLatency.observe({ topic }, seconds);
  }

  setBrokerConnected(connected: boolean): void {
    this.brokerConnected.set(connected ? 1 : 0);
  }

  brokerReconnected(): void {
    this.brokerReconnects.inc();
  }

  subscriptionOpened(transport: LiveTransport): void {
    this.openSubscriptions.inc({ transport });
  }

  subscriptionClosed(transport: LiveTransport): void {
    this.openSubscriptions.dec({ transport });
  }

  webSocketOpened(): void {
    this.webSockets.inc();
  }

  webSocketClosed(): void {
    this.webSockets.dec();
  }

  /** Errors of answers that are not one HTTP response each: a stream's results, WebSocket operations. */
  countErrors(codes: Iterable<string>): void {
    for (const code of codes) this.errors.inc({ code });
  }

  requestStarted(): void {
    this.active.inc();
  }

  requestEnded(status: number, seconds: number, errorCodes: Iterable<string>): void {
    this.active.dec();
    this.requests.inc({ status: String(status) });
    this.latency.observe(seconds);
    for (const code of errorCodes) this.errors.inc({ code });
  }
}

export function useMetrics(metrics: ServerMetrics, graphqlPath: string): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname === METRICS_PATH) {
        let text: string;
        try {
          text = await metrics.exposition();
        } catch (error) {
          // A cluster's sum needs every worker; a scrape that cannot have it fails rather than undercounts.
          const reason = error instanceof Error ? error.message : String(error);
          endResponse(new fetchAPI.Response(`metrics unavailable: ${reason}\n`, { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
          return;
        }
        endResponse(new fetchAPI.Response(text, { headers: { 'content-type': metrics.registry.contentType } }));
        return;
      }
      if (url.pathname === graphqlPath) {
        observationOf(request);
        metrics.requestStarted();
      }
    },
    onResponse({ request, response }) {
      // Begun in onRequest for the GraphQL path alone, so no URL is parsed again here.
      const observation = existingObservationOf(request);
      if (observation === undefined) return;
      metrics.requestEnded(response.status, secondsSince(observation), observation.errorCodes);
    },
  };
}
