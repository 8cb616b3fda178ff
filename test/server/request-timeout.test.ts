/**
 * --request-timeout: one deadline for all the Flux RPCs of a request. A request that runs past it
 * is answered FLUX_TIMEOUT (not FLUX_UNAVAILABLE: Flux is there, the request took too long), and
 * the server goes on serving.
 */
import { withDeadline, RequestDeadlineError } from '../../src/flux/deadline-handle';
import { FluxError } from '../../src/flux/errors';
import type { FluxHandle } from '../../src/flux/handle';
import { EmbeddedInstance } from '../../src/embedded';
import { createApp } from '../../src/server/app';

describe('withDeadline', () => {
  const slow: FluxHandle = {
    uri: 'test:',
    rpc: (_topic, _payload, options) =>
      new Promise((_resolve, reject) => setTimeout(() => reject(new FluxError('FLUX_TIMEOUT', `timed out after ${String(options?.timeoutMs)} ms`)), options?.timeoutMs ?? 1000)),
    rpcStream: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('unused')) }) }),
    close: async () => undefined,
  };

  it('gives each RPC at most the time left, and reports the deadline rather than the connector timeout', async () => {
    const error = await withDeadline(slow, 50).rpc('job-list.list', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestDeadlineError);
    expect((error as RequestDeadlineError).code).toBe('FLUX_TIMEOUT');
    expect((error as Error).message).toBe("the request's deadline of 0.05 s passed while waiting for job-list.list");
  });

  it('keeps an RPC timeout shorter than the deadline, and its own error', async () => {
    const error = await withDeadline(slow, 5000).rpc('job-list.list', {}, { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(RequestDeadlineError);
    expect((error as Error).message).toBe('timed out after 20 ms');
  });

  it('sends nothing once the deadline has passed', async () => {
    let clock = 0;
    const sent: string[] = [];
    const recording: FluxHandle = { ...slow, rpc: async (topic) => void sent.push(topic) };
    const handle = withDeadline(recording, 100, () => clock);
    await handle.rpc('a');
    clock = 100;
    await expect(handle.rpc('b')).rejects.toBeInstanceOf(RequestDeadlineError);
    expect(sent).toEqual(['a']);
  });
});

describe('the request deadline on the server', () => {
  // Every RPC takes 300 ms, or fails with the connector's timeout when given less.
  it('answers FLUX_TIMEOUT past --request-timeout and serves the next request', async () => {
    const instance = new EmbeddedInstance({});
    const handle = instance.handle();
    const delayed: FluxHandle = {
      uri: handle.uri,
      rpc: async (topic, payload, options) => {
        const timeoutMs = options?.timeoutMs ?? Infinity;
        await new Promise((resolve) => setTimeout(resolve, Math.min(300, timeoutMs)));
        if (timeoutMs < 300) throw new FluxError('FLUX_TIMEOUT', `${topic}: timed out`);
        return handle.rpc(topic, payload, options);
      },
      rpcStream: (topic, payload, options) => handle.rpcStream(topic, payload, options),
      close: () => handle.close(),
    };
    const impatient = createApp({ handle: delayed, logging: false, requestTimeoutMs: 100 });
    const ask = async (): Promise<{ data?: unknown; errors?: { message: string; extensions: { code: string } }[] }> =>
      (await impatient.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: '{ jobAttributes }' }) })).json() as never;
    const answer = await ask();
    expect(answer.errors?.[0]?.extensions.code).toBe('FLUX_TIMEOUT');
    expect(answer.errors?.[0]?.message).toBe("the request's deadline of 0.1 s passed while waiting for job-list.list-attrs");
    const patient = createApp({ handle: delayed, logging: false, requestTimeoutMs: 2000 });
    const ok = (await (await patient.fetch('http://yoga/graphql', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: '{ jobAttributes }' }) })).json()) as { data: { jobAttributes: string[] } };
    expect(ok.data.jobAttributes).toContain('all');
    instance.close();
  });
});
