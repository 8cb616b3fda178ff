/**
 * CSRF prevention: a GraphQL request a browser sends from any page without a preflight (GET, a
 * form POST) must carry x-graphql-yoga-csrf, or it is refused with 403 CSRF_HEADER_REQUIRED
 * before anything runs; POST application/json needs no header, and the GraphiQL page is served
 * to a browser as before.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedInstance } from '../../src/embedded';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { CSRF_CODE, CSRF_HEADER } from '../../src/server/csrf-prevention';
import { RecordingHandle } from '../graphql/recording-handle';

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

const instance = new EmbeddedInstance({});
const handle = new RecordingHandle(instance.handle());
const app: FluxGraphQLApp = createApp({ handle, logging: false });
afterAll(() => instance.close());

const QUERY = '{ jobStats { total } }';
const getUrl = `http://yoga/graphql?query=${encodeURIComponent(QUERY)}`;

async function answer(response: Response): Promise<{ status: number; body: Answer }> {
  return { status: response.status, body: (await response.json()) as Answer };
}

describe('CSRF prevention', () => {
  it(`refuses a GET query without ${CSRF_HEADER} with 403 and its code, and sends Flux nothing`, async () => {
    const before = handle.calls.length;
    const { status, body } = await answer(await app.fetch(getUrl, { headers: { accept: 'application/json' } }));
    expect(status).toBe(403);
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions?.['code']).toBe(CSRF_CODE);
    expect(body.errors?.[0]?.message).toContain(`needs the header "${CSRF_HEADER}"`);
    expect(handle.calls.length).toBe(before);
  });

  it.each([['1'], ['anything at all']])('answers a GET query with the header set to %j', async (value) => {
    const { status, body } = await answer(await app.fetch(getUrl, { headers: { accept: 'application/json', [CSRF_HEADER]: value } }));
    expect(status).toBe(200);
    expect(body).toEqual({ data: { jobStats: { total: 0 } } });
  });

  it('leaves POST application/json alone, with or without the header', async () => {
    for (const headers of [{ 'content-type': 'application/json' }, { 'content-type': 'application/json; charset=utf-8', [CSRF_HEADER]: '1' }]) {
      const { status, body } = await answer(await app.fetch('http://yoga/graphql', { method: 'POST', headers, body: JSON.stringify({ query: QUERY }) }));
      expect(status).toBe(200);
      expect(body).toEqual({ data: { jobStats: { total: 0 } } });
    }
  });

  it('refuses a form POST (what an HTML form on another site sends) without the header, answers it with', async () => {
    const form = { method: 'POST', body: `query=${encodeURIComponent(QUERY)}` };
    const refused = await answer(await app.fetch('http://yoga/graphql', { ...form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    expect(refused.status).toBe(403);
    expect(refused.body.errors?.[0]?.extensions?.['code']).toBe(CSRF_CODE);
    const allowed = await answer(await app.fetch('http://yoga/graphql', { ...form, headers: { 'content-type': 'application/x-www-form-urlencoded', [CSRF_HEADER]: '1' } }));
    expect(allowed).toEqual({ status: 200, body: { data: { jobStats: { total: 0 } } } });
  });

  it('still serves the GraphiQL page to a browser GET without the header', async () => {
    const page = await app.fetch('http://yoga/graphql', { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>flux-graphql</title>');
  });

  it('keeps /healthz open to a plain GET', async () => {
    expect((await app.fetch('http://yoga/healthz')).status).toBe(200);
  });

  it('answers the README\'s GET example as curl sends it (the header it names, the query URL-encoded, no Content-Type)', async () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const example = /curl -H '([^:']+): ([^']+)' --get --data-urlencode 'query=([^']+)' (\S+)/.exec(readme);
    expect(example).not.toBeNull();
    const [, header, value, query, url] = example as unknown as [string, string, string, string, string];
    expect(header.toLowerCase()).toBe(CSRF_HEADER);
    const { status, body } = await answer(await app.fetch(`${url}?query=${encodeURIComponent(query)}`, { headers: { [header]: value, accept: '*/*' } }));
    expect(status).toBe(200);
    expect(body).toEqual({ data: { jobStats: { total: 0 } } });
  });
});
