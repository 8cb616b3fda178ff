import type { FluxHandle } from '../../flux/handle';
import { FluxError } from '../../flux/errors';
import { isJsonObject } from '../../joblist/job-record';
import { builder } from '../builder';

/** The attribute names job-list can return (job-list.list-attrs), "all" included, in its order. */
async function listAttributes(handle: FluxHandle): Promise<string[]> {
  const response = await handle.rpc('job-list.list-attrs', {});
  const attrs = isJsonObject(response) ? response.attrs : undefined;
  if (!Array.isArray(attrs) || !attrs.every((attr) => typeof attr === 'string')) {
    throw new FluxError('FLUX_PROTOCOL', 'job-list.list-attrs: expected {"attrs":[<string>...]}');
  }
  return attrs as string[];
}

builder.queryField('jobAttributes', (t) =>
  t.stringList({
    description: 'The attribute names job-list can report (job-list.list-attrs), including "all".',
    resolve: (_root, _args, context) => listAttributes(context.handle),
  }),
);
