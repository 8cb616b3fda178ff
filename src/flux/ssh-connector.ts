/**
 * ssh:// — runs `ssh [-p port] [user@]host … flux relay /path` (flux-core
 * src/connectors/ssh/ssh.c) and speaks the local connector protocol over the
 * child's stdin/stdout: `flux relay` opens local:///path on the remote host,
 * writes the one-byte handshake and then relays stream records both ways.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as posixPath from 'node:path/posix';
import { Errno, strerror } from './constants';
import { FluxError } from './errors';
import { type ByteTransport, DEFAULT_CONNECT_TIMEOUT_MS, HandshakeError, readHandshake } from './byte-transport';
import { StreamHandle, type StreamHandleOptions } from './stream-handle';

export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
  /** The socket path on the remote host, as given after the host (may lack its leading "/"). */
  path: string;
}

export interface SshConnectOptions {
  /** Environment for FLUX_SSH, FLUX_SSH_RCMD, LD_LIBRARY_PATH and PATH; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Give up waiting for the relay's handshake byte after this long. Default 30 s. */
  connectTimeoutMs?: number;
}

export type SshHandleOptions = SshConnectOptions & StreamHandleOptions;

/** What ssh.c runs when FLUX_SSH is unset (its configure-time ssh); we rely on PATH. */
export const DEFAULT_SSH_COMMAND = 'ssh';
const STDERR_TAIL_BYTES = 8192;

function uriError(uri: string, problem: string): FluxError {
  return new FluxError('FLUX_URI', `invalid ssh URI ${JSON.stringify(uri)}: ${problem}; expected ssh://[user@]host[:port]/path/to/socket`);
}

/**
 * Parses what follows "ssh://" the way flux-core's URL parser splits it:
 * host part up to the first "/", "user[:password]@" before the host (the
 * password is ignored), ":port" after it. Queries and fragments are refused.
 * Unlike flux-core, a port that is not a number is an error rather than ignored.
 */
export function parseSshTarget(rest: string): SshTarget {
  const uri = `ssh://${rest}`;
  if (rest.includes('#')) throw uriError(uri, 'a fragment ("#") is not allowed');
  if (rest.includes('?')) throw uriError(uri, 'a query ("?") is not allowed');
  const slash = rest.indexOf('/');
  if (slash === -1) throw uriError(uri, 'the socket path is missing');
  let authority = rest.slice(0, slash);
  const path = rest.slice(slash + 1);
  if (path.length === 0) throw uriError(uri, 'the socket path is empty');
  let user: string | undefined;
  const at = authority.indexOf('@');
  if (at !== -1) {
    if (at === 0) throw uriError(uri, 'the user name before "@" is empty');
    const credentials = authority.slice(0, at);
    const colon = credentials.indexOf(':');
    user = colon === -1 ? credentials : credentials.slice(0, colon);
    if (user.length === 0) throw uriError(uri, 'the user name before "@" is empty');
    authority = authority.slice(at + 1);
  }
  let port: number | undefined;
  const colon = authority.indexOf(':');
  if (colon !== -1) {
    const portText = authority.slice(colon + 1);
    authority = authority.slice(0, colon);
    if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw uriError(uri, `port must be a number from 1 to 65535, received ${JSON.stringify(portText)}`);
    }
    port = Number(portText);
  }
  if (authority.length === 0) throw uriError(uri, 'the host name is empty');
  const target: SshTarget = { host: authority, path };
  if (user !== undefined) target.user = user;
  if (port !== undefined) target.port = port;
  return target;
}

export function sshTargetUri(target: SshTarget): string {
  const user = target.user !== undefined ? `${target.user}@` : '';
  const port = target.port !== undefined ? `:${target.port}` : '';
  return `ssh://${user}${target.host}${port}/${target.path}`;
}

