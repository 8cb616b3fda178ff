/**
 * The app under test, on an embedded instance: a generated workload fixed in time (no live
 * mode), the 59-job snapshot recorded from a flux-core 0.88 broker, or hand-made records.
 * Requests go through app.fetch; every RPC is recorded.
 *
 * The jest project "graphql-over-wire" runs the same tests with the app's handle a local://
 * connection to a broker child process serving a snapshot of the instance (wire-backend.ts).
 * Expected values still come from the in-process instance (list()), and every answer is also
 * asked of an app on the in-process handle and must be identical.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedInstance } from '../../src/embedded';
import { describeWorkload, forEachJob } from '../../src/embedded/workload/generate';
import { encodeJobId } from '../../src/flux/jobid';
import type { Json } from '../../src/flux/json';
import type { PageLimits } from '../../src/graphql/context';
import type { JobDetailsBatch } from '../../src/graphql/loaders/job-details-loader';
import type { JobBatch } from '../../src/graphql/loaders/job-loader';
import { JobList, type JobInfoOptions, type JobRecord, type JobListOptions, type UserDatabase } from '../../src/joblist';
import type { FluxHandle } from '../../src/flux/handle';
import type { QueryLimits } from '../../src/server/query-limits';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { createFakeJobInfo, withFakeJobInfo, type FakeJobInfo } from '../support/fake-job-info';
import { recordedJobRecords } from '../support/job-info-fixtures';
import { RecordingHandle } from './recording-handle';
import { wireHandleFor, wireTransportSelected } from './wire-backend';

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
  /** Every batch of job-info lookups (Job.eventlog, jobspec, R, output...). */
  detailBatches: JobDetailsBatch[];
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
  /** --max-output-bytes. */
  maxOutputBytes?: number;
  /** AppOptions.fastExecution (default: the app's default, the lean executor first). */
  fastExecution?: boolean;
}

async function post<T>(app: FluxGraphQLApp, query: string, variables: Record<string, unknown> | undefined): Promise<GraphQLResponse<T>> {
  const response = await app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

function makeTestApp(instance: EmbeddedInstance, jobInfo: JobInfoOptions, setup: AppSetup, userDatabase?: UserDatabase): TestApp {
  const direct = instance.handle();
  const overWire = wireTransportSelected();
  const served = overWire ? wireHandleFor(instance) : instance.handle();
  const handle = new RecordingHandle(setup.wrapHandle?.(served) ?? served);
  const batches: JobBatch[] = [];
  const detailBatches: JobDetailsBatch[] = [];
  const appOptions = {
    logging: false,
    jobInfo,
    ...(setup.maxOutputBytes === undefined ? {} : { maxOutputBytes: setup.maxOutputBytes }),
    ...(setup.pageLimits === undefined ? {} : { pageLimits: setup.pageLimits }),
    ...(setup.queryLimits === undefined ? {} : { queryLimits: setup.queryLimits }),
    ...(userDatabase === undefined ? {} : { userDatabase }),
    ...(setup.fastExecution === undefined ? {} : { fastExecution: setup.fastExecution }),
  };
  const app = createApp({ ...appOptions, handle, onJobBatch: (batch) => batches.push(batch), onJobDetailsBatch: (batch) => detailBatches.push(batch) });
  // Over the wire, the same request to an app on the in-process handle is the expected answer.
  const reference = overWire ? createApp({ ...appOptions, handle: setup.wrapHandle?.(instance.handle()) ?? instance.handle() }) : undefined;
  return {
    app,
    instance,
    handle,
    batches,
    detailBatches,
    jobInfo,
    async gql<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
      const answer = await post<T>(app, query, variables);
      if (reference !== undefined) expect(answer).toEqual(await post<T>(reference, query, variables));
      return answer;
    },
    list: (options) => new JobList(direct, { maxEntries: 0, ...(userDatabase === undefined ? {} : { userDatabase }), ...options }).records(),
  };
}

