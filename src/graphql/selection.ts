/**
 * Reading the query's selection set, so resolvers ask Flux only for the attributes the
 * client selected. Fragments (named and inline) are followed; @skip/@include are honoured.
 */
import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

type SelectionInfo = Pick<GraphQLResolveInfo, 'fragments' | 'variableValues'>;

/** The sub-fields selected under `nodes`, grouped by field name (aliases merged). */
export type SelectedFields = Map<string, FieldNode[]>;

function isIncluded(node: Parameters<typeof getDirectiveValues>[1], variables: GraphQLResolveInfo['variableValues']): boolean {
  const skip = getDirectiveValues(GraphQLSkipDirective, node, variables);
  if (skip?.['if'] === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, variables);
  return include?.['if'] !== false;
}

function collect(
  info: SelectionInfo,
  selectionSet: SelectionSetNode,
  typeNames: ReadonlySet<string>,
  into: SelectedFields,
  visitedFragments: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (!isIncluded(selection, info.variableValues)) continue;
    switch (selection.kind) {
      case Kind.FIELD: {
        const name = selection.name.value;
        const list = into.get(name);
        if (list === undefined) into.set(name, [selection]);
        else list.push(selection);
        break;
      }
      case Kind.INLINE_FRAGMENT: {
        const condition = selection.typeCondition?.name.value;
        if (condition === undefined || typeNames.has(condition)) {
          collect(info, selection.selectionSet, typeNames, into, visitedFragments);
        }
        break;
      }
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        if (visitedFragments.has(name)) break;
        visitedFragments.add(name);
        const fragment: FragmentDefinitionNode | undefined = info.fragments[name];
        if (fragment !== undefined && typeNames.has(fragment.typeCondition.name.value)) {
          collect(info, fragment.selectionSet, typeNames, into, visitedFragments);
        }
        break;
      }
    }
  }
}

/**
 * The fields selected directly under the given field nodes, as seen by an object of one of
 * `typeNames` (the object type and the interfaces it implements, for fragment conditions).
 */
export function selectedFields(
  info: SelectionInfo,
  nodes: readonly FieldNode[],
  typeNames: readonly string[],
): SelectedFields {
  const into: SelectedFields = new Map();
  const types = new Set(typeNames);
  for (const node of nodes) {
    if (node.selectionSet !== undefined) collect(info, node.selectionSet, types, into, new Set());
  }
  return into;
}

/** Follows a path of field names (e.g. ["edges", "node"]) down from the given field nodes. */
export function fieldNodesAt(
  info: SelectionInfo,
  nodes: readonly FieldNode[],
  path: readonly { field: string; typeNames: readonly string[] }[],
): FieldNode[] {
  let current: readonly FieldNode[] = nodes;
  for (const step of path) {
    current = selectedFields(info, current, step.typeNames).get(step.field) ?? [];
    if (current.length === 0) return [];
  }
  return [...current];
}
