/**
 * JobInfo.toDict(false) against Flux's own to_dict(filtered=False), recorded from flux-core
 * 0.88 brokers, for every job of both fixtures.
 *
 * Snapshot (59 jobs): the raw job-list records are in flux-0.88-snapshot.json, so each JobInfo
 * is built from exactly what the broker sent.
 *
 * Dump (24 jobs): the wire capture of that instance holds only `state,name` records (and one
 * list-id answer), so the raw records are rebuilt from the dump itself: every attribute Flux
 * copies through unchanged is taken back from its dict (skipping Flux's "" / 0.0 stand-ins, and
 * turning the state/result names back into numbers), and the begin-time dependency is written
 * with the timestamp documented for that job. Pass-through fields are thus circular here; what
 * the dump tests is every derived value — state and status names, result, returncode, username,
 * runtime, t_remaining, jobid, exception dict, key order and stand-ins. The rebuild itself is
 * checked against the wire capture (ids, states and names of all 24 jobs, and every attribute
 * of the job the list-id answer returned).
 *
 * Clock-dependent values: the dicts were taken at unknown instants, so each running job gets
 * `now` = t_run + its recorded runtime, which must then reproduce runtime and t_remaining.
 * User names: uid 0 is "root" on the recording machine (injected). Time zone: UTC, as recorded.
 */
import type { Json, JsonObject } from '../../src/flux/json';
import { parseJson } from '../../src/flux/json';
import { JobInfo, toJobRecord, type JobInfoOptions } from '../../src/joblist';
import { jobInfoDump, snapshotJobInfo, snapshotRecords, snapshotTaken, wireCapture } from './fixtures';

const EXTRA_KEYS = ['state_single', 'status_abbrev', 'result_abbrev', 'id_dec'];
const STATE_BITS: Record<string, number> = { NEW: 1, DEPEND: 2, PRIORITY: 4, SCHED: 8, RUN: 16, CLEANUP: 32, INACTIVE: 64 };
const RESULT_BITS: Record<string, number> = { COMPLETED: 1, FAILED: 2, CANCELED: 4, TIMEOUT: 8 };
/** The begin-time of the dump's "begin-in-2h" job (flux-job-list.md section 6). */
const DUMP_BEGIN_TIME = 'begin-time=1795643336.208';

function optionsFor(recorded: JsonObject, fallbackNow: number): JobInfoOptions {
  const running = recorded.state === 'RUN';
  const now = running ? (recorded.t_run as number) + (recorded.runtime as number) : fallbackNow;
  return { now: () => now, usernameOf: (uid) => (uid === 0 ? 'root' : undefined), timeZone: 'UTC' };
}

function expectSameAsFlux(info: JobInfo, recorded: JsonObject): void {
  const dict = info.toDict(false);
  const expectedKeys = Object.keys(recorded).filter((key) => !EXTRA_KEYS.includes(key));
  expect(Object.keys(dict)).toEqual(expectedKeys);
  for (const key of expectedKeys) {
    const want = recorded[key];
    const got = dict[key];
    if (key === 'id') {
      expect(got).toBe(BigInt(want as number));
    } else if ((key === 'runtime' || key === 't_remaining') && recorded.state === 'RUN') {
      // now was rebuilt from t_run + runtime, which rounds in the last bits.
      expect(got).toBeCloseTo(want as number, 2);
    } else {
      expect([key, got]).toEqual([key, want]);
    }
  }
  expect(info.fluxField('state_single')).toBe(recorded.state_single);
  expect(info.fluxField('status_abbrev')).toBe(recorded.status_abbrev);
  expect(info.fluxField('result_abbrev')).toBe(recorded.result_abbrev);
  expect(info.id).toBe(BigInt(recorded.id_dec as number));
}

describe('snapshot: toDict(false) equals Flux for all 59 jobs', () => {
  const records = snapshotRecords();
  const recordedDicts = snapshotJobInfo();
  const taken = snapshotTaken();

  it('has a dict for every record, in the same order', () => {
    expect(records).toHaveLength(59);
    expect(recordedDicts.map((d) => d.id)).toEqual(records.map((r) => r.id));
  });

  it.each(recordedDicts.map((dict, index) => [dict.jobid as string, index]))('%s', (_jobid, index) => {
    const recorded = recordedDicts[index] as JsonObject;
    const raw = structuredClone(records[index]) as JsonObject;
    expectSameAsFlux(new JobInfo(toJobRecord(raw, 'fixture'), optionsFor(recorded, taken)), recorded);
  });
});

