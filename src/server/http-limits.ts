/** A GraphQL request is a query text and its variables: 1 MiB is far more than any real one needs. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Job nodes one request may ask for, over every connection and alias (GitHub allows 500,000 nodes; a job is heavier). */
export const DEFAULT_MAX_NODES = 10_000;

/** How long the Flux RPCs of one request may take in all before it is answered FLUX_TIMEOUT. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** How long requests in flight may go on after SIGTERM before their connections are cut. */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;

/** Subscriptions one user may hold at once, over SSE and WebSocket together; and on one WebSocket. */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_USER = 100;
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;

/** yoga's SSE interval and graphql-ws's ping interval: well within the usual proxies' 60 s idle timeouts. */
export const DEFAULT_KEEPALIVE_MS = 12_000;

/** A WebSocket client that reads nothing is cut off past this many bytes waiting to be sent to it. */
export const DEFAULT_MAX_SOCKET_BUFFERED_BYTES = 4 * 1024 * 1024;
