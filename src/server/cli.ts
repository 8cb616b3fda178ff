#!/usr/bin/env node
/**
 * flux-graphql's command line:
 *   flux-graphql serve  [--port N] [--host H] [--flux-uri URI | --snapshot FILE | embedded options]
 *   flux-graphql broker --listen PATH [--snapshot FILE | embedded options]
 *   flux-graphql snapshot [--flux-uri URI] [--output FILE] [--details [--max-detail-bytes N]]
 * Bad values are refused with a sentence saying what is expected, and exit code 2.
 */
import './production-mode';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { EmbeddedSettings } from './backend';
import type { SnapshotSettings } from './snapshot-backend';
import type { SnapshotCommandOptions } from './snapshot-command';
import {
  parseFluxUri,
  parseHost,
  parseJobCount,
  parseLatency,
  parseBodyBytes,
  parseCorsOrigin,
  parseMaxNodes,
  parseMaxDetailBytes,
  parseMaxOutputBytes,
  parseRequestTimeout,
  parseShutdownGrace,
  parsePageSize,
  parsePort,
  parseSeed,
  parseSocketPath,
  parseWorkers,
  parseKeepAlive,
  parseSubscriptionCount,
  parseBufferedBytes,
} from './cli-options';
import { DEFAULT_PAGE_LIMITS } from '../graphql/context';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../jobinfo/output-eventlog';
import { applyConfigFile, ConfigFileError } from './config-file';
import {
  DEFAULT_KEEPALIVE_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_NODES,
  DEFAULT_MAX_SOCKET_BUFFERED_BYTES,
  DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION,
  DEFAULT_MAX_SUBSCRIPTIONS_PER_USER,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from './http-limits';
import { DEFAULT_FLUX_URI } from '../flux/connect';
import { DEFAULT_MAX_DETAIL_BYTES } from '../embedded/snapshot/detail-bound';
import type { AccessSettings } from './auth/auth-settings';
import { accessSettingsFrom, addAccessOptions, type AccessFlags } from './auth/access-options';

export const USAGE_ERROR_EXIT_CODE = 2;

export interface ServeSettings {
  port: number;
  host: string;
  /** A real instance to serve; when absent an embedded instance is created. */
  fluxUri?: string;
  /** A snapshot file to serve instead of an instance (see the snapshot command). */
  snapshot?: SnapshotSettings;
  embedded: EmbeddedSettings;
  maxPageSize: number;
  defaultPageSize: number;
  /** Browser origins allowed to call the API (CORS); empty: same origin only. */
  corsOrigins?: string[];
  /** After SIGTERM, how long requests in flight may take to finish (default 10 s). */
  shutdownGraceSeconds?: number;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most job nodes one request may ask for (default 10,000). */
  maxNodes?: number;
  /** Most bytes of a job's output Job.output keeps (default 1 MiB). */
  maxOutputBytes?: number;
  /** One JSON line per GraphQL request on standard output (the command line's default; off when absent). */
  requestLog?: boolean;
  /** Deadline for the Flux RPCs of one request, in seconds (default 60). */
  requestTimeoutSeconds?: number;
  /** How users are authenticated and who is an admin (default: no authentication). */
  access?: AccessSettings;
  /** Serve without authentication on a non-loopback address. */
  allowAnonymous?: boolean;
  /** Most GraphQL requests of one user in flight at once (in each worker process). */
  maxConcurrentPerUser?: number;
  /** Most subscriptions one user may hold at once over SSE and WebSocket together (in each worker process; default 100). */
  maxSubscriptionsPerUser?: number;
  /** Most subscriptions at once on one WebSocket connection (default 50). */
  maxSubscriptionsPerConnection?: number;
  /** Seconds between keep-alives of a quiet subscription's connection: an SSE comment, a WebSocket ping (default 12). */
  keepAliveSeconds?: number;
  /** Most bytes a WebSocket client may leave unsent in the server's buffer before it is closed (default 4 MiB). */
  wsMaxBufferedBytes?: number;
  /**
   * Worker processes serving the port (default 1: this process serves, no other is started).
   * More than one: node's cluster, each worker with its own connection to Flux; an embedded
   * instance or snapshot then runs once, in a broker child the workers reach over local://.
   */
  workers?: number;
}

export interface BrokerSettings {
  listen: string;
  /** A snapshot file to serve instead of a generated workload. */
  snapshot?: SnapshotSettings;
  embedded: EmbeddedSettings;
}

/** What the commands do; the default runs them for real, tests substitute their own. */
export interface CommandActions {
  serve(settings: ServeSettings): Promise<void>;
  broker(settings: BrokerSettings): Promise<void>;
  /** Takes a snapshot; optional so that callers without one get a clear error. */
  snapshot?(settings: SnapshotCommandOptions): Promise<void>;
}

interface EmbeddedFlags {
  jobs: number;
  seed: number;
  live: boolean;
  latency: number;
  privateMode?: boolean;
}

const EMBEDDED_FLAGS: readonly (keyof EmbeddedFlags)[] = ['jobs', 'seed', 'live', 'latency', 'privateMode'];

function addEmbeddedOptions(command: Command): Command {
  return command
    .option('--jobs <n>', 'embedded instance: number of jobs to generate', parseJobCount, 3000)
    .option('--seed <n>', 'embedded instance: seed of the generated workload (same seed, same jobs)', parseSeed, 1)
    .option('--live', 'embedded instance: keep submitting and running jobs after start-up (default)', true)
    .option('--no-live', 'embedded instance: a fixed set of jobs that never changes')
    .option('--latency <ms>', 'embedded instance: delay added to every RPC, in milliseconds', parseLatency, 0)
    .option('--private-mode', "embedded instance: as Flux's [access] private-mode, each user sees only their own jobs and no job-stats")
    .option('--config <file>', 'read options from this TOML file (long option names as keys); the command line and environment win');
}

function embeddedSettings(flags: EmbeddedFlags): EmbeddedSettings {
  return { jobs: flags.jobs, seed: flags.seed, live: flags.live, latencyMs: flags.latency, ...(flags.privateMode === true ? { privateMode: true } : {}) };
}

/** Options of the embedded instance that were given on the command line. */
function explicitEmbeddedFlags(command: Command): string[] {
  return EMBEDDED_FLAGS.filter((flag) => command.getOptionValueSource(flag) === 'cli').map((flag) =>
    flag === 'live' ? '--live/--no-live' : flag === 'privateMode' ? '--private-mode' : `--${flag}`,
  );
}

const SNAPSHOT_HELP =
  'serve the jobs of a snapshot file (see the snapshot command), frozen at the moment it was taken; with --live the ' +
  'clock runs on from that moment (runtimes and time left advance) while the jobs stay as recorded';

/**
 * Settings for --snapshot, or undefined without it. The generated workload's options make no
 * sense with a snapshot; --live means "let the clock run on from the snapshot's time", and its
 * default (on for a generated workload) does not apply.
 */
function snapshotSettings(flags: EmbeddedFlags & { snapshot?: string }, command: Command): SnapshotSettings | undefined {
  if (flags.snapshot === undefined) return undefined;
  const workloadOnly = explicitEmbeddedFlags(command).filter((flag) => flag === '--jobs' || flag === '--seed');
  if (workloadOnly.length > 0) {
    command.error(`error: ${workloadOnly.join(', ')} ${workloadOnly.length === 1 ? 'applies' : 'apply'} to a generated workload, not to --snapshot.`, {
      exitCode: USAGE_ERROR_EXIT_CODE,
      code: 'flux-graphql.conflictingOptions',
    });
  }
  return {
    path: flags.snapshot,
    live: command.getOptionValueSource('live') === 'cli' ? flags.live : false,
    ...(flags.privateMode === true ? { privateMode: true } : {}),
  };
}

/** The version of package.json, which sits two levels up from both src/server and dist/server. */
function packageVersion(): string {
  const text = readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

export function createProgram(actions: CommandActions): Command {
  const program = new Command('flux-graphql')
    .description('A GraphQL server for the jobs of a Flux instance (or of an embedded one, made up for trying it out).')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .hook('preAction', (_program, command) => {
      const file = command.getOptionValue('config') as string | undefined;
      if (file === undefined) return;
      try {
        applyConfigFile(command, file);
      } catch (error) {
        if (!(error instanceof ConfigFileError)) throw error;
        command.error(`error: ${error.message}`, { exitCode: USAGE_ERROR_EXIT_CODE, code: 'flux-graphql.config' });
      }
    });

  const serve = addEmbeddedOptions(
    program
      .command('serve')
      .description(
        'Serve GraphQL (and GraphiQL) at http://HOST:PORT/graphql. Jobs come from the Flux instance at ' +
          '--flux-uri (or $FLUX_URI), else from an embedded instance with a generated workload.',
      )
      .option('--port <n>', 'TCP port to listen on (0 picks a free one)', parsePort, 4000)
      .option('--host <address>', 'address to listen on', parseHost, '127.0.0.1')
      .addOption(
        new Option('--flux-uri <uri>', 'serve the jobs of this Flux instance, e.g. local:///run/flux/local')
          .env('FLUX_URI')
          .argParser(parseFluxUri),
      )
      .option('--embedded', 'use the embedded instance even when FLUX_URI is set')
      .option('--snapshot <file>', SNAPSHOT_HELP),
  )
    .option('--max-page-size <n>', 'largest first/last a client may ask for', parsePageSize, DEFAULT_PAGE_LIMITS.maxPageSize)
    .option('--default-page-size <n>', 'page size when a client gives neither first nor last', parsePageSize, DEFAULT_PAGE_LIMITS.defaultPageSize)
    .option('--shutdown-grace <seconds>', 'on SIGTERM/SIGINT, how long requests in flight may take to finish', parseShutdownGrace, 10)
    .option('--max-nodes <n>', 'most job nodes one request may ask for, over all its connections and aliases', parseMaxNodes, DEFAULT_MAX_NODES)
    .option('--max-body-bytes <n>', 'largest request body accepted (HTTP 413 beyond)', parseBodyBytes, DEFAULT_MAX_BODY_BYTES)
    .option('--max-output-bytes <n>', "most bytes of a job's output Job.output keeps (stdout and stderr together; truncated beyond)", parseMaxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES)
    .option('--request-timeout <seconds>', 'deadline for all the Flux RPCs of one request (FLUX_TIMEOUT beyond)', parseRequestTimeout, DEFAULT_REQUEST_TIMEOUT_MS / 1000)
    .option('--no-request-log', 'do not write a JSON line per GraphQL request to standard output')
    .option('--cors-origin <origin>', 'let pages of this origin call the API from a browser, and open WebSockets to it (repeatable; default: same origin only)', parseCorsOrigin, [])
    .option(
      '--max-subscriptions-per-user <n>',
      'most subscriptions one user may hold at once, over SSE and WebSocket together, in each worker process (TOO_MANY_SUBSCRIPTIONS beyond)',
      (text: string) => parseSubscriptionCount(text, 'per user'),
      DEFAULT_MAX_SUBSCRIPTIONS_PER_USER,
    )
    .option(
      '--max-subscriptions-per-connection <n>',
      'most subscriptions at once on one WebSocket connection (TOO_MANY_SUBSCRIPTIONS beyond)',
      (text: string) => parseSubscriptionCount(text, 'per connection'),
      DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    )
    .option('--keepalive <seconds>', "seconds between keep-alives of a subscription's connection (an SSE comment, a WebSocket ping; a WebSocket client that does not answer a ping within as long is cut off)", parseKeepAlive, DEFAULT_KEEPALIVE_MS / 1000)
    .option('--ws-max-buffered-bytes <n>', 'most bytes a WebSocket client may leave unread in the server\'s send buffer before it is closed (1008, SUBSCRIBER_TOO_SLOW)', parseBufferedBytes, DEFAULT_MAX_SOCKET_BUFFERED_BYTES)
    .option(
      '--workers <n>',
      'worker processes serving the port, each with its own connection to Flux (an embedded instance or snapshot runs once, ' +
        'in a broker child they share); limits such as --max-concurrent-per-user apply to each worker',
      parseWorkers,
      1,
    );
  addAccessOptions(serve)
    .exitOverride()
    .action(async (flags: EmbeddedFlags & AccessFlags & { port: number; host: string; fluxUri?: string; embedded?: boolean; snapshot?: string; maxPageSize: number; defaultPageSize: number; corsOrigin: string[]; shutdownGrace: number; maxBodyBytes: number; maxNodes: number; maxOutputBytes: number; requestLog: boolean; requestTimeout: number; workers: number; maxSubscriptionsPerUser: number; maxSubscriptionsPerConnection: number; keepalive: number; wsMaxBufferedBytes: number }, command: Command) => {
      const snapshot = snapshotSettings(flags, command);
      if (snapshot !== undefined && (command.getOptionValueSource('fluxUri') === 'cli' || flags.embedded === true)) {
        command.error(`error: --snapshot cannot be combined with ${flags.embedded === true ? '--embedded' : '--flux-uri'}: give one source of jobs.`, {
          exitCode: USAGE_ERROR_EXIT_CODE,
          code: 'flux-graphql.conflictingOptions',
        });
      }
      // A snapshot is served even when FLUX_URI is set in the environment.
      const fluxUri = flags.embedded === true || snapshot !== undefined ? undefined : flags.fluxUri;
      if (fluxUri !== undefined) {
        const conflicting = explicitEmbeddedFlags(command);
        if (conflicting.length > 0) {
          const from = command.getOptionValueSource('fluxUri') === 'env' ? 'FLUX_URI is set in the environment' : '--flux-uri was given';
          command.error(
            `error: ${conflicting.join(', ')} ${conflicting.length === 1 ? 'applies' : 'apply'} to the embedded instance only, but ${from}; ` +
              'pass --embedded to serve the embedded instance instead.',
            { exitCode: USAGE_ERROR_EXIT_CODE, code: 'flux-graphql.conflictingOptions' },
          );
        }
      }
      if (flags.defaultPageSize > flags.maxPageSize) {
        command.error(`error: --default-page-size (${flags.defaultPageSize}) must not exceed --max-page-size (${flags.maxPageSize}).`, {
          exitCode: USAGE_ERROR_EXIT_CODE,
          code: 'flux-graphql.conflictingOptions',
        });
      }
      const access = accessSettingsFrom(flags, command);
      if (typeof access === 'string') command.error(`error: ${access}`, { exitCode: USAGE_ERROR_EXIT_CODE, code: 'flux-graphql.conflictingOptions' });
      await actions.serve({
        access,
        ...(flags.allowAnonymous === true ? { allowAnonymous: true } : {}),
        maxConcurrentPerUser: flags.maxConcurrentPerUser,
        port: flags.port,
        host: flags.host,
        ...(fluxUri === undefined ? {} : { fluxUri }),
        ...(snapshot === undefined ? {} : { snapshot }),
        embedded: embeddedSettings(flags),
        maxPageSize: flags.maxPageSize,
        defaultPageSize: flags.defaultPageSize,
        ...(flags.corsOrigin.length === 0 ? {} : { corsOrigins: flags.corsOrigin }),
        shutdownGraceSeconds: flags.shutdownGrace,
        maxBodyBytes: flags.maxBodyBytes,
        maxNodes: flags.maxNodes,
        maxOutputBytes: flags.maxOutputBytes,
        requestLog: flags.requestLog,
        requestTimeoutSeconds: flags.requestTimeout,
        maxSubscriptionsPerUser: flags.maxSubscriptionsPerUser,
        maxSubscriptionsPerConnection: flags.maxSubscriptionsPerConnection,
        keepAliveSeconds: flags.keepalive,
        wsMaxBufferedBytes: flags.wsMaxBufferedBytes,
        workers: flags.workers,
      });
    });

  addEmbeddedOptions(
    program
      .command('broker')
      .description(
        'Serve an embedded instance over Flux\'s local connector protocol on a Unix socket, so Flux\'s own tools ' +
          '(FLUX_URI=local://PATH flux jobs) and flux-graphql serve --flux-uri local://PATH can use it.',
      )
      .requiredOption('--listen <path>', 'Unix socket to listen on', parseSocketPath)
      .option('--snapshot <file>', SNAPSHOT_HELP),
  )
    .exitOverride()
    .action(async (flags: EmbeddedFlags & { listen: string; snapshot?: string }, command: Command) => {
      const snapshot = snapshotSettings(flags, command);
      await actions.broker({ listen: flags.listen, ...(snapshot === undefined ? {} : { snapshot }), embedded: embeddedSettings(flags) });
    });

  program
    .command('snapshot')
    .description(
      'Take the jobs of a Flux instance home: one listing of every job with all its attributes, written as a ' +
        'snapshot file that serve --snapshot and broker --snapshot answer from exactly as the instance did.',
    )
    .addOption(
      new Option('--flux-uri <uri>', 'the instance to snapshot')
        .env('FLUX_URI')
        .default(DEFAULT_FLUX_URI)
        .argParser(parseFluxUri),
    )
    .option('--output <file>', 'write the snapshot to this file (replaced only once complete); default standard output')
    .option('--details', "also take each job's eventlog, jobspec, R, exec eventlog and output from job-info (one lookup per job)")
    .option('--max-detail-bytes <n>', "with --details: most bytes of a job's texts kept; a job over it keeps its eventlog, the rest is marked cut", parseMaxDetailBytes, DEFAULT_MAX_DETAIL_BYTES)
    .exitOverride()
    .action(async (flags: { fluxUri: string; output?: string; details?: boolean; maxDetailBytes: number }, command: Command) => {
      if (actions.snapshot === undefined) throw new Error('the snapshot command is not available here');
      if (flags.details !== true && command.getOptionValueSource('maxDetailBytes') === 'cli') {
        command.error('error: --max-detail-bytes applies only with --details.', { exitCode: USAGE_ERROR_EXIT_CODE });
      }
      await actions.snapshot({
        fluxUri: flags.fluxUri,
        ...(flags.output === undefined ? {} : { output: flags.output }),
        ...(flags.details === true ? { details: true, maxDetailBytes: flags.maxDetailBytes } : {}),
      });
    });

  return program;
}

/** Runs the command line; resolves with the exit code for a usage error or --help, else once started. */
export async function runCli(argv: readonly string[], actions: CommandActions): Promise<number> {
  const program = createProgram(actions);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return 0;
      return USAGE_ERROR_EXIT_CODE;
    }
    throw error;
  }
}

async function main(): Promise<void> {
  // Loaded here so that `--help` and usage errors do not pay for building the schema.
  const code = await runCli(process.argv.slice(2), {
    serve: async (settings) => {
      // The primary of several workers serves nothing itself: it loads neither the schema nor a backend.
      if ((settings.workers ?? 1) > 1) {
        const { startCluster } = await import('./cluster/primary');
        await startCluster(settings);
      } else {
        const { startServer } = await import('./start');
        await startServer(settings);
      }
    },
    broker: async (settings) => {
      const { startBroker } = await import('./start');
      await startBroker(settings);
    },
    snapshot: async (settings) => {
      const [{ runSnapshotCommand }, { openHandle }] = await Promise.all([import('./snapshot-command'), import('../flux/connect')]);
      await runSnapshotCommand(settings, { openHandle: (uri) => openHandle(uri), stdout: process.stdout, stderr: process.stderr });
    },
  });
  if (code !== 0) process.exit(code);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`flux-graphql: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
