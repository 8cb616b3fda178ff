/**
 * Job.username when the user database has to ask NSS: every uid of a response is looked up
 * together (one getent for all the uids the cache does not know), not once per job.
 */
import DataLoader from 'dataloader';
import type { UserDatabase } from '../../joblist';
import type { GraphQLContext } from '../context';
import type { JobView } from '../job-view';

export type UsernameLoader = DataLoader<number, string | undefined>;

/** A loader for one request; undefined when `users` answers at once (no lookup to batch). */
export function usernameLoaderFor(users: UserDatabase | undefined): UsernameLoader | undefined {
  const namesOf = users?.namesOf?.bind(users);
  if (namesOf === undefined) return undefined;
  return new DataLoader((uids: readonly number[]) => namesOf(uids));
}

/** The job's user name, else its uid in decimal (as Flux shows a uid getpwuid() does not know). */
export async function usernameOfJob(job: JobView, context: GraphQLContext): Promise<string | undefined> {
  const uid = job.info.userid;
  if (context.usernames === undefined || uid === undefined) return job.info.username;
  return (await context.usernames.load(uid)) ?? job.info.username;
}
