/**
 * Failures of an operation before it runs that graphql-js reports without an `extensions.code`
 * (or not at all as a GraphQL error), each given one here:
 * - query text nested so deeply (`[[[[…` or `{a:{a:{…`) that the recursive parser overflows
 *   the stack: a RangeError, masked as "Unexpected error." (500) — now GRAPHQL_PARSE_FAILED;
 * - a mutation on a schema that has none: "Schema is not configured to execute …" with no
 *   code — now a validation error (graphql-js 17 makes it one too);
 * - variables that do not coerce to their declared types (`first: "5"` for an Int, a Float
 *   "NaN", an Int beyond 32 bits): no code — now BAD_USER_INPUT, unless the type's own parser
 *   gave one (the JobID scalar's INVALID_JOBID).
 */
import { getOperationAST, getVariableValues, GraphQLError, OperationTypeNode, type ASTVisitor, type ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

function tooDeepToParse(): GraphQLError {
  return createGraphQLError('The query is nested too deeply to parse (lists, objects or selections inside one another); flatten it.', {
    extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } },
  });
}

const PLURALS: Readonly<Record<OperationTypeNode, string>> = {
  [OperationTypeNode.QUERY]: 'queries',
  [OperationTypeNode.MUTATION]: 'mutations',
  [OperationTypeNode.SUBSCRIPTION]: 'subscriptions',
};

/** Every operation's type must be one the schema has (this one answers queries and subscriptions). */
function knownOperationTypes(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      const schema = context.getSchema();
      const root = schema.getRootType(node.operation);
      if (root !== undefined && root !== null) return;
      const answered = Object.values(OperationTypeNode).filter((kind) => schema.getRootType(kind) != null).map((kind) => PLURALS[kind]);
      context.reportError(new GraphQLError(`This server has no ${PLURALS[node.operation]}: its schema answers ${answered.join(' and ')} only.`, { nodes: node }));
    },
  };
}

function withCode(error: GraphQLError): GraphQLError {
  const code = typeof error.extensions['code'] === 'string' ? error.extensions['code'] : 'BAD_USER_INPUT';
  return createGraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code, http: { status: 400 } },
  });
}

export function useOperationChecks(): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof RangeError) replaceParseResult(tooDeepToParse());
      };
    },
    onValidate({ addValidationRule }) {
      addValidationRule(knownOperationTypes);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      // No such operation: execution reports it (yoga codes it OPERATION_RESOLUTION_FAILURE).
      if (operation === null || operation === undefined) return;
      const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
      if (coerced.errors === undefined) return;
      setResultAndStopExecution({ errors: coerced.errors.map(withCode) });
    },
  };
}
