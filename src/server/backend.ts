/**
 * Where the server's jobs come from: a real Flux instance (its URI) or an embedded instance
 * holding a generated workload.
 */
import type { FluxHandle } from '../flux/handle';
import { openHandle } from '../flux/connect';
import { EmbeddedInstance } from '../embedded';
import { describeWorkload, forEachJob } from '../embedded/workload/generate';
import { LiveWorkload } from '../embedded/workload/live';
import { systemNssUserDatabase, type JobInfoOptions, type UserDatabase } from '../joblist';
import { openSnapshotBackend, type SnapshotSettings } from './snapshot-backend';
import { ownerOf, processUser } from './server-user';

export interface EmbeddedSettings {
  /** Jobs in the generated history. */
  jobs: number;
  /** Workload seed: the same seed gives the same jobs. */
  seed: number;
  /** Keep submitting and running jobs after start-up. */
  live: boolean;
  /** Delay added to every RPC, in milliseconds. */
  latencyMs: number;
  /** As Flux's `[access] private-mode`: users other than the owner see only their own jobs. */
  privateMode?: boolean;
}

/** How an embedded instance keeps time; the defaults are for real use, the rest for tests. */
export interface EmbeddedClockOptions {
  /** The instance's clock, Unix seconds (default: wall time). The live workload and derived Job fields read it. */
  clock?: () => number;
  /**
   * Whether a live workload catches up with the clock on its own, once a second (default true).
   * Without the timer nothing moves until someone calls `liveWorkload.step(clock())`.
   */
  stepOnTimer?: boolean;
  /** Told when a timed step fails; the live workload has stopped then and the jobs stay as they are. */
  onLiveError?: (error: unknown) => void;
}

export interface Backend {
  handle: FluxHandle;
  /** For the start-up line and /healthz, e.g. "embedded:jobs=3000,seed=1,live" or "local:///run/flux/local". */
  readonly description: string;
  /** Clock and names for derived Job fields (an embedded instance has its own clock). */
  jobInfo?: JobInfoOptions;
  /** The instance's users (an embedded workload's users exist only there). */
  userDatabase?: UserDatabase;
  /** What keeps a live embedded instance changing (absent for --no-live, snapshots and real instances). */
  liveWorkload?: LiveWorkload;
  /**
   * The user the server's connection acts as (its requests carry this uid unless they say
   * otherwise); unknown over ssh://, where it is whoever the remote account is.
   */
  serverUser?: { userid: number; username: string };
  close(): Promise<void>;
}

export interface EmbeddedBackend {
  instance: EmbeddedInstance;
  /** What serveBroker serves: the instance's job-list service. */
  service: EmbeddedInstance['service'];
  readonly description: string;
  /** Names of the instance's users, for Job.username. */
  usernameOf: (uid: number) => string | undefined;
  /** The instance's users both ways, when it has its own (a generated workload does). */
  userDatabase?: UserDatabase;
  /** Those users as a list, for processes that serve the instance from elsewhere (the workers of serve --workers). */
  users?: readonly InstanceUser[];
  /** What keeps the instance changing, with live on. */
  liveWorkload?: LiveWorkload;
  close(): Promise<void>;
}

export interface InstanceUser {
  uid: number;
  name: string;
}

/** An instance's own users, both ways: its names for Job.username, and the database authentication asks. */
export function userTableOf(users: readonly InstanceUser[]): { usernameOf: (uid: number) => string | undefined; userDatabase: UserDatabase } {
  const names = new Map(users.map((user) => [user.uid, user.name]));
  const uids = new Map(users.map((user) => [user.name, user.uid]));
  const usernameOf = (uid: number): string | undefined => names.get(uid);
  return { usernameOf, userDatabase: { nameOf: usernameOf, uidOf: (name) => uids.get(name) } };
}

/** The line an operator reads when a live workload has stopped on an error. */
export function liveFailure(error: unknown): string {
  return `flux-graphql: the live workload stopped (${error instanceof Error ? error.message : String(error)}); the jobs no longer change`;
}

/** How often a live workload catches up with the clock. */
export const LIVE_STEP_INTERVAL_MS = 1000;

/**
 * e.g. "embedded:jobs=3000,seed=1,live": live while a workload keeps the jobs moving, fixed with
 * --no-live, live-failed once a live workload has stopped on an error (the jobs no longer change).
 */
