/**
 * The arguments of `jobs(...)` turned into one validated JobQuery (the only way resolvers list jobs).
 */
import type { FluxHandle } from '../flux/handle';
import type { JsonObject } from '../flux/json';
import { JobQuery, type JobQueryOptions, type UserDatabase } from '../joblist';
import { ErrorCode, expectedErrorFor, graphqlError } from './errors';

/** The filter arguments of jobs(...), as GraphQL hands them over (enum values already mapped). */
export interface JobFilterArgs {
  filters?: readonly string[] | null;
  user?: string | null;
  since?: number | null;
  name?: string | null;
  queue?: readonly string[] | null;
  constraint?: unknown;
}

/**
 * Checks the filter arguments and returns the one validated query they stand for. The user is
 * resolved here too (a name, a uid or "all"; every user when absent), so a bad one fails
 * before anything is sent to Flux.
 */
export function jobQueryFromArgs(handle: FluxHandle, args: JobFilterArgs, userDatabase?: UserDatabase): JobQuery {
  if (args.since !== undefined && args.since !== null && !(Number.isFinite(args.since) && args.since >= 0)) {
    throw graphqlError(ErrorCode.BAD_USER_INPUT, `since must be a time in seconds >= 0 (got ${args.since})`);
  }
  const options: JobQueryOptions = {
    filters: [...(args.filters ?? [])],
    user: args.user ?? 'all',
    since: args.since ?? 0.0,
    name: args.name ?? null,
    queue: args.queue === undefined || args.queue === null ? null : [...args.queue],
    // Flux itself judges the constraint; its complaint comes back as INVALID_CONSTRAINT.
    constraint: args.constraint === undefined || args.constraint === null ? null : (args.constraint as JsonObject),
    ...(userDatabase === undefined ? {} : { userDatabase }),
  };
  try {
    return JobQuery.parse(handle, options);
  } catch (error) {
    throw expectedErrorFor(error) ?? error;
  }
}
