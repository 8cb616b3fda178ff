/**
 * A view of a handle that makes every request for one user: each RPC carries that user's
 * credentials in its message, so Flux applies its own access rules to it (private mode, owner
 * checks). Only worth anything on a connection of the instance owner: Flux replaces the
 * credentials a non-owner presents with the connection's own.
 */
import type { FluxHandle, MessageCredentials, RpcOptions } from './handle';
import type { Json, JsonObject } from './json';

export function withCredentials(handle: FluxHandle, credentials: MessageCredentials): FluxHandle {
  const stamped = (options: RpcOptions | undefined): RpcOptions => ({ ...options, credentials });
  return {
    get uri() {
      return handle.uri;
    },
    rpc: (topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> => handle.rpc(topic, payload, stamped(options)),
    rpcStream: (topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> => handle.rpcStream(topic, payload, stamped(options)),
    close: () => handle.close(),
  };
}
