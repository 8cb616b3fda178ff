/**
 * JobStats and the `jobStats` query: job-list's counters (job-list.job-stats), as
 * `flux jobs --stats` shows them, for the whole instance, some queues, or each queue.
 */
import { JobStats, fetchJobStatsResponse, queueNamesOf } from '../../joblist';
import type { FluxHandle } from '../../flux/handle';
import type { JsonObject } from '../../flux/json';
import { builder, type FluxSchemaTypes } from '../builder';
import { expectedErrorFor } from '../errors';

/** The counters of one JobStats, plus the queue they are for (null: the whole instance or several queues). */
export interface StatsShape {
  stats: JobStats;
  queue: string | null;
  /** The one job-stats response every counter of this query is read from. */
  response: JsonObject;
}

export function statsOf(handle: FluxHandle, response: JsonObject, queues: readonly string[] | null): JobStats {
  try {
    return new JobStats(handle, queues === null || queues.length === 0 ? null : [...queues]).load(response);
  } catch (error) {
    throw expectedErrorFor(error) ?? error;
  }
}

async function fetchResponse(handle: FluxHandle): Promise<JsonObject> {
  try {
    return await fetchJobStatsResponse(handle);
  } catch (error) {
    throw expectedErrorFor(error) ?? error;
  }
}

type CounterBuilder = PothosSchemaTypes.ObjectFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<FluxSchemaTypes>, StatsShape>;

/** The counters shared by the instance-wide and per-queue stats. */
function counterFields(t: CounterBuilder) {
  return {
    depend: t.int({ description: 'Jobs in DEPEND.', resolve: (s) => s.stats.depend }),
    priority: t.int({ description: 'Jobs in PRIORITY.', resolve: (s) => s.stats.priority }),
    sched: t.int({ description: 'Jobs in SCHED.', resolve: (s) => s.stats.sched }),
    run: t.int({ description: 'Jobs in RUN.', resolve: (s) => s.stats.run }),
    cleanup: t.int({ description: 'Jobs in CLEANUP.', resolve: (s) => s.stats.cleanup }),
    inactive: t.int({ description: 'Inactive jobs (not counting purged ones).', resolve: (s) => s.stats.inactive }),
    total: t.int({ description: 'All jobs counted above.', resolve: (s) => s.stats.total }),
    pending: t.int({ description: 'DEPEND + PRIORITY + SCHED.', resolve: (s) => s.stats.pending }),
    running: t.int({ description: 'RUN + CLEANUP.', resolve: (s) => s.stats.running }),
    active: t.int({ description: 'total - inactive.', resolve: (s) => s.stats.active }),
    successful: t.int({ description: 'Inactive jobs that completed successfully.', resolve: (s) => s.stats.successful }),
    failed: t.int({
      description: "Inactive jobs that failed other than by cancel or timeout (job-list's own \"failed\" counter).",
      resolve: (s) => s.stats.failed - s.stats.timeout - s.stats.canceled,
    }),
    canceled: t.int({ description: 'Inactive jobs that were canceled.', resolve: (s) => s.stats.canceled }),
    timeout: t.int({ description: 'Inactive jobs that ran out of time.', resolve: (s) => s.stats.timeout }),
    unsuccessful: t.int({
      description: 'failed + canceled + timeout: what `flux jobs --stats` calls "failed".',
      resolve: (s) => s.stats.failed,
    }),
    inactivePurged: t.int({ description: 'Inactive jobs purged from job-list.', resolve: (s) => s.stats.inactivePurged }),
  };
}

const QueueJobStatsRef = builder.objectRef<StatsShape>('QueueJobStats').implement({
  description: 'Job counts of one queue.',
  fields: (t) => ({
    name: t.string({ description: 'The queue.', resolve: (s) => s.queue ?? '' }),
    ...counterFields(t),
  }),
});

export const JobStatsRef = builder.objectRef<StatsShape>('JobStats').implement({
  description: 'Job counts from job-list, as `flux jobs --stats` reports them. NEW jobs are not counted.',
  fields: (t) => ({
    ...counterFields(t),
    queues: t.field({
      type: [QueueJobStatsRef],
      description:
        'The same counts for each queue job-list reports (configured queues and any named by a job); ' +
        'read from the same job-stats response as the instance-wide counts.',
      resolve: (s, _args, context) =>
        queueNamesOf(s.response).map((name) => ({ stats: statsOf(context.handle, s.response, [name]), queue: name, response: s.response })),
    }),
  }),
});

builder.queryField('jobStats', (t) =>
  t.field({
    type: JobStatsRef,
    description: 'Job counts per state and result (job-list.job-stats), for the whole instance or summed over the given queues.',
    args: {
      queue: t.arg.stringList({ required: { list: false, items: true }, description: 'Count only jobs of these queues.' }),
    },
    resolve: async (_root, args, context) => {
      const response = await fetchResponse(context.handle);
      return { stats: statsOf(context.handle, response, args.queue ?? null), queue: null, response };
    },
  }),
);
