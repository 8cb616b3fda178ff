import { userInfo } from 'node:os';
import type { GraphQLError } from 'graphql';
import type { FluxHandle } from '../flux/handle';
import type { JobInfoOptions, UserDatabase } from '../joblist';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../jobinfo';
import { JobDetailsLoader, type JobDetailsBatchListener } from './loaders/job-details-loader';
import { JobLoader, type JobBatchListener } from './loaders/job-loader';
import type { Viewer } from './viewer';
import { LiveServices } from './live/live-services';
import { usernameLoaderFor, type UsernameLoader } from './loaders/username-loader';

/** Page sizes for connections: used when neither first nor last is given, and the most allowed. */
export interface PageLimits {
  defaultPageSize: number;
  maxPageSize: number;
}

export const DEFAULT_PAGE_LIMITS: PageLimits = { defaultPageSize: 50, maxPageSize: 1000 };

/** What every resolver of one request sees. Built fresh per request: nothing here is shared. */
export interface GraphQLContext {
  /** Carries this request's user's credentials on every RPC (or the server's own, for an admin). */
  handle: FluxHandle;
  /**
   * The same credentials without the request's deadline: what subscriptions watch Flux through,
   * for as long as the client stays.
   */
  liveHandle: FluxHandle;
  /** What the server's subscriptions share (one per app). */
  live: LiveServices;
  viewer: Viewer;
  /** Batches and caches every job-by-ID lookup of this request. */
  jobLoader: JobLoader;
  /** Batches and caches every job-info key (eventlog, jobspec, R, output) this request selects: one lookup per job. */
  jobDetails: JobDetailsLoader;
  /** Most bytes of output kept per job in Job.output (--max-output-bytes). */
  maxOutputBytes: number;
  pageLimits: PageLimits;
  /** The clock and user-name lookup that derived Job fields (runtime, username, ...) use. */
  jobInfo: JobInfoOptions;
  /** Where `user` names are looked up (undefined: this machine's password database). */
  userDatabase: UserDatabase | undefined;
  /** Batches the uid → name lookups of Job.username, when the user database must ask NSS for them. */
  usernames: UsernameLoader | undefined;
  /**
   * Errors that do not stop a field from returning data (e.g. an unknown ID among jobs(ids:)):
   * the server appends them to the response's `errors` after execution. Push them only from the
   * work of a resolver that answers with a promise: when graphql's executor runs a query after
   * the lean one gave up, it replays such a resolver's promise (so its errors come once) but
   * calls a synchronous resolver again.
   */
  deferredErrors: GraphQLError[];
}

export interface ContextOptions {
  handle: FluxHandle;
  /** Default: `handle`. */
  liveHandle?: FluxHandle;
  /** Default: services of this context's own. */
  live?: LiveServices;
  /** Default: the user this process runs as, served with its own credentials. */
  viewer?: Viewer;
  pageLimits?: PageLimits;
  jobInfo?: JobInfoOptions;
  userDatabase?: UserDatabase;
  /** Told about each batch of job-by-ID lookups (instrumentation and tests). */
  onJobBatch?: JobBatchListener;
  /** Told about each batch of job-info lookups (instrumentation and tests). */
  onJobDetailsBatch?: JobDetailsBatchListener;
  /** Most bytes of output kept per job (default 1 MiB). */
  maxOutputBytes?: number;
}

/** User names for Job.username come from the same database as `user` lookups, unless given. */
function jobInfoWithUsers(jobInfo: JobInfoOptions, users: UserDatabase | undefined): JobInfoOptions {
  if (users === undefined || jobInfo.usernameOf !== undefined) return jobInfo;
  return { ...jobInfo, usernameOf: (uid) => users.nameOf(uid) };
}

let processUser: Viewer | undefined;

/** The user this process runs as: who every request is served for when the server does not authenticate. */
export function processViewer(): Viewer {
  if (processUser === undefined) {
    const me = userInfo();
    processUser = { username: me.username, userid: me.uid, admin: true };
  }
  return processUser;
}

export function createGraphQLContext(options: ContextOptions): GraphQLContext {
  // An instance with its own names for Job.username (embedded, snapshot) is never asked of NSS.
  const ownNames = options.jobInfo?.usernameOf !== undefined;
  const { handle, onJobBatch, onJobDetailsBatch, userDatabase } = options;
  // The loaders are made on first use: most requests need one of them or none (a dashboard's
  // page needs none of them), and each costs a DataLoader with its cache and closures.
  let jobLoader: JobLoader | undefined;
  let jobDetails: JobDetailsLoader | undefined;
  let usernames: UsernameLoader | undefined | null = ownNames ? undefined : null;
  return {
    handle,
    liveHandle: options.liveHandle ?? handle,
    live: options.live ?? new LiveServices(),
    viewer: options.viewer ?? processViewer(),
    get jobLoader(): JobLoader {
      return (jobLoader ??= new JobLoader(handle, onJobBatch));
    },
    get jobDetails(): JobDetailsLoader {
      return (jobDetails ??= new JobDetailsLoader(handle, onJobDetailsBatch));
    },
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    pageLimits: options.pageLimits ?? DEFAULT_PAGE_LIMITS,
    jobInfo: jobInfoWithUsers(options.jobInfo ?? {}, userDatabase),
    userDatabase,
    get usernames(): UsernameLoader | undefined {
      if (usernames === null) usernames = usernameLoaderFor(userDatabase);
      return usernames;
    },
    deferredErrors: [],
  };
}
