/**
 * local:// — a Unix stream socket to a broker (flux-core connector_local.c
 * and librouter/usock.c): connect with the C client's retry schedule, read
 * the one-byte handshake, then exchange stream records.
 */
import * as net from 'node:net';
import { Errno, strerror } from './constants';
import { FluxError } from './errors';
import { type ByteTransport, DEFAULT_CONNECT_TIMEOUT_MS, HandshakeError, readHandshake } from './byte-transport';
import { StreamHandle, type StreamHandleOptions } from './stream-handle';

/** sun_path holds 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** The C client's schedule (usock.h USOCK_RETRY_DEFAULT): 5 retries, 16 ms doubling, capped at 2 s. */
export const DEFAULT_CONNECT_RETRIES = 5;
const FIRST_RETRY_DELAY_MS = 16;
const MAX_RETRY_DELAY_MS = 2000;

export interface LocalConnectOptions {
  /** Connect retries after the first failure; default FLUX_LOCAL_CONNECTOR_RETRY_COUNT or 5. */
  connectRetries?: number;
  /** Give up waiting for the handshake byte after this long. Default 30 s. */
  connectTimeoutMs?: number;
  /** Environment for FLUX_LOCAL_CONNECTOR_RETRY_COUNT; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export type LocalHandleOptions = LocalConnectOptions & StreamHandleOptions;

/** The retry count as connector_local.c reads it: a base-10 integer, else an error. */
export function retryCountFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.FLUX_LOCAL_CONNECTOR_RETRY_COUNT;
  if (text === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(text.trim()) || text.trim() !== text) {
    throw new FluxError('FLUX_CONNECT', `FLUX_LOCAL_CONNECTOR_RETRY_COUNT must be an integer, received ${JSON.stringify(text)}`);
  }
  const count = Number(text);
  if (count < 0) throw new FluxError('FLUX_CONNECT', `FLUX_LOCAL_CONNECTOR_RETRY_COUNT must not be negative, received ${count}`);
  return count;
}

export function checkSocketPath(path: string): void {
  if (path.length === 0) throw new FluxError('FLUX_URI', 'the local:// URI names no socket path');
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new FluxError('FLUX_URI', `socket path ${path} is ${bytes} bytes long; Unix sockets allow at most ${MAX_SOCKET_PATH_BYTES}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function connectOnce(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path });
    const onError = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function describeConnectError(path: string, err: NodeJS.ErrnoException): string {
  const code = err.code ?? 'EIO';
  const errnum = (Errno as Record<string, number>)[code];
  if (code === 'ENOENT') return `broker socket ${path} was not found`;
  const text = errnum !== undefined ? strerror(errnum) : err.message;
  return `connecting to ${path} failed: ${text} (${code})`;
}

/** Connects to the broker socket at `path` and completes the handshake. Errors are FLUX_CONNECT. */
export async function openLocalTransport(path: string, options: LocalConnectOptions = {}): Promise<ByteTransport> {
  checkSocketPath(path);
  const uri = `local://${path}`;
  const retries = options.connectRetries ?? retryCountFromEnv(options.env ?? process.env) ?? DEFAULT_CONNECT_RETRIES;
  let delay = FIRST_RETRY_DELAY_MS;
  let socket: net.Socket | null = null;
  for (let attempt = 0; socket === null; attempt++) {
    try {
      socket = await connectOnce(path);
    } catch (err) {
      if (attempt >= retries) {
        throw new FluxError('FLUX_CONNECT', `cannot connect to Flux at ${uri}: ${describeConnectError(path, err as NodeJS.ErrnoException)}`, {
          cause: err,
        });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }
  const connected = socket;
  let initialBytes: Uint8Array;
  try {
    initialBytes = await readHandshake(connected, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  } catch (err) {
    connected.destroy();
    const detail = err instanceof HandshakeError ? err.message : String(err);
    throw new FluxError('FLUX_CONNECT', `cannot connect to Flux at ${uri}: ${detail}`, { cause: err });
  }
  return {
    input: connected,
    output: connected,
    initialBytes,
    dispose: () =>
      new Promise<void>((resolve) => {
        if (connected.closed) {
          resolve();
          return;
        }
        connected.once('close', () => resolve());
        connected.destroy();
      }),
  };
}

/** Opens a FluxHandle on the broker socket at `path`. */
export function openLocalHandle(path: string, options: LocalHandleOptions = {}): Promise<StreamHandle> {
  return StreamHandle.open(`local://${path}`, () => openLocalTransport(path, options), options);
}

