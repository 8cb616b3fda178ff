/**
 * Parsers for command-line values: each returns the value or throws commander's
 * InvalidArgumentError with a sentence saying what is expected.
 */
import { InvalidArgumentError } from 'commander';

function integerIn(text: string, what: string, min: number, max: number): number {
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}.`);
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${what} must be an integer from ${min} to ${max}.`);
  }
  return value;
}

export function parsePort(text: string): number {
  return integerIn(text, 'The port', 0, 65535);
}

export function parseJobCount(text: string): number {
  return integerIn(text, 'The number of jobs', 0, 10_000_000);
}

export function parseSeed(text: string): number {
  return integerIn(text, 'The seed', 0, 2 ** 32 - 1);
}

export function parsePageSize(text: string): number {
  return integerIn(text, 'The page size', 1, 100_000);
}

export function parseBodyBytes(text: string): number {
  return integerIn(text, 'The body size limit', 1024, 1024 * 1024 * 1024);
}

export function parseMaxOutputBytes(text: string): number {
  return integerIn(text, 'The output bound', 0, 1024 * 1024 * 1024);
}

export function parseMaxDetailBytes(text: string): number {
  return integerIn(text, 'The detail bound', 0, 1024 * 1024 * 1024);
}

export function parseMaxNodes(text: string): number {
  return integerIn(text, 'The node limit', 1, 10_000_000);
}

/** Most worker processes `serve --workers` starts: far more than any machine has cores for one server. */
export const MAX_WORKERS = 256;

export function parseWorkers(text: string): number {
  return integerIn(text, 'The number of workers', 1, MAX_WORKERS);
}

/** A finite number from `min` to `max` (above `min` when `minExcluded`), or the sentence `refusal`. */
function numberIn(text: string, min: number, max: number, refusal: string, minExcluded = false): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value) || value < min || (minExcluded && value === min) || value > max) {
    throw new InvalidArgumentError(refusal);
  }
  return value;
}

export function parseLatency(text: string): number {
  return numberIn(text, 0, 60_000, 'The latency must be a number of milliseconds from 0 to 60000.');
}

export function parseShutdownGrace(text: string): number {
  return numberIn(text, 0, 3600, 'The shutdown grace must be a number of seconds from 0 to 3600.');
}

export function parseRequestTimeout(text: string): number {
  return numberIn(text, 0, 3600, 'The request timeout must be a number of seconds above 0, at most 3600.', true);
}

export function parseKeepAlive(text: string): number {
  return numberIn(text, 0, 3600, 'The keep-alive interval must be a number of seconds above 0, at most 3600.', true);
}

export function parseSubscriptionCount(text: string, per: string): number {
  return integerIn(text, `The number of subscriptions ${per}`, 1, 1_000_000);
}

export function parseBufferedBytes(text: string): number {
  return integerIn(text, 'The WebSocket buffer bound', 1024, 1024 * 1024 * 1024);
}

export function parseHost(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '' || /\s/.test(trimmed)) throw new InvalidArgumentError('The host must be an address or name without spaces.');
  return trimmed;
}

export function parseFluxUri(text: string): string {
  const trimmed = text.trim();
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(trimmed)) {
    throw new InvalidArgumentError('The Flux URI must look like local:///run/flux/local or ssh://host/path.');
  }
  return trimmed;
}

export function parseSocketPath(text: string): string {
  if (text.trim() === '') throw new InvalidArgumentError('The socket path must not be empty.');
  return text;
}

/** An origin as browsers send it: scheme, host and optional port, nothing after. */
export function parseCorsOrigin(text: string, previous: string[] = []): string[] {
  const trimmed = text.trim();
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== trimmed) {
    throw new InvalidArgumentError('A CORS origin must be scheme://host[:port] with nothing after it, e.g. https://dashboard.example.org.');
  }
  return [...previous, trimmed];
}
