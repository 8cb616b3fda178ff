/**
 * Subscription.jobChanges: a JobChange each time a job that matches the filters changes.
 * Fed by the job-manager journal when the server's connection is the instance owner's (see
 * live/journal-feed.ts and live/journal-changes.ts); otherwise by polling job-list.
 */
import { JobState } from '../../../flux/constants';
import { JobListIdRPC, toJobIdInput, type JobQuery } from '../../../joblist';
import { builder } from '../../builder';
import type { GraphQLContext } from '../../context';
import { ErrorCode, graphqlError } from '../../errors';
import { jobQueryFromArgs, type JobFilterArgs } from '../../job-query';
import { JobView } from '../../job-view';
import type { JobChange } from '../../live/job-change';
import { journalListener } from '../../live/journal-changes';
import { eventOf, LiveQueue, type LiveItem } from '../../live/live-queue';
import { pollJobChanges } from '../../live/polled-changes';
import { JobFilterEnum } from '../job-filter';
import { JobNode } from '../job';

export const DEFAULT_POLL_INTERVAL = 2;
const MIN_POLL_INTERVAL = 0.2;
const MAX_POLL_INTERVAL = 3600;

interface ResolvedChange {
  readonly change: JobChange;
  readonly job: JobView;
}

const JobChangeRef = builder.objectRef<ResolvedChange>('JobChange').implement({
  description: 'One change of a job: the job-manager event that made it, and the job as Flux shows it after the change.',
  fields: (t) => ({
    event: t.string({
      description:
        'The RFC 21 event: submit, validate, depend, priority, alloc, start, exception, urgency, memo, finish, release, free, ' +
        'clean, ... With the journal, the events of the job\'s eventlog (`flux job eventlog`) as the job manager posts them (its ' +
        'scheduler `annotations` updates are left out: they are not in the eventlog); when polling, the last change seen ' +
        'between two polls, named after the event that enters the job\'s new state (or urgency, priority, annotations, exception).',
      resolve: (resolved) => resolved.change.event,
    }),
    timestamp: t.float({ description: 'When the event was posted (Unix seconds, the instance\'s clock).', resolve: (resolved) => resolved.change.timestamp }),
    job: t.field({
      type: JobNode,
      description:
        'The job after the change, read from job-list with the subscriber\'s credentials when the change reaches the server: ' +
        'for an event that changes the state, once job-list has applied it; when more events of the job followed quickly, it ' +
        'may show them too (job-list keeps the current job, not each step).',
      resolve: (resolved) => resolved.job,
    }),
  }),
});

function pollIntervalMsOf(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds < MIN_POLL_INTERVAL || seconds > MAX_POLL_INTERVAL) {
    throw graphqlError(ErrorCode.BAD_USER_INPUT, `pollInterval must be from ${MIN_POLL_INTERVAL} to ${MAX_POLL_INTERVAL} seconds (got ${seconds})`);
  }
  return Math.round(seconds * 1000);
}

/** True when the arguments filter on something besides ids (jobs(ids:) ignores the rest). */
function hasFilters(args: JobFilterArgs): boolean {
  return (
    (args.filters ?? []).length > 0 ||
    (args.user !== undefined && args.user !== null && args.user !== 'all') ||
    (args.since ?? 0) > 0 ||
    (args.name !== undefined && args.name !== null) ||
    (args.queue !== undefined && args.queue !== null) ||
    (args.constraint !== undefined && args.constraint !== null)
  );
}

/**
 * With ids: which of the jobs are inactive already once the journal listens, so that the
 * subscription completes when the rest are. A job Flux does not show (unknown, or another
 * user's in private mode) or whose read fails stays unsettled, as when polling: such a
 * subscription does not complete by itself.
 */
function settleFinishedJobs(ids: readonly bigint[], context: GraphQLContext, listener: { settled(id: bigint): void }): void {
  for (const id of new Set(ids)) {
    new JobListIdRPC(context.liveHandle, toJobIdInput(id), ['state']).getJob().then(
      (record) => {
        if (record.state === JobState.INACTIVE) listener.settled(id);
      },
      () => undefined,
    );
  }
}

