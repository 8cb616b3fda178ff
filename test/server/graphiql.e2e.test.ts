/**
 * GraphiQL in a real browser: the server on a free port with a small embedded instance,
 * headless Chromium opening /graphql with no network beyond this machine, a jobs query typed
 * into the editor and run, and the job IDs (ƒ...) checked in the result pane; then a job's
 * output (stdout and stderr from job-info) shown there; and a subscription to a live instance whose
 * updates arrive in the result pane.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { JsonObject } from '../../src/flux/json';
import { ev, job } from '../embedded/job-builders';
import { openEmbeddedInstance, type EmbeddedBackend } from '../../src/server/backend';
import { serveBackend, startServer, type RunningServer } from '../../src/server/start';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = process.env['GRAPHIQL_SCREENSHOT'];

describe('GraphiQL in headless Chromium', () => {
  let server: RunningServer;
  /** A second server whose embedded instance keeps running jobs, for the subscription. */
  let live: RunningServer;
  let liveBackend: EmbeddedBackend;
  let subscriptionRequests = 0;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const externalRequests: string[] = [];
  /** What GraphiQL itself sends to the endpoint once its page is loaded (introspection, the query). */
  const graphqlRequests: { method: string; contentType: string | undefined; status?: number }[] = [];

  beforeAll(async () => {
    server = await startServer(
      {
        port: 0,
        host: '127.0.0.1',
        embedded: { jobs: 40, seed: 3, live: false, latencyMs: 0 },
        maxPageSize: 1000,
        defaultPageSize: 50,
      },
      { log: () => undefined, handleSignals: false },
    );
    liveBackend = await openEmbeddedInstance({ jobs: 40, seed: 3, live: false, latencyMs: 0 });
    const handle = liveBackend.instance.handle();
    live = await serveBackend(
      { handle, description: 'embedded:moved-by-this-test', jobInfo: { now: liveBackend.instance.now, usernameOf: liveBackend.usernameOf }, close: () => handle.close() },
      { port: 0, host: '127.0.0.1', embedded: { jobs: 40, seed: 3, live: false, latencyMs: 0 }, maxPageSize: 1000, defaultPageSize: 50 },
      { log: () => undefined, handleSignals: false },
    );
    userDataDir = mkdtempSync(join(tmpdir(), 'flux-graphql-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => {
      if ((request.headers()['accept'] ?? '').includes('text/event-stream')) subscriptionRequests++;
    });
    page.on('response', (response) => {
      const request = response.request();
      if (new URL(request.url()).pathname !== '/graphql' || request.resourceType() === 'document') return;
      graphqlRequests.push({ method: request.method(), contentType: request.headers()['content-type'], status: response.status() });
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['127.0.0.1', 'localhost'].includes(url.hostname) && !['data:', 'blob:'].includes(url.protocol)) {
        externalRequests.push(request.url());
      }
    });
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir !== undefined) rmSync(userDataDir, { recursive: true, force: true });
    await server?.close();
    await live?.close();
    await liveBackend?.close();
  });

  it('loads GraphiQL offline, runs a typed jobs query and shows job IDs', async () => {
    const query = '{ jobs(first: 3) { nodes { id } } }';
    const expected = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    }).then(async (response) => ((await response.json()) as { data: { jobs: { nodes: { id: string }[] } } }).data.jobs.nodes.map((n) => n.id));
    expect(expected).toHaveLength(3);

    await page.goto(server.url, { waitUntil: 'load' });
    await expect(page.title()).resolves.toBe('flux-graphql');

    // The editor is ready once it shows our default query.
    const editorText = (): Promise<string> => page.locator('.graphiql-query-editor .view-lines').first().innerText();
    await page.waitForFunction(
      () => document.querySelector('.graphiql-query-editor .view-lines')?.textContent?.includes('jobStats') === true,
      null,
      { timeout: 30_000 },
    );
    await page.locator('.graphiql-query-editor .view-lines').first().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    // insertText behaves like a paste: the editor adds no closing brackets of its own.
    await page.keyboard.insertText(query);
    expect((await editorText()).replace(/\s+/g, ' ')).toBe(query);
    await page.locator('.graphiql-execute-button').click();

    await page.waitForFunction(() => document.querySelector('.graphiql-response')?.textContent?.includes('ƒ') === true, null, {
      timeout: 30_000,
    });
    const shown = (await page.locator('.graphiql-response').innerText()).match(/ƒ[1-9A-HJ-NP-Za-km-z]+/g) ?? [];
    expect(shown).toEqual(expected);
    if (SCREENSHOT !== undefined) await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(externalRequests).toEqual([]);
    // GraphiQL POSTs JSON, which CSRF prevention leaves alone (a GET would need its header).
    expect(graphqlRequests.length).toBeGreaterThanOrEqual(2);
    for (const request of graphqlRequests) {
      expect(request.method).toBe('POST');
      expect(request.contentType).toMatch(/^application\/json/);
      expect(request.status).toBe(200);
    }
  });

  it("shows a job's output, stdout and stderr, in the result pane", async () => {
    // The job with the shortest output that wrote to both streams, so its whole text is on screen.
    const listing = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ jobs(first: 40) { nodes { id output { stdout stderr } } } }' }),
    }).then(async (response) => ((await response.json()) as { data: { jobs: { nodes: { id: string; output: { stdout: string | null; stderr: string | null } | null }[] } } }).data.jobs.nodes);
    const candidates = listing.filter((node) => (node.output?.stdout ?? '') !== '' && (node.output?.stderr ?? '') !== '');
    expect(candidates.length).toBeGreaterThan(0);
    const [job] = candidates.sort((a, b) => JSON.stringify(a.output).length - JSON.stringify(b.output).length) as [(typeof candidates)[number]];
    const output = job.output as { stdout: string; stderr: string };

    await page.goto(server.url, { waitUntil: 'load' });
    // GraphiQL shows the query of the previous test again (it keeps it in the browser's storage).
    await page.waitForFunction(() => (document.querySelector('.graphiql-query-editor .view-lines')?.textContent ?? '').includes('jobs'), null, { timeout: 30_000 });
    await page.locator('.graphiql-query-editor .view-lines').first().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(`{ job(id: "${job.id}") { output { stdout stderr } } }`);
    await page.locator('.graphiql-execute-button').click();

    await page.waitForFunction(() => document.querySelector('.graphiql-response')?.textContent?.includes('"stderr"') === true, null, { timeout: 30_000 });
    // The pane shows the JSON answer, each stream's text as a JSON string; it wraps long lines, so
    // whitespace is left out of the comparison.
    const squeezed = (text: string): string => text.replace(/\s+/g, '');
    const shown = squeezed(await page.locator('.graphiql-response').innerText());
    expect(shown).toContain(squeezed(`"stdout": ${JSON.stringify(output.stdout)}`));
    expect(shown).toContain(squeezed(`"stderr": ${JSON.stringify(output.stderr)}`));
    expect(externalRequests).toEqual([]);
  });

  it('runs a subscription and shows each update as it arrives', async () => {
    await page.goto(live.url, { waitUntil: 'load' });
    await page.waitForFunction(() => (document.querySelector('.graphiql-query-editor .view-lines')?.textContent ?? '') !== '', null, { timeout: 30_000 });
    await page.locator('.graphiql-query-editor .view-lines').first().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('subscription { jobChanges { event timestamp job { id state } } }');
    await page.locator('.graphiql-execute-button').click();

    // A job moves through its states while the subscription is open, one event every 0.3 s.
    const { instance } = liveBackend;
    const id = 90_000_000n;
    const t0 = instance.now();
    instance.sink.ingest(job(id, 'new', t0));
    const steps = ['validate', 'depend', 'priority', 'exception', 'clean'];
    let step = 0;
    const mover = setInterval(() => {
      const name = steps[step++];
      if (name === undefined) return clearInterval(mover);
      const context: JsonObject | undefined = name === 'priority' ? { priority: 16 } : name === 'exception' ? { type: 'cancel', severity: 0, note: '', userid: 1000 } : undefined;
      instance.sink.post(id, ev(name, t0 + step, context));
    }, 300);
    // Each change replaces the one shown before it: wait for three different ones.
    const seen = new Set<string>();
    const deadline = Date.now() + 30_000;
    let text = '';
    while (seen.size < 3 && Date.now() < deadline) {
      text = await page.locator('.graphiql-response').innerText();
      if (text.includes('"jobChanges"')) seen.add(text.replace(/\s+/g, ''));
      await page.waitForTimeout(100);
    }
    expect({ seen: seen.size, last: text }).toMatchObject({ seen: 3 });
    for (const text of seen) expect(text).toMatch(/"event":"[a-z.-]+","timestamp":[0-9.]+,"job":\{"id":"ƒ[1-9A-HJ-NP-Za-km-z]+","state":"[A-Z]+"\}/);
    // GraphiQL reads the subscription as server-sent events, from this server only.
    clearInterval(mover);
    expect(subscriptionRequests).toBeGreaterThan(0);
    expect(externalRequests).toEqual([]);
    // Stop it: the page goes, and with it the stream.
    await page.goto('about:blank');
  });
});
