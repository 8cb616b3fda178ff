import { errnoName, strerror } from './constants';

/** Stable codes that callers branch on; never branch on message text. */
export type FluxErrorCode =
  | 'FLUX_RPC' // the service answered with an error response
  | 'FLUX_CONNECT' // could not connect, or the handshake was refused
  | 'FLUX_DISCONNECTED' // the connection went away with RPCs in flight
  | 'FLUX_PROTOCOL' // bytes that are not a valid Flux message
  | 'FLUX_TIMEOUT' // no response within the per-RPC timeout
  | 'FLUX_BUSY' // too many request bytes queued for a broker that is not reading
  | 'FLUX_URI'; // a URI we cannot use

export class FluxError extends Error {
  override readonly name: string = 'FluxError';
  constructor(
    readonly code: FluxErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An error response from a Flux service: the errno and, when sent, the service's error string. */
export class FluxRpcError extends FluxError {
  override readonly name: string = 'FluxRpcError';
  readonly errnoName: string;
  constructor(
    readonly topic: string,
    readonly errno: number,
    /** The error string the service sent, or undefined when the response had none. */
    readonly errorString?: string,
  ) {
    super('FLUX_RPC', `${topic}: ${errorString !== undefined && errorString !== '' ? errorString : strerror(errno)} (${errnoName(errno)})`);
    this.errnoName = errnoName(errno);
  }

  /** The service's text when it sent one, else strerror(errno), as Flux's future_strerror does. */
  get text(): string {
    return this.errorString !== undefined && this.errorString !== '' ? this.errorString : strerror(this.errno);
  }
}

/**
 * The connection to the instance is down (lost, or refused until the next reconnect attempt).
 * A class of its own so that callers can tell that the message already names the instance and
 * says it is unavailable, without reading the message.
 */
export class FluxUnavailableError extends FluxError {
  override readonly name: string = 'FluxUnavailableError';
  constructor(uri: string, detail: string, options?: { cause?: unknown }) {
    super('FLUX_DISCONNECTED', `Flux instance at ${uri} is unavailable: ${detail}`, options);
  }
}
