import { builder } from '../builder';

/**
 * Filters as `flux jobs --filter` and JobList take them: the given states are ORed with the
 * given results. Internal values are the lower-case names JobList expects.
 */
export const JobFilterEnum = builder.enumType('JobFilter', {
  description:
    'A state, a set of states or a result to list. Jobs matching any of the given filters are listed ' +
    '(states and results are ORed), as with `flux jobs --filter`.',
  values: {
    DEPEND: { value: 'depend' },
    PRIORITY: { value: 'priority' },
    SCHED: { value: 'sched' },
    RUN: { value: 'run' },
    CLEANUP: { value: 'cleanup' },
    INACTIVE: { value: 'inactive' },
    PENDING: { value: 'pending', description: 'DEPEND, PRIORITY and SCHED.' },
    RUNNING: { value: 'running', description: 'RUN and CLEANUP.' },
    ACTIVE: { value: 'active', description: 'PENDING and RUNNING.' },
    COMPLETED: { value: 'completed' },
    FAILED: { value: 'failed' },
    CANCELED: { value: 'canceled' },
    TIMEOUT: { value: 'timeout' },
  } as const,
});
