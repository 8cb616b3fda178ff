/**
 * The Job fields that come from Flux's job-info service rather than job-list: the eventlogs,
 * the jobspec, R and the output. Each declares its job-info key (`extensions: jobInfoKeys(...)`)
 * and loads it through the request's JobDetailsLoader, so a job's selected keys travel in one
 * job-info.lookup and every job's lookup of a request is in flight at once.
 *
 * A key Flux does not have yet (R before the scheduler allocates the job, the exec eventlog and
 * output of a job that has not started) is KEY_NOT_FOUND on its field, so a client can tell
 * "not yet" from "empty" and from every other failure by code. An unknown job (JOB_NOT_FOUND), a job
 * the user may not read (FORBIDDEN: job-info lets only its owner and the instance owner read a
 * job, whatever job-list shows) and Flux failing otherwise (FLUX_ERROR, FLUX_UNAVAILABLE,
 * FLUX_TIMEOUT, FLUX_INVALID_DATA) are errors of that field alone; the rest of the answer stands.
 */
import { IdsetError, parseIdsetRanges, type IdRange } from '../../flux/idset';
import type { Json } from '../../flux/json';
import { decodeOutputEventlog, EventlogError, JobInfoKey, OutputEventlogError, parseEventlog, type EventlogEntry, type JobOutputLog } from '../../jobinfo';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { ErrorCode, graphqlError, invalidJobDataError } from '../errors';
import { jobInfoKeys } from '../job-info-keys';
import type { JobView } from '../job-view';
import { toResponseJson } from '../response-json';
import { JobNode } from './job';
import { JobEventRef } from './job-event';
import { JobOutputRef } from './job-output';

/** A key's value as text (eventlogs are strings); anything else is a bug of a lower layer. */
function textOf(id: bigint, key: string, value: Json): string {
  if (typeof value !== 'string') throw new Error(`job-info ${key} of job ${id} is not a string`);
  return value;
}

function entriesOf(id: bigint, key: string, text: string): EventlogEntry[] {
  try {
    return parseEventlog(text);
  } catch (error) {
    if (error instanceof EventlogError) throw invalidJobDataError(id, key, error);
    throw error;
  }
}

async function eventlogOf(job: JobView, context: GraphQLContext, key: string): Promise<EventlogEntry[] | null> {
  const value = await context.jobDetails.load(job.record.id, key);
  return value === null ? null : entriesOf(job.record.id, key, textOf(job.record.id, key, value));
}

async function documentOf(job: JobView, context: GraphQLContext, key: string): Promise<unknown> {
  const value = await context.jobDetails.load(job.record.id, key);
  return value === null ? null : toResponseJson(value);
}

/** `output(ranks:)`: an RFC 22 idset of task ranks, or BAD_USER_INPUT. */
function taskRanks(text: string): IdRange[] {
  try {
    return parseIdsetRanges(text);
  } catch (error) {
    if (error instanceof IdsetError) throw graphqlError(ErrorCode.BAD_USER_INPUT, `ranks: ${JSON.stringify(text)} is not an RFC 22 idset of task ranks (e.g. "0-3,7"): ${error.message}`);
    throw error;
  }
}

async function outputOf(job: JobView, context: GraphQLContext, ranksText: string | null | undefined): Promise<JobOutputLog | null> {
  // A bad argument is refused before anything is asked of Flux.
  const ranks = ranksText === null || ranksText === undefined ? undefined : taskRanks(ranksText);
  const id = job.record.id;
  const value = await context.jobDetails.load(id, JobInfoKey.OUTPUT);
  if (value === null) return null;
  const entries = entriesOf(id, JobInfoKey.OUTPUT, textOf(id, JobInfoKey.OUTPUT, value));
  try {
    return decodeOutputEventlog(entries, { maxBytes: context.maxOutputBytes, ...(ranks === undefined ? {} : { ranks }) });
  } catch (error) {
    if (error instanceof OutputEventlogError) throw invalidJobDataError(id, JobInfoKey.OUTPUT, error);
    throw error;
  }
}

builder.objectFields(JobNode, (t) => ({
  eventlog: t.field({
    type: [JobEventRef],
    nullable: true,
    extensions: jobInfoKeys(JobInfoKey.EVENTLOG),
    description:
      "The job's main eventlog (RFC 21), every entry in order, as `flux job eventlog` shows it. Errors of this field alone: " +
      'JOB_NOT_FOUND when job-info does not know the job, FORBIDDEN when the user may not read it (only its owner and the ' +
      'instance owner may), FLUX_INVALID_DATA for an eventlog that breaks RFC 18.',
    resolve: (job, _args, context) => eventlogOf(job, context, JobInfoKey.EVENTLOG),
  }),
  execEventlog: t.field({
    type: [JobEventRef],
    nullable: true,
    extensions: jobInfoKeys(JobInfoKey.EXEC_EVENTLOG),
    description:
      "The exec eventlog (the KVS key guest.exec.eventlog, `flux job eventlog -p exec`): job-exec's and the job shell's events. " +
      'While the job has not started, and for a job that never did, Flux has none: null with a KEY_NOT_FOUND error on this ' +
      'field. Other errors as for eventlog.',
    resolve: (job, _args, context) => eventlogOf(job, context, JobInfoKey.EXEC_EVENTLOG),
  }),
  jobspec: t.field({
    type: 'JSON',
    nullable: true,
    extensions: jobInfoKeys(JobInfoKey.JOBSPEC),
    description:
      'The jobspec as `flux job info ID jobspec` shows it: the one Flux keeps (without the environment), with every ' +
      'jobspec-update of the eventlog applied (e.g. a duration changed by `flux update`). Integers that do not fit a double are ' +
      'sent as decimal strings. Errors as for eventlog.',
    resolve: (job, _args, context) => documentOf(job, context, JobInfoKey.JOBSPEC),
  }),
  R: t.field({
    type: 'JSON',
    nullable: true,
    extensions: jobInfoKeys(JobInfoKey.R),
    description:
      'The resource set (RFC 20) as `flux job info ID R` shows it, with every resource-update applied (an expiration ' +
      'extended by `flux update`). Until the scheduler has allocated the job, and for a job canceled before that, Flux has ' +
      'no R: null with a KEY_NOT_FOUND error on this field (select state or nodelist to tell beforehand). Other errors as for eventlog.',
    resolve: (job, _args, context) => documentOf(job, context, JobInfoKey.R),
  }),
  output: t.field({
    type: JobOutputRef,
    nullable: true,
    extensions: jobInfoKeys(JobInfoKey.OUTPUT),
    args: {
      ranks: t.arg.string({
        required: false,
        description: 'Only these task ranks (an RFC 22 idset, e.g. "0", "0-3,7"); all tasks when omitted. A bad idset is BAD_USER_INPUT.',
      }),
    },
    description:
      "The job's standard output and error from its output eventlog (the KVS key guest.output), as `flux job attach` prints " +
      'them, bounded by --max-output-bytes. While the job has not started, and for a job that never did, null with a KEY_NOT_FOUND ' +
      'error on this field, as for R. A job whose output went to files has no text here: `redirects` says where. Errors as for ' +
      'eventlog (FLUX_INVALID_DATA also for an output log that breaks RFC 24).',
    resolve: (job, args, context) => outputOf(job, context, args.ranks),
  }),
}));
