/**
 * serve --snapshot and broker --snapshot, started for real: the snapshot's jobs over HTTP
 * GraphQL and over the local:// wire, a frozen or running clock, and a bad file refused.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHandle } from '../../src/flux/connect';
import { parseJson, type JsonObject } from '../../src/flux/json';
import { SnapshotError } from '../../src/embedded/snapshot/format';
import { openSnapshotBackend, snapshotDescription } from '../../src/server/snapshot-backend';
import { startBroker, startServer } from '../../src/server/start';
import { streamList, keysAndValues, normalise } from '../embedded/snapshot/snapshot-expect';

const FIXTURE = join(__dirname, '../fixtures/flux-0.88-snapshot.json');
const fixture = parseJson(readFileSync(FIXTURE, 'utf8')) as { taken: number; jobs: JsonObject[] };
const EMBEDDED = { jobs: 10, seed: 1, live: false, latencyMs: 0 };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'snapshot-backend-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openSnapshotBackend', () => {
  it('describes the snapshot and freezes the clock at its time', async () => {
    const backend = await openSnapshotBackend({ path: FIXTURE, live: false });
    try {
      expect(backend.description).toBe(
        `snapshot ${FIXTURE}: 59 jobs of a flux-core 0.88 test instance taken 2026-11-25T20:16:38Z, frozen`,
      );
      expect(backend.handle.uri).toBe(`snapshot:${FIXTURE}`);
      expect(backend.jobInfo?.now?.()).toBe(fixture.taken);
    } finally {
      await backend.close();
    }
  });

  it('runs the clock on from the snapshot time with live', async () => {
    const backend = await openSnapshotBackend({ path: FIXTURE, live: true });
    try {
      expect(backend.description).toMatch(/, clock running from then$/);
      const now = backend.jobInfo?.now?.() as number;
      expect(now).toBeGreaterThanOrEqual(fixture.taken);
      expect(now).toBeLessThan(fixture.taken + 60);
    } finally {
      await backend.close();
    }
  });

  it('names a single job in the singular', () => {
    expect(snapshotDescription({ path: 'f.json', live: false }, { jobs: 1, taken: 0, source: 'x', queues: [] })).toBe(
      'snapshot f.json: 1 job of x taken 1970-01-01T00:00:00Z, frozen',
    );
  });

  it('refuses a bad file, naming it and the job', async () => {
    const path = join(dir, 'bad.json');
    const jobs = fixture.jobs.map((job, i) => (i === 2 ? { ...job, state: 24 } : job));
    await writeFile(path, JSON.stringify({ ...fixture, jobs }));
    const opening = openSnapshotBackend({ path, live: false });
    await expect(opening).rejects.toBeInstanceOf(SnapshotError);
    await expect(openSnapshotBackend({ path, live: false })).rejects.toThrow(
      `bad snapshot ${path}: jobs[2] (id 894108172288): "state" 24 is not a single job state bit (2 DEPEND … 64 INACTIVE)`,
    );
  });
});

describe('started with --snapshot', () => {
  const quiet = { log: () => undefined, handleSignals: false };

  it('serve answers GraphQL over HTTP from the snapshot', async () => {
    const server = await startServer(
      { port: 0, host: '127.0.0.1', snapshot: { path: FIXTURE, live: false }, embedded: EMBEDDED, maxPageSize: 100, defaultPageSize: 50 },
      quiet,
    );
    try {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ jobs(first: 100) { totalCount nodes { jobid(encoding: DEC) name } } jobStats { total inactive } }' }),
      });
      const body = (await response.json()) as { data: { jobs: { totalCount: number; nodes: { jobid: string; name: string }[] }; jobStats: { total: number; inactive: number } } };
      expect(body.data.jobs.totalCount).toBe(59);
      expect(body.data.jobs.nodes.map((job) => job.jobid)).toEqual(fixture.jobs.map((job) => String(job.id)));
      expect(body.data.jobs.nodes[0]?.name).toBe('gpu-inference-u31');
      expect(body.data.jobStats).toEqual({ total: 59, inactive: 39 });
    } finally {
      await server.close();
    }
  });

  it('broker answers job-list over local:// from the snapshot', async () => {
    const broker = await startBroker({ listen: join(dir, 'b.sock'), snapshot: { path: FIXTURE, live: false }, embedded: EMBEDDED }, quiet);
    const handle = await openHandle(`local://${broker.path}`);
    try {
      const jobs = await streamList(handle, { max_entries: 0, attrs: ['all'] });
      expect(keysAndValues(jobs)).toEqual(keysAndValues(fixture.jobs.map(normalise)));
    } finally {
      await handle.close();
      await broker.close();
    }
  });
});
