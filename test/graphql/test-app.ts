/**
 * The app under test, on an embedded instance: a generated workload fixed in time (no live
 * mode), the 59-job snapshot recorded from a flux-core 0.88 broker, or hand-made records.
 * Requests go through app.fetch; every RPC is recorded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedInstance } from '../../src/embedded';
import { describeWorkload, forEachJob } from '../../src/embedded/workload/generate';
import { encodeJobId } from '../../src/flux/jobid';
import type { Json } from '../../src/flux/json';
import type { PageLimits } from '../../src/graphql/context';
import type { JobBatch } from '../../src/graphql/loaders/job-loader';
import { JobList, type JobInfoOptions, type JobRecord, type JobListOptions, type UserDatabase } from '../../src/joblist';
import type { FluxHandle } from '../../src/flux/handle';
import type { QueryLimits } from '../../src/server/query-limits';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { RecordingHandle } from './recording-handle';

export interface GraphQLErrorJson {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: GraphQLErrorJson[];
}

export interface TestApp {
  app: FluxGraphQLApp;
  instance: EmbeddedInstance;
  /** Every RPC the app sent. */
  handle: RecordingHandle;
  /** Every batch of job-by-ID lookups. */
  batches: JobBatch[];
  jobInfo: JobInfoOptions;
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** A direct JobList listing on the same instance (not through the app, not recorded). */
  list(options: JobListOptions): Promise<JobRecord[]>;
}

export interface AppSetup {
  pageLimits?: Partial<PageLimits>;
  queryLimits?: Partial<QueryLimits>;
  /** Wraps the instance's handle (e.g. to make it fail). */
  wrapHandle?: (handle: FluxHandle) => FluxHandle;
}

function makeTestApp(instance: EmbeddedInstance, jobInfo: JobInfoOptions, setup: AppSetup, userDatabase?: UserDatabase): TestApp {
  const direct = instance.handle();
  const handle = new RecordingHandle(setup.wrapHandle?.(instance.handle()) ?? instance.handle());
  const batches: JobBatch[] = [];
  const app = createApp({
    handle,
    logging: false,
    jobInfo,
    onJobBatch: (batch) => batches.push(batch),
    ...(setup.pageLimits === undefined ? {} : { pageLimits: setup.pageLimits }),
    ...(setup.queryLimits === undefined ? {} : { queryLimits: setup.queryLimits }),
    ...(userDatabase === undefined ? {} : { userDatabase }),
  });
  return {
    app,
    instance,
    handle,
    batches,
    jobInfo,
    async gql<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
      const response = await app.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as GraphQLResponse<T>;
    },
    list: (options) => new JobList(direct, { maxEntries: 0, ...(userDatabase === undefined ? {} : { userDatabase }), ...options }).records(),
  };
}

/** Unix time the test workloads are generated at; the instance's clock stands still there. */
export const WORKLOAD_NOW = 1795640000.25;

/** A generated workload of `jobs` jobs (fixed seed and time: the same jobs every run). */
export function workloadApp(options: { jobs?: number; seed?: number } & AppSetup = {}): TestApp & { users: { uid: number; name: string }[] } {
  const workloadOptions = { jobs: options.jobs ?? 150, seed: options.seed ?? 11, now: WORKLOAD_NOW };
  const description = describeWorkload(workloadOptions);
  const instance = new EmbeddedInstance({ queues: description.queues, now: () => WORKLOAD_NOW, ownerUserid: description.owner });
  forEachJob(workloadOptions, (job) => instance.sink.ingest(job));
  const names = new Map(description.users.map((user) => [user.uid, user.name]));
  const uids = new Map(description.users.map((user) => [user.name, user.uid]));
  const users: UserDatabase = { nameOf: (uid) => names.get(uid), uidOf: (name) => uids.get(name) };
  const jobInfo: JobInfoOptions = { now: () => WORKLOAD_NOW, timeZone: 'UTC', usernameOf: (uid) => names.get(uid) };
  return Object.assign(makeTestApp(instance, jobInfo, options, users), { users: description.users });
}

export interface Snapshot {
  taken: number;
  queues: string[];
  jobs: Json[];
}

const FIXTURES = join(__dirname, '..', 'fixtures');

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

/** The 59 jobs a flux-core 0.88 broker listed, loaded in its order. */
export function snapshotApp(setup: AppSetup = {}): TestApp & { snapshot: Snapshot } {
  const snapshot = readFixture<Snapshot>('flux-0.88-snapshot.json');
  const instance = new EmbeddedInstance({ queues: snapshot.queues, now: () => snapshot.taken });
  instance.loadRecords(snapshot.jobs);
  const usernames = new Map(
    readFixture<{ userid: number; username: string }[]>('flux-0.88-snapshot-jobinfo.json').map((job) => [job.userid, job.username]),
  );
  return { ...makeTestApp(instance, { now: () => snapshot.taken, usernameOf: (uid) => usernames.get(uid), timeZone: 'UTC' }, setup), snapshot };
}

/** An instance holding exactly these job-list records (in job-list order). */
export function recordsApp(records: Json[], setup: AppSetup & { queues?: string[]; now?: number } = {}): TestApp {
  const now = setup.now ?? WORKLOAD_NOW;
  const instance = new EmbeddedInstance({ queues: setup.queues ?? [], now: () => now });
  instance.loadRecords(records);
  return makeTestApp(instance, { now: () => now, usernameOf: () => undefined, timeZone: 'UTC' }, setup);
}

/** The job IDs (F58) of a listing, for comparing orders. */
export function f58Ids(records: readonly JobRecord[]): string[] {
  return records.map((record) => encodeJobId(record.id, 'f58'));
}
