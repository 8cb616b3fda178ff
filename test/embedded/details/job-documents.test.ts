/**
 * Each job's documents as the embedded instance composes them from its store: exactly the
 * documents the workload delivered (main eventlog, jobspec, R), in the forms the 0.88 recording
 * shows (event names, order and context keys per kind of job; exec eventlog and output as the
 * job shell writes them), derived consistently for jobs loaded from job-list records, and
 * growing only by appending while a live job runs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JobState } from '../../../src/flux/constants';
import { encodeJobId } from '../../../src/flux/jobid';
import type { EventlogEntry } from '../../../src/flux/jobspec';
import { parseJson, type Json, type JsonObject } from '../../../src/flux/json';
import { EmbeddedInstance } from '../../../src/embedded';
import { JobDirectory, keyPath } from '../../../src/embedded/details/job-directory';
import type { JobDocuments } from '../../../src/embedded/store/job-documents';
import { forEachJob } from '../../../src/embedded/workload/generate';
import { LiveWorkload } from '../../../src/embedded/workload/live';
import { captured, capturedJson, RECORDED_JOBS, recordedDocuments, recordedJob, storedText } from '../job-info-fixtures';

const NOW = 1795640000;
const OWNER = 0;

function workloadInstance(jobs: number, seed = 1): { instance: EmbeddedInstance; delivered: Map<bigint, JobDocuments> } {
  const instance = new EmbeddedInstance({ queues: ['batch', 'debug', 'gpu'], ownerUserid: OWNER });
  const delivered = new Map<bigint, JobDocuments>();
  forEachJob({ jobs, seed, now: NOW }, (job) => {
    delivered.set(job.id, structuredClone(job));
    instance.sink.ingest(job);
  });
  instance.sink.advanceTo?.(NOW);
  return { instance, delivered };
}

function directory(instance: EmbeddedInstance, id: bigint): JobDirectory {
  const slot = instance.store.lookup(id);
  if (slot < 0) throw new Error(`job ${id} not in the store`);
  return new JobDirectory(instance.store, slot, OWNER);
}

/** Event names with their context keys in order: what a kind of job's eventlog looks like. */
function shape(entries: readonly EventlogEntry[]): string[] {
  return entries.map((e) => (e.context === undefined ? e.name : `${e.name}(${Object.keys(e.context).join(',')})`));
}

const { instance, delivered } = workloadInstance(3000);
const directories = [...delivered.keys()].map((id) => directory(instance, id));

describe('documents of workload jobs', () => {
  it('the main eventlog is the one delivered, without the journal-only annotations events', () => {
    const differing = directories.filter((dir) => {
      const sent = (delivered.get(dir.id) as JobDocuments).eventlog.filter((e) => e.name !== 'annotations');
      return JSON.stringify(dir.eventlog()) !== JSON.stringify(sent);
    });
    expect(differing.map((dir) => dir.id)).toEqual([]);
  });

  it('the jobspec and R are the ones delivered', () => {
    for (const dir of directories) {
      const sent = delivered.get(dir.id) as JobDocuments;
      expect(dir.jobspec()).toEqual(sent.jobspec);
      if (sent.R === undefined) expect(dir.R()).toBeUndefined();
      else expect(dir.R()).toEqual(sent.R);
    }
  });

  it('keeps entries verbatim only for a minority of jobs', () => {
    expect(instance.store.trail.size).toBeGreaterThan(0);
    expect(instance.store.trail.size).toBeLessThan(delivered.size / 3);
  });

  it('a job that never started has no R (if never allocated) and no guest documents', () => {
    const pending = directories.filter((dir) => !dir.started());
    expect(pending.length).toBeGreaterThan(10);
    for (const dir of pending) {
      expect(dir.lookup(['guest'])).toEqual({ kind: 'missing' });
      expect(dir.lookup(keyPath('guest.output'))).toEqual({ kind: 'missing' });
      if (instance.store.jobs.tRun[dir.slot] === 0) expect(dir.lookup(['R'])).toEqual({ kind: 'missing' });
    }
  });
});

