import type { EventlogEntry } from '../../jobinfo';
import { builder } from '../builder';
import { toResponseJson } from '../response-json';

/** One RFC 18 eventlog entry, as `flux job eventlog` shows it. */
export const JobEventRef = builder.objectRef<EventlogEntry>('JobEvent').implement({
  description:
    'One entry of a job eventlog (RFC 18), exactly as Flux stored it: the main eventlog holds the job manager\'s ' +
    'RFC 21 events (submit, validate, depend, priority, alloc, start, exception, finish, release, free, clean, ' +
    '...), the exec eventlog those of job-exec and the job shell (init, starting, shell.init, shell.start, ' +
    'shell.task-exit, complete, done, ...).',
  fields: (t) => ({
    timestamp: t.float({
      description: 'When the event was posted, in Unix seconds (as Flux wrote it, up to 7 decimals).',
      resolve: (entry) => entry.timestamp,
    }),
    name: t.string({ description: 'The event name, e.g. "submit", "exception", "finish".', resolve: (entry) => entry.name }),
    context: t.field({
      type: 'JSON',
      nullable: true,
      description:
        "The event's data, e.g. {\"userid\":…,\"urgency\":16,\"flags\":0,\"version\":1} for submit or {\"status\":768} " +
        '(a wait status) for finish; null when the event has none (validate, depend, start, free, clean). ' +
        'Integers that do not fit a double are sent as decimal strings.',
      resolve: (entry) => (entry.context === null ? null : toResponseJson(entry.context)),
    }),
  }),
});
