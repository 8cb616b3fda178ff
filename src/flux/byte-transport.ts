/**
 * What a connector hands to the RPC layer: a byte stream to a broker (a Unix
 * socket, or the stdio of `ssh … flux relay`) on which the one-byte
 * authentication handshake has already succeeded.
 */
import type { Readable, Writable } from 'node:stream';
import { errnoName, strerror } from './constants';
import { FluxError } from './errors';

export interface ByteTransport {
  /** Framed messages from the broker arrive here (paused until the RPC layer reads). */
  readonly input: Readable;
  /** Framed messages to the broker go here. */
  readonly output: Writable;
  /** Bytes that arrived in the same read as the handshake byte. */
  readonly initialBytes: Uint8Array;
  /** Releases the stream (and any helper process); resolves once it is gone. */
  dispose(): Promise<void>;
  /** Extra words on why the connection was lost (e.g. what a relay printed), if any. */
  lossDetail?(): string | undefined;
}

export type TransportFactory = () => Promise<ByteTransport>;

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** Why a handshake failed, for the connector to word its error. */
export type HandshakeFailure =
  | { kind: 'refused'; errnum: number }
  | { kind: 'eof' }
  | { kind: 'error'; error: Error }
  | { kind: 'timeout'; timeoutMs: number };

export class HandshakeError extends Error {
  constructor(readonly failure: HandshakeFailure) {
    super(describeHandshakeFailure(failure));
  }
}

export function describeHandshakeFailure(failure: HandshakeFailure): string {
  switch (failure.kind) {
    case 'refused':
      return `the broker refused the connection: ${strerror(failure.errnum)} (${errnoName(failure.errnum)})`;
    case 'eof':
      return `the connection closed before the handshake byte arrived: ${strerror(104)} (ECONNRESET)`;
    case 'error':
      return `reading the handshake byte failed: ${failure.error.message}`;
    case 'timeout':
      return `no handshake byte within ${failure.timeoutMs} ms`;
  }
}

/**
 * Reads the single byte a broker (or flux relay) sends after accepting a
 * connection: 0 means accepted, anything else is the errno of a refusal.
 * Leaves `input` paused; returns whatever arrived after that byte.
 */
export function readHandshake(input: Readable, timeoutMs: number = DEFAULT_CONNECT_TIMEOUT_MS): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('close', onEnd);
      input.off('error', onError);
      input.pause();
    };
    const fail = (failure: HandshakeFailure): void => {
      cleanup();
      reject(new HandshakeError(failure));
    };
    const onData = (chunk: Buffer): void => {
      if (chunk.length === 0) return;
      cleanup();
      const byte = chunk[0] as number;
      if (byte !== 0) {
        reject(new HandshakeError({ kind: 'refused', errnum: byte }));
        return;
      }
      resolve(chunk.subarray(1));
    };
    const onEnd = (): void => fail({ kind: 'eof' });
    const onError = (error: Error): void => fail({ kind: 'error', error });
    const timer = setTimeout(() => fail({ kind: 'timeout', timeoutMs }), timeoutMs);
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('close', onEnd);
    input.once('error', onError);
  });
}

/** A FLUX_CONNECT error for a failed handshake with `where` (a URI). */
export function handshakeConnectError(where: string, err: unknown, extra?: string): FluxError {
  const detail = err instanceof Error ? err.message : String(err);
  return new FluxError('FLUX_CONNECT', `cannot connect to Flux at ${where}: ${detail}${extra ? `\n${extra}` : ''}`, { cause: err });
}
