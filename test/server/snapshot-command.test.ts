import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { Errno } from '../../src/flux/constants';
import { FluxError, FluxRpcError } from '../../src/flux/errors';
import type { FluxHandle } from '../../src/flux/handle';
import { parseJson, type Json, type JsonObject } from '../../src/flux/json';
import { loadSnapshot, parseSnapshot } from '../../src/embedded/snapshot/format';
import { runSnapshotCommand, SnapshotCommandError } from '../../src/server/snapshot-command';
import { ProgressBar, renderProgress } from '../../src/server/snapshot-progress';

const fixtureJobs = (parseJson(readFileSync(join(__dirname, '../fixtures/flux-0.88-snapshot.json'), 'utf8')) as { jobs: JsonObject[] }).jobs;
const stats = parseJson(readFileSync(join(__dirname, '../fixtures/flux-0.88-snapshot-job-stats.json'), 'utf8')) as JsonObject;

class Capture extends Writable {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
  ) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

function scriptedHandle(uri: string): FluxHandle & { closed: boolean } {
  return {
    uri,
    closed: false,
    async rpc(topic) {
      if (topic === 'job-list.job-stats') return stats;
      throw new FluxRpcError(topic, Errno.ENOSYS);
    },
    async *rpcStream(): AsyncGenerator<Json | undefined> {
      for (const [i, job] of fixtureJobs.entries()) yield i === 0 ? { jobs: [job], version: 1 } : { jobs: [job] };
    },
    async close() {
      this.closed = true;
    },
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snapshot-cmd-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runSnapshotCommand', () => {
  it('writes the file, closes the handle and prints a summary without a bar when stderr is not a terminal', async () => {
    const handle = scriptedHandle('local:///run/flux/local');
    const stderr = new Capture(false);
    const output = join(dir, 'jobs.json');
    const opened: string[] = [];
    const taken = await runSnapshotCommand(
      { fluxUri: 'local:///run/flux/local', output },
      { openHandle: async (uri) => (opened.push(uri), handle), stdout: new Capture(false), stderr, clock: () => 0 },
    );
    expect(opened).toEqual(['local:///run/flux/local']);
    expect(taken.jobs).toBe(59);
    expect(handle.closed).toBe(true);
    expect((await loadSnapshot(output)).jobs).toHaveLength(59);
    expect(stderr.text).toBe(`snapshot: 59 jobs from local:///run/flux/local written to ${output} in 0.00 s\n`);
  });

  it('draws a progress bar on a terminal, ending at the full count', async () => {
    const stderr = new Capture(true, 120);
    await runSnapshotCommand(
      { fluxUri: 'local:///x', output: join(dir, 'jobs.json') },
      { openHandle: async (uri) => scriptedHandle(uri), stdout: new Capture(false), stderr },
    );
    expect(stderr.text).toContain('\rsnapshot [');
    expect(stderr.text).toContain(`[${'#'.repeat(30)}] 100% 59/59 jobs\x1b[K\n`);
  });

  it('streams to stdout when no --output is given', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    await runSnapshotCommand({ fluxUri: 'local:///x' }, { openHandle: async (uri) => scriptedHandle(uri), stdout, stderr: new Capture(false) });
    const snapshot = parseSnapshot(Buffer.concat(chunks).toString('utf8'), 'stdout');
    expect(snapshot.source).toBe('local:///x');
    expect(snapshot.jobs).toHaveLength(59);
  });

  it('refuses to write a snapshot to a terminal, before connecting', async () => {
    const opened: string[] = [];
    const run = runSnapshotCommand(
      { fluxUri: 'local:///x' },
      { openHandle: async (uri) => (opened.push(uri), scriptedHandle(uri)), stdout: new Capture(true), stderr: new Capture(true) },
    );
    await expect(run).rejects.toThrow(new SnapshotCommandError('refusing to write a snapshot to a terminal: give --output FILE or redirect stdout'));
    expect(opened).toEqual([]);
  });

  it('names the destination when it cannot be written, and closes the handle', async () => {
    const handle = scriptedHandle('local:///x');
    const output = join(dir, 'no-such-dir', 'jobs.json');
    const run = runSnapshotCommand({ fluxUri: 'local:///x', output }, { openHandle: async () => handle, stdout: new Capture(false), stderr: new Capture(false) });
    await expect(run).rejects.toThrow(`cannot write ${output}: ENOENT: no such file or directory`);
    expect(handle.closed).toBe(true);
  });

  it('passes a connection failure through and leaves no file', async () => {
    const output = join(dir, 'jobs.json');
    const run = runSnapshotCommand(
      { fluxUri: 'local:///nowhere', output },
      {
        openHandle: async () => {
          throw new FluxError('FLUX_CONNECT', 'cannot connect to local:///nowhere');
        },
        stdout: new Capture(false),
        stderr: new Capture(false),
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'FLUX_CONNECT' });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('progress bar', () => {
  it('renders a bar with percentage and counts, or a counter when the total is unknown', () => {
    expect(renderProgress('snapshot', 25, 100)).toBe(`snapshot [${'#'.repeat(8)}${'.'.repeat(22)}]  25% 25/100 jobs`);
    expect(renderProgress('snapshot', 120, 100)).toBe(`snapshot [${'#'.repeat(30)}] 100% 120/100 jobs`);
    expect(renderProgress('snapshot', 7, undefined)).toBe('snapshot 7 jobs');
  });

  it('redraws at most every 100 ms and truncates to the terminal width', () => {
    const writes: string[] = [];
    let now = 0;
    const bar = new ProgressBar({ write: (text: string) => writes.push(text), columns: 20 }, 'snapshot', () => now);
    bar.update(1, 10);
    bar.update(2, 10);
    now = 150;
    bar.update(3, 10);
    bar.finish(10, 10);
    expect(writes).toEqual(['\rsnapshot [###......\x1b[K', '\rsnapshot [#########\x1b[K', '\rsnapshot [#########\x1b[K', '\n']);
  });
});
