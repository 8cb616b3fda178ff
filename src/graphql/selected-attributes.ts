/**
 * Which job-list attributes a selection of Job fields needs: each GraphQL field is mapped to
 * the Flux field name(s) it shows (`flux jobs` names), and the job-list port turns those into
 * attributes exactly as `flux jobs -o` does.
 */
import type { FieldNode, GraphQLResolveInfo } from 'graphql';
import { JOB_LIST_ATTRS, jobFieldsToAttrs } from '../joblist';
import { selectedFields } from './selection';

/** The type names a Job field selection may be written against (fragments on Job or Node). */
export const JOB_TYPE_NAMES: readonly string[] = ['Job', 'Node'];

/** GraphQL field of Job -> the Flux field names whose values it shows. */
export const JOB_FIELD_SOURCES: Readonly<Record<string, readonly string[]>> = {
  id: ['id'],
  jobid: ['id'],
  userid: ['userid'],
  username: ['username'],
  urgency: ['urgency'],
  priority: ['priority'],
  state: ['state'],
  stateSingle: ['state_single'],
  result: ['result'],
  resultAbbrev: ['result_abbrev'],
  status: ['status'],
  statusAbbrev: ['status_abbrev'],
  name: ['name'],
  cwd: ['cwd'],
  queue: ['queue'],
  project: ['project'],
  bank: ['bank'],
  ntasks: ['ntasks'],
  ncores: ['ncores'],
  nnodes: ['nnodes'],
  duration: ['duration'],
  ranks: ['ranks'],
  nodelist: ['nodelist'],
  expiration: ['expiration'],
  tSubmit: ['t_submit'],
  tDepend: ['t_depend'],
  tPriority: ['t_priority'],
  tSched: ['t_sched'],
  tRun: ['t_run'],
  tCleanup: ['t_cleanup'],
  tInactive: ['t_inactive'],
  runtime: ['runtime'],
  tRemaining: ['t_remaining'],
  waitstatus: ['waitstatus'],
  returncode: ['returncode'],
  success: ['success'],
  annotations: ['annotations'],
  dependencies: ['dependencies'],
  contextualInfo: ['contextual_info'],
  contextualTime: ['contextual_time'],
  inactiveReason: ['inactive_reason'],
};

/** Sub-fields of Job.exception -> Flux's `exception.*` field names. */
export const EXCEPTION_FIELD_SOURCES: Readonly<Record<string, string>> = {
  occurred: 'exception.occurred',
  severity: 'exception.severity',
  type: 'exception.type',
  note: 'exception.note',
};

type SelectionInfo = Pick<GraphQLResolveInfo, 'fragments' | 'variableValues'>;

/** The Flux field names a selection of Job fields needs, in a stable order. */
export function fluxFieldsForJobSelection(info: SelectionInfo, jobNodes: readonly FieldNode[]): string[] {
  const fields = new Set<string>();
  for (const [name, nodes] of selectedFields(info, jobNodes, JOB_TYPE_NAMES)) {
    if (name === 'exception') {
      for (const sub of selectedFields(info, nodes, ['JobException']).keys()) {
        const source = EXCEPTION_FIELD_SOURCES[sub];
        if (source !== undefined) fields.add(source);
      }
      continue;
    }
    for (const source of JOB_FIELD_SOURCES[name] ?? []) fields.add(source);
  }
  return [...fields];
}

/** Attributes without repeats, in the order job-list lists them (so requests read alike). */
export function inServiceOrder(attrs: Iterable<string>): string[] {
  const wanted = new Set(attrs);
  return JOB_LIST_ATTRS.filter((attr) => wanted.has(attr));
}

/** The job-list attributes a selection of Job fields needs (never "all"). */
export function attrsForJobSelection(info: SelectionInfo, jobNodes: readonly FieldNode[]): string[] {
  return jobFieldsToAttrs(fluxFieldsForJobSelection(info, jobNodes));
}
