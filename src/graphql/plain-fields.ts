/**
 * The fields the lean executor may write straight to JSON text (fast-execute.ts writes a list of
 * objects selecting only these), by type. Each was checked against its resolver in types/job.ts,
 * job-exception.ts and Pothos's JobEdge: it reads its source (the job-list record), its arguments
 * and the context and nothing else, sends no RPC, and an object field answers at once. A field
 * may still fail (the query then goes to graphql-js), and a leaf may answer with a promise
 * (Job.username, through the request's one batched NSS lookup, called in the order graphql-js
 * calls it). A job-info field (eventlog, jobspec, R, output...) asks Flux per job: never here.
 */
export const PLAIN_FIELDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [
    'Job',
    new Set([
      'id', 'jobid', 'userid', 'username', 'urgency', 'priority', 'state', 'stateSingle', 'result', 'resultAbbrev', 'status', 'statusAbbrev',
      'name', 'cwd', 'queue', 'project', 'bank', 'ntasks', 'ncores', 'nnodes', 'duration', 'ranks', 'nodelist',
      'expiration', 'tSubmit', 'tDepend', 'tPriority', 'tSched', 'tRun', 'tCleanup', 'tInactive', 'runtime',
      'tRemaining', 'waitstatus', 'returncode', 'success', 'exception', 'annotations', 'dependencies',
      'contextualInfo', 'contextualTime', 'inactiveReason',
    ]),
  ],
  ['JobException', new Set(['occurred', 'severity', 'type', 'note'])],
  ['JobEdge', new Set(['cursor', 'node'])],
]);
