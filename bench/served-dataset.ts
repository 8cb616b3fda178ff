/**
 * The setting of the issue-10 pairs: a broker process holding the bench dataset on a Unix
 * socket, and `flux-graphql serve --flux-uri local://SOCKET` in a process of its own. The bench
 * process is the client of both (HTTP to the server, local:// to the broker); the three share
 * the machine's cores.
 */
import { join } from 'node:path';
import { serverNodeFlags, tmpSocketDir, type BenchConfig } from './bench-config';
import { startChild } from './child-process';
import { startCliServer, type CliServer } from './cli-server';

export interface ServedDataset {
  /** The broker's URI, for our own client's baseline listings. */
  readonly fluxUri: string;
  /** Jobs the broker holds. */
  readonly jobs: number;
  readonly buildMs: number;
  readonly server: CliServer;
  readonly brokerPid: number;
  stop(): Promise<void>;
}

export interface ServedDatasetOptions {
  /** Delay of every RPC at the broker (default none). */
  latencyMs?: number;
  /** Server options beyond the address, e.g. ["--max-page-size", "1000"]. */
  serverArgs?: readonly string[];
  /** Names the server's CPU profile (with --profile-server). */
  name: string;
}

export async function serveDataset(config: BenchConfig, options: ServedDatasetOptions): Promise<ServedDataset> {
  const sockets = tmpSocketDir();
  const socket = join(sockets.dir, 'local');
  const broker = startChild('broker-process.ts', [socket, String(config.wireInactiveJobs), String(options.latencyMs ?? 0)]);
  const stopBroker = async (): Promise<void> => {
    await broker.stop();
    sockets.remove();
  };
  try {
    const ready = await broker.nextMessage<{ ready: boolean; jobs: number; buildMs: number }>();
    const fluxUri = `local://${socket}`;
    const server = await startCliServer(['--flux-uri', fluxUri, ...(options.serverArgs ?? [])], { nodeFlags: serverNodeFlags(config, options.name) });
    return {
      fluxUri,
      jobs: ready.jobs,
      buildMs: ready.buildMs,
      server,
      brokerPid: broker.process.pid as number,
      stop: async () => {
        await server.stop();
        await stopBroker();
      },
    };
  } catch (error) {
    await stopBroker();
    throw error;
  }
}
