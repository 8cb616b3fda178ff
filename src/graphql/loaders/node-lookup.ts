/**
 * Resolving Relay `node` / `nodes` lookups: the ID text may be any Flux job ID encoding, and the
 * attributes fetched are those the query selects on the Job (directly or through fragments).
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { GraphQLContext } from '../context';
import { attrsForJobSelection } from '../selected-attributes';
import { parseJobIdInput } from '../job-id-input';
import { JobView } from '../job-view';

export async function resolveJobNode(idText: string, context: GraphQLContext, info: GraphQLResolveInfo): Promise<JobView | null> {
  const id = parseJobIdInput(idText);
  const record = await context.jobLoader.load(id, attrsForJobSelection(info, info.fieldNodes));
  return record === null ? null : new JobView(record, context.jobInfo);
}

export function resolveJobNodes(
  idTexts: readonly string[],
  context: GraphQLContext,
  info: GraphQLResolveInfo,
): Promise<(JobView | null)[]> {
  const ids = idTexts.map(parseJobIdInput);
  const attrs = attrsForJobSelection(info, info.fieldNodes);
  return Promise.all(
    ids.map(async (id) => {
      const record = await context.jobLoader.load(id, attrs);
      return record === null ? null : new JobView(record, context.jobInfo);
    }),
  );
}
