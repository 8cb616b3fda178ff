/**
 * Stands in for src/server/fast-execution.ts under jest.graphql-js.config.js: the plugin that
 * would run the lean executor first adds nothing, so every app answers with graphql's own
 * executor whatever its `fastExecution` option says.
 */
import type { Plugin } from 'graphql-yoga';

export function useFastExecution(): Plugin {
  return {};
}
