/** A GraphQL request is a query text and its variables: 1 MiB is far more than any real one needs. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
