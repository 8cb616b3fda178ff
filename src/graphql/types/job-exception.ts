import { builder } from '../builder';
import { sources } from '../selected-attributes';
import type { JobView } from '../job-view';

/** The exception fields are set by Flux only once a job is inactive. */
export const JobExceptionRef = builder.objectRef<JobView>('JobException').implement({
  description:
    "The job's most severe exception (the first of the lowest severity). Flux reports these only for " +
    'inactive jobs: every field is null while the job is active.',
  fields: (t) => ({
    occurred: t.boolean({
      extensions: sources('exception.occurred'),
      nullable: true,
      description: 'Whether any exception was raised; null while the job is active.',
      resolve: (job) => job.info.exception.occurred ?? null,
    }),
    severity: t.int({
      extensions: sources('exception.severity'),
      nullable: true,
      description: 'Severity 0 (fatal) to 7; null when none occurred.',
      resolve: (job) => job.info.exception.severity ?? null,
    }),
    type: t.string({
      extensions: sources('exception.type'),
      nullable: true,
      description: 'Exception type, e.g. "cancel", "timeout", "exec"; null when none occurred.',
      resolve: (job) => job.info.exception.type ?? null,
    }),
    note: t.string({
      extensions: sources('exception.note'),
      nullable: true,
      description: 'Free-form note (may be empty); null when none occurred.',
      resolve: (job) => job.info.exception.note ?? null,
    }),
  }),
});
