/**
 * The arguments of `jobs(...)` turned into one validated JobQuery (the only way resolvers list jobs).
 */
import type { FluxHandle } from '../flux/handle';
import type { Json, JsonObject } from '../flux/json';
import { JobQuery, withNameLookedUp, type JobQueryOptions, type UserDatabase } from '../joblist';
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
 * before anything is sent to Flux; a name is first looked up in NSS when the database asks it.
 */
export async function jobQueryFromArgs(handle: FluxHandle, args: JobFilterArgs, userDatabase?: UserDatabase): Promise<JobQuery> {
  if (args.since !== undefined && args.since !== null && !(Number.isFinite(args.since) && args.since >= 0)) {
    throw graphqlError(ErrorCode.BAD_USER_INPUT, `since must be a time in seconds >= 0 (got ${args.since})`);
  }
  const user = args.user ?? 'all';
  // "all" is JobList's word for every user, never a name to look up.
  const users = userDatabase === undefined || user === 'all' ? userDatabase : await withNameLookedUp(userDatabase, user);
  const options: JobQueryOptions = {
    filters: [...(args.filters ?? [])],
    user,
    since: args.since ?? 0.0,
    name: args.name ?? null,
    queue: args.queue === undefined || args.queue === null ? null : [...args.queue],
    // Flux itself judges the constraint; its complaint comes back as INVALID_CONSTRAINT.
    constraint: args.constraint === undefined || args.constraint === null ? null : (args.constraint as JsonObject),
    ...(users === undefined ? {} : { userDatabase: users }),
  };
  try {
    return JobQuery.parse(handle, options);
  } catch (error) {
    throw expectedErrorFor(error) ?? error;
  }
}