/** Unix time the test workloads are generated at; the instance's clock stands still there. */
export const WORKLOAD_NOW = 1795640000.25;

interface Workload {
  instance: EmbeddedInstance;
  jobInfo: JobInfoOptions;
  userDatabase: UserDatabase;
  users: { uid: number; name: string }[];
  queues: string[];
}

/** An embedded instance holding a generated workload of `jobs` jobs (fixed seed and time: the same jobs every run). */
function workloadInstance(options: { jobs?: number; seed?: number }): Workload {
  const workloadOptions = { jobs: options.jobs ?? 150, seed: options.seed ?? 11, now: WORKLOAD_NOW };
  const description = describeWorkload(workloadOptions);
  const instance = new EmbeddedInstance({ queues: description.queues, now: () => WORKLOAD_NOW, ownerUserid: description.owner });
  forEachJob(workloadOptions, (job) => instance.sink.ingest(job));
  const names = new Map(description.users.map((user) => [user.uid, user.name]));
  const uids = new Map(description.users.map((user) => [user.name, user.uid]));
  const userDatabase: UserDatabase = { nameOf: (uid) => names.get(uid), uidOf: (name) => uids.get(name) };
  const jobInfo: JobInfoOptions = { now: () => WORKLOAD_NOW, timeZone: 'UTC', usernameOf: (uid) => names.get(uid) };
  return { instance, jobInfo, userDatabase, users: description.users, queues: description.queues };
}

/** A generated workload of `jobs` jobs (fixed seed and time: the same jobs every run). */
export function workloadApp(options: { jobs?: number; seed?: number } & AppSetup = {}): TestApp & { users: { uid: number; name: string }[] } {
  const workload = workloadInstance(options);
  return Object.assign(makeTestApp(workload.instance, workload.jobInfo, options, workload.userDatabase), { users: workload.users });
}

/**
 * Two apps on the same generated workload, one answering with the lean executor first and
 * one with graphql's alone, each with its own recording of the RPCs it sends.
 */
export function workloadAppPair(options: { jobs?: number; seed?: number } & Omit<AppSetup, 'fastExecution'> = {}): {
  fast: TestApp;
  graphqlJs: TestApp;
  users: { uid: number; name: string }[];
  queues: string[];
} {
  const workload = workloadInstance(options);
  const appOn = (fastExecution: boolean): TestApp => makeTestApp(workload.instance, workload.jobInfo, { ...options, fastExecution }, workload.userDatabase);
  return { fast: appOn(true), graphqlJs: appOn(false), users: workload.users, queues: workload.queues };
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

/** When the recorded job-info jobs are served: after the last of them became inactive. */
export const RECORDED_NOW = 1796190000;

/**
 * The 24 jobs recorded on a flux-core 0.88 broker with their job-info details: job-list records
 * derived from their eventlogs, and job-info.lookup answered by a fake service from the
 * recorded answers (test/support/fake-job-info.ts) until the embedded instance serves it.
 */
export function recordedDetailsApp(setup: AppSetup & { jobInfo?: FakeJobInfo } = {}): TestApp & { fake: FakeJobInfo } {
  const fake = setup.jobInfo ?? createFakeJobInfo();
  const instance = new EmbeddedInstance({ queues: [], now: () => RECORDED_NOW });
  instance.loadRecords(recordedJobRecords());
  // The setup's wrapper sees every request, job-info's included (to make some of them fail).
  const wrap = (handle: FluxHandle): FluxHandle => {
    const routed = withFakeJobInfo(handle, fake);
    return setup.wrapHandle?.(routed) ?? routed;
  };
  const app = makeTestApp(instance, { now: () => RECORDED_NOW, usernameOf: (uid) => (uid === 0 ? 'root' : undefined), timeZone: 'UTC' }, { ...setup, wrapHandle: wrap });
  return Object.assign(app, { fake });
}
