/**
 * One structured log line per GraphQL request (pino): request id, operation, HTTP status,
 * duration, RPC count and the error codes of the answer, so that an operator can follow a
 * complaint from a user to the RPCs it caused. A subscription's line is written when it ends,
 * with its transport and the results it sent (WebSocket operations: see websocket.ts).
 */
import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { existingObservationOf, observationOf, secondsSince, type RequestObservation } from './request-observation';

/** The codes of a result's errors ("UNCODED" for one without), each once. */
export function errorCodesOf(result: ExecutionResult): Set<string> {
  const codes = new Set<string>();
  for (const error of result.errors ?? []) {
    const code = error.extensions?.['code'];
    codes.add(typeof code === 'string' ? code : 'UNCODED');
  }
  return codes;
}

function noteErrorCodes(observation: RequestObservation, result: ExecutionResult): void {
  for (const code of errorCodesOf(result)) observation.errorCodes.add(code);
}

/** Fills the observation with what execution learns (operation, error codes); metrics and the log read it. */
export function useRequestObservation(): Plugin {
  return {
    onExecute({ args }) {
      const name = getOperationAST(args.document, args.operationName)?.name?.value;
      if (name !== undefined) observationOf(args.contextValue.request).operationName = name;
    },
    onSubscribe({ args }) {
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

/** The fields every request line has; a transport adds its own (status, results...). */
export function requestLogFields(observation: RequestObservation): Record<string, unknown> {
  return {
    reqId: observation.id,
    user: observation.viewer?.username ?? null,
    operation: observation.operationName ?? null,
    durationMs: Math.round(secondsSince(observation) * 1e4) / 10,
    rpcs: observation.rpcCount,
    errorCodes: [...observation.errorCodes],
  };
}

/** Reads the observations useMetrics begins for GraphQL requests, so it must come after it. */
export function useRequestLog(logger: Logger): Plugin {
  return {
    onResponse({ request, response }) {
      const observation = existingObservationOf(request);
      if (observation === undefined) return;
      const status = response.status;
      const streamEnded = observation.streamEnded;
      if (streamEnded === undefined) {
        const { durationMs, rpcs, errorCodes, ...who } = requestLogFields(observation);
        logger.info({ ...who, status, durationMs, rpcs, errorCodes }, 'request');
        return;
      }
      void streamEnded.then(() => {
        const { durationMs, rpcs, errorCodes, ...who } = requestLogFields(observation);
        logger.info({ ...who, status, transport: 'sse', durationMs, rpcs, results: observation.results ?? 0, errorCodes }, 'request');
      });
    },
  };
}
