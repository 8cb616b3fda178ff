/**
 * Before a job's watch is opened: ask job-info whether the subscriber may read the job at all (a
 * lookup of no keys, with their credentials). Flux answers an unknown job (ENOENT) or another
 * user's job (EPERM) at once, where a watch of another user's main eventlog may never be answered
 * (flux-job-info.md §5); the subscription then fails with that code before it starts.
 */
import { jobInfoLookup } from '../../../jobinfo';
import type { GraphQLContext } from '../../context';
import { watchFailure } from '../../live/watch-errors';

export async function checkJobReadable(id: bigint, path: string, context: GraphQLContext): Promise<void> {
  try {
    await jobInfoLookup(context.liveHandle, id, []).get();
  } catch (error) {
    throw watchFailure(id, path, error);
  }
}
