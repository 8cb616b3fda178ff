/**
 * Our GraphQL server as a site runs it: `flux-graphql serve` (src/server/cli.ts) in a process of
 * its own, on a loopback port, NODE_ENV=production, here talking local:// to a broker. The
 * request log is off (--no-request-log): its lines would go to this process through a pipe.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const PROJECT_ROOT = resolve(__dirname, '..');
const CLI = resolve(PROJECT_ROOT, 'src/server/cli.ts');
const READY = /GraphiQL at (\S+)/;

export interface CliServer {
  /** e.g. http://127.0.0.1:40123/graphql */
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, as a service manager stops it; resolves once it has exited (a CPU profile is written then). */
  stop(): Promise<void>;
}

export interface CliServerOptions {
  /** Node flags before the script, e.g. ["--cpu-prof", "--cpu-prof-dir", DIR]. */
  nodeFlags?: readonly string[];
  /** How long start-up may take. */
  startTimeoutMs?: number;
  /** Modules imported after tsx's loader and before the command line runs (e.g. the soak's probe). */
  imports?: readonly string[];
  /** Each line the server prints after the one naming its address (default: warnings go to stderr). */
  onLine?: (line: string) => void;
}

/** Starts `serve --host 127.0.0.1 --port 0 --no-request-log ARGS...` and waits for the line naming its address. */
export function startCliServer(args: readonly string[], options: CliServerOptions = {}): Promise<CliServer> {
  const child = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), '--import', 'tsx', ...(options.imports ?? []).flatMap((module) => ['--import', module]), CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--no-request-log', ...args],
    { cwd: PROJECT_ROOT, env: { ...process.env, NODE_ENV: process.env['NODE_ENV'] ?? 'production' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`flux-graphql serve did not start within ${options.startTimeoutMs ?? 60_000} ms`));
    }, options.startTimeoutMs ?? 60_000);
    let started = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const ready = READY.exec(line);
      if (!started && ready !== null) {
        started = true;
        clearTimeout(timer);
        resolvePromise({ url: ready[1] as string, pid: child.pid as number, stop });
      } else if (options.onLine !== undefined) {
        options.onLine(line);
      } else if (!line.startsWith('flux-graphql: backend ') && !line.includes('shutting down')) {
        // Anything else it says (a warning) belongs on the bench's own error output.
        process.stderr.write(`serve: ${line}\n`);
      }
    });
    child.once('close', (code, signal) => {
      if (started) return;
      clearTimeout(timer);
      reject(new Error(`flux-graphql serve exited before it answered (code ${String(code)}, signal ${String(signal)})`));
    });
  });
}
