/**
 * Runs each query through the lean executor first (src/graphql/fast-execute.ts) and through
 * yoga's executor when that one gives up, so that every error is reported by graphql's own.
 */
import type { Plugin } from 'graphql-yoga';
import type { ExecutionArgs } from 'graphql';
import type { GraphQLContext } from '../graphql/context';
import { tryFastExecute } from '../graphql/fast-execute';

export function useFastExecution(): Plugin<Record<string, unknown>, GraphQLContext> {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args: ExecutionArgs) => {
        const context = args.contextValue as GraphQLContext;
        const reported = context.deferredErrors.length;
        const answer = await tryFastExecute(args);
        if (answer !== undefined) return answer;
        // The attempt's resolvers may have reported errors that the full run reports again.
        context.deferredErrors.length = reported;
        return executeFn(args);
      });
    },
  };
}
