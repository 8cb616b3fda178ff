import { listAttrs } from '../../joblist';
import { builder } from '../builder';

builder.queryField('jobAttributes', (t) =>
  t.stringList({
    description: 'The attribute names job-list can report (job-list.list-attrs), including "all".',
    resolve: (_root, _args, context) => listAttrs(context.handle),
  }),
);