/** A job-list record with the attributes Flux's dict holds, without Flux's stand-ins. */
function rebuildRecord(dict: JsonObject): JsonObject {
  const record: JsonObject = { id: dict.id as Json };
  const exception = dict.exception as JsonObject;
  const present = (key: string): boolean => dict[key] !== '' && dict[key] !== undefined;
  const nonZero = (key: string): boolean => typeof dict[key] === 'number' && dict[key] !== 0;
  const put = (key: string, value: Json | undefined): void => {
    if (value !== undefined) record[key] = value;
  };
  put('userid', dict.userid);
  put('urgency', dict.urgency);
  if (present('priority')) put('priority', dict.priority);
  put('t_submit', dict.t_submit);
  for (const key of ['t_depend', 't_priority', 't_sched', 't_run', 't_cleanup', 't_inactive']) {
    if (nonZero(key)) put(key, dict[key]);
  }
  put('state', STATE_BITS[dict.state as string]);
  for (const key of ['name', 'cwd', 'queue', 'project', 'bank', 'ntasks', 'ncores']) if (present(key)) put(key, dict[key]);
  put('duration', dict.duration);
  for (const key of ['nnodes', 'ranks', 'nodelist', 'success']) if (present(key)) put(key, dict[key]);
  if (exception.occurred !== '') put('exception_occurred', exception.occurred);
  if (exception.occurred === true) {
    put('exception_type', exception.type);
    put('exception_severity', exception.severity);
    put('exception_note', exception.note);
  }
  if (present('result')) put('result', RESULT_BITS[dict.result as string]);
  // job-list sends expiration once R is known, i.e. for every job that ran.
  if (nonZero('t_run')) put('expiration', dict.expiration);
  if (Object.keys(dict.annotations as JsonObject).length > 0) put('annotations', dict.annotations);
  if (present('waitstatus')) put('waitstatus', dict.waitstatus);
  const dependencies = dict.dependencies as string[];
  if (dependencies.length > 0) {
    put('dependencies', dependencies.map((dep) => (dep.startsWith('begin@') ? DUMP_BEGIN_TIME : dep)));
  }
  return record;
}

describe('dump: toDict(false) equals Flux for all 24 jobs', () => {
  const dump = jobInfoDump();
  // The dump has no timestamp; the running jobs say when it was taken.
  const running = dump.find((d) => d.state === 'RUN') as JsonObject;
  const dumpNow = (running.t_run as number) + (running.runtime as number);

  it.each(dump.map((dict, index) => [dict.jobid as string, index]))('%s', (_jobid, index) => {
    const recorded = dump[index] as JsonObject;
    const info = new JobInfo(toJobRecord(rebuildRecord(recorded), 'fixture'), optionsFor(recorded, dumpNow));
    expectSameAsFlux(info, recorded);
  });

  it('rebuilds records that agree with the broker\'s own answers in the wire capture', () => {
    const messages = wireCapture();
    const streamed = messages
      .filter((m) => m.dir === 'broker->client' && m.topic === 'job-list.list' && m.aux1 === 0 && m.matchtag === 1)
      .slice(0, 24)
      .map((m) => ((parseJson(m.payload ?? '') as JsonObject).jobs as JsonObject[])[0] as JsonObject);
    const rebuilt = dump.map(rebuildRecord);
    expect(streamed.map((j) => [j.id, j.state, j.name])).toEqual(rebuilt.map((r) => [r.id, r.state, r.name]));

    const listId = messages.find((m) => m.dir === 'broker->client' && m.topic === 'job-list.list-id' && m.aux1 === 0);
    const job = (parseJson(listId?.payload ?? '') as JsonObject).job as JsonObject;
    const same = rebuilt.find((r) => r.id === job.id) as JsonObject;
    for (const [key, value] of Object.entries(job)) expect([key, same[key]]).toEqual([key, value]);
  });
});

