/**
 * One structured log line per GraphQL request (pino): request id, operation, HTTP status,
 * duration, RPC count and the error codes of the answer, so that an operator can follow a
 * complaint from a user to the RPCs it caused.
 */
import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { existingObservationOf, observationOf, secondsSince, type RequestObservation } from './request-observation';

function noteErrorCodes(observation: RequestObservation, result: ExecutionResult): void {
  for (const error of result.errors ?? []) {
    const code = error.extensions?.['code'];
    observation.errorCodes.add(typeof code === 'string' ? code : 'UNCODED');
  }
}

/** Fills the observation with what execution learns (operation, error codes); metrics and the log read it. */
export function useRequestObservation(): Plugin {
  return {
    onExecute({ args }) {
      const name = getOperationAST(args.document, args.operationName)?.name?.value;
      if (name !== undefined) observationOf(args.contextValue.request).operationName = name;
    },
    onResultProcess({ request, result }) {
      const observation = observationOf(request);
      if (Array.isArray(result)) for (const one of result as ExecutionResult[]) noteErrorCodes(observation, one);
      else if (typeof result === 'object' && result !== null && 'errors' in result) noteErrorCodes(observation, result as ExecutionResult);
    },
  };
}

/** Reads the observations useMetrics begins for GraphQL requests, so it must come after it. */
export function useRequestLog(logger: Logger): Plugin {
  return {
    onResponse({ request, response }) {
      const observation = existingObservationOf(request);
      if (observation === undefined) return;
      logger.info(
        {
          reqId: observation.id,
          user: observation.viewer?.username ?? null,
          operation: observation.operationName ?? null,
          status: response.status,
          durationMs: Math.round(secondsSince(observation) * 1e4) / 10,
          rpcs: observation.rpcCount,
          errorCodes: [...observation.errorCodes],
        },
        'request',
      );
    },
  };
}
