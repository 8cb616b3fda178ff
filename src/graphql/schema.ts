import { builder } from './builder';
import { withReplayedResolvers } from './fast-execute';
import './types/scalars';
import './types/job-state';
import './types/job-result';
import './types/job-filter';
import './types/job-id-encoding';
import './types/job-exception';
import './types/job';
import './types/job-details';
import './types/job-connection';
import './types/job-stats';
import './types/job-attributes-query';
import './types/viewer';

builder.queryType({ description: 'Jobs of one Flux instance, read through its job-list service.' });

// Resolvers replay what the lean executor's attempt got, should graphql-js have to run the query after it.
export const schema = withReplayedResolvers(builder.toSchema());