describe('the forms the 0.88 recording shows', () => {
  const t = instance.store.jobs;
  const byKind = (predicate: (dir: JobDirectory) => boolean): JobDirectory => {
    const found = directories.find(predicate);
    if (found === undefined) throw new Error('no workload job of that kind');
    return found;
  };
  const plain = (dir: JobDirectory): boolean => dir.eventlog().every((e) => !['memo', 'urgency', 'dependency-add', 'exception'].includes(e.name));
  const exceptionType = (dir: JobDirectory): string | undefined => dir.eventlog().find((e) => e.name === 'exception')?.context?.type as string | undefined;
  const finished = (dir: JobDirectory): boolean => t.state[dir.slot] === JobState.INACTIVE;

  it.each<[string, (dir: JobDirectory) => boolean]>([
    ['echo_hello', (dir) => finished(dir) && plain(dir) && t.waitstatus[dir.slot] === 0],
    ['fail_exit3', (dir) => finished(dir) && plain(dir) && (t.waitstatus[dir.slot] as number) > 0],
    ['cancel_running', (dir) => exceptionType(dir) === 'cancel' && dir.started() && dir.eventlog().length === 11],
    ['cancel_held', (dir) => exceptionType(dir) === 'cancel' && !dir.started() && dir.eventlog().length === 6],
    ['timeout', (dir) => exceptionType(dir) === 'timeout'],
    ['no_such_cmd', (dir) => t.waitstatus[dir.slot] === 127 << 8],
    [
      'dep_child',
      (dir) => finished(dir) && dir.eventlog().filter((e) => e.name === 'dependency-add').length === 1 && dir.eventlog().some((e) => e.name === 'dependency-remove') && !dir.eventlog().some((e) => e.name === 'exception' || e.name === 'memo'),
    ],
  ])('a workload job like %s has the same events and context keys', (label, isLike) => {
    expect(shape(byKind(isLike).eventlog())).toEqual(shape(recordedJob(label).eventlog));
  });

  it('every event name the recording and the workload share has the recorded context keys', () => {
    const recorded = new Map<string, Set<string>>();
    for (const job of RECORDED_JOBS) for (const e of job.eventlog) if (e.name !== 'memo' && e.name !== 'exception') addShape(recorded, e);
    const ours = new Map<string, Set<string>>();
    for (const dir of directories) for (const e of dir.eventlog()) if (recorded.has(e.name)) addShape(ours, e);
    expect([...ours.keys()].sort()).toEqual(expect.arrayContaining(['alloc', 'finish', 'priority', 'release', 'submit', 'urgency']));
    for (const [name, keys] of ours) expect([name, [...keys]]).toEqual([name, [...(recorded.get(name) as Set<string>)]]);
  });

  it('exception contexts have the key order of the component that raises them', () => {
    const keysOf = (type: string): string[][] =>
      directories.flatMap((dir) => dir.eventlog().filter((e) => e.name === 'exception' && e.context?.type === type).map((e) => Object.keys(e.context as JsonObject)));
    expect(new Set(keysOf('cancel').map((k) => k.join()))).toEqual(new Set([Object.keys(recordedJob('cancel_running').eventlog[6]?.context ?? {}).join()]));
    expect(new Set(keysOf('timeout').map((k) => k.join()))).toEqual(new Set([Object.keys(recordedJob('timeout').eventlog[6]?.context ?? {}).join()]));
  });

  it('R has the recorded layout: version, then R_lite, starttime, expiration, nslots, nodelist', () => {
    const recorded = parseJson(storedText(recordedJob('echo_hello'), 'R') as string) as JsonObject;
    const ours = byKind((dir) => dir.R() !== undefined).R() as JsonObject;
    expect(Object.keys(ours)).toEqual(Object.keys(recorded));
    expect(Object.keys(ours.execution as JsonObject)).toEqual(Object.keys(recorded.execution as JsonObject));
    const text = byKind((dir) => dir.R() !== undefined).lookup(['R']);
    expect(text.kind === 'value' && text.text.startsWith('{"version": 1, "execution": {"R_lite": [{"rank": "')).toBe(true);
  });

  it('the exec eventlog of a finished job has the events of the recorded flux job attach (session 6)', () => {
    const recorded = [33, 34, 35, 36, 37, 38, 39, 42].map((line) => parseJson((capturedJson(line) as { event: string }).event.trimEnd()) as unknown as EventlogEntry);
    const dir = byKind((d) => finished(d) && plain(d) && t.waitstatus[d.slot] === 0 && t.ntasks[d.slot] === 1);
    const exec = dir.guest()?.exec ?? [];
    expect(shape(exec)).toEqual(shape(recorded));
    const init = exec.find((e) => e.name === 'shell.init')?.context as JsonObject;
    expect(init.service).toBe(`${t.userid[dir.slot]}-shell-${encodeJobId(dir.id, 'f58plain')}`);
    expect(init['leader-rank']).toBe(Number(t.str(t.ranks, dir.slot)));
    expect(exec.find((e) => e.name === 'shell.start')?.context).toEqual({ taskmap: { version: 1, map: [[0, 1, 1, 1]] } });
    expect(exec.find((e) => e.name === 'complete')?.context).toEqual({ status: 0 });
    // job-exec is done with the job before the job manager posts finish.
    const finish = dir.eventlog().find((e) => e.name === 'finish') as EventlogEntry;
    expect((exec[exec.length - 1] as EventlogEntry).timestamp).toBeLessThan(finish.timestamp);
    expect((exec[0] as EventlogEntry).timestamp).toBeGreaterThan((dir.eventlog().find((e) => e.name === 'alloc') as EventlogEntry).timestamp);
  });

  it('task exits tell the exit code, or the signal that killed the task', () => {
    const exitOf = (status: number): JsonObject | undefined =>
      byKind((d) => finished(d) && t.waitstatus[d.slot] === status && d.started()).guest()?.exec.find((e) => e.name === 'shell.task-exit')?.context;
    expect(exitOf(36608)).toMatchObject({ state: 'Exited', wait_status: 15, signaled: 15, exitcode: 143 });
    expect(exitOf(36352)).toMatchObject({ wait_status: 14, signaled: 14, exitcode: 142 });
    expect(exitOf(256)).toMatchObject({ wait_status: 256, signaled: 0, exitcode: 1 });
    expect(Object.keys(exitOf(0) ?? {})).toEqual(['localid', 'rank', 'state', 'pid', 'wait_status', 'signaled', 'exitcode']);
  });

  it('output has the recorded header, one data entry per line and an eof per stream per task', () => {
    const recordedHeader = recordedJob('echo_hello').output?.[0];
    const dir = byKind((d) => finished(d) && plain(d) && t.waitstatus[d.slot] === 0 && (t.ntasks[d.slot] as number) > 1 && d.guest()?.output.some((e) => e.context?.data !== undefined) === true);
    const output = dir.guest()?.output ?? [];
    const ntasks = t.ntasks[dir.slot] as number;
    expect(output[0]?.name).toBe('header');
    expect(output[0]?.context).toEqual({ ...recordedHeader?.context, count: { stdout: ntasks, stderr: ntasks } });
    const eofs = output.filter((e) => e.context?.eof === true).map((e) => `${e.context?.stream as string}:${e.context?.rank as string}`);
    expect(eofs.sort()).toEqual(Array.from({ length: ntasks }, (_, r) => [`stderr:${r}`, `stdout:${r}`]).flat().sort());
    for (const e of output.slice(1)) {
      expect(e.name).toBe('data');
      expect(Object.keys(e.context as JsonObject)).toEqual(e.context?.eof === true ? ['stream', 'rank', 'eof'] : ['stream', 'rank', 'data']);
      if (typeof e.context?.data === 'string') expect(e.context.data.endsWith('\n')).toBe(true);
    }
    // Nothing comes after a task's eof on that stream.
    const closed = new Set<string>();
    for (const e of output) {
      const key = `${e.context?.stream as string}:${e.context?.rank as string}`;
      expect(closed.has(key)).toBe(false);
      if (e.context?.eof === true) closed.add(key);
    }
  });

  it('failed jobs say why on stderr (pytest, as it does, on stdout)', () => {
    const failed = directories.filter((d) => finished(d) && plain(d) && [1, 2, 3, 42, 255].includes((t.waitstatus[d.slot] as number) >> 8) && d.guest()?.output.some((e) => e.name === 'redirect') !== true);
    expect(failed.length).toBeGreaterThan(5);
    const says = (dir: JobDirectory): boolean =>
      dir.guest()?.output.some((e) => typeof e.context?.data === 'string' && (e.context.stream === 'stderr' || e.context.data.startsWith('FAILED '))) === true;
    const silent = failed.filter((dir) => !says(dir));
    expect(silent.map((dir) => `${dir.id} ${dir.run()?.command.join(' ')}`)).toEqual([]);
  });

  it('a batch script writes to flux-{{id}}.out in its directory: redirect entries and nothing else, as recorded', () => {
    const recorded = recordedJob('redirect').output ?? [];
    const dir = byKind((d) => finished(d) && t.str(t.name, d.slot)?.endsWith('.sh') === true && (t.ntasks[d.slot] as number) === 1);
    const output = dir.guest()?.output ?? [];
    expect(shape(output)).toEqual(shape(recorded));
    expect(output[1]?.context).toEqual({ stream: 'stdout', rank: '0', path: `flux-${encodeJobId(dir.id, 'f58')}.out` });
    const multi = byKind((d) => t.str(t.name, d.slot)?.endsWith('.sh') === true && (t.ntasks[d.slot] as number) > 1 && d.started());
    expect(multi.guest()?.output[1]?.context?.rank).toBe(`[0-${(t.ntasks[multi.slot] as number) - 1}]`);
  });

  it('a command that cannot be started leaves the shell log entry of the recording, and no eof', () => {
    const recorded = recordedJob('no_such_cmd').output ?? [];
    const dir = byKind((d) => t.waitstatus[d.slot] === 127 << 8);
    const output = dir.guest()?.output ?? [];
    const log = recorded.filter((e) => e.name === 'log' && e.context?.level === 0);
    expect(shape(output)).toEqual(shape([recorded[0] as EventlogEntry, ...log]));
    expect(output[1]?.context?.message).toBe(dir.eventlog().find((e) => e.name === 'exception')?.context?.note);
  });

  it('some output is not UTF-8 and comes base64-encoded, as recorded', () => {
    const recorded = (recordedJob('binary_out').output ?? []).find((e) => e.context?.encoding === 'base64');
    const binary = directories.flatMap((d) => d.guest()?.output ?? []).find((e) => e.context?.encoding === 'base64');
    expect(binary).toBeDefined();
    expect(Object.keys(binary?.context ?? {})).toEqual(Object.keys(recorded?.context ?? {}));
  });

  it('guest.input has its header', () => {
    const dir = byKind((d) => d.started());
    expect(dir.guest()?.input).toEqual([expect.objectContaining({ name: 'header', context: { version: 1, encoding: { stdin: 'UTF-8' }, count: { stdin: 1 }, options: {} } })]);
  });

  it('documents are the same on every lookup and different between jobs', () => {
    const first = workloadInstance(300);
    const again = workloadInstance(300).instance;
    const texts = (inst: EmbeddedInstance): string[] =>
      [...first.delivered.keys()].slice(0, 100).flatMap((id) => {
        const slot = inst.store.lookup(id);
        if (slot < 0) return [];
        const found = new JobDirectory(inst.store, slot, OWNER).lookup(keyPath('guest.output'));
        return [found.kind === 'value' ? found.text : found.kind];
      });
    expect(texts(again)).toHaveLength(100);
    expect(texts(again)).toEqual(texts(first.instance));
    expect(new Set(texts(first.instance)).size).toBeGreaterThan(25);
  });
});

