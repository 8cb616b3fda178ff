/**
 * The server over real HTTP on a free port: start-up lines, GraphQL over POST and GET,
 * GraphiQL for browsers (served without any outside address), /healthz, and a clean stop.
 */
import { startServer, type RunningServer } from '../../src/server/start';

describe('flux-graphql serve over HTTP', () => {
  let server: RunningServer;
  const lines: string[] = [];

  beforeAll(async () => {
    server = await startServer(
      { port: 0, host: '127.0.0.1', embedded: { jobs: 60, seed: 2, live: false, latencyMs: 0 }, maxPageSize: 100, defaultPageSize: 10 },
      { log: (line) => lines.push(line), handleSignals: false },
    );
  });

  afterAll(async () => {
    await server?.close();
  });

  it('says which backend it serves and where GraphiQL is, once it answers', async () => {
    expect(lines).toEqual(['flux-graphql: backend embedded:jobs=60,seed=2,fixed', `flux-graphql: GraphiQL at ${server.url}`]);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    const response = await fetch(server.url.replace('/graphql', '/healthz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, backend: 'embedded:jobs=60,seed=2,fixed' });
  });

  it('answers a POSTed query', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ jobs { totalCount nodes { id state } } }' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { jobs: { totalCount: number; nodes: { id: string }[] } } };
    expect(body.data.jobs.totalCount).toBe(60);
    expect(body.data.jobs.nodes).toHaveLength(10);
    expect(body.data.jobs.nodes.every((node) => node.id.startsWith('ƒ'))).toBe(true);
  });

  it('answers a query in a GET request that carries the CSRF header, and refuses one without it', async () => {
    const url = `${server.url}?query=${encodeURIComponent('{ jobAttributes }')}`;
    const response = await fetch(url, { headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    const body = (await response.json()) as { data: { jobAttributes: string[] } };
    expect(body.data.jobAttributes).toContain('all');
    const refused = await fetch(url, { headers: { accept: 'application/json' } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('CSRF_HEADER_REQUIRED');
  });

  it('serves GraphiQL to a browser, with everything it needs inline', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<title>flux-graphql</title>');
    expect(html).toContain('flux-graphql: the jobs of a Flux instance.');
    // No script or stylesheet from a CDN: the page must work without internet access.
    expect(html).not.toMatch(/<script[^>]+src=["']?https?:/);
    expect(html).not.toMatch(/<link[^>]+href=["']?https?:/);
    expect(html).not.toContain('unpkg.com');
  });

  it('keeps serving after a bad request', async () => {
    const bad = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ jobs(first: -3) { nodes { id } } }"}' });
    const badBody = (await bad.json()) as { errors: { extensions: { code: string } }[] };
    expect(badBody.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const broken = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(broken.status).toBe(400);
    const good = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ jobStats { total } }"}' });
    expect(await good.json()).toEqual({ data: { jobStats: { total: 60 } } });
  });
});

describe('the request body limit', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(
      { port: 0, host: '127.0.0.1', embedded: { jobs: 5, seed: 2, live: false, latencyMs: 0 }, maxPageSize: 100, defaultPageSize: 10, maxBodyBytes: 4096 },
      { log: () => undefined, handleSignals: false },
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a larger body with 413 and REQUEST_ENTITY_TOO_LARGE, then serves the next request', async () => {
    const padding = ' '.repeat(5000);
    const refused = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ jobs { totalCount } }${padding}` }),
    });
    expect(refused.status).toBe(413);
    const body = (await refused.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
    expect(body.errors[0]?.message).toBe('Request body too large');
    const good = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ jobs { totalCount } }' }) });
    expect(((await good.json()) as { data: { jobs: { totalCount: number } } }).data.jobs.totalCount).toBe(5);
  });
});
