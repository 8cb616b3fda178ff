import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context';

function hasDeferredErrors(value: unknown): value is Pick<GraphQLContext, 'deferredErrors'> {
  return typeof value === 'object' && value !== null && Array.isArray((value as GraphQLContext).deferredErrors);
}

/**
 * Appends the errors resolvers recorded without failing their field (context.deferredErrors,
 * e.g. unknown IDs among jobs(ids:)) to the response, next to the data that was returned.
 */
export function useDeferredErrors(): Plugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          const context = args.contextValue;
          if (!hasDeferredErrors(context) || context.deferredErrors.length === 0) return;
          if (Symbol.asyncIterator in result) return; // no streamed results in this schema
          setResult({ ...result, errors: [...(result.errors ?? []), ...context.deferredErrors] });
        },
      };
    },
  };
}
