/**
 * A bound on the job nodes one request may ask for, computed before execution from the
 * operation and the values of its variables (GitHub's node limit is the model). graphql-armor's
 * cost estimate reads only literal `first`/`last`, so `first: $n` with a hundred aliases went
 * through it; this count reads the coerced arguments, so a variable counts as a literal does.
 */
import {
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isAbstractType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export const NODE_LIMIT_CODE = 'NODE_LIMIT_EXCEEDED';

const CONNECTION_TYPE = 'JobConnection';
const JOB_TYPES = new Set(['Job', 'Node']);

interface Walk {
  schema: GraphQLSchema;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  defaultPageSize: number;
}

/** What one field of a connection asks for: the IDs it names (all are looked up), else its page size. */
function connectionSize(args: Record<string, unknown>, defaultPageSize: number): number {
  const ids = args['ids'];
  if (Array.isArray(ids)) return ids.length;
  const size = args['first'] ?? args['last'];
  return typeof size === 'number' ? Math.max(size, 0) : defaultPageSize;
}

function countSelection(walk: Walk, selectionSet: SelectionSetNode, parent: GraphQLNamedType, multiplier: number, insideConnection: boolean, seen: Set<string>): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!isObjectType(parent) && !isAbstractType(parent)) continue;
      const field = 'getFields' in parent ? parent.getFields()[selection.name.value] : undefined;
      if (field === undefined) continue;
      const type = getNamedType(field.type);
      const args = getArgumentValues(field, selection, walk.variables);
      let childMultiplier = multiplier;
      let childInside = insideConnection;
      if (type.name === CONNECTION_TYPE) {
        const size = connectionSize(args, walk.defaultPageSize);
        total += multiplier * size;
        childMultiplier = multiplier * Math.max(size, 1);
        childInside = true;
      } else if (JOB_TYPES.has(type.name) && !insideConnection) {
        const ids = args['ids'];
        total += multiplier * (Array.isArray(ids) ? ids.length : 1);
      }
      if (selection.selectionSet !== undefined) total += countSelection(walk, selection.selectionSet, type, childMultiplier, childInside, seen);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition === undefined ? parent : walk.schema.getType(selection.typeCondition.name.value) ?? parent;
      total += countSelection(walk, selection.selectionSet, condition, multiplier, insideConnection, seen);
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      // A fragment spread inside itself is a validation error; never walk it twice on one path.
      if (fragment === undefined || seen.has(name)) continue;
      const condition = walk.schema.getType(fragment.typeCondition.name.value) ?? parent;
      total += countSelection(walk, fragment.selectionSet, condition, multiplier, insideConnection, new Set([...seen, name]));
    }
  }
  return total;
}

/** The job nodes the operation may return, or undefined when its variables do not coerce (execution reports that). */
export function countJobNodes(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, rawVariables: Record<string, unknown> | undefined, defaultPageSize: number): number | undefined {
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined) return undefined;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors !== undefined) return undefined;
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (root === null || root === undefined) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  return countSelection({ schema, fragments, variables: coerced.coerced, defaultPageSize }, operation.selectionSet, root, 1, false, new Set());
}

/** True when a request passes no variables: its count then depends on the document alone. */
function noVariables(variables: Record<string, unknown> | null | undefined): boolean {
  if (variables === null || variables === undefined) return true;
  for (const _name in variables) return false;
  return true;
}

export function useNodeLimit(options: { maxNodes: number; defaultPageSize: number }): Plugin {
  // Counts of requests without variables, by document (yoga's parser cache hands the same
  // document to every request of the same text) and operation: a dashboard asks the same again.
  const counts = new WeakMap<DocumentNode, Map<string, number | undefined>>();
  const count = (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined): number | undefined => {
    if (!noVariables(variables)) return countJobNodes(schema, document, operationName, variables, options.defaultPageSize);
    let byOperation = counts.get(document);
    if (byOperation === undefined) counts.set(document, (byOperation = new Map()));
    const key = operationName ?? '';
    if (byOperation.has(key)) return byOperation.get(key);
    const counted = countJobNodes(schema, document, operationName, variables, options.defaultPageSize);
    byOperation.set(key, counted);
    return counted;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const asked = count(args.schema, args.document, args.operationName, args.variableValues ?? undefined);
      if (asked === undefined || asked <= options.maxNodes) return;
      setResultAndStopExecution({
        errors: [
          createGraphQLError(
            `This request may return up to ${asked} job nodes (first/last and ids summed over every connection and alias); the node limit is ${options.maxNodes}.`,
            { extensions: { code: NODE_LIMIT_CODE, limit: options.maxNodes, asked } },
          ),
        ],
      });
    },
  };
}
