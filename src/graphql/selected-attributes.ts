/**
 * Which job-list attributes a selection of Job fields needs. Each Job field declares, in its
 * own definition (`extensions: sources(...)`), the Flux field names it shows (`flux jobs`
 * names); this module reads those declarations from the schema the query runs against, and
 * the job-list port turns the names into attributes exactly as `flux jobs -o` does.
 */
import { getNamedType, GraphQLObjectType, type FieldNode, type GraphQLField, type GraphQLResolveInfo } from 'graphql';
import { jobFieldsToAttrs } from '../joblist';
import { jobInfoKeysOf } from './job-info-keys';
import { selectedFields } from './selection';

/** Where a field definition keeps its sources among its GraphQL extensions. */
const SOURCES_KEY = 'fluxSources';

/**
 * The `extensions` of a field definition whose value is derived from these Flux fields. At
 * least one: a field that reads nothing from Flux would be answered from a record without it.
 */
export function sources(...fluxFields: [string, ...string[]]): { readonly [SOURCES_KEY]: readonly string[] } {
  return { [SOURCES_KEY]: fluxFields };
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item: unknown) => typeof item === 'string');
}

/** The Flux fields a field definition declares; undefined for one that declares none (an object field). */
export function sourcesOf(field: GraphQLField<unknown, unknown>): readonly string[] | undefined {
  const declared = field.extensions[SOURCES_KEY];
  return isStringList(declared) ? declared : undefined;
}

type SelectionInfo = Pick<GraphQLResolveInfo, 'fragments' | 'variableValues' | 'schema'>;

/** The names a selection on `type` may be written against: the type and its interfaces (fragments on Node). */
function typeNames(type: GraphQLObjectType): string[] {
  return [type.name, ...type.getInterfaces().map((face) => face.name)];
}

/**
 * Adds the sources of the fields selected on `type`. A field without sources of its own that
 * returns an object (Job.exception) shows what the fields selected below it show; a field of
 * job-info keys shows none.
 */
function collectSources(info: SelectionInfo, nodes: readonly FieldNode[], type: GraphQLObjectType, into: Set<string>): void {
  const fields = type.getFields();
  for (const [name, selected] of selectedFields(info, nodes, typeNames(type))) {
    const field = fields[name];
    if (field === undefined) continue; // __typename
    // A job-info field (eventlog, output, ...) needs no job-list attribute, nor does anything below it.
    if (jobInfoKeysOf(field) !== undefined) continue;
    const own = sourcesOf(field);
    if (own !== undefined) {
      for (const source of own) into.add(source);
      continue;
    }
    const inner = getNamedType(field.type);
    if (inner instanceof GraphQLObjectType) collectSources(info, selected, inner, into);
  }
}

function jobType(info: SelectionInfo): GraphQLObjectType {
  const type = info.schema.getType('Job');
  if (!(type instanceof GraphQLObjectType)) throw new Error('the schema has no Job object type');
  return type;
}

/** The Flux field names a selection of Job fields needs, in a stable order. */
function fluxFieldsForJobSelection(info: SelectionInfo, jobNodes: readonly FieldNode[]): string[] {
  const fields = new Set<string>();
  collectSources(info, jobNodes, jobType(info), fields);
  return [...fields];
}

/** The job-list attributes a selection of Job fields needs (never "all"). */
export function attrsForJobSelection(info: SelectionInfo, jobNodes: readonly FieldNode[]): string[] {
  return jobFieldsToAttrs(fluxFieldsForJobSelection(info, jobNodes));
}
