/**
 * The arguments of `jobs(...)` turned into JobList queries (the only way resolvers list jobs).
 */
import type { FluxHandle } from '../flux/handle';
import type { Json, JsonObject } from '../flux/json';
import { JobList, type JobListOptions, type JobRecord, type JobSource, type UserDatabase } from '../joblist';
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

export type JobQuery = Pick<JobListOptions, 'filters' | 'user' | 'since' | 'name' | 'queue' | 'constraint' | 'userDatabase'>;

/**
 * Checks the filter arguments and returns the JobList options they stand for. The user is
 * resolved here too (a name, a uid or "all"; every user when absent), so a bad one fails
 * before anything is sent to Flux.
 */
export function jobQueryFromArgs(handle: FluxHandle, args: JobFilterArgs, userDatabase?: UserDatabase): JobQuery {
  if (args.since !== undefined && args.since !== null && !(Number.isFinite(args.since) && args.since >= 0)) {
    throw graphqlError(ErrorCode.BAD_USER_INPUT, `since must be a time in seconds >= 0 (got ${args.since})`);
  }
  const query: JobQuery = {
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
    new JobList(handle, { ...query, attrs: [] });
  } catch (error) {
    throw expectedErrorFor(error) ?? error;
  }
  return query;
}

/** A stable text of the filter arguments, for cursor fingerprints. */
export function canonicalQueryText(args: JobFilterArgs, ids?: readonly bigint[]): string {
  return JSON.stringify([
    [...(args.filters ?? [])].sort(),
    args.user ?? 'all',
    args.since ?? 0,
    args.name ?? null,
    args.queue ?? null,
    (args.constraint as Json | undefined) ?? null,
    ids?.map((id) => id.toString()) ?? null,
  ]);
}

function withExtra(constraint: JsonObject | null | undefined, extra: JsonObject | undefined): JsonObject | null {
  if (extra === undefined) return constraint ?? null;
  if (constraint === undefined || constraint === null) return extra;
  return { and: [constraint, extra] };
}

/** Lists the query's jobs through JobList, narrowed by an extra constraint when paging. */
export function jobSourceFor(handle: FluxHandle, query: JobQuery): JobSource {
  return {
    list: (extra, maxEntries, attrs) =>
      new JobList(handle, { ...query, constraint: withExtra(query.constraint, extra), attrs: [...attrs], maxEntries }).records(),
  };
}

/** How many jobs the query matches (their IDs only are listed). */
export async function countJobs(handle: FluxHandle, query: JobQuery): Promise<number> {
  const records: JobRecord[] = await new JobList(handle, { ...query, attrs: [], maxEntries: 0 }).records();
  return records.length;
}
