/**
 * The Job node and the `job(id:)` query. Field values are those of Flux's JobInfo for the same
 * job, except that where Flux shows a stand-in ("" or 0.0) for something it has not set, the
 * field is null.
 *
 * Each field names in `extensions: sources(...)` the Flux fields its value comes from: that is
 * all the selection is turned into (selected-attributes.ts), so a resolver may read nothing else.
 */
import { JOB_RESULT_NAMES, JOB_STATE_NAMES, type JobResultName, type JobStateName } from '../../flux/constants';
import { encodeJobId, type JobIdEncoding } from '../../flux/jobid';
import { builder } from '../builder';
import { ErrorCode, graphqlError } from '../errors';
import { attrsForJobSelection, sources } from '../selected-attributes';
import { JobView } from '../job-view';
import { toResponseJson } from '../response-json';
import { usernameOfJob } from '../loaders/username-loader';
import { JobExceptionRef } from './job-exception';
import { JobIdEncodingEnum } from './job-id-encoding';
import { JobResultEnum } from './job-result';
import { JobStateEnum } from './job-state';

type StateName = JobStateName;
type ResultName = JobResultName;
const STATE_NAMES: ReadonlySet<string> = new Set(JOB_STATE_NAMES.map((n) => n.name));
const RESULT_NAMES: ReadonlySet<string> = new Set(JOB_RESULT_NAMES.map((n) => n.name));

/** A value job-list reports for every listed job; its absence is a broken reply, not "unset". */
function always<T>(job: JobView, attr: string, value: T | undefined): T {
  if (value === undefined) throw new Error(`job-list reported no ${attr} for job ${job.info.jobid}`);
  return value;
}

function encodeWith(id: bigint, encoding: JobIdEncoding): string {
  if (encoding === 'words') {
    throw graphqlError(
      ErrorCode.UNSUPPORTED_ENCODING,
      'words encoding not supported: this server does not ship the mnemonic word list; use DEC, HEX, DOTHEX, KVS, F58 or F58PLAIN',
    );
  }
  return encodeJobId(id, encoding);
}

const JobRef = builder.objectRef<JobView>('Job');

