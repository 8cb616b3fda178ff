/**
 * Resolving Relay `node` / `nodes` lookups: the ID text may be any Flux job ID encoding, and the
 * attributes fetched are those the query selects on the Job (directly or through fragments).
 */
import type { GraphQLResolveInfo } from 'graphql';
import { parseJobId } from '../../flux/jobid';
import type { GraphQLContext } from '../context';
import { expectedErrorFor } from '../errors';
import { attrsForJobSelection } from '../job-attrs';
import { JobView } from '../job-view';

/** Parses a job ID argument, turning a bad one into its coded GraphQL error. */
export function parseJobIdArgument(text: string): bigint {
  try {
    return parseJobId(text);
  } catch (error) {
    throw expectedErrorFor(error) ?? error;
  }
}

export async function resolveJobNode(idText: string, context: GraphQLContext, info: GraphQLResolveInfo): Promise<JobView | null> {
  const id = parseJobIdArgument(idText);
  const record = await context.jobLoader.load(id, attrsForJobSelection(info, info.fieldNodes));
  return record === null ? null : new JobView(record, context.jobInfo);
}

export function resolveJobNodes(
  idTexts: readonly string[],
  context: GraphQLContext,
  info: GraphQLResolveInfo,
): Promise<(JobView | null)[]> {
  const ids = idTexts.map(parseJobIdArgument);
  const attrs = attrsForJobSelection(info, info.fieldNodes);
  return Promise.all(
    ids.map(async (id) => {
      const record = await context.jobLoader.load(id, attrs);
      return record === null ? null : new JobView(record, context.jobInfo);
    }),
  );
}
