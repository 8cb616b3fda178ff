/**
 * The fields whose resolvers are plain functions of their source, by type: no arguments, no
 * promise, no loader or RPC, nothing read but the job-list record (each checked against its
 * resolver in types/job.ts, job-exception.ts, job-connection.ts). The lean executor writes a list
 * of objects selecting only these straight to JSON text (fast-execute.ts); a field that may fail
 * still can (a throw gives the query to graphql-js), but none may wait or ask Flux anything, since
 * graphql-js would then see the calls twice or in another order.
 *
 * Left out on purpose: Job.username (a loader), Job.jobid (an argument), and every job-info field
 * (eventlog, jobspec, R, output...).
 */
export const PLAIN_FIELDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [
    'Job',
    new Set([
      'id', 'userid', 'urgency', 'priority', 'state', 'stateSingle', 'result', 'resultAbbrev', 'status', 'statusAbbrev',
      'name', 'cwd', 'queue', 'project', 'bank', 'ntasks', 'ncores', 'nnodes', 'duration', 'ranks', 'nodelist',
      'expiration', 'tSubmit', 'tDepend', 'tPriority', 'tSched', 'tRun', 'tCleanup', 'tInactive', 'runtime',
      'tRemaining', 'waitstatus', 'returncode', 'success', 'exception', 'annotations', 'dependencies',
      'contextualInfo', 'contextualTime', 'inactiveReason',
    ]),
  ],
  ['JobException', new Set(['occurred', 'severity', 'type', 'note'])],
  ['JobEdge', new Set(['cursor', 'node'])],
]);
