import type { Json, JsonObject } from './json';

/** Who a request is made for, as RFC 6 message credentials: a uid and a mask of Role bits. */
export interface MessageCredentials {
  userid: number;
  rolemask: number;
}

export interface RpcOptions {
  /** Target broker rank; FLUX_NODEID_ANY by default. */
  nodeid?: number;
  /**
   * Give up with a FLUX_TIMEOUT error after this many milliseconds (connector default otherwise);
   * for rpcStream, the wait for each next response. 0 (or a value that is not a finite positive
   * number of milliseconds setTimeout can wait) means no timeout: what long-lived streams ask for.
   */
  timeoutMs?: number;
  /**
   * Credentials to put in the request message, so that Flux answers as it would answer that user.
   * Flux keeps them only on a connection of the instance owner; from anyone else the broker
   * stamps the connection's own.
   */
  credentials?: MessageCredentials;
  /**
   * rpcStream only: the topic of the service's cancel method (`job-info.eventlog-watch-cancel`,
   * `job-manager.events-journal-cancel`). When the caller leaves the stream before its end, the
   * handle sends this topic with `{"matchtag": <the stream's matchtag>}` as a no-response request
   * on the same connection with the same credentials, as libflux callers do, and keeps the
   * matchtag until the service's final response (ENODATA) arrives. Handles without matchtags
   * (the embedded one) release the stream their own way and may ignore it.
   */
  cancelTopic?: string;
}

/** The longest delay setTimeout honours (2^31 - 1 ms); a longer one would fire at once. */
const MAX_TIMER_DELAY_MS = 0x7fffffff;

/** The timer a timeoutMs asks for: its delay, or undefined when it means no timeout (see RpcOptions). */
export function timeoutDelayMs(timeoutMs: number): number | undefined {
  return Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMER_DELAY_MS ? timeoutMs : undefined;
}

/**
 * A change of a handle's connection to its broker. `connected` is only ever the first report, when
 * the connection is up as the listener starts watching; `lost` says why the connection went (or,
 * first, that it is down and why); `reconnected` says how many connection attempts it took since the
 * loss (the one that worked included) and how long the connection was down.
 */
export type ConnectionEvent =
  | { state: 'connected' }
  | { state: 'lost'; reason: string }
  | { state: 'reconnected'; attempts: number; downMs: number };

/** Must not throw; a listener that does is reported as a process warning and the handle carries on. */
export type ConnectionListener = (event: ConnectionEvent) => void;

/**
 * The one way every layer above src/flux talks to Flux. Implemented by the
 * local:// and ssh:// connectors and by the embedded instance.
 *
 * Payloads are JSON objects in which 64-bit integers may be bigint; a job's
 * `id` arriving from any handle is a bigint when it exceeds 2^53 and may be a
 * number otherwise (callers normalise with BigInt()).
 */
export interface FluxHandle {
  /** Where this handle is connected, e.g. "local:///run/flux/local" or "embedded:seed=1,jobs=5000". */
  readonly uri: string;

  /** One request, one response: resolves with the response payload (undefined when it has none); rejects with FluxRpcError. */
  rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined>;

  /**
   * A request sent with the STREAMING flag. Yields each success response's payload in order;
   * finishes at the ENODATA end-of-stream response; throws FluxRpcError for any other error
   * response. Leaving the loop early (break/return) releases the request.
   */
  rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined>;

  /**
   * Reports connection changes to `listener`, starting with the state at the time of the call;
   * returns what stops the reports. Only handles whose connection can drop have it (local://,
   * ssh://); one without it (the embedded instance) is always connected.
   */
  watchConnection?(listener: ConnectionListener): () => void;

  /** Fail every RPC in flight and release the connection. */
  close(): Promise<void>;
}
