/**
 * Subscription.jobEvents: one eventlog of a job as Flux writes it (job-info.eventlog-watch, with
 * the subscriber's credentials): first the entries already stored, then each new one, completing
 * when Flux ends the watch (the main eventlog at `clean`; the exec eventlog when the job's
 * namespace goes away).
 */
import type { EventlogEntry } from '../../../jobinfo';
import { JobInfoKey, watchEventlog } from '../../../jobinfo';
import { builder } from '../../builder';
import type { GraphQLContext } from '../../context';
import { eventOf, LiveQueue, pump, type LiveItem } from '../../live/live-queue';
import { watchFailure } from '../../live/watch-errors';
import { JobEventRef } from '../job-event';
import { checkJobReadable } from './job-readable';

export const JobEventlogEnum = builder.enumType('JobEventlog', {
  description: 'Which of a job\'s eventlogs to follow.',
  values: {
    MAIN: { value: JobInfoKey.EVENTLOG, description: 'The main eventlog (RFC 21: submit … clean), `flux job eventlog -F ID`.' },
    EXEC: {
      value: JobInfoKey.EXEC_EVENTLOG,
      description: 'The exec eventlog (guest.exec.eventlog: job-exec\'s and the job shell\'s events), `flux job eventlog -F -p exec ID`. ' +
        'Nothing comes before the job starts; a job that ends without starting completes with no events.',
    },
  },
});

/** Follows `path` of job `id` into a queue the subscription reads. */
export function followEventlog(id: bigint, path: string, context: GraphQLContext): LiveQueue<EventlogEntry> {
  const queue = new LiveQueue<EventlogEntry>(context.live.subscriberBuffer);
  const watch = watchEventlog(context.liveHandle, { id, path }, { timeoutMs: 0 });
  pump(watch, queue, (item) => (item.kind === 'entry' ? [item.entry] : []), (error) => watchFailure(id, path, error));
  return queue;
}

builder.subscriptionField('jobEvents', (t) =>
  t.field({
    type: JobEventRef,
    description:
      "A job's events as Flux writes them (job-info.eventlog-watch): first every entry already in the eventlog, then each new " +
      'one as it is committed. Completes when Flux ends the watch: for the main eventlog once the job is clean (at once for an ' +
      'inactive job, after its stored events). Errors end the subscription with their code: JOB_NOT_FOUND for a job Flux does ' +
      'not know, FORBIDDEN for a job the user may not read (only its owner and the instance owner may), FLUX_INVALID_DATA, ' +
      'FLUX_UNAVAILABLE, SUBSCRIBER_TOO_SLOW for a client that leaves too many events unread.',
    args: {
      id: t.arg({ type: 'JobID', required: true, description: 'The job, in any Flux job ID encoding.' }),
      eventlog: t.arg({ type: JobEventlogEnum, required: false, defaultValue: JobInfoKey.EVENTLOG, description: 'Which eventlog (default MAIN).' }),
    },
    subscribe: async (_root, args, context) => {
      const path = args.eventlog ?? JobInfoKey.EVENTLOG;
      await checkJobReadable(args.id, path, context);
      return followEventlog(args.id, path, context);
    },
    resolve: (item: LiveItem<EventlogEntry>) => eventOf(item),
  }),
);
