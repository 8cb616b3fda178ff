/** A GraphQL request is a query text and its variables: 1 MiB is far more than any real one needs. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Job nodes one request may ask for, over every connection and alias (GitHub allows 500,000 nodes; a job is heavier). */
export const DEFAULT_MAX_NODES = 10_000;

/** How long the Flux RPCs of one request may take in all before it is answered FLUX_TIMEOUT. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** How long requests in flight may go on after SIGTERM before their connections are cut. */
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;
