/**
 * DataLoader's contract per key: one timed-out, refused or malformed list-id reply is an Error
 * for that key alone; the other keys of the batch still get their job (or null).
 */
import { EmbeddedInstance } from '../../src/embedded';
import { Errno } from '../../src/flux/constants';
import { FluxError, FluxRpcError } from '../../src/flux/errors';
import type { FluxHandle, RpcOptions } from '../../src/flux/handle';
import type { Json, JsonObject } from '../../src/flux/json';
import { encodeJobId, parseJobId } from '../../src/flux/jobid';
import { JobLoader } from '../../src/graphql/loaders/job-loader';
import { createApp } from '../../src/server/app';
import { FakeHandle, jobListResponder } from '../joblist/fake-handle';
import { snapshotRecords } from '../joblist/fixtures';
import { f58Ids, readFixture, workloadApp, type GraphQLErrorJson, type Snapshot } from './test-app';

/** Answers list-id for the IDs in `troubles` the way named there; everything else as `inner` does. */
class TroubledHandle implements FluxHandle {
  constructor(
    private readonly inner: FluxHandle,
    private readonly troubles: ReadonlyMap<bigint, 'malformed' | 'timeout' | 'refused'>,
  ) {}
  get uri(): string {
    return this.inner.uri;
  }
  rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> {
    const trouble = topic === 'job-list.list-id' && typeof payload?.id === 'bigint' ? this.troubles.get(payload.id) : undefined;
    if (trouble === 'malformed') return Promise.resolve({ job: 'not an object' });
    if (trouble === 'timeout') return Promise.reject(new FluxError('FLUX_TIMEOUT', `${topic}: no response within 10 ms`));
    if (trouble === 'refused') return Promise.reject(new FluxRpcError(topic, Errno.EPERM));
    return this.inner.rpc(topic, payload, options);
  }
  rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> {
    return this.inner.rpcStream(topic, payload, options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('JobLoader', () => {
  const records = snapshotRecords();
  const known = [records[0], records[1], records[2]].map((record) => BigInt((record as JsonObject).id as number));
  const [found, malformed, timedOut] = known as [bigint, bigint, bigint];
  const handle = new TroubledHandle(
    new FakeHandle(jobListResponder(records)),
    new Map([
      [malformed, 'malformed'],
      [timedOut, 'timeout'],
      [7n, 'refused'],
    ]),
  );

  it('settles each key of one batch on its own', async () => {
    const batches: bigint[][] = [];
    const loader = new JobLoader(handle, (batch) => batches.push(batch.ids));
    const settled = await Promise.allSettled([found, malformed, 1n, timedOut, 7n].map((id) => loader.load(id, ['name'])));
    expect(batches).toEqual([[found, malformed, 1n, timedOut, 7n]]);
    expect(settled[0]).toMatchObject({ status: 'fulfilled', value: { id: found, name: (records[0] as JsonObject).name } });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: { code: 'FLUX_PROTOCOL' } });
    expect(settled[2]).toEqual({ status: 'fulfilled', value: null });
    expect(settled[3]).toMatchObject({ status: 'rejected', reason: { code: 'FLUX_TIMEOUT' } });
    expect(settled[4]).toMatchObject({
      status: 'rejected',
      reason: { message: `job ${encodeJobId(7n)}: rpc: Operation not permitted`, extensions: { code: 'FLUX_ERROR' } },
    });
  });
});

describe('lookups in one request', () => {
  let ids: string[] = [];
  const troubles = new Map<bigint, 'malformed' | 'timeout' | 'refused'>();
  const test = workloadApp({ jobs: 20, seed: 4, wrapHandle: (inner) => new TroubledHandle(inner, troubles) });

  beforeAll(async () => {
    ids = f58Ids(await test.list({ attrs: [], maxEntries: 3 }));
    troubles.set(parseJobId(ids[1] as string), 'timeout');
    troubles.set(parseJobId(ids[2] as string), 'malformed');
  });

  it('answers the jobs that were found, with an error for each one that failed', async () => {
    const response = await test.gql(`{ a: job(id: "${ids[0]}") { id } b: job(id: "${ids[1]}") { id } c: job(id: "${ids[2]}") { id } d: job(id: "ƒ2") { id } }`);
    expect(response.data).toEqual({ a: { id: ids[0] }, b: null, c: null, d: null });
    expect(test.batches).toHaveLength(1);
    const errors = (response.errors ?? []) as GraphQLErrorJson[];
    expect(errors.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['b'], 'FLUX_UNAVAILABLE'],
      [['c'], 'INTERNAL_SERVER_ERROR'],
    ]);
    expect(errors[0]?.message).toBe('Flux instance unavailable: job-list.list-id: no response within 10 ms');
    expect(errors[1]?.message).toBe('Unexpected error.');
  });
});

describe('a search over the comparison budget', () => {
  it('is TOO_MANY_COMPARISONS with Flux\'s text, told by errno and topic', async () => {
    const snapshot = readFixture<Snapshot>('flux-0.88-snapshot.json');
    const instance = new EmbeddedInstance({ queues: snapshot.queues, now: () => snapshot.taken, maxComparisons: 3 });
    instance.loadRecords(snapshot.jobs);
    const app = createApp({ handle: instance.handle(), logging: false });
    const response = await app.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ jobs(constraint: {name: ["nope"]}) { nodes { id } } }' }),
    });
    const body = (await response.json()) as { errors?: GraphQLErrorJson[] };
    expect(body.errors).toEqual([
      {
        message: 'Excessive comparisons made, limit search via states or since',
        locations: [{ line: 1, column: 3 }],
        path: ['jobs'],
        extensions: { code: 'TOO_MANY_COMPARISONS' },
      },
    ]);
  });
});
