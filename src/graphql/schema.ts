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
import './types/subscriptions/job-events-subscription';
import './types/subscriptions/job-output-subscription';
import './types/subscriptions/job-stats-subscription';
import './types/subscriptions/job-changes-subscription';

builder.queryType({ description: 'Jobs of one Flux instance, read through its job-list service.' });
builder.subscriptionType({
  description:
    'Live updates, fed by Flux\'s own event streams, over server-sent events (POST or GET /graphql with Accept: text/event-stream) ' +
    'or the graphql-ws protocol over WebSocket on the same path. Each subscription ends with its coded error as its last result ' +
    '(SUBSCRIBER_TOO_SLOW when the client leaves too many events unread), or completes when Flux ends the stream. A client ' +
    'may hold so many subscriptions at once, per WebSocket connection and per user over both transports together (each worker ' +
    'process of `serve --workers` counts its own); one more gets TOO_MANY_SUBSCRIPTIONS as its only result. A client that goes ' +
    'ends its subscriptions, and their Flux streams with them.',
});

// Resolvers replay what the lean executor's attempt got, should graphql-js have to run the query after it.
export const schema = withReplayedResolvers(builder.toSchema());
