/**
 * The selections the issue-10 pairs send: every field of a type (taken from the schema itself,
 * so a field added later is measured too) and the dashboard's columns.
 */
import { getNamedType, isLeafType, isNonNullType, isObjectType, type GraphQLField, type GraphQLObjectType } from 'graphql';

/**
 * Every field of `type` that can be asked for without arguments (arguments with defaults are
 * left to their defaults), with the fields of nested object types in turn, down to `depth`
 * levels. Abstract types (interfaces, unions) are left out: what they select depends on the
 * object found.
 */
export function everyFieldSelection(type: GraphQLObjectType, depth = 2, include: (field: GraphQLField<unknown, unknown>) => boolean = () => true): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) continue;
    if (!include(field)) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(field.name);
    else if (isObjectType(named) && depth > 1) {
      const inner = everyFieldSelection(named, depth - 1, include);
      if (inner !== '') parts.push(`${field.name} { ${inner} }`);
    }
  }
  return parts.join(' ');
}

/**
 * What a dashboard of jobs shows: the columns of `flux jobs` (JOBID QUEUE USER NAME ST NTASKS
 * NNODES TIME INFO) and the state and submission time it sorts and colours by; 11 Job fields.
 */
export const DASHBOARD_JOB_FIELDS = 'id queue username name statusAbbrev ntasks nnodes contextualTime contextualInfo state tSubmit';

/** The dashboard's query: its first page of 50 jobs. */
export const DASHBOARD_QUERY = `{ jobs(first: 50) { nodes { ${DASHBOARD_JOB_FIELDS} } } }`;

/** The cheapest query a server can answer: the ceiling of its request handling. */
export const TYPENAME_QUERY = '{ __typename }';