function addShape(into: Map<string, Set<string>>, e: EventlogEntry): void {
  let keys = into.get(e.name);
  if (keys === undefined) into.set(e.name, (keys = new Set()));
  keys.add(e.context === undefined ? '' : Object.keys(e.context).join(','));
}

describe('recorded jobs ingested', () => {
  const recordedInstance = new EmbeddedInstance({ ownerUserid: 0 });
  for (const job of RECORDED_JOBS) recordedInstance.sink.ingest(recordedDocuments(job));

  it.each(RECORDED_JOBS.map((job) => [job.label, job] as const))('%s: eventlog, jobspec and R byte for byte', (_label, job) => {
    const dir = directory(recordedInstance, job.id);
    for (const key of ['eventlog', 'jobspec', 'R'] as const) {
      const found = dir.lookup([key]);
      const text = storedText(job, key);
      expect(found).toEqual(text === undefined ? { kind: 'missing' } : { kind: 'value', text });
    }
  });
});

describe('jobs loaded from job-list records', () => {
  const snapshot = parseJson(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'flux-0.88-snapshot.json'), 'utf8')) as JsonObject;
  const records = snapshot.jobs as JsonObject[];
  const loaded = new EmbeddedInstance({ queues: snapshot.queues as string[], ownerUserid: 0 });
  loaded.loadRecords(records);

  it('their derived documents give job-list the same record back', async () => {
    const replayed = new EmbeddedInstance({ queues: snapshot.queues as string[], ownerUserid: 0 });
    for (const record of records) {
      const dir = directory(loaded, BigInt(record.id as number));
      const R = dir.R();
      // job-list takes the scheduler's annotations from the journal's annotations event, which
      // is not in the eventlog: put it before alloc, as the journal does.
      const eventlog = dir.eventlog().flatMap((e) => (e.name === 'alloc' && e.context !== undefined ? [{ timestamp: e.timestamp, name: 'annotations', context: e.context }, e] : [e]));
      replayed.sink.ingest({ id: dir.id, jobspec: dir.jobspec() as never, eventlog, ...(R === undefined ? {} : { R: R as never }) });
    }
    const list = async (inst: EmbeddedInstance): Promise<JsonObject[]> =>
      ((await inst.handle().rpc('job-list.list', { max_entries: 0, attrs: ['all'], constraint: { and: [] } })) as { jobs: JsonObject[] }).jobs;
    // A record whose dependencies were all resolved lists [] without saying what they were;
    // the derived eventlog cannot name them, so job-list leaves the attribute out.
    const withoutResolved = (jobs: JsonObject[]): JsonObject[] =>
      jobs.map(({ dependencies, ...rest }) => (Array.isArray(dependencies) && dependencies.length === 0 ? rest : { dependencies: dependencies as Json, ...rest }));
    const original = await list(loaded);
    expect(original.filter((job) => Array.isArray(job.dependencies) && job.dependencies.length === 0).length).toBeLessThan(8);
    expect(withoutResolved(await list(replayed))).toEqual(withoutResolved(original));
  });

  it('follow RFC 21 order', () => {
    const order = ['submit', 'dependency-add', 'validate', 'depend', 'priority', 'memo', 'alloc', 'start', 'exception', 'finish', 'release', 'free', 'clean'];
    for (const record of records) {
      const entries = directory(loaded, BigInt(record.id as number)).eventlog();
      const ranks = entries.map((e) => order.indexOf(e.name));
      expect(entries.filter((e) => !order.includes(e.name))).toEqual([]);
      // Each event after those it follows in RFC 21 (an exception may come at any time after submit).
      const ordered = ranks.filter((rank) => order[rank] !== 'exception');
      expect(ordered).toEqual([...ordered].sort((a, b) => a - b));
      const times = entries.map((e) => e.timestamp);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(entries[0]?.name).toBe('submit');
    }
  });
});

