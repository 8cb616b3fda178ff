/**
 * `flux-graphql serve ...` as a real process, from source through tsx: ready once it prints the
 * GraphiQL line; its output kept line by line (start-up lines, restarts, the JSON request log), so
 * that a test can wait for a line and read who answered. The process goes when the test process
 * goes (exit-with-parent-alone.js); the workers and broker child it starts do not inherit that,
 * so they must go on their own, through their IPC channels, as they would in production.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'src', 'server', 'cli.ts');
// The server exits with the test process; whatever it starts must end on its own (see the file).
const EXIT_WITH_PARENT = join(__dirname, 'exit-with-parent-alone.js');

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RequestLogLine {
  msg: 'request';
  reqId: string;
  status: number;
  worker?: number;
  [key: string]: unknown;
}

export interface ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** e.g. http://127.0.0.1:40123/graphql */
  readonly url: string;
  /** Standard output so far, one entry a line. */
  readonly lines: readonly string[];
  /** Settles once the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** The first line (already printed or still to come) matching `pattern`. */
  waitForLine(pattern: RegExp): Promise<RegExpExecArray>;
  /** The request log lines so far. */
  requestLog(): RequestLogLine[];
  /** Waits until the request log holds a line for each of these request ids. */
  waitForRequests(ids: readonly string[]): Promise<RequestLogLine[]>;
}

export interface ServeProcessOptions {
  /** Sees the process at once, before it is ready (or fails to be). */
  onSpawn?: (child: ChildProcessWithoutNullStreams) => void;
  /** Start it as the leader of a process group of its own, which `process.kill(-pid, signal)` then signals whole, as a terminal or systemd does. */
  ownProcessGroup?: boolean;
}

export function startServeProcess(args: readonly string[], options: ServeProcessOptions = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['--require', EXIT_WITH_PARENT, '--import', 'tsx', CLI, 'serve', ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: options.ownProcessGroup === true,
  });
  options.onSpawn?.(child);
  const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve(match: RegExpExecArray): void }[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr += text));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(line);
      if (match === null) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(match);
    }
  });
  const waitForLine = (pattern: RegExp): Promise<RegExpExecArray> => {
    for (const line of lines) {
      const match = pattern.exec(line);
      if (match !== null) return Promise.resolve(match);
    }
    return new Promise((resolve, reject) => {
      waiters.push({ pattern, resolve });
      void exited.then((exit) => reject(new Error(`serve exited (${JSON.stringify(exit)}) before printing ${String(pattern)}:\n${lines.join('\n')}\n${stderr}`)));
    });
  };
  const requestLog = (): RequestLogLine[] =>
    lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as RequestLogLine).filter((entry) => entry.msg === 'request');
  return waitForLine(/GraphiQL at (\S+)/).then((match) => ({
    child,
    pid: child.pid as number,
    url: match[1] as string,
    lines,
    exited,
    waitForLine,
    requestLog,
    async waitForRequests(ids) {
      await Promise.all(ids.map((id) => waitForLine(new RegExp(`"reqId":"${id}"`))));
      const wanted = new Set(ids);
      return requestLog().filter((entry) => wanted.has(entry.reqId));
    },
  }));
}

/** Whether a process of this id runs (a zombie, exited but not yet reaped, does not). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name in parentheses, which may itself hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** A process's command line, for messages about unexpected processes. */
export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '(gone)';
  }
}

/** Process ids of the children of `pid`, from /proc. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const task of readTasks(pid)) {
    try {
      children.push(
        ...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
          .split(' ')
          .filter((text) => text !== '')
          .map(Number),
      );
    } catch {
      // The task ended while being read.
    }
  }
  return children.filter(isRunning);
}

function readTasks(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

/** Resolves once none of `pids` runs; rejects after `limitMs` naming those still running. */
export async function waitUntilGone(pids: readonly number[], limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const running = pids.filter(isRunning);
    if (running.length === 0) return;
    if (Date.now() > deadline) throw new Error(`still running after ${limitMs} ms: ${running.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
