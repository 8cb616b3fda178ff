/**
 * The broker child of `serve --workers N` on an embedded instance or a snapshot (this file is what
 * it runs): the instance, created once, served on a Unix socket in Flux's protocol to the workers,
 * so that all of them see the same jobs and the same live workload. It tells the primary the
 * instance's socket, clock, users and owner once it listens, and its description when the live
 * workload stops. It ignores SIGINT and SIGTERM, which a terminal or systemd may send the whole
 * process group: the workers still need it to finish their requests, so the primary stops it
 * last, by message; it also goes when the primary does (its IPC channel closes).
 */
import '../production-mode';
import { liveFailure } from '../backend';
import { asClusterMessage, clusterMessage, sendToPrimary, takeStartSettings, type BrokerChildStart } from './messages';
import { serveSharedInstance } from './shared-instance';

async function main(): Promise<void> {
  const start = takeStartSettings<BrokerChildStart>();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => undefined);
  let serving: Awaited<ReturnType<typeof serveSharedInstance>> | undefined;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    if (serving === undefined) process.exit(0);
    serving.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('message', (value: unknown) => {
    if (asClusterMessage(value)?.kind === 'shutdown') stop();
  });
  process.once('disconnect', stop);

  try {
    serving = await serveSharedInstance(start, (error) => {
      void sendToPrimary(clusterMessage('log', { line: liveFailure(error) }));
      if (serving !== undefined) void sendToPrimary(clusterMessage('description', { description: serving.description }));
    });
  } catch (error) {
    await sendToPrimary(clusterMessage('failed', { message: error instanceof Error ? error.message : String(error) }));
    process.exit(1);
  }
  await sendToPrimary(clusterMessage('broker-ready', { shared: serving.shared }));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`flux-graphql broker child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