describe('a live job', () => {
  it('only ever gains entries at the end of each of its documents', () => {
    const live = new EmbeddedInstance({ queues: ['batch', 'debug', 'gpu'], ownerUserid: OWNER });
    let now = NOW;
    const workload = new LiveWorkload(live.sink, { jobs: 400, seed: 3, now, clock: () => now, submitRate: 0.05 });
    const keys = ['eventlog', 'guest.exec.eventlog', 'guest.output', 'guest.input'];
    const seen = new Map<string, string>();
    let grew = 0;
    let checked = 0;
    for (let step = 0; step < 120; step++) {
      now += 30;
      workload.step(now);
      for (const slot of [...live.store.lists.running.toArray(), ...live.store.lists.pending.toArray()]) {
        const dir = new JobDirectory(live.store, slot, OWNER);
        for (const key of keys) {
          const found = dir.lookup(keyPath(key));
          if (found.kind !== 'value') continue;
          const name = `${dir.id}:${key}`;
          const before = seen.get(name);
          checked++;
          if (before !== undefined) {
            expect(found.text.startsWith(before)).toBe(true);
            if (found.text.length > before.length) grew++;
          }
          seen.set(name, found.text);
        }
      }
      // A job that has just ended is checked once more, complete.
      for (const name of [...seen.keys()]) {
        const [idText, key] = name.split(':') as [string, string];
        const slot = live.store.lookup(BigInt(idText));
        if (slot < 0 || live.store.jobs.state[slot] !== JobState.INACTIVE) continue;
        const found = new JobDirectory(live.store, slot, OWNER).lookup(keyPath(key));
        expect(found.kind === 'value' && found.text.startsWith(seen.get(name) as string)).toBe(true);
        seen.delete(name);
      }
    }
    expect(checked).toBeGreaterThan(500);
    expect(grew).toBeGreaterThan(50);
  });
});

it('the capture shows flux job attach reading output only once the shell is up (session 6)', () => {
  // Line 40 opens the guest.output watch after shell.init (line 35) arrived.
  expect(captured(40).text).toContain('"path":"guest.output"');
  expect((capturedJson(35) as { event: string }).event).toContain('"name":"shell.init"');
});
