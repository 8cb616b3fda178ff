/**
 * Job.eventlog, execEventlog, jobspec, R and output on the embedded instance's own job-info
 * service (no fake): for the generated workload's jobs of each kind, the GraphQL answer equals
 * what the service answers to job-info.lookup, decoded here independently of src/jobinfo; and
 * the lookups of a page are batched, one per job, all in flight at once. On the instance
 * in-process and on a `flux-graphql broker` child generating the same workload, over local://.
 * (The GraphQL suite's wire project serves a snapshot of job-list records, which does not carry
 * the generated details, so these tests run a generating broker child of their own.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobResult, JobState } from '../../src/flux/constants';
import { openHandle } from '../../src/flux/connect';
import type { FluxHandle, RpcOptions } from '../../src/flux/handle';
import { encodeJobId } from '../../src/flux/jobid';
import type { Json, JsonObject } from '../../src/flux/json';
import { serveBroker } from '../../src/embedded/wire/broker';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { openEmbeddedInstance, type EmbeddedBackend } from '../../src/server/backend';
import type { JobDetailsBatch } from '../../src/graphql/loaders/job-details-loader';
import { RecordingHandle } from '../graphql/recording-handle';
import type { GraphQLResponse } from '../graphql/test-app';
import { startBrokerChild, type BrokerChild } from '../support/broker-child';

interface Entry {
  timestamp: number;
  name: string;
  context: JsonObject | null;
}

/** An RFC 18 eventlog's text as entries: one JSON object a line, context null when absent. */
function entriesOf(text: string): Entry[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const entry = JSON.parse(line) as { timestamp: number; name: string; context?: JsonObject };
      return { timestamp: entry.timestamp, name: entry.name, context: entry.context ?? null };
    });
}

/** One stream of an RFC 24 output log: its data in log order (base64 decoded), or null when redirected. */
function streamText(entries: Entry[], stream: string): string | null {
  if (entries.some((e) => e.name === 'redirect' && e.context?.['stream'] === stream)) return null;
  const pieces = entries
    .filter((e) => e.name === 'data' && e.context?.['stream'] === stream && typeof e.context['data'] === 'string')
    .map((e) => Buffer.from(e.context?.['data'] as string, e.context?.['encoding'] === 'base64' ? 'base64' : 'utf8'));
  return Buffer.concat(pieces).toString('utf8');
}

interface Listed {
  id: number;
  state: number;
  result?: number;
}

