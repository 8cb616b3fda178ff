import { FluxError } from '../../src/flux/errors';
import type { FluxHandle } from '../../src/flux/handle';
import { EmbeddedInstance } from '../../src/embedded';
import { createApp } from '../../src/server/app';

function unreachable(uri: string): FluxHandle {
  const failure = () => new FluxError('FLUX_CONNECT', `cannot connect to ${uri}: connection refused`);
  return {
    uri,
    rpc: () => Promise.reject(failure()),
    rpcStream: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(failure()) }) }),
    close: async () => undefined,
  };
}

describe.each(['/healthz', '/readyz'])('%s', (path) => {
  it('is ok with the backend named when job-list answers', async () => {
    const instance = new EmbeddedInstance({ uri: 'embedded:test' });
    const app = createApp({ handle: instance.handle(), logging: false });
    const response = await app.fetch(`http://yoga${path}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, backend: 'embedded:test' });
    instance.close();
  });

  it('asks a backend given as a function on every request, for a backend whose state changes', async () => {
    const instance = new EmbeddedInstance({ uri: 'embedded:test' });
    let description = 'embedded:jobs=10,seed=1,live';
    const app = createApp({ handle: instance.handle(), logging: false, backend: () => description });
    expect(await (await app.fetch(`http://yoga${path}`)).json()).toEqual({ ok: true, backend: 'embedded:jobs=10,seed=1,live' });
    description = 'embedded:jobs=10,seed=1,live-failed';
    expect(await (await app.fetch(`http://yoga${path}`)).json()).toEqual({ ok: true, backend: 'embedded:jobs=10,seed=1,live-failed' });
    instance.close();
  });

  it('refuses methods other than GET and HEAD', async () => {
    const app = createApp({ handle: unreachable('local:///x'), logging: false });
    const response = await app.fetch(`http://yoga${path}`, { method: 'POST' });
    expect(response.status).toBe(405);
  });
});

describe('/readyz', () => {
  it('is 503 with the reason when the instance cannot be reached', async () => {
    const app = createApp({ handle: unreachable('local:///tmp/gone/local'), logging: false });
    const response = await app.fetch('http://yoga/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      ok: false,
      backend: 'local:///tmp/gone/local',
      error: 'cannot connect to local:///tmp/gone/local: connection refused',
    });
  });

});

describe('/healthz', () => {
  it('is ok while the instance cannot be reached: the process itself is alive', async () => {
    const app = createApp({ handle: unreachable('local:///tmp/gone/local'), logging: false });
    const response = await app.fetch('http://yoga/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, backend: 'local:///tmp/gone/local' });
  });
});
