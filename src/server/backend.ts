/**
 * Where the server's jobs come from: a real Flux instance (its URI) or an embedded instance
 * holding a generated workload.
 */
import type { FluxHandle } from '../flux/handle';
import { openHandle } from '../flux/connect';
import { EmbeddedInstance } from '../embedded';
import { describeWorkload, forEachJob } from '../embedded/workload/generate';
import type { JobInfoOptions, UserDatabase } from '../joblist';
import { openSnapshotBackend, type SnapshotSettings } from './snapshot-backend';

export interface EmbeddedSettings {
  /** Jobs in the generated history. */
  jobs: number;
  /** Workload seed: the same seed gives the same jobs. */
  seed: number;
  /** Keep submitting and running jobs after start-up. */
  live: boolean;
  /** Delay added to every RPC, in milliseconds. */
  latencyMs: number;
}

export interface Backend {
  handle: FluxHandle;
  /** For the start-up line and /healthz, e.g. "embedded:jobs=3000,seed=1,live" or "local:///run/flux/local". */
  description: string;
  /** Clock and names for derived Job fields (an embedded instance has its own clock). */
  jobInfo?: JobInfoOptions;
  /** The instance's users (an embedded workload's users exist only there). */
  userDatabase?: UserDatabase;
  close(): Promise<void>;
}

export interface EmbeddedBackend {
  instance: EmbeddedInstance;
  /** What serveBroker serves: the instance's job-list service. */
  service: EmbeddedInstance['service'];
  description: string;
  /** Names of the instance's users, for Job.username. */
  usernameOf: (uid: number) => string | undefined;
  /** The instance's users both ways, when it has its own (a generated workload does). */
  userDatabase?: UserDatabase;
  close(): Promise<void>;
}

export function embeddedDescription(settings: EmbeddedSettings): string {
  // No live driver exists yet (the workload generator's LiveWorkload): say what is served.
  const parts = [`jobs=${settings.jobs}`, `seed=${settings.seed}`, 'fixed'];
  if (settings.latencyMs > 0) parts.push(`latency=${settings.latencyMs}ms`);
  return `embedded:${parts.join(',')}`;
}

/**
 * Creates an embedded instance and loads its generated history. `live` is accepted but not
 * acted on yet: the jobs stay as generated until a live workload driver is wired in here.
 */
export async function openEmbeddedInstance(settings: EmbeddedSettings): Promise<EmbeddedBackend> {
  const description = embeddedDescription(settings);
  const now = Date.now() / 1000;
  const options = { jobs: settings.jobs, seed: settings.seed, now };
  const workload = describeWorkload(options);
  const instance = new EmbeddedInstance({ uri: description, queues: workload.queues, ownerUserid: workload.owner });
  forEachJob(options, (job) => instance.sink.ingest(job));
  const names = new Map(workload.users.map((user) => [user.uid, user.name]));
  const uids = new Map(workload.users.map((user) => [user.name, user.uid]));
  return {
    instance,
    service: instance.service,
    description,
    // The workload's users exist only in the workload, not in this machine's password database.
    usernameOf: (uid) => names.get(uid),
    userDatabase: { nameOf: (uid) => names.get(uid), uidOf: (name) => uids.get(name) },
    close: async () => {
      instance.close();
    },
  };
}

export async function openBackend(settings: { fluxUri?: string; snapshot?: SnapshotSettings; embedded: EmbeddedSettings }): Promise<Backend> {
  if (settings.snapshot !== undefined) return openSnapshotBackend(settings.snapshot, { latencyMs: settings.embedded.latencyMs });
  if (settings.fluxUri !== undefined) {
    const handle = await openHandle(settings.fluxUri);
    return { handle, description: settings.fluxUri, close: () => handle.close() };
  }
  const embedded = await openEmbeddedInstance(settings.embedded);
  const handle = embedded.instance.handle({ latencyMs: settings.embedded.latencyMs });
  return {
    handle,
    description: embedded.description,
    jobInfo: { now: embedded.instance.now, usernameOf: embedded.usernameOf },
    ...(embedded.userDatabase === undefined ? {} : { userDatabase: embedded.userDatabase }),
    close: async () => {
      await handle.close();
      await embedded.close();
    },
  };
}