/** The directory of the first executable regular file named `program` on PATH (ssh.c which_dir). */
function whichDir(program: string, searchPath: string | undefined): string | undefined {
  if (searchPath === undefined) return undefined;
  for (const dir of searchPath.split(':')) {
    if (dir.length === 0) continue; // strtok skips empty elements
    const candidate = `${dir}/${program}`;
    try {
      if (fs.statSync(candidate).isFile()) {
        fs.accessSync(candidate, fs.constants.X_OK);
        return posixPath.dirname(candidate);
      }
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** PATH for the remote side: the socket's rundir/bin, where flux lives locally, then /bin:/usr/bin (ssh.c make_path). */
function remotePathSetting(socketPath: string, localPath: string | undefined): string {
  let rundir = posixPath.dirname(socketPath);
  if (!rundir.startsWith('/')) rundir = `/${rundir}`;
  let setting = `PATH=${rundir}/bin`;
  const fluxDir = whichDir('flux', localPath);
  if (fluxDir !== undefined) setting += `:${fluxDir}`;
  return `${setting}:/bin:/usr/bin`;
}

/**
 * argv for the ssh child, built as ssh.c's build_ssh_command builds it:
 *   ssh [-p port] [user@]host [env] [PATH=...] [LD_LIBRARY_PATH=...] flux relay /path
 * "env" appears when LD_LIBRARY_PATH is forwarded or PATH is set; FLUX_SSH_RCMD
 * replaces the remote "flux" and suppresses the PATH setting.
 */
export function buildSshCommand(target: SshTarget, env: NodeJS.ProcessEnv = process.env): string[] {
  const sshCommand = env.FLUX_SSH ?? DEFAULT_SSH_COMMAND;
  let fluxCommand = env.FLUX_SSH_RCMD;
  const ldLibraryPath = env.LD_LIBRARY_PATH;
  const argv = [sshCommand];
  if (target.port !== undefined) argv.push('-p', String(target.port));
  argv.push(target.user !== undefined ? `${target.user}@${target.host}` : target.host);
  if (ldLibraryPath !== undefined || fluxCommand === undefined) argv.push('env');
  if (fluxCommand === undefined) {
    argv.push(remotePathSetting(target.path, env.PATH));
    fluxCommand = 'flux';
  }
  if (ldLibraryPath !== undefined) argv.push(`LD_LIBRARY_PATH=${ldLibraryPath}`);
  argv.push(fluxCommand, 'relay', `/${target.path}`);
  return argv;
}

/** Resolves when `settled` does or after `ms`, whichever is first. */
function within(settled: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}

/** Starts ssh and completes the relay's handshake. Errors are FLUX_CONNECT. */
export async function openSshTransport(target: SshTarget, options: SshConnectOptions = {}): Promise<ByteTransport> {
  const env = options.env ?? process.env;
  const uri = sshTargetUri(target);
  const argv = buildSshCommand(target, env);
  const sshCommand = argv[0] as string;
  let stderrTail = '';
  const child = spawn(sshCommand, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...env } });
  const stdin = child.stdin as NonNullable<ChildProcess['stdin']>;
  const stdout = child.stdout as NonNullable<ChildProcess['stdout']>;
  const stderr = child.stderr as NonNullable<ChildProcess['stderr']>;
  // Always drain stderr, so a chatty remote cannot block on a full pipe.
  stderr.setEncoding('utf8');
  stderr.on('data', (text: string) => {
    stderrTail = (stderrTail + text).slice(-STDERR_TAIL_BYTES);
  });
  stdin.on('error', () => undefined); // EPIPE when ssh dies first; the read side reports the loss

  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const dispose = async (): Promise<void> => {
    stdin.destroy();
    stdout.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };

  const spawnFailure = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      const errnum = err.code !== undefined ? (Errno as Record<string, number>)[err.code] : undefined;
      const text = errnum !== undefined ? strerror(errnum) : err.message;
      reject(
        new FluxError('FLUX_CONNECT', `cannot connect to Flux at ${uri}: ssh-connector: ${sshCommand}: ${text}\nHint: set FLUX_SSH in environment to override`, {
          cause: err,
        }),
      );
    });
  });
  spawnFailure.catch(() => undefined); // it only matters while the race below runs
  let initialBytes: Uint8Array;
  try {
    initialBytes = await Promise.race([readHandshake(stdout, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS), spawnFailure]);
  } catch (err) {
    if (err instanceof FluxError) {
      await dispose();
      throw err;
    }
    // The remote side failed: its stderr says why, as ssh.c reports it.
    const failure = err instanceof HandshakeError ? err.failure : null;
    // ssh's own complaint may still be in the stderr pipe; give it a moment once stdout has ended.
    if (failure?.kind === 'eof') await within(exited, 2000);
    await dispose();
    const remote = stderrTail.trim();
    const detail =
      remote.length > 0
        ? remote
        : 'Unable to establish clean ssh connection.\nHint: Check that shell init files do not write to stdout when non-interactive.';
    const what =
      failure?.kind === 'refused'
        ? `expected the handshake byte 00, received 0x${failure.errnum.toString(16).padStart(2, '0')}`
        : (err as Error).message;
    throw new FluxError('FLUX_CONNECT', `cannot connect to Flux at ${uri}: ${what}\n${detail}`, { cause: err });
  }
  child.on('error', () => undefined); // after the handshake, a lost child shows up as the end of stdout
  return {
    input: stdout,
    output: stdin,
    initialBytes,
    dispose,
    lossDetail: () => {
      const remote = stderrTail.trim();
      return remote.length > 0 ? remote : undefined;
    },
  };
}

/** Opens a FluxHandle through `ssh … flux relay`; `rest` is the URI after "ssh://". */
export function openSshHandle(rest: string, options: SshHandleOptions = {}): Promise<StreamHandle> {
  const target = parseSshTarget(rest);
  return StreamHandle.open(sshTargetUri(target), () => openSshTransport(target, options), options);
}
