/**
 * Runs each query through the lean executor first (src/graphql/fast-execute.ts) and through
 * yoga's executor the moment that one gives up, so that every error is reported by graphql's own.
 */
import type { Plugin } from 'graphql-yoga';
import type { ExecutionArgs } from 'graphql';
import type { GraphQLContext } from '../graphql/context';
import { fastExecute } from '../graphql/fast-execute';

export function useFastExecution(): Plugin<Record<string, unknown>, GraphQLContext> {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      // The errors the attempt's resolvers deferred (context.deferredErrors) stay: graphql's
      // run replays those resolvers' promises instead of calling them, so it reports none again.
      setExecuteFn((args: ExecutionArgs) => fastExecute(args, () => executeFn(args)));
    },
  };
}