/** What the service answers for one key of a job: its value, or Flux's error message. */
async function lookup(handle: FluxHandle, id: number, key: string, flags = 0): Promise<{ value?: Json; error?: string }> {
  try {
    const answer = (await handle.rpc('job-info.lookup', { id, keys: [key], flags })) as JsonObject;
    return { value: answer[key] as Json };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const DETAILS = `eventlog { timestamp name context } execEventlog { timestamp name context } jobspec R
  output { stdout stderr complete redirects { stream path } }`;
const JOB_QUERY = `query($id: JobID!) { job(id: $id) { ${DETAILS} } }`;

interface Details {
  eventlog: Entry[] | null;
  execEventlog: Entry[] | null;
  jobspec: Json;
  R: Json;
  output: { stdout: string | null; stderr: string | null; complete: boolean; redirects: { stream: string; path: string | null }[] } | null;
}

/** What the answer for job `id` must be, from the service's own lookups (decoded here). */
async function expectedDetails(handle: FluxHandle, id: number): Promise<{ details: Details; absent: string[] }> {
  const absent: string[] = [];
  const text = async (key: string): Promise<string | null> => {
    const found = await lookup(handle, id, key);
    if (found.error !== undefined) {
      expect(found.error).toBe(`job-info.lookup: ${key}: key not found (ENOENT)`);
      absent.push(key);
      return null;
    }
    return found.value as string;
  };
  const document = async (key: string): Promise<Json> => {
    const found = await lookup(handle, id, key, 3); // JSON_DECODE | CURRENT, as `flux job info` asks
    if (found.error !== undefined) absent.push(key);
    return found.value ?? null;
  };
  const eventlog = await text('eventlog');
  const exec = await text('guest.exec.eventlog');
  const jobspec = await document('jobspec');
  const R = await document('R');
  const output = await text('guest.output');
  const outputEntries = output === null ? null : entriesOf(output);
  return {
    absent,
    details: {
      eventlog: eventlog === null ? null : entriesOf(eventlog),
      execEventlog: exec === null ? null : entriesOf(exec),
      jobspec,
      R,
      output:
        outputEntries === null
          ? null
          : {
              stdout: streamText(outputEntries, 'stdout'),
              stderr: streamText(outputEntries, 'stderr'),
              complete: ['stdout', 'stderr'].every((stream) => outputEntries.some((e) => (e.name === 'redirect' || (e.name === 'data' && e.context?.['eof'] === true)) && e.context?.['stream'] === stream)),
              redirects: outputEntries.filter((e) => e.name === 'redirect').map((e) => ({ stream: e.context?.['stream'] as string, path: (e.context?.['path'] as string | undefined) ?? null })),
            },
    },
  };
}

async function ask<T = { job: Details }>(app: FluxGraphQLApp, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> {
  const response = await app.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as GraphQLResponse<T>;
}

const FIELD_OF: Readonly<Record<string, string>> = { 'guest.exec.eventlog': 'execEventlog', 'guest.output': 'output', R: 'R' };

/** Wraps a handle and keeps the most job-info lookups it ever had unanswered at once. */
class InFlightHandle implements FluxHandle {
  inFlight = 0;
  peak = 0;
  sent = 0;
  constructor(private readonly inner: FluxHandle) {}
  reset(): void {
    this.peak = this.inFlight;
    this.sent = 0;
  }
  get uri(): string {
    return this.inner.uri;
  }
  rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> {
    if (topic !== 'job-info.lookup') return this.inner.rpc(topic, payload, options);
    this.sent += 1;
    this.inFlight += 1;
    this.peak = Math.max(this.peak, this.inFlight);
    return this.inner.rpc(topic, payload, options).finally(() => {
      this.inFlight -= 1;
    });
  }
  rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> {
    return this.inner.rpcStream(topic, payload, options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The generated workload every case serves (as `flux-graphql broker --jobs 150 --seed 11 --no-live`). */
const WORKLOAD = { jobs: 150, seed: 11, live: false, latencyMs: 0 } as const;
/** The in-process instance's clock stands still here; the broker child reads its own. */
const NOW = 1795640000.25;

interface Served {
  /** The service, as the app reaches it: every request recorded, lookups in flight counted. */
  handle: RecordingHandle;
  counting: InFlightHandle;
  app: FluxGraphQLApp;
  batches: JobDetailsBatch[];
  embedded?: EmbeddedBackend;
  close(): Promise<void>;
}

function appOn(inner: FluxHandle, usernameOf: (uid: number) => string | undefined, now: () => number): Omit<Served, 'close'> {
  const counting = new InFlightHandle(inner);
  const handle = new RecordingHandle(counting);
  const batches: JobDetailsBatch[] = [];
  const app = createApp({ handle, logging: false, jobInfo: { now, usernameOf, timeZone: 'UTC' }, onJobDetailsBatch: (batch) => batches.push(batch) });
  return { handle, counting, app, batches };
}

async function inProcess(): Promise<Served> {
  const embedded = await openEmbeddedInstance(WORKLOAD, { clock: () => NOW });
  const handle = embedded.instance.handle();
  return { ...appOn(handle, embedded.usernameOf, embedded.instance.now), embedded, close: async () => { await handle.close(); await embedded.close(); } };
}

/** A local:// broker in this process, serving the instance itself (its clock can be moved). */
async function inProcessBroker(): Promise<Served> {
  const embedded = await openEmbeddedInstance(WORKLOAD, { clock: () => NOW });
  const dir = mkdtempSync(join(tmpdir(), 'fg-details-'));
  const services = embedded.instance.services;
  const broker = await serveBroker(services, { path: join(dir, 'local'), serviceNames: services.names, log: () => undefined });
  const handle = await openHandle(`local://${broker.path}`);
  return {
    ...appOn(handle, embedded.usernameOf, embedded.instance.now),
    embedded,
    close: async () => {
      await handle.close();
      await broker.close();
      await embedded.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function brokerChild(): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'fg-details-'));
  const socket = join(dir, 'broker.sock');
  const child: BrokerChild = await startBrokerChild(socket, ['--jobs', String(WORKLOAD.jobs), '--seed', String(WORKLOAD.seed), '--no-live']);
  const handle = await openHandle(`local://${socket}`);
  return {
    ...appOn(handle, () => undefined, () => Date.now() / 1000),
    close: async () => {
      await handle.close();
      const exit = await child.stop();
      rmSync(dir, { recursive: true, force: true });
      expect(exit.code).toBe(0);
    },
  };
}

const TRANSPORTS: [string, () => Promise<Served>][] = [
  ['the embedded instance in-process', inProcess],
  ['a broker child over local://', brokerChild],
];

describe.each(TRANSPORTS)("the workload's jobs' details from job-info on %s", (_transport, open) => {
  let served: Served;
  let jobs: Listed[];
  const outputs = new Map<number, string>();

  beforeAll(async () => {
    served = await open();
    jobs = ((await served.handle.rpc('job-list.list', { max_entries: 0, attrs: ['state', 'result'], constraint: {} })) as unknown as { jobs: Listed[] }).jobs;
    expect(jobs).toHaveLength(WORKLOAD.jobs);
    for (const job of jobs) {
      const found = await lookup(served.handle, job.id, 'guest.output');
      if (typeof found.value === 'string') outputs.set(job.id, found.value);
    }
  });
  afterAll(async () => served?.close());

  const hasStream = (id: number, stream: string): boolean =>
    entriesOf(outputs.get(id) ?? '').some((e) => e.name === 'data' && e.context?.['stream'] === stream && typeof e.context['data'] === 'string' && e.context['data'] !== '');
  const redirected = (id: number): boolean => entriesOf(outputs.get(id) ?? '').some((e) => e.name === 'redirect');
  const failedWithStderr = (job: Listed): boolean => job.result === JobResult.FAILED && hasStream(job.id, 'stderr') && !redirected(job.id);
  const canceledPending = (job: Listed): boolean => job.result === JobResult.CANCELED && !outputs.has(job.id);
  const KINDS: [string, (job: Listed) => boolean][] = [
    ['completed, with stdout', (job) => job.result === JobResult.COMPLETED && hasStream(job.id, 'stdout') && !redirected(job.id)],
    ['failed, with stderr', failedWithStderr],
    ['canceled while pending', canceledPending],
    ['running', (job) => job.state === JobState.RUN && outputs.has(job.id) && !redirected(job.id)],
    ['with output redirected to files', (job) => job.state === JobState.INACTIVE && redirected(job.id)],
  ];
  const f58Of = (job: Listed): string => encodeJobId(BigInt(job.id), 'f58');

  it.each(KINDS)('a job %s: every field as the service has it', async (_kind, isOfKind) => {
    const job = jobs.find(isOfKind);
    expect(job).toBeDefined();
    const { details, absent } = await expectedDetails(served.handle, (job as Listed).id);
    const response = await ask(served.app, JOB_QUERY, { id: f58Of(job as Listed) });
    expect(response.data?.job).toEqual(details);
    // Each key the service lacks is KEY_NOT_FOUND on its own field; nothing else fails.
    expect((response.errors ?? []).map((error) => [error.path, error.extensions?.code, error.extensions?.['key']])).toEqual(
      absent.map((key) => [['job', FIELD_OF[key]], 'KEY_NOT_FOUND', key]),
    );
  });

  it('a job canceled while pending has its eventlog and jobspec, and KEY_NOT_FOUND for R, execEventlog and output', async () => {
    const response = await ask(served.app, JOB_QUERY, { id: f58Of(jobs.find(canceledPending) as Listed) });
    const names = response.data?.job.eventlog?.map((e) => e.name);
    expect(names).toContain('exception');
    expect(names).not.toContain('alloc');
    expect(response.data?.job.jobspec).not.toBeNull();
    expect(response.data?.job).toMatchObject({ R: null, execEventlog: null, output: null });
    expect(response.errors?.map((error) => [error.path?.[1], error.extensions?.code]).sort()).toEqual([
      ['R', 'KEY_NOT_FOUND'],
      ['execEventlog', 'KEY_NOT_FOUND'],
      ['output', 'KEY_NOT_FOUND'],
    ]);
  });

  it('a failed job printed something on stderr, and its eventlog ends in a nonzero finish', async () => {
    const response = await ask(served.app, JOB_QUERY, { id: f58Of(jobs.find(failedWithStderr) as Listed) });
    expect(response.data?.job.output?.stderr).toMatch(/\S/);
    const finish = response.data?.job.eventlog?.find((e) => e.name === 'finish');
    expect(finish?.context?.['status']).not.toBe(0);
  });

  it('answers a page of 100 jobs with 100 lookups in flight at once, one per job with every selected key', async () => {
    served.handle.reset();
    served.batches.length = 0;
    served.counting.reset();
    const response = await ask<{ jobs: { nodes: { eventlog: Entry[]; jobspec: Json }[] } }>(served.app, '{ jobs(first: 100) { nodes { eventlog { name } jobspec } } }');
    expect(response.errors).toBeUndefined();
    expect(response.data?.jobs.nodes).toHaveLength(100);
    expect(response.data?.jobs.nodes.every((node) => node.eventlog.length > 0 && node.jobspec !== null)).toBe(true);
    const lookups = served.handle.callsTo('job-info.lookup');
    expect(lookups).toHaveLength(100);
    expect(new Set(lookups.map((call) => String(call.payload?.['id']))).size).toBe(100);
    expect(lookups.every((call) => JSON.stringify(call.payload?.['keys']) === '["eventlog","jobspec"]')).toBe(true);
    expect(served.counting.peak).toBe(100);
    expect(served.batches).toHaveLength(1);
    expect(served.batches[0]?.jobs).toHaveLength(100);
  });
});

/**
 * A running job's output grows as the instance's time moves on. A broker child's clock cannot be
 * moved from here, so this runs in-process and on a broker in this process over local://.
 */
describe.each([
  ['in-process', inProcess],
  ['over local://', inProcessBroker],
] as [string, () => Promise<Served>][])("a running job's output, %s", (_transport, open) => {
  let served: Served;
  beforeAll(async () => {
    served = await open();
  });
  afterAll(async () => served?.close());

  it('grows as the instance\'s time moves on, as the service has it each time', async () => {
    const running = ((await served.handle.rpc('job-list.list', { max_entries: 0, attrs: ['state'], constraint: { states: ['run'] } })) as unknown as { jobs: Listed[] }).jobs;
    // A running job whose output is still being written (not yet at its end of file).
    let growing: { id: number; before: Details } | undefined;
    for (const job of running) {
      const { details } = await expectedDetails(served.handle, job.id);
      if (details.output !== null && !details.output.complete && details.output.stdout !== null) {
        growing = { id: job.id, before: details };
        break;
      }
    }
    expect(growing).toBeDefined();
    const { id, before } = growing as { id: number; before: Details };
    const variables = { id: encodeJobId(BigInt(id), 'f58') };
    expect((await ask(served.app, JOB_QUERY, variables)).data?.job).toEqual(before);
    served.embedded?.instance.store.advanceTo(NOW + 3600);
    const after = await expectedDetails(served.handle, id);
    const answer = (await ask(served.app, JOB_QUERY, variables)).data?.job;
    expect(answer).toEqual(after.details);
    const size = (details: Details | undefined): number => (details?.output?.stdout ?? '').length + (details?.output?.stderr ?? '').length;
    expect(size(answer)).toBeGreaterThan(size(before));
    expect(answer?.output?.stdout?.startsWith(before.output?.stdout ?? '')).toBe(true);
    expect(answer?.execEventlog?.slice(0, before.execEventlog?.length ?? 0)).toEqual(before.execEventlog);
  });
});
