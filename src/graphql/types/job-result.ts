import { builder } from '../builder';

/** Internal values are Flux's long upper-case result names, as JobInfo reports them. */
export const JobResultEnum = builder.enumType('JobResult', {
  description: 'How an inactive job ended.',
  values: {
    COMPLETED: { value: 'COMPLETED', description: 'Exited 0 without a fatal exception.' },
    FAILED: { value: 'FAILED', description: 'Non-zero exit or a fatal exception other than cancel and timeout.' },
    CANCELED: { value: 'CANCELED', description: 'Canceled (a cancel exception).' },
    TIMEOUT: { value: 'TIMEOUT', description: 'Ran out of time (a timeout exception).' },
  } as const,
});
