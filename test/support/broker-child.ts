/**
 * `flux-graphql broker` in a child process, for tests that need a real broker on the other side of
 * a Unix socket: started from source through tsx (no build needed), ready once it prints its
 * "listening" line, and gone when the test process goes (see exit-with-parent.js).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { EmbeddedInstance } from '../../src/embedded';
import { serveBroker } from '../../src/embedded/wire/broker';
import { takeSnapshot } from '../../src/embedded/snapshot/take';
import { openHandle } from '../../src/flux/connect';
import { openAtomicFileSink } from '../../src/embedded/snapshot/writer';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'src', 'server', 'cli.ts');
const EXIT_WITH_PARENT = join(__dirname, 'exit-with-parent.js');
const LISTENING = 'listening on local://';

export interface BrokerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BrokerChild {
  readonly socketPath: string;
  readonly pid: number;
  /** Settles once the process has exited, however it ended. */
  readonly exited: Promise<BrokerExit>;
  /** Sends a signal (SIGSTOP to freeze it, SIGKILL to kill it without a chance to clean up). */
  signal(signal: NodeJS.Signals): void;
  /** Asks it to stop (SIGTERM, as an operator would) and waits until it has exited. */
  stop(): Promise<BrokerExit>;
}

function describeExit(exit: BrokerExit): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${String(exit.code)}`;
}

/**
 * Starts `flux-graphql broker --listen SOCKET ...args` and resolves once it listens; rejects with
 * the broker's own error output when it exits before that.
 */
export function startBrokerChild(socketPath: string, args: readonly string[]): Promise<BrokerChild> {
  const child = spawn(
    process.execPath,
    ['--require', EXIT_WITH_PARENT, '--import', 'tsx', CLI, 'broker', '--listen', socketPath, ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<BrokerExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr += text;
  });
  return new Promise<BrokerChild>((resolve, reject) => {
    let stdout = '';
    let ready = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      if (ready) return;
      stdout += text;
      if (!stdout.includes(LISTENING)) return;
      ready = true;
      resolve({
        socketPath,
        pid: child.pid as number,
        exited,
        signal: (signal) => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        },
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    child.once('error', (error) => reject(new Error(`cannot start the broker: ${error.message}`)));
    void exited.then((exit) => {
      if (!ready) reject(new Error(`the broker on ${socketPath} ended (${describeExit(exit)}) before listening:\n${stderr}${stdout}`));
    });
  });
}

/**
 * Writes a snapshot of `instance` to `path`, taken over the wire as `flux-graphql snapshot` takes
 * it (the instance served by a broker on a socket next to `path`, read through local://), at the
 * instance's own clock, so that a broker serving the file reads the same time the instance does.
 * A suite run against that file is thus the snapshot round trip: taken over the wire, served again.
 */
export async function writeSnapshotOf(instance: EmbeddedInstance, path: string): Promise<void> {
  const broker = await serveBroker(instance.service, { path: `${path}.source.sock`, log: () => undefined });
  try {
    const handle = await openHandle(`local://${broker.path}`);
    try {
      await takeSnapshot(handle, await openAtomicFileSink(path), { now: instance.now });
    } finally {
      await handle.close();
    }
  } finally {
    await broker.close();
  }
}
