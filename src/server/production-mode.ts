/**
 * Imported first by the command line: unless told otherwise, the server runs with
 * NODE_ENV=production, which graphql-js reads when it is loaded to skip a development check that
 * runs on every type test (5-10% of a large page). Tests and benchmarks that import the server's
 * modules directly set their own.
 */
process.env['NODE_ENV'] ??= 'production';
