/**
 * A FluxHandle that reports every RPC it carries (topic, seconds, how it ended) to an
 * observer, for metrics and the per-request log line. Payloads pass through untouched.
 */
import { mapStream } from '../flux/stream-map';
import { FluxError, FluxRpcError } from '../flux/errors';
import type { FluxHandle, RpcOptions } from '../flux/handle';
import type { Json, JsonObject } from '../flux/json';

/** "ok", the errno name of an error response (e.g. "ENOENT"), or the FluxError code of a failure to get one. */
export type RpcOutcome = string;

export type RpcObserver = (topic: string, seconds: number, outcome: RpcOutcome) => void;

function outcomeOf(error: unknown): RpcOutcome {
  if (error instanceof FluxRpcError) return error.errnoName;
  if (error instanceof FluxError) return error.code;
  return 'ERROR';
}

const elapsedSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

export function observeRpcs(handle: FluxHandle, observe: RpcObserver): FluxHandle {
  return {
    get uri() {
      return handle.uri;
    },
    async rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> {
      const start = process.hrtime.bigint();
      try {
        const response = await handle.rpc(topic, payload, options);
        observe(topic, elapsedSince(start), 'ok');
        return response;
      } catch (error) {
        observe(topic, elapsedSince(start), outcomeOf(error));
        throw error;
      }
    },
    rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> {
      let start = 0n;
      return mapStream(
        () => {
          start = process.hrtime.bigint();
          return handle.rpcStream(topic, payload, options);
        },
        (response) => response,
        { onEnd: (error) => observe(topic, elapsedSince(start), error === undefined ? 'ok' : outcomeOf(error)) },
      );
    },
    close: () => handle.close(),
  };
}
