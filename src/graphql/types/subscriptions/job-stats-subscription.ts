/**
 * Subscription.jobStats: job-list's counts, sent when they change, at most once per interval.
 * The server asks job-list.job-stats once per tick for every subscriber with the same
 * credentials (see live/stats-ticker.ts), so a thousand dashboards cost one request per tick.
 */
import { stringifyJson, type JsonObject } from '../../../flux/json';
import { fetchJobStatsResponse } from '../../../joblist';
import { builder } from '../../builder';
import type { GraphQLContext } from '../../context';
import { ErrorCode, expectedErrorFor, graphqlError } from '../../errors';
import { eventOf, LiveQueue, type LiveItem } from '../../live/live-queue';
import { JobStatsRef, statsOf, type StatsShape } from '../job-stats';

/** Seconds; shorter would make the server poll job-list faster than Flux batches its own updates (0.2 s). */
export const MIN_STATS_INTERVAL = 0.2;
export const MAX_STATS_INTERVAL = 3600;

function intervalMsOf(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < MIN_STATS_INTERVAL || seconds > MAX_STATS_INTERVAL) {
    throw graphqlError(ErrorCode.BAD_USER_INPUT, `interval must be from ${MIN_STATS_INTERVAL} to ${MAX_STATS_INTERVAL} seconds (got ${seconds})`);
  }
  return Math.round(seconds * 1000);
}

const COUNTERS = ['depend', 'priority', 'sched', 'run', 'cleanup', 'inactive', 'total', 'successful', 'failed', 'timeout', 'canceled', 'inactivePurged'] as const;

/**
 * What tells one view of the counts from another: the counters of the queues asked for, or,
 * for the whole instance (whose answer also lists each queue's), the whole response.
 */
function keyOf(shape: StatsShape, queues: readonly string[] | null): string {
  if (queues === null || queues.length === 0) return stringifyJson(shape.response);
  return COUNTERS.map((counter) => shape.stats[counter]).join(',');
}

/** Who shares a poll: the server's own credentials for admins, else one group per uid. */
function credentialGroup(context: GraphQLContext): string {
  return context.viewer.admin ? 'server' : `uid:${context.viewer.userid}`;
}

builder.subscriptionField('jobStats', (t) =>
  t.field({
    type: JobStatsRef,
    description:
      'Job counts as the jobStats query gives them: first the current ones, then the new ones each time they change, at most once ' +
      'per `interval`. The server polls job-list.job-stats once per tick for all subscribers sharing credentials. Errors end the ' +
      'subscription with their code (BAD_USER_INPUT for a queue the instance does not report, FLUX_UNAVAILABLE, SUBSCRIBER_TOO_SLOW).',
    args: {
      queue: t.arg.stringList({ required: { list: false, items: true }, description: 'Count only jobs of these queues.' }),
      interval: t.arg.float({
        required: false,
        defaultValue: 1,
        description: `The least time between two answers, in seconds (default 1, from ${MIN_STATS_INTERVAL} to ${MAX_STATS_INTERVAL}).`,
      }),
    },
    subscribe: async (_root, args, context) => {
      const intervalMs = intervalMsOf(args.interval ?? 1);
      const queues = args.queue ?? null;
      const view = (response: JsonObject): { event: StatsShape; key: string } => {
        const shape: StatsShape = { stats: statsOf(context.liveHandle, response, queues), queue: null, response };
        return { event: shape, key: keyOf(shape, queues) };
      };
      let first: { event: StatsShape; key: string };
      try {
        first = view(await fetchJobStatsResponse(context.liveHandle));
      } catch (error) {
        throw expectedErrorFor(error) ?? error;
      }
      const queue = new LiveQueue<StatsShape>(context.live.subscriberBuffer);
      queue.push(first.event);
      context.live.stats.subscribe(credentialGroup(context), context.liveHandle, { intervalMs, queue, view }, first.key);
      return queue;
    },
    resolve: (item: LiveItem<StatsShape>) => eventOf(item),
  }),
);
