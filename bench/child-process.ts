/**
 * Runs a bench script in its own Node process (with tsx), so that a broker gets its own CPU as
 * Flux's broker does, or a heap measurement starts from an empty heap.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const PROJECT_ROOT = resolve(__dirname, '..');

export interface BenchChild {
  readonly process: ChildProcess;
  /** The next JSON line the child prints on stdout. */
  nextMessage<T>(): Promise<T>;
  /** Ends the child (closing its stdin, which it watches) and waits for it to exit. */
  stop(): Promise<void>;
}

export interface ChildOptions {
  /** Node flags before the script, e.g. ["--expose-gc"]. */
  nodeFlags?: readonly string[];
}

export function startChild(script: string, args: readonly string[], options: ChildOptions = {}): BenchChild {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', resolve(__dirname, script), ...args], {
    cwd: PROJECT_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: Array<{ resolve(line: string): void; reject(err: Error): void }> = [];
  const lines: string[] = [];
  let ended: Error | undefined;
  // 'close' comes after the child's stdout has been read to the end, unlike 'exit'.
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter.resolve(line);
    else lines.push(line);
  });
  child.once('close', (code, signal) => {
    ended = new Error(`bench child ${script} exited (code ${String(code)}, signal ${String(signal)})`);
    for (const waiter of waiting.splice(0)) waiter.reject(ended);
  });
  return {
    process: child,
    nextMessage<T>(): Promise<T> {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(JSON.parse(line) as T);
      if (ended !== undefined) return Promise.reject(ended);
      return new Promise<string>((res, rej) => waiting.push({ resolve: res, reject: rej })).then((text) => JSON.parse(text) as T);
    },
    async stop(): Promise<void> {
      child.stdin?.end();
      await exited;
    },
  };
}

/** In a child: exit when the parent closes our stdin (or dies), so no bench process is left behind. */
export function exitWhenParentGoes(cleanup: () => Promise<void> | void = () => undefined): void {
  process.stdin.resume();
  process.stdin.once('end', () => {
    void Promise.resolve(cleanup()).finally(() => process.exit(0));
  });
}

/** In a child: one JSON message for the parent. */
export function sendToParent(message: unknown): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}
