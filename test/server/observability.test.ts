/**
 * /metrics (Prometheus text) and the per-request log line: requests by status, errors by code,
 * RPCs by topic and outcome, and one JSON line per request with its id, operation, RPC count
 * and error codes.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { EmbeddedInstance } from '../../src/embedded';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { ServerMetrics } from '../../src/server/metrics';

const instance = new EmbeddedInstance({});
afterAll(() => instance.close());

function loggedApp(): { app: FluxGraphQLApp; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = createApp({ handle: instance.handle(), logging: false, metrics: new ServerMetrics(), requestLogger: pino({ base: null }, sink) });
  return { app, lines };
}

async function ask(app: FluxGraphQLApp, query: string, headers: Record<string, string> = {}): Promise<Response> {
  return app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
}

async function metricsText(app: FluxGraphQLApp): Promise<string> {
  const response = await app.fetch('http://yoga/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

describe('/metrics', () => {
  it('counts requests by status, errors by code and RPCs by topic and outcome', async () => {
    const { app } = loggedApp();
    await ask(app, '{ jobs { totalCount } }');
    await ask(app, '{ job(id: "nonsense") { id } }');
    await ask(app, '{ job(id: "ƒ2") { id } }');
    const text = await metricsText(app);
    expect(text).toContain('flux_graphql_http_requests_total{status="200"} 3');
    expect(text).toContain('flux_graphql_errors_total{code="INVALID_JOBID"} 1');
    expect(text).toMatch(/flux_graphql_rpcs_total\{topic="job-list\.list",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/flux_graphql_rpcs_total\{topic="job-list\.list-id",outcome="ENOENT"\} 1/);
    expect(text).toContain('flux_graphql_active_requests 0');
    expect(text).toMatch(/flux_graphql_http_request_duration_seconds_count 3/);
    // The embedded instance is in this process: always connected, never reconnected.
    expect(text).toContain('flux_graphql_broker_connected 1');
    expect(text).toContain('flux_graphql_broker_reconnects_total 0');
  });
});

describe('the request log', () => {
  it('writes one line per GraphQL request with id, operation, status, RPC count and error codes', async () => {
    const { app, lines } = loggedApp();
    await ask(app, 'query Dashboard { jobs { totalCount } jobStats { total } }', { 'x-request-id': 'req-42' });
    await ask(app, '{ job(id: "nonsense") { id } }');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ msg: 'request', reqId: 'req-42', operation: 'Dashboard', status: 200, errorCodes: [] });
    expect(lines[0]?.['rpcs']).toBeGreaterThanOrEqual(2);
    expect(typeof lines[0]?.['durationMs']).toBe('number');
    expect(lines[1]).toMatchObject({ operation: null, status: 200, rpcs: 0, errorCodes: ['INVALID_JOBID'] });
    expect(lines[1]?.['reqId']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('refusals before execution', () => {
  it('count and log their codes like any other error', async () => {
    const { app, lines } = loggedApp();
    const post = (body: string, headers: Record<string, string>): Promise<Response> => Promise.resolve(app.fetch('http://yoga/graphql', { method: 'POST', headers, body }));
    expect((await app.fetch(`http://yoga/graphql?query=${encodeURIComponent('{ jobStats { total } }')}`)).status).toBe(403);
    expect((await post('{"query": "{ jobStats { total } }"}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('{"query": "{ jobStats { total } }"}', { 'content-type': 'application/json', accept: 'application/xml' })).status).toBe(406);
    expect((await post('{"query": "{ jobStats { total } }"}', { 'content-type': 'application/json' })).status).toBe(200);
    expect(lines.map((line) => [line['status'], line['errorCodes']])).toEqual([
      [403, ['CSRF_HEADER_REQUIRED']],
      [415, ['UNSUPPORTED_MEDIA_TYPE']],
      [406, ['NOT_ACCEPTABLE']],
      [200, []],
    ]);
    const text = await metricsText(app);
    for (const code of ['CSRF_HEADER_REQUIRED', 'UNSUPPORTED_MEDIA_TYPE', 'NOT_ACCEPTABLE']) expect(text).toContain(`flux_graphql_errors_total{code="${code}"} 1`);
  });
});