describe('what flux jobs shows for the fixture jobs (section 8.4 observations)', () => {
  const dump = jobInfoDump();
  const snapshotDicts = snapshotJobInfo();
  const records = snapshotRecords();
  const running = dump.find((d) => d.state === 'RUN') as JsonObject;
  const dumpNow = (running.t_run as number) + (running.runtime as number);

  function dumpJob(jobid: string): JobInfo {
    const recorded = dump.find((d) => d.jobid === jobid) as JsonObject;
    return new JobInfo(toJobRecord(rebuildRecord(recorded), 'fixture'), optionsFor(recorded, dumpNow));
  }
  function snapshotJob(jobid: string): JobInfo {
    const index = snapshotDicts.findIndex((d) => d.jobid === jobid);
    const options = optionsFor(snapshotDicts[index] as JsonObject, snapshotTaken());
    return new JobInfo(toJobRecord(structuredClone(records[index]) as JsonObject, 'fixture'), options);
  }

  it.each([
    ['ƒ4bc3wq9', ''],
    ['ƒ4PWooY3', 'held'],
    ['ƒ4B4oqJ7', 'depends:after-success=ƒ3epxUvB'],
    ['ƒ4HE6rDD', 'depends:begin@21:48:56'],
    ['ƒ41mALib', 'vm'],
    ['ƒ2riSpY7', ''],
    ['ƒjwgCSK', 'vm'],
  ])('dump %s: contextual_info %j', (jobid, expected) => {
    expect(dumpJob(jobid).fluxField('contextual_info')).toBe(expected);
  });

  it.each([
    ['ƒ2ci1c79', 'Timeout'],
    ['ƒ3HzgaF9', 'Exception: type=dependency note=dependency after-success=ƒ3C4jSs9 can never be satisfied'],
    ['ƒ3C4jSs9', 'Exit 2'],
    ['ƒ34rewPu', 'Exit 0'],
    ['ƒ2jmCBtK', 'Canceled: canceled by workload script'],
    ['ƒ2riSpY7', 'Canceled: canceled by workload script'],
    ['ƒ2Voix23', 'command not found'],
    ['ƒ2NhaPgB', 'Exit 3'],
    ['ƒ2FR3vMu', 'Exit 1'],
    ['ƒ4bc3wq9', ''],
  ])('dump %s: inactive_reason %j', (jobid, expected) => {
    expect(dumpJob(jobid).fluxField('inactive_reason')).toBe(expected);
  });

  it.each([
    ['ƒKVDKayV', 'Segmentation fault'],
    ['ƒKMa3HiP', 'Signaled 127'],
    ['ƒLwo4cUX', 'Exception: type=mytype note=operator requested abort'],
    ['ƒLPmS8NT', 'Canceled'],
    ['ƒLHUjB3d', 'Canceled: wrong GPU type requested'],
    ['ƒJrJXU3Z', 'Exit 1'],
    ['ƒMDD39QT', 'Exception: type=admin note=purged by admin'],
    ['ƒPbix3X5', 'Exit 0'],
    ['ƒKcgDyGB', 'command not found'],
    ['ƒKjunU1m', 'Timeout'],
    ['ƒMoCpgD5', 'Exit 7'],
  ])('snapshot %s: inactive_reason %j', (jobid, expected) => {
    expect(snapshotJob(jobid).inactiveReason).toBe(expected);
  });

  it.each([
    ['ƒQEE2MwV', 'depends:begin@Nov26-02:16:13'],
    ['ƒPspxF4K', 'depends:after-failure=ƒP2youXM'],
    ['ƒPPZFwNw', 'vm'],
  ])('snapshot %s: contextual_info %j', (jobid, expected) => {
    expect(snapshotJob(jobid).contextualInfo).toBe(expected);
  });

  it('shows a memo annotation as the snapshot has it', () => {
    expect(snapshotJob('ƒNumjQ47').user).toEqual({ progress: 0.42 });
    expect(snapshotJob('ƒNumjQ47').sched).toEqual({ resource_summary: 'rank0/core0' });
  });
});
