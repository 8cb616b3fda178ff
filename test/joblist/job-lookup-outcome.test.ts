/**
 * JobListIdsFuture.getOutcomes(): one value per ID, in request order, so that one timed-out,
 * refused or malformed list-id reply fails that ID alone.
 */
import { Errno } from '../../src/flux/constants';
import { FluxError, FluxRpcError } from '../../src/flux/errors';
import type { FluxHandle } from '../../src/flux/handle';
import type { Json, JsonObject } from '../../src/flux/json';
import { JobListIdsFuture, toJobIdInput, type JobLookupOutcome } from '../../src/joblist';
import { FakeHandle, jobListResponder } from './fake-handle';
import { snapshotRecords } from './fixtures';

const records = snapshotRecords();
const first = records[0] as JsonObject; // ƒQbU2583

/** IDs 2 and 3 get a malformed reply and a timeout; 4 is refused; the rest as the fixture says. */
class TroubledHandle implements FluxHandle {
  readonly uri = 'fake://troubled';
  private readonly inner = new FakeHandle((call) =>
    call.payload?.id === 4n ? [{ errno: Errno.EPERM }] : jobListResponder(records)(call),
  );
  rpc(topic: string, payload?: JsonObject): Promise<Json | undefined> {
    if (payload?.id === 2n) return Promise.resolve({ jobs: 'not a job' });
    if (payload?.id === 3n) return Promise.reject(new FluxError('FLUX_TIMEOUT', `${topic}: no response within 10 ms`));
    return this.inner.rpc(topic, payload);
  }
  rpcStream(topic: string, payload?: JsonObject): AsyncIterable<Json | undefined> {
    return this.inner.rpcStream(topic, payload);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function summary(outcome: JobLookupOutcome): unknown {
  switch (outcome.kind) {
    case 'found':
      return ['found', outcome.jobid.input, outcome.record.id];
    case 'notFound':
      return ['notFound', outcome.jobid.input, outcome.error.errno];
    case 'failed':
      return ['failed', outcome.jobid.input, (outcome.error as FluxError).code, outcome.error instanceof FluxRpcError ? outcome.error.errno : null];
  }
}

describe('JobListIdsFuture outcomes', () => {
  it('gives each ID its own outcome, in request order, whatever happened to the others', async () => {
    const ids = ['ƒQbU2583', '2', '1', '3', '4'].map((text) => toJobIdInput(text));
    const outcomes = await new JobListIdsFuture(new TroubledHandle(), ids, ['name']).getOutcomes();
    expect(outcomes.map(summary)).toEqual([
      ['found', 'ƒQbU2583', 898201812992n],
      ['failed', '2', 'FLUX_PROTOCOL', null],
      ['notFound', '1', Errno.ENOENT],
      ['failed', '3', 'FLUX_TIMEOUT', null],
      ['failed', '4', 'FLUX_RPC', Errno.EPERM],
    ]);
    const found = outcomes[0];
    expect(found?.kind === 'found' && found.record.name).toBe(first.name);
  });

  it('keeps the error itself, not a text about it', async () => {
    const [outcome] = await new JobListIdsFuture(new TroubledHandle(), [toJobIdInput('4')]).getOutcomes();
    expect(outcome?.kind).toBe('failed');
    expect(outcome?.kind === 'failed' && outcome.error).toBeInstanceOf(FluxRpcError);
  });

  it('never rejects, while getJobs() keeps rejecting as Flux does for a failure without an error response', async () => {
    const future = new JobListIdsFuture(new TroubledHandle(), [toJobIdInput('3'), toJobIdInput('ƒQbU2583')]);
    await expect(future.getOutcomes()).resolves.toHaveLength(2);
    await expect(future.getJobs()).rejects.toMatchObject({ code: 'FLUX_TIMEOUT' });
  });

  it('sends every request once, however often the outcomes are read', async () => {
    const handle = new FakeHandle(jobListResponder(records));
    const future = new JobListIdsFuture(handle, [toJobIdInput('ƒQbU2583'), toJobIdInput('1')]);
    await future.getOutcomes();
    await future.getJobs();
    expect(future.errors).toEqual(['JobID 1 unknown']);
    expect(handle.calls).toHaveLength(2);
  });
});
