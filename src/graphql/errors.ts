/**
 * The GraphQL errors a client can expect, each with a stable `extensions.code`.
 * Anything not turned into one of these stays masked as "Unexpected error." by the server.
 */
import { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { FluxError, FluxRpcError, FluxUnavailableError } from '../flux/errors';
import { encodeJobId, JobIdError } from '../flux/jobid';
import { JobInfoFailure } from '../jobinfo';
import { classifyFailure, JobListError, JobListFailure } from '../joblist';

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
  /**
   * A job Flux does not know: asked for by ID in jobs(ids:) (the other jobs are still
   * returned), or unknown to Flux's job-info service when one of its details is asked (that
   * field is null, the rest of the answer stands).
   */
  JOB_NOT_FOUND: 'JOB_NOT_FOUND',
  /** Flux refused the user this request is for (EPERM); its text is passed on. */
  FORBIDDEN: 'FORBIDDEN',
  /** The Flux instance cannot be reached (connection refused, lost or timed out). */
  FLUX_UNAVAILABLE: 'FLUX_UNAVAILABLE',
  /** The request ran past the server's deadline for one request (--request-timeout). */
  FLUX_TIMEOUT: 'FLUX_TIMEOUT',
  /** Any other error response from Flux, with Flux's own text. */
  FLUX_ERROR: 'FLUX_ERROR',
  /**
   * A job detail Flux does not have for this job (yet): R before the scheduler has allocated
   * the job, the exec eventlog and output of a job that has not started (job-info's
   * "<key>: key not found"). That field is null, the rest of the answer stands.
   */
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
  /** Flux sent data this server cannot read (an eventlog or output log that breaks RFC 18 / RFC 24); the message says what and where. */
  FLUX_INVALID_DATA: 'FLUX_INVALID_DATA',
  /**
   * A subscription whose client left more events unread than the server buffers for one
   * subscriber: it is ended with this error as its last result (subscribe again to go on).
   */
  SUBSCRIBER_TOO_SLOW: 'SUBSCRIBER_TOO_SLOW',
  /** More subscriptions at once than the server allows one connection or one user. */
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
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

/** A lower layer's failure as the client sees it, and whether the client caused it. */
interface CodedFailure {
  error: GraphQLError;
  /** A bad job ID, user, constraint...: answered without being logged as trouble with Flux. */
  causedByClient: boolean;
}

function unavailableError(error: FluxError): GraphQLError {
  // The socket handle's own errors already name the instance and say it is unavailable.
  const message = error instanceof FluxUnavailableError ? error.message : `Flux instance unavailable: ${error.message}`;
  return graphqlError(ErrorCode.FLUX_UNAVAILABLE, message);
}

function fluxFailureError(error: FluxError): CodedFailure | undefined {
  switch (classifyFailure(error)) {
    case JobListFailure.INVALID_CONSTRAINT:
      if (error instanceof FluxRpcError) return { error: graphqlError(ErrorCode.INVALID_CONSTRAINT, error.text), causedByClient: true };
      return undefined;
    case JobListFailure.TOO_MANY_COMPARISONS:
      if (error instanceof FluxRpcError) return { error: graphqlError(ErrorCode.TOO_MANY_COMPARISONS, error.text), causedByClient: true };
      return undefined;
    case JobListFailure.FORBIDDEN:
      if (error instanceof FluxRpcError) return { error: graphqlError(ErrorCode.FORBIDDEN, error.message, { errno: error.errnoName }), causedByClient: true };
      return undefined;
    case JobListFailure.NOT_FOUND:
    case JobListFailure.ERROR_RESPONSE:
      if (error instanceof FluxRpcError) {
        return { error: graphqlError(ErrorCode.FLUX_ERROR, error.message, { errno: error.errnoName }), causedByClient: false };
      }
      return undefined;
    case JobListFailure.DEADLINE:
      return { error: graphqlError(ErrorCode.FLUX_TIMEOUT, error.message), causedByClient: false };
    case JobListFailure.UNAVAILABLE:
    case JobListFailure.TIMEOUT:
      return { error: unavailableError(error), causedByClient: false };
    case undefined:
      return undefined;
  }
}

/** The one map from a lower layer's failure to its coded GraphQL error (undefined: stays masked). */
function codedFailureOf(error: unknown): CodedFailure | undefined {
  if (error instanceof JobIdError) return { error: graphqlError(error.code, error.message, { input: error.input }), causedByClient: true };
  if (error instanceof JobListError) {
    const code = error.code === 'INVALID_JOBID' ? ErrorCode.INVALID_JOBID : error.code === 'INVALID_CONSTRAINT' ? ErrorCode.INVALID_CONSTRAINT : ErrorCode.BAD_USER_INPUT;
    return { error: graphqlError(code, error.message), causedByClient: true };
  }
  if (error instanceof FluxError) return fluxFailureError(error);
  return undefined;
}

/**
 * For resolvers: the client-facing error for a failure of a lower layer, or undefined when
 * the failure is not one a client can act on (then it stays masked).
 */
export function expectedErrorFor(error: unknown): GraphQLError | undefined {
  return codedFailureOf(error)?.error;
}

/**
 * For the server's plugins and error masking: an execution error whose cause is an expected
 * failure of a lower layer becomes that failure's coded error, kept at the same path and
 * location, together with whether the client caused it.
 */
export function codedExecutionError(error: unknown): CodedFailure | undefined {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original === undefined || original === null) return undefined;
  const coded = codedFailureOf(original);
  if (coded === undefined || !(error instanceof GraphQLError)) return coded;
  const located = createGraphQLError(coded.error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: coded.error.extensions,
  });
  return { error: located, causedByClient: coded.causedByClient };
}