function credentialsOf(context: GraphQLContext): string {
  return context.viewer.admin ? 'server' : `uid:${context.viewer.userid}`;
}

async function subscribeChanges(args: JobFilterArgs & { ids?: readonly bigint[] | null; pollInterval?: number | null }, context: GraphQLContext): Promise<LiveQueue<JobChange>> {
  const intervalMs = pollIntervalMsOf(args.pollInterval ?? DEFAULT_POLL_INTERVAL);
  // The filters are checked (and the user resolved) before anything is watched.
  const query: JobQuery = await jobQueryFromArgs(context.liveHandle, args, context.userDatabase);
  const ids = args.ids === undefined || args.ids === null || args.ids.length === 0 ? null : args.ids;
  const queue = new LiveQueue<JobChange>(context.live.subscriberBuffer);
  const feed = context.live.journal;
  if (feed !== undefined) {
    const filtered = ids === null && hasFilters(args) ? { query, fingerprint: query.fingerprintText() } : null;
    const listener = journalListener(
      { credentials: credentialsOf(context), handle: context.liveHandle, query: filtered, ids: ids === null ? null : new Set(ids), queue },
      context.live.journalReads,
      context.live.subscriberBuffer,
    );
    const { access, stop } = await feed.listen(listener);
    if (access === 'journal') {
      queue.onClose(stop);
      if (ids !== null) settleFinishedJobs(ids, context, listener);
      return queue;
    }
  }
  pollJobChanges(context.liveHandle, query, ids, queue, { intervalMs });
  return queue;
}

function changeOf(item: LiveItem<JobChange>, context: GraphQLContext): ResolvedChange {
  const change = eventOf(item);
  return { change, job: new JobView(change.job, context.jobInfo) };
}

builder.subscriptionField('jobChanges', (t) =>
  t.field({
    type: JobChangeRef,
    description:
      'A JobChange each time a job that matches the filters (those of Query.jobs) changes after the subscription starts: ' +
      'submitted, each state change, exceptions, urgency and priority changes, memos. Flux decides what the user ' +
      'sees and what matches: each change is read with the subscriber\'s credentials and, with filters, found again by ' +
      'job-list with them. When the server\'s connection is the instance owner\'s, changes come from job-manager.events-journal ' +
      '(one stream shared by all subscribers) as they happen; otherwise the server polls job-list every `pollInterval` ' +
      'seconds and sends one change per job per poll (changes in between are coalesced). With `ids` it completes once every one ' +
      'of those jobs is inactive (at once if they all are already); otherwise it never completes by itself.',
    args: {
      filters: t.arg({ type: [JobFilterEnum], required: { list: false, items: true }, description: 'States, state sets and results (ORed), as for Query.jobs.' }),
      user: t.arg.string({ description: 'A user name, a uid or "all" (the default: every user Flux shows).' }),
      ids: t.arg({ type: ['JobID'], required: { list: false, items: true }, description: 'Only these jobs (other filters are then ignored, as for Query.jobs).' }),
      since: t.arg.float({ description: 'Only inactive jobs that became inactive after this Unix time (active jobs are not affected).' }),
      name: t.arg.string({ description: 'Only jobs with exactly this name.' }),
      queue: t.arg.stringList({ required: { list: false, items: true }, description: 'Only jobs in one of these queues.' }),
      constraint: t.arg({ type: 'JSON', description: 'An RFC 31 constraint, ANDed with the other filters.' }),
      pollInterval: t.arg.float({
        required: false,
        defaultValue: DEFAULT_POLL_INTERVAL,
        description: `Seconds between two polls of job-list when the server cannot read the journal (default ${DEFAULT_POLL_INTERVAL}, from ${MIN_POLL_INTERVAL} to ${MAX_POLL_INTERVAL}); unused otherwise.`,
      }),
    },
    subscribe: (_root, args, context) => subscribeChanges(args, context),
    resolve: (item: LiveItem<JobChange>, _args, context) => changeOf(item, context),
  }),
);
