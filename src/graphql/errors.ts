/**
 * The GraphQL errors a client can expect, each with a stable `extensions.code`.
 * Anything not turned into one of these stays masked as "Unexpected error." by the server.
 */
import { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { Errno } from '../flux/constants';
import { FluxError, FluxRpcError } from '../flux/errors';
import { JobIdError } from '../flux/jobid';
import { JobListError } from '../joblist/errors';

export const ErrorCode = {
  /** An argument outside what the schema documents (page size, negative numbers, unknown user). */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** A pagination cursor that is malformed or belongs to a different query. */
  BAD_CURSOR: 'BAD_CURSOR',
  /** A job ID that no Flux encoding can read. */
  INVALID_JOBID: 'INVALID_JOBID',
  /** A job ID encoding this server does not implement (words, emoji). */
  UNSUPPORTED_ENCODING: 'UNSUPPORTED_ENCODING',
  /** Flux rejected the constraint (its EPROTO message is passed on). */
  INVALID_CONSTRAINT: 'INVALID_CONSTRAINT',
  /** Flux refused the search as too expensive (its comparison budget). */
  TOO_MANY_COMPARISONS: 'TOO_MANY_COMPARISONS',
  /** A job asked for by ID in jobs(ids:) that Flux does not know; the other jobs are still returned. */
  JOB_NOT_FOUND: 'JOB_NOT_FOUND',
  /** The Flux instance cannot be reached (connection refused, lost or timed out). */
  FLUX_UNAVAILABLE: 'FLUX_UNAVAILABLE',
  /** Any other error response from Flux, with Flux's own text. */
  FLUX_ERROR: 'FLUX_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An expected failure: the message is shown to the client as is, with its code. */
export function graphqlError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
  path?: readonly (string | number)[],
): GraphQLError {
  return createGraphQLError(message, { extensions: { ...extensions, code }, ...(path === undefined ? {} : { path }) });
}

const UNAVAILABLE_CODES: ReadonlySet<string> = new Set(['FLUX_CONNECT', 'FLUX_DISCONNECTED', 'FLUX_TIMEOUT']);

/**
 * The client-facing error for a failure of a lower layer, or undefined when the failure is
 * not one a client can act on (then it stays masked).
 */
export function expectedErrorFor(error: unknown): GraphQLError | undefined {
  if (error instanceof JobIdError) return graphqlError(error.code, error.message, { input: error.input });
  if (error instanceof JobListError) {
    const code = error.code === 'INVALID_JOBID' ? ErrorCode.INVALID_JOBID : ErrorCode.BAD_USER_INPUT;
    return graphqlError(code, error.message);
  }
  if (error instanceof FluxRpcError) {
    if (error.errno === Errno.EPROTO && error.text.includes('constraint')) {
      return graphqlError(ErrorCode.INVALID_CONSTRAINT, error.text);
    }
    if (error.text.startsWith('Excessive comparisons')) {
      return graphqlError(ErrorCode.TOO_MANY_COMPARISONS, error.text);
    }
    return graphqlError(ErrorCode.FLUX_ERROR, error.message, { errno: error.errnoName });
  }
  if (error instanceof FluxError && UNAVAILABLE_CODES.has(error.code)) {
    // The connectors often say so already ("Flux instance at ... is unavailable: ...").
    const message = /unavailable/i.test(error.message) ? error.message : `Flux instance unavailable: ${error.message}`;
    return graphqlError(ErrorCode.FLUX_UNAVAILABLE, message);
  }
  return undefined;
}

/**
 * Whether a failure was caused by what the client sent (a bad job ID, user, constraint...),
 * as opposed to trouble with Flux that the operator should hear about.
 */
export function isClientMistake(error: unknown): boolean {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof JobIdError || original instanceof JobListError) return true;
  const code = expectedErrorFor(original)?.extensions['code'];
  return code === ErrorCode.INVALID_CONSTRAINT || code === ErrorCode.TOO_MANY_COMPARISONS;
}

/**
 * For the server's error masking: a resolver error whose cause is an expected failure of a
 * lower layer becomes that failure's coded error, kept at the same path and location.
 */
export function toExpectedGraphQLError(error: unknown): GraphQLError | undefined {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original === undefined || original === null) return undefined;
  const mapped = expectedErrorFor(original);
  if (mapped === undefined) return undefined;
  if (!(error instanceof GraphQLError)) return mapped;
  return createGraphQLError(mapped.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: mapped.extensions,
  });
}