/** jobs(ids:)'s report of an ID Flux does not know (the other jobs are still returned). */
export function jobNotFoundError(id: bigint, path: readonly (string | number)[]): GraphQLError {
  const jobid = encodeJobId(id);
  return graphqlError(ErrorCode.JOB_NOT_FOUND, `JobID ${jobid} unknown`, { jobid }, path);
}

/**
 * The error of one key of a job-by-ID batch. An error response is Flux's answer about this
 * job and is coded here; any other failure (timeout, lost connection, malformed reply) is
 * passed on as it is, for the error masking to code or mask like any resolver error.
 */
export function jobLookupError(id: bigint, error: Error): Error {
  if (error instanceof FluxRpcError) return graphqlError(ErrorCode.FLUX_ERROR, `job ${encodeJobId(id)}: rpc: ${error.text}`);
  return error;
}

/**
 * The error of one job's job-info keys (Job.eventlog, jobspec, R, output...), for the fields
 * that show them. Flux's answers about the job are coded here: unknown to job-info
 * (JOB_NOT_FOUND), another user's job (FORBIDDEN), any other error response (FLUX_ERROR). A
 * failure to get an answer (a timeout, a lost connection, a malformed reply) is passed on as it
 * is, for the error masking to code or mask like any resolver error.
 */
export function jobDetailError(id: bigint, failure: JobInfoFailure | undefined, error: Error): Error {
  const jobid = encodeJobId(id);
  if (!(error instanceof FluxRpcError)) return error;
  switch (failure) {
    case JobInfoFailure.UNKNOWN_JOB:
      return graphqlError(ErrorCode.JOB_NOT_FOUND, `job ${jobid}: ${error.message}`, { jobid, errno: error.errnoName });
    case JobInfoFailure.FORBIDDEN:
      return graphqlError(ErrorCode.FORBIDDEN, `job ${jobid}: ${error.message}`, { jobid, errno: error.errnoName });
    default:
      return graphqlError(ErrorCode.FLUX_ERROR, `job ${jobid}: ${error.message}`, { jobid, errno: error.errnoName });
  }
}

/** A job detail Flux does not have for the job (yet), named by its job-info key. */
export function jobDetailAbsentError(id: bigint, key: string, error: Error): GraphQLError {
  const jobid = encodeJobId(id);
  return graphqlError(ErrorCode.KEY_NOT_FOUND, `job ${jobid}: Flux has no ${key} for this job yet (${error.message})`, { jobid, key, errno: 'ENOENT' });
}

/** A job-info value of one job that breaks its format (an EventlogError or OutputEventlogError): what it is and where. */
export function invalidJobDataError(id: bigint, what: string, error: Error & { code: string }): GraphQLError {
  const jobid = encodeJobId(id);
  return graphqlError(ErrorCode.FLUX_INVALID_DATA, `job ${jobid}: ${what}: ${error.message}`, { jobid, reason: error.code });
}
