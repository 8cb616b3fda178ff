import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { codedExecutionError } from '../graphql/errors';

/**
 * Gives errors caused by the client's input (a bad job ID, user or constraint) their coded
 * form before error masking sees them, so they are answered without being logged as server
 * errors. Trouble with Flux itself is coded later by the masking, which logs it.
 */
export function useClientErrors(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result || result.errors === undefined) return;
          let changed = false;
          const errors = result.errors.map((error): GraphQLError => {
            const coded = codedExecutionError(error);
            if (coded === undefined || !coded.causedByClient) return error;
            changed = true;
            return coded.error;
          });
          if (changed) setResult({ ...result, errors });
        },
      };
    },
  };
}
