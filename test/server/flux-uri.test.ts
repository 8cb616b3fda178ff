/**
 * serve --flux-uri: the same answers through Flux's local connector protocol (an embedded
 * instance behind the wire broker on a throwaway socket) as in-process; FLUX_UNAVAILABLE and a
 * failing /readyz once the instance is gone, while the server keeps answering.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveBroker, type RunningBroker } from '../../src/embedded/wire/broker';
import { startServer, type RunningServer } from '../../src/server/start';
import { openBackend } from '../../src/server/backend';
import { systemNssUserDatabase } from '../../src/joblist';
import { workloadApp } from '../graphql/test-app';

const QUERY = `{
  jobs(first: 40, filters: [ACTIVE, FAILED]) { totalCount edges { cursor node { id name state status queue priority tSubmit exception { type } } } }
  job(id: "ƒ2") { id }
  jobStats { total pending }
  jobAttributes
}`;

async function post(url: string, query: string): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return response.json();
}

describe('serving a Flux instance by URI', () => {
  const local = workloadApp({ jobs: 200, seed: 8 });
  let dir: string;
  let broker: RunningBroker | undefined;
  let server: RunningServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flux-graphql-uri-'));
    broker = await serveBroker(local.instance.service, { path: join(dir, 'local'), log: () => undefined });
    server = await startServer(
      { port: 0, host: '127.0.0.1', fluxUri: `local://${broker.path}`, embedded: { jobs: 0, seed: 1, live: false, latencyMs: 0 }, maxPageSize: 1000, defaultPageSize: 50 },
      { log: () => undefined, handleSignals: false },
    );
  });

  afterAll(async () => {
    await server?.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers as the in-process handle does', async () => {
    const remote = await post(server.url, QUERY);
    const inProcess = await local.gql(QUERY);
    expect(remote.errors).toBeUndefined();
    expect(remote.data.jobs.edges.length).toBeGreaterThan(5);
    expect(remote).toEqual(inProcess);
  });

  it("looks a real instance's users up through NSS", async () => {
    const backend = await openBackend({ fluxUri: `local://${broker?.path}`, embedded: { jobs: 0, seed: 1, live: false, latencyMs: 0 } });
    try {
      expect(backend.userDatabase).toBe(systemNssUserDatabase());
      expect(backend.jobInfo?.usernameOf).toBeUndefined();
    } finally {
      await backend.close();
    }
  });

  it('reports the instance gone as FLUX_UNAVAILABLE and keeps answering', async () => {
    await broker?.close();
    broker = undefined;
    const response = await post(server.url, '{ jobs(first: 3) { nodes { id } } }');
    expect(response.errors[0].extensions.code).toBe('FLUX_UNAVAILABLE');
    expect(response.errors[0].message).toMatch(/unavailable/);
    const health = await fetch(server.url.replace('/graphql', '/readyz'));
    expect(health.status).toBe(503);
    const invalid = await post(server.url, '{ job(id: "nonsense") { id } }');
    expect(invalid.errors[0].extensions.code).toBe('INVALID_JOBID');
  });
});
