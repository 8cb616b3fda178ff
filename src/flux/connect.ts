/**
 * Opening a handle from a Flux URI, as flux_open() does for the schemes this
 * client speaks: local://PATH and ssh://[user@]host[:port]/PATH.
 */
import { FluxError } from './errors';
import type { FluxHandle } from './handle';
import { checkSocketPath, type LocalHandleOptions, openLocalHandle } from './local-connector';
import { openSshHandle, parseSshTarget, type SshHandleOptions, type SshTarget } from './ssh-connector';

/** libflux's built-in URI for a system instance (rundir /run/flux). */
export const DEFAULT_FLUX_URI = 'local:///run/flux/local';

export type OpenHandleOptions = LocalHandleOptions & SshHandleOptions;

export type ParsedFluxUri = { scheme: 'local'; path: string } | { scheme: 'ssh'; target: SshTarget };

/**
 * The URI to use, in flux_open()'s order of precedence: an explicit one,
 * else FLUX_URI from the environment, else the built-in system instance URI.
 */
export function resolveFluxUri(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== '') return explicit;
  const fromEnv = env.FLUX_URI;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return DEFAULT_FLUX_URI;
}

const SUPPORTED = 'expected local://PATH or ssh://[user@]host[:port]/PATH';

/** Splits a URI into scheme and connector path (trailing blanks removed, as flux_open does). Throws FLUX_URI. */
export function parseFluxUri(uri: string): ParsedFluxUri {
  if (typeof uri !== 'string' || uri.length === 0) throw new FluxError('FLUX_URI', `no Flux URI given: ${SUPPORTED}`);
  const sep = uri.indexOf('://');
  if (sep === -1) {
    if (uri.startsWith('.') || uri.startsWith('/')) {
      throw new FluxError(
        'FLUX_URI',
        `${JSON.stringify(uri)} names an enclosing instance by path, which needs the parent-uri attribute of a running instance; pass its local:// or ssh:// URI instead`,
      );
    }
    throw new FluxError('FLUX_URI', `${JSON.stringify(uri)} is not a Flux URI: ${SUPPORTED}`);
  }
  const scheme = uri.slice(0, sep);
  const rest = uri.slice(sep + 3).replace(/[ \t]+$/, '');
  switch (scheme) {
    case 'local':
      checkSocketPath(rest);
      return { scheme: 'local', path: rest };
    case 'ssh':
      return { scheme: 'ssh', target: parseSshTarget(rest) };
    default:
      throw new FluxError('FLUX_URI', `unsupported Flux URI scheme ${JSON.stringify(scheme)} in ${JSON.stringify(uri)}: ${SUPPORTED}`);
  }
}

/**
 * Connects to the instance at `uri` and returns its handle once the broker
 * has accepted the connection. Fails with FLUX_URI for a URI we cannot use
 * and FLUX_CONNECT when the instance cannot be reached or refuses us.
 */
export async function openHandle(uri: string, options: OpenHandleOptions = {}): Promise<FluxHandle> {
  const parsed = parseFluxUri(uri);
  if (parsed.scheme === 'local') return openLocalHandle(parsed.path, options);
  return openSshHandle(uri.slice(uri.indexOf('://') + 3).replace(/[ \t]+$/, ''), options);
}
