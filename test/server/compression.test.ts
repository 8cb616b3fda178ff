/**
 * Large answers and the GraphiQL page go gzip-compressed to clients that accept it; the page
 * carries an ETag and is answered 304 when the browser already has it.
 */
import { gunzipSync } from 'node:zlib';
import { EmbeddedInstance } from '../../src/embedded';
import { generateWorkload } from '../../src/embedded/workload/generate';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { acceptsGzip } from '../../src/server/compression';

let instance: EmbeddedInstance;
let app: FluxGraphQLApp;
beforeAll(() => {
  instance = new EmbeddedInstance({ now: () => 1_800_000_000 });
  for (const job of generateWorkload({ jobs: 300, seed: 4, now: 1_800_000_000 }).jobs) instance.sink.ingest(job);
  app = createApp({ handle: instance.handle(), logging: false, jobInfo: { now: () => 1_800_000_000 } });
});
afterAll(() => instance.close());

const post = (query: string, headers: Record<string, string> = {}): Promise<Response> =>
  Promise.resolve(app.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) }));

const BIG = '{ jobs(first: 300) { nodes { id jobid name username state queue tSubmit tRun tInactive nodelist } } }';

describe('compressed answers', () => {
  it('gzips a large result for a client that accepts it, to the same JSON', async () => {
    const plain = await post(BIG);
    expect(plain.headers.get('content-encoding')).toBeNull();
    const plainText = await plain.text();
    expect(plainText.length).toBeGreaterThan(16 * 1024);
    const zipped = await post(BIG, { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.headers.get('vary')).toContain('Accept-Encoding');
    const bytes = Buffer.from(await zipped.arrayBuffer());
    expect(bytes.length).toBeLessThan(plainText.length / 4);
    expect(gunzipSync(bytes).toString('utf8')).toBe(plainText);
  });

  it('leaves a small result as it is', async () => {
    const small = await post('{ jobs(first: 1) { nodes { id } } }', { 'accept-encoding': 'gzip' });
    expect(small.headers.get('content-encoding')).toBeNull();
    expect(((await small.json()) as { data: { jobs: { nodes: unknown[] } } }).data.jobs.nodes).toHaveLength(1);
  });

  it('does not gzip for a client that refuses it', async () => {
    const refused = await post(BIG, { 'accept-encoding': 'gzip;q=0, identity' });
    expect(refused.headers.get('content-encoding')).toBeNull();
  });
});

describe('the GraphiQL page', () => {
  const page = (headers: Record<string, string>): Promise<Response> => Promise.resolve(app.fetch('http://localhost/graphql', { headers: { accept: 'text/html', ...headers } }));

  it('is sent gzipped with an ETag, and 304 once the browser has it', async () => {
    const plain = await page({});
    const html = await plain.text();
    // Unzipped too it is a page, not text (it went out as text/plain to clients without gzip).
    expect(plain.headers.get('content-type')).toMatch(/^text\/html/);
    const etag = plain.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    const zipped = await page({ 'accept-encoding': 'gzip' });
    expect(zipped.headers.get('etag')).toBe(etag);
    expect(zipped.headers.get('content-type')).toMatch(/^text\/html/);
    const bytes = Buffer.from(await zipped.arrayBuffer());
    expect(bytes.length).toBeLessThan(html.length / 3);
    expect(gunzipSync(bytes).toString('utf8')).toBe(html);
    const again = await page({ 'accept-encoding': 'gzip', 'if-none-match': etag as string });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });
});

describe('acceptsGzip', () => {
  it.each([
    [null, false],
    ['', false],
    ['gzip', true],
    ['GZIP', true],
    ['br, gzip;q=0.5', true],
    ['gzip;q=0', false],
    ['gzip; q=0.0', false],
    ['*', true],
    ['identity', false],
    ['deflate, br', false],
  ])('%p -> %p', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
