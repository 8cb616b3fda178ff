/**
 * The messages of `serve --workers` between its processes, over node's IPC channels: the primary,
 * its workers (node:cluster) and the broker child that holds a shared embedded instance. Each
 * carries `channel: "flux-graphql"`, so that prom-client's own cluster messages on the same
 * channel pass by, and a `kind`; `asClusterMessage` checks both before anyone reads the rest.
 * The settings a child starts with travel in its environment (`START_ENV`), read once.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { ServeSettings } from '../cli';
import type { EmbeddedSettings, InstanceUser } from '../backend';
import type { SnapshotSettings } from '../snapshot-backend';
import type { ServerUser } from '../server-user';

export const CHANNEL = 'flux-graphql';

/** The environment variable holding a child's start settings (JSON); removed once read. */
export const START_ENV = 'FLUX_GRAPHQL_CLUSTER_START';

/** An instance's clock, as a worker reproduces it: stopped at a moment, or the wall clock shifted. */
export type InstanceClock = { frozenAt: number } | { offsetSeconds: number };

/** What the broker child tells the workers about the instance it serves, so each answers as one process would. */
export interface SharedInstance {
  /** local://PATH of the broker child's socket. */
  uri: string;
  /** For /healthz and the start-up line, e.g. "embedded:jobs=3000,seed=1,live". */
  description: string;
  clock: InstanceClock;
  /** The workload's own users; absent for a snapshot, whose names come from this machine. */
  users?: readonly InstanceUser[];
  /** The instance owner, whom the broker's clients act as. */
  owner: ServerUser;
}

export type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

/** How the broker child is started. */
export interface BrokerChildStart {
  socketPath: string;
  embedded: EmbeddedSettings;
  snapshot?: SnapshotSettings;
}

/** How a worker is started: the serve settings, and the shared instance when there is one. */
export interface WorkerStart {
  settings: ServeSettings;
  shared?: SharedInstance;
}

export type ClusterMessage =
  /** worker → primary: listening, on this port. */
  | { channel: typeof CHANNEL; kind: 'ready'; port: number }
  /** worker or broker child → primary: could not start, and why (the primary prints it once). */
  | { channel: typeof CHANNEL; kind: 'failed'; message: string }
  /** worker or broker child → primary: a line for the server's output. */
  | { channel: typeof CHANNEL; kind: 'log'; line: string }
  /** worker → primary: GET /metrics wants the sum over the workers. */
  | { channel: typeof CHANNEL; kind: 'metrics-request'; requestId: number }
  /** primary → worker: the answer to one metrics-request. */
  | { channel: typeof CHANNEL; kind: 'metrics-answer'; requestId: number; text?: string; error?: string }
  /** primary → worker: send your registry's metrics, to be summed. */
  | { channel: typeof CHANNEL; kind: 'metrics-collect'; collectId: number }
  /** worker → primary: this worker's metrics, as prom-client's getMetricsAsJSON gives them. */
  | { channel: typeof CHANNEL; kind: 'metrics-collected'; collectId: number; metrics: WorkerMetrics }
  /** primary → worker: stop accepting, finish what is in flight, exit. primary → broker child: exit. */
  | { channel: typeof CHANNEL; kind: 'shutdown' }
  /** broker child → primary: serving, this is the instance. */
  | { channel: typeof CHANNEL; kind: 'broker-ready'; shared: SharedInstance }
  /** broker child → primary → workers: the instance's description changed (its live workload stopped). */
  | { channel: typeof CHANNEL; kind: 'description'; description: string };

export type ClusterMessageKind = ClusterMessage['kind'];

const KINDS: ReadonlySet<string> = new Set<ClusterMessageKind>([
  'ready',
  'failed',
  'log',
  'metrics-request',
  'metrics-answer',
  'metrics-collect',
  'metrics-collected',
  'shutdown',
  'broker-ready',
  'description',
]);

/** Distributes over the union, so that `Body<'ready'>` is `{ port: number }`. */
type BodyOf<M> = M extends ClusterMessage ? Omit<M, 'channel' | 'kind'> : never;
export type MessageBody<K extends ClusterMessageKind> = BodyOf<Extract<ClusterMessage, { kind: K }>>;

export function clusterMessage<K extends ClusterMessageKind>(kind: K, body: MessageBody<K>): ClusterMessage {
  return { channel: CHANNEL, kind, ...body } as ClusterMessage;
}

/** The message if it is one of ours (by channel and kind), else undefined. */
export function asClusterMessage(value: unknown): ClusterMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { channel, kind } = value as { channel?: unknown; kind?: unknown };
  if (channel !== CHANNEL || typeof kind !== 'string' || !KINDS.has(kind)) return undefined;
  return value as ClusterMessage;
}

/** A child's start settings from its environment, removed from it so that nothing the child runs inherits them. */
export function takeStartSettings<T>(env: NodeJS.ProcessEnv = process.env): T {
  const text = env[START_ENV];
  if (text === undefined) throw new Error(`${START_ENV} is not set: this module is started by flux-graphql serve --workers`);
  delete env[START_ENV];
  return JSON.parse(text) as T;
}

/** Sends to the parent when there is an IPC channel to it (the primary may be gone); settles once sent. */
export function sendToPrimary(message: ClusterMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}