// Job implements Node by hand rather than through builder.node: Pothos's node id resolver is
// async, which makes every Job of a page a promise in the executor; this one is synchronous.
export const JobNode = JobRef;
JobRef.implement({
  description:
    'A Flux job, with the attributes job-list reports and the fields `flux jobs` derives from them, and, each asked of ' +
    "Flux's job-info service only when selected, its eventlogs, jobspec, R and output.",
  interfaces: [builder.nodeInterfaceRef()],
  isTypeOf: (value) => value instanceof JobView,
  fields: (t) => ({
    id: t.id({
      description: 'The job ID in F58 form (ƒ…); node(id:) takes it back, or any other job ID form.',
      extensions: sources('id'),
      resolve: (job) => job.info.jobid,
    }),
    jobid: t.string({
      extensions: sources('id'),
      description: 'The job ID in the given encoding (F58 by default).',
      args: { encoding: t.arg({ type: JobIdEncodingEnum, required: true, defaultValue: 'f58' }) },
      resolve: (job, args) => (args.encoding === 'f58' ? job.info.jobid : encodeWith(job.record.id, args.encoding)),
    }),
    userid: t.field({
      extensions: sources('userid'),
      type: 'SafeInt',
      description: "Submitter's uid.",
      resolve: (job) => always(job, 'userid', job.info.userid),
    }),
    username: t.string({
      extensions: sources('username'),
      description: "Submitter's user name, or the uid in decimal when the password database has no entry.",
      resolve: async (job, _args, context) => always(job, 'userid', await usernameOfJob(job, context)),
    }),
    urgency: t.int({
      extensions: sources('urgency'),
      description: 'Urgency, 0 (held) to 31 (expedite); 16 by default.',
      resolve: (job) => always(job, 'urgency', job.info.urgency),
    }),
    priority: t.field({
      extensions: sources('priority'),
      type: 'SafeInt',
      nullable: true,
      description: 'Priority from the job manager (0 to 4294967295, so not an Int); null until the job reaches SCHED.',
      resolve: (job) => job.info.priority ?? null,
    }),
    state: t.field({
      extensions: sources('state'),
      type: JobStateEnum,
      description: 'Current state.',
      resolve: (job) => {
        const state = always(job, 'state', job.info.state);
        if (!STATE_NAMES.has(state)) throw new Error(`job ${job.info.jobid} has an unknown state ${String(job.record['state'])}`);
        return state as StateName;
      },
    }),
    stateSingle: t.string({
      extensions: sources('state_single'),
      description: 'One-letter state: N D P S R C I.',
      resolve: (job) => always(job, 'state', job.info.stateSingle),
    }),
    result: t.field({
      extensions: sources('result'),
      type: JobResultEnum,
      nullable: true,
      description: 'How the job ended; null while it is active.',
      resolve: (job) => {
        const result = job.info.result;
        return result !== undefined && RESULT_NAMES.has(result) ? (result as ResultName) : null;
      },
    }),
    resultAbbrev: t.string({
      extensions: sources('result_abbrev'),
      nullable: true,
      description: 'CD, F, CA or TO; null while active.',
      resolve: (job) => job.info.resultAbbrev ?? null,
    }),
    status: t.string({
      extensions: sources('status'),
      description: 'The state name while the job is active, its result once inactive (the STATUS column of `flux jobs`).',
      resolve: (job) => always(job, 'state', job.info.status),
    }),
    statusAbbrev: t.string({
      extensions: sources('status_abbrev'),
      description: 'Short status, as the ST column of `flux jobs`.',
      resolve: (job) => always(job, 'state', job.info.statusAbbrev),
    }),
    name: t.string({ extensions: sources('name'), nullable: true, description: 'Job name.', resolve: (job) => job.info.name ?? null }),
    cwd: t.string({ extensions: sources('cwd'), nullable: true, description: 'Working directory.', resolve: (job) => job.info.cwd ?? null }),
    queue: t.string({
      extensions: sources('queue'),
      nullable: true,
      description: 'Queue; null when the job has none.',
      resolve: (job) => job.info.queue ?? null,
    }),
    project: t.string({
      extensions: sources('project'),
      nullable: true,
      description: 'Project; null when not set.',
      resolve: (job) => job.info.project ?? null,
    }),
    bank: t.string({ extensions: sources('bank'), nullable: true, description: 'Bank; null when not set.', resolve: (job) => job.info.bank ?? null }),
    ntasks: t.int({
      extensions: sources('ntasks'),
      nullable: true,
      description: 'Number of tasks; null until known.',
      resolve: (job) => job.info.ntasks ?? null,
    }),
    ncores: t.int({
      extensions: sources('ncores'),
      nullable: true,
      description: 'Number of cores; null until known.',
      resolve: (job) => job.info.ncores ?? null,
    }),
    nnodes: t.int({
      extensions: sources('nnodes'),
      nullable: true,
      description: 'Number of nodes; null until known (often only once the job runs).',
      resolve: (job) => job.info.nnodes ?? null,
    }),
    duration: t.float({
      extensions: sources('duration'),
      nullable: true,
      description: 'Requested time limit in seconds; 0 for none.',
      resolve: (job) => job.info.duration ?? null,
    }),
    ranks: t.string({
      extensions: sources('ranks'),
      nullable: true,
      description: 'Broker ranks used (RFC 22 idset); null until the job runs.',
      resolve: (job) => job.info.ranks ?? null,
    }),
    nodelist: t.string({
      extensions: sources('nodelist'),
      nullable: true,
      description: 'Hosts used (RFC 29 hostlist); null until the job runs.',
      resolve: (job) => job.info.nodelist ?? null,
    }),
    expiration: t.float({
      extensions: sources('expiration'),
      nullable: true,
      description: 'Unix time the allocation expires; null until the job runs, and for an allocation without one.',
      resolve: (job) => job.info.expiration ?? null,
    }),
    tSubmit: t.float({
      extensions: sources('t_submit'),
      description: 'Submission time (Unix seconds).',
      resolve: (job) => always(job, 't_submit', job.info.tSubmit),
    }),
    tDepend: t.float({
      extensions: sources('t_depend'),
      nullable: true,
      description: 'Time the job entered DEPEND; null before.',
      resolve: (job) => job.info.tDepend ?? null,
    }),
    tPriority: t.float({
      extensions: sources('t_priority'),
      nullable: true,
      description: 'Time the job first entered PRIORITY; null before.',
      resolve: (job) => job.info.tPriority ?? null,
    }),
    tSched: t.float({
      extensions: sources('t_sched'),
      nullable: true,
      description: 'Time the job first entered SCHED; null before.',
      resolve: (job) => job.info.tSched ?? null,
    }),
    tRun: t.float({
      extensions: sources('t_run'),
      nullable: true,
      description: 'Time the job entered RUN; null if it has not run.',
      resolve: (job) => job.info.tRun ?? null,
    }),
    tCleanup: t.float({
      extensions: sources('t_cleanup'),
      nullable: true,
      description: 'Time the job entered CLEANUP; null before.',
      resolve: (job) => job.info.tCleanup ?? null,
    }),
    tInactive: t.float({
      extensions: sources('t_inactive'),
      nullable: true,
      description: 'Time the job became INACTIVE; null while active.',
      resolve: (job) => job.info.tInactive ?? null,
    }),
    runtime: t.float({
      extensions: sources('runtime'),
      nullable: true,
      description: 'Seconds from RUN to CLEANUP, or until now while running; null if the job never ran.',
      resolve: (job) => job.info.runtime ?? null,
    }),
    tRemaining: t.float({
      extensions: sources('t_remaining'),
      nullable: true,
      description: 'Seconds left before a running job\'s allocation expires (at least 0); null unless the job is in RUN with an expiration.',
      resolve: (job) => job.info.tRemaining ?? null,
    }),
    waitstatus: t.int({
      extensions: sources('waitstatus'),
      nullable: true,
      description: 'wait(2) status of the job shell; null until it has finished running.',
      resolve: (job) => job.info.waitstatus ?? null,
    }),
    returncode: t.int({
      extensions: sources('returncode'),
      nullable: true,
      description: 'Exit code, or minus the signal number, -128 if canceled before running, 1 if it failed before running; null while active.',
      resolve: (job) => job.info.returncode ?? null,
    }),
    success: t.boolean({
      extensions: sources('success'),
      nullable: true,
      description: 'Whether the job succeeded; null while active.',
      resolve: (job) => job.info.success ?? null,
    }),
    exception: t.field({
      type: JobExceptionRef,
      description: "The job's most severe exception (fields null while the job is active).",
      resolve: (job) => job,
    }),
    annotations: t.field({
      extensions: sources('annotations'),
      type: 'JSON',
      nullable: true,
      description: 'Scheduler and user annotations (RFC 27), e.g. {"sched": {...}, "user": {...}}; null when there are none.',
      resolve: (job) => (job.has('annotations') ? toResponseJson(job.info.annotations) : null),
    }),
    dependencies: t.stringList({
      extensions: sources('dependencies'),
      nullable: true,
      description: 'Outstanding dependencies as `flux jobs` shows them (begin-time as begin@…); null if the job never had any.',
      resolve: (job) => (job.has('dependencies') ? job.info.dependencies : null),
    }),
    contextualInfo: t.string({
      extensions: sources('contextual_info'),
      nullable: true,
      description: 'The INFO column of `flux jobs`: priority-wait, depends:…, eta:…, held, priority-hold, or the nodelist; null when empty.',
      resolve: (job) => job.info.contextualInfo ?? null,
    }),
    contextualTime: t.float({
      extensions: sources('contextual_time'),
      nullable: true,
      description: 'The TIME column of `flux jobs`: the duration while pending, else the runtime.',
      resolve: (job) => job.info.contextualTime ?? null,
    }),
    inactiveReason: t.string({
      extensions: sources('inactive_reason'),
      nullable: true,
      description: 'Why an inactive job ended (e.g. "Exit 1", "Canceled: …", "Timeout"); null while active.',
      resolve: (job) => job.info.inactiveReason ?? null,
    }),
  }),
});

builder.queryField('job', (t) =>
  t.field({
    type: JobNode,
    nullable: true,
    description: 'One job by ID (any Flux encoding); null when Flux does not know it.',
    args: { id: t.arg({ type: 'JobID', required: true }) },
    resolve: async (_root, args, context, info) => {
      const record = await context.jobLoader.load(args.id, attrsForJobSelection(info, info.fieldNodes));
      return record === null ? null : new JobView(record, context.jobInfo);
    },
  }),
);
