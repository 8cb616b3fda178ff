import { builder } from '../builder';

/** Internal values are Flux's long upper-case state names, as JobInfo reports them. */
export const JobStateEnum = builder.enumType('JobState', {
  description: 'A job state (RFC 21). NEW jobs are never listed by job-list.',
  values: {
    NEW: { value: 'NEW', description: 'Submitted, not yet validated.' },
    DEPEND: { value: 'DEPEND', description: 'Waiting for dependencies.' },
    PRIORITY: { value: 'PRIORITY', description: 'Waiting for a priority.' },
    SCHED: { value: 'SCHED', description: 'Waiting for resources.' },
    RUN: { value: 'RUN', description: 'Running (resources allocated).' },
    CLEANUP: { value: 'CLEANUP', description: 'Finished or aborted; releasing resources.' },
    INACTIVE: { value: 'INACTIVE', description: 'Done.' },
  } as const,
});
