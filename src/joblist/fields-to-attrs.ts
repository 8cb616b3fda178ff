import { JOB_ATTRIBUTES } from '../flux/attribute-names';
import { JobListError } from './errors';

/** Every job-list attribute in the order the service lists them (job-list.list-attrs, minus "all"). */
export const JOB_LIST_ATTRS: readonly string[] = JOB_ATTRIBUTES;

/** Attributes without repeats, in the order job-list lists them (so requests read alike). */
export function inServiceOrder(attrs: Iterable<string>): string[] {
  const wanted = new Set(attrs);
  return JOB_LIST_ATTRS.filter((attr) => wanted.has(attr));
}

const EXCEPTION_ATTRS = ['exception_occurred', 'exception_severity', 'exception_type', 'exception_note'];
const STATUS_ATTRS = ['state', 'result'];
/** Attributes that are also JobInfo fields of the same name: all but the exception parts (JobInfo
 * shows them as exception.*) and expiration (which JobInfo derives with state and result). */
const SAME_NAME: readonly string[] = JOB_ATTRIBUTES.filter(
  (attr) => !EXCEPTION_ATTRS.includes(attr) && attr !== 'expiration',
);

/** What each JobInfo field needs from job-list (flux-jobs' field map plus our own field names). */
const FIELD_ATTRS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ...['id', 'id.dec', 'id.hex', 'id.f58', 'id.f58plain', 'id.emoji', 'id.kvs', 'id.words', 'id.dothex'].map(
    (field): [string, readonly string[]] => [field, []],
  ),
  ...SAME_NAME.map((attr): [string, readonly string[]] => [attr, [attr]]),
  ['username', ['userid']],
  ['state_single', ['state']],
  ['state_emoji', ['state']],
  ['returncode', ['waitstatus', 'result']],
  ['exception.occurred', ['exception_occurred']],
  ['exception.severity', ['exception_severity']],
  ['exception.type', ['exception_type']],
  ['exception.note', ['exception_note']],
  ['result_abbrev', ['result']],
  ['result_emoji', ['result']],
  ['runtime', ['t_run', 't_cleanup']],
  ['status', STATUS_ATTRS],
  ['status_abbrev', STATUS_ATTRS],
  ['status_emoji', STATUS_ATTRS],
  ['expiration', ['expiration', 'state', 'result']],
  ['t_remaining', ['expiration', 'state', 'result']],
  ['contextual_info', ['state', 'dependencies', 'annotations', 'nodelist', 'priority', 'urgency']],
  ['contextual_time', ['state', 't_run', 't_cleanup', 'duration']],
  ['inactive_reason', ['state', 'result', 'waitstatus', ...EXCEPTION_ATTRS]],
  ['sched', ['annotations']],
  ['user', ['annotations']],
  ['uri', ['annotations']],
  ['uri.local', ['annotations']],
  // Fields of our JobInfo that flux-jobs has no format field for.
  ['jobid', []],
  ['state_id', ['state']],
  ['result_id', ['result']],
  ['exception', EXCEPTION_ATTRS],
]);

const ANNOTATION_PREFIXES = ['annotations.', 'sched.', 'user.'];

function attrsFor(field: string): readonly string[] | undefined {
  if (ANNOTATION_PREFIXES.some((prefix) => field.startsWith(prefix))) return ['annotations'];
  if (field.startsWith('instance.')) return ['annotations', ...STATUS_ATTRS];
  return FIELD_ATTRS.get(field);
}

/** "tSubmit" -> "t_submit", "contextualInfo" -> "contextual_info". */
function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * The smallest set of job-list attributes that JobInfo needs to produce `fields`, given as
 * Flux's field names ("state_single", "exception.type", "annotations.sched.t_estimate",
 * "instance.stats.total") or as our camelCase getter names ("stateSingle", "tRemaining").
 * The result is in the service's attribute order; ID fields need none (the id always comes).
 * Throws JobListError INVALID_ARGUMENT for a field JobInfo does not have.
 */
export function jobFieldsToAttrs(fields: Iterable<string>): string[] {
  const wanted = new Set<string>();
  for (const field of fields) {
    const attrs = attrsFor(field) ?? (/[A-Z]/.test(field) ? attrsFor(snakeCase(field)) : undefined);
    if (attrs === undefined) {
      throw new JobListError('INVALID_ARGUMENT', `Unknown job field: ${field}`);
    }
    for (const attr of attrs) wanted.add(attr);
  }
  return inServiceOrder(wanted);
}
