/**
 * SIGTERM to `flux-graphql serve`: the server stops accepting, but a request already in flight
 * (here held up by --latency) is answered in full before the process exits 0.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'src', 'server', 'cli.ts');
const EXIT_WITH_PARENT = join(__dirname, '..', 'support', 'exit-with-parent.js');

function startServe(args: readonly string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--require', EXIT_WITH_PARENT, '--import', 'tsx', CLI, 'serve', ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      stdout += text;
      const match = /GraphiQL at (\S+)/.exec(stdout);
      if (match?.[1] !== undefined) resolve({ child, url: match[1], exited });
    });
    void exited.then((code) => reject(new Error(`serve exited (${String(code)}) before listening:\n${stdout}`)));
  });
}

describe('graceful shutdown', () => {
  it('lets a request in flight finish after SIGTERM, then exits 0', async () => {
    const { child, url, exited } = await startServe(['--port', '0', '--jobs', '20', '--no-live', '--latency', '1500', '--shutdown-grace', '10']);
    const inFlight = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ jobs(first: 3) { totalCount nodes { id } } }' }),
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { jobs: { totalCount: number; nodes: unknown[] } } };
    expect(body.data.jobs.totalCount).toBe(20);
    expect(body.data.jobs.nodes).toHaveLength(3);
    expect(await exited).toBe(0);
  });

  it('refuses new connections once it is shutting down', async () => {
    const { child, url, exited } = await startServe(['--port', '0', '--jobs', '5', '--no-live', '--latency', '1500']);
    const inFlight = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ jobs { totalCount } } ' }) });
    await new Promise((resolve) => setTimeout(resolve, 400));
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(fetch(url.replace('/graphql', '/healthz'))).rejects.toThrow();
    expect((await inFlight).status).toBe(200);
    expect(await exited).toBe(0);
  });
});