export function embeddedDescription(settings: EmbeddedSettings, liveState: 'live' | 'fixed' | 'live-failed' = settings.live ? 'live' : 'fixed'): string {
  const parts = [`jobs=${settings.jobs}`, `seed=${settings.seed}`, liveState];
  if (settings.latencyMs > 0) parts.push(`latency=${settings.latencyMs}ms`);
  return `embedded:${parts.join(',')}`;
}

/**
 * Creates an embedded instance and loads its generated history, placed so that it ends at the
 * clock's present. With `live` a LiveWorkload then keeps submitting jobs and posting their
 * events as the clock moves on, stepped by an unref'd timer that close() stops.
 */
export async function openEmbeddedInstance(settings: EmbeddedSettings, options: EmbeddedClockOptions = {}): Promise<EmbeddedBackend> {
  const clock = options.clock ?? wallClock;
  const now = clock();
  const workloadOptions = { jobs: settings.jobs, seed: settings.seed, now };
  const workload = describeWorkload(workloadOptions);
  const instance = new EmbeddedInstance({
    uri: embeddedDescription(settings),
    queues: workload.queues,
    ownerUserid: workload.owner,
    privateMode: settings.privateMode === true,
    // Derived fields (runtime, time left) and the live workload must read the same clock.
    now: clock,
  });
  let liveWorkload: LiveWorkload | undefined;
  let failed = false;
  if (settings.live) {
    liveWorkload = new LiveWorkload(instance.sink, {
      ...workloadOptions,
      clock,
      onError: (error) => {
        failed = true;
        options.onLiveError?.(error);
      },
    });
    if (options.stepOnTimer !== false) liveWorkload.start(LIVE_STEP_INTERVAL_MS);
  } else {
    forEachJob(workloadOptions, (job) => instance.sink.ingest(job));
    // The history is complete up to now: running jobs show their output so far.
    instance.sink.advanceTo?.(now);
  }
  const users = workload.users.map(({ uid, name }) => ({ uid, name }));
  const { usernameOf, userDatabase } = userTableOf(users);
  return {
    instance,
    service: instance.service,
    get description() {
      return embeddedDescription(settings, failed ? 'live-failed' : settings.live ? 'live' : 'fixed');
    },
    // The workload's users exist only in the workload, not in this machine's password database.
    usernameOf,
    userDatabase,
    users,
    ...(liveWorkload === undefined ? {} : { liveWorkload }),
    close: async () => {
      liveWorkload?.stop();
      instance.close();
    },
  };
}

function wallClock(): number {
  return Date.now() / 1000;
}

export async function openBackend(
  settings: { fluxUri?: string; snapshot?: SnapshotSettings; embedded: EmbeddedSettings },
  options: EmbeddedClockOptions = {},
): Promise<Backend> {
  if (settings.snapshot !== undefined) return openSnapshotBackend(settings.snapshot, { latencyMs: settings.embedded.latencyMs });
  if (settings.fluxUri !== undefined) {
    // Reconnecting on its own, the handle is back (and /metrics and the log say so) as soon as Flux is.
    const handle = await openHandle(settings.fluxUri, { reconnectInBackground: true });
    return {
      handle,
      description: settings.fluxUri,
      // A site's users may live in LDAP or SSSD, not /etc/passwd: ask NSS, as Flux's tools do.
      userDatabase: systemNssUserDatabase(),
      ...(settings.fluxUri.startsWith('local://') ? { serverUser: processUser() } : {}),
      close: () => handle.close(),
    };
  }
  const embedded = await openEmbeddedInstance(settings.embedded, options);
  const handle = embedded.instance.handle({ latencyMs: settings.embedded.latencyMs });
  return {
    handle,
    get description() {
      return embedded.description;
    },
    jobInfo: { now: embedded.instance.now, usernameOf: embedded.usernameOf },
    ...(embedded.userDatabase === undefined ? {} : { userDatabase: embedded.userDatabase }),
    serverUser: ownerOf(embedded),
    ...(embedded.liveWorkload === undefined ? {} : { liveWorkload: embedded.liveWorkload }),
    close: async () => {
      await handle.close();
      await embedded.close();
    },
  };
}
