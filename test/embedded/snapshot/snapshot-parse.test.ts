import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseJson, stringifyJson, type Json, type JsonObject } from '../../../src/flux/json';
import { loadSnapshot, parseSnapshot, SnapshotError, type Snapshot } from '../../../src/embedded/snapshot/format';

const FIXTURE = join(__dirname, '../../fixtures/flux-0.88-snapshot.json');
const fixtureText = readFileSync(FIXTURE, 'utf8');

/** A small valid document to break in one place at a time. */
function validDocument(): JsonObject {
  return {
    version: 1,
    taken: 1795637798.25,
    source: 'local:///run/flux/local',
    queues: ['batch'],
    jobs: [
      {
        id: 898201812992,
        userid: 1000,
        urgency: 16,
        priority: 16,
        t_submit: 1795637774.5,
        t_depend: 1795637774.6,
        t_priority: 1795637774.7,
        t_sched: 1795637774.8,
        state: 8,
        name: 'pending',
        queue: 'batch',
        ntasks: 1,
        ncores: 1,
        duration: 0,
      },
      {
        id: 18446744073709551614n,
        userid: 1000,
        urgency: 16,
        priority: 16,
        t_submit: 1795637700.5,
        t_depend: 1795637700.6,
        t_priority: 1795637700.7,
        t_sched: 1795637700.8,
        t_run: 1795637700.9,
        t_cleanup: 1795637701.5,
        t_inactive: 1795637701.6,
        state: 64,
        name: 'done',
        success: true,
        exception_occurred: false,
        result: 1,
        waitstatus: 0,
      },
    ],
  };
}

function jobsOf(document: JsonObject): JsonObject[] {
  return document.jobs as JsonObject[];
}

function refusal(text: string, name = 'snap.json'): SnapshotError {
  try {
    parseSnapshot(text, name);
  } catch (error) {
    if (error instanceof SnapshotError) return error;
    throw error;
  }
  throw new Error('the snapshot was accepted');
}

function withJob(change: (job: JsonObject) => void, index = 0): string {
  const document = validDocument();
  change(jobsOf(document)[index] as JsonObject);
  return stringifyJson(document);
}

describe('parseSnapshot accepts', () => {
  it('the recorded flux-core 0.88 snapshot, jobs in file order with exact ids', () => {
    const snapshot = parseSnapshot(fixtureText, FIXTURE);
    const raw = parseJson(fixtureText) as { jobs: JsonObject[]; queues: string[]; taken: number };
    expect(snapshot.version).toBe(1);
    expect(snapshot.taken).toBe(raw.taken);
    expect(snapshot.queues).toEqual(['pbatch', 'pdebug', 'gpu']);
    expect(snapshot.jobs).toHaveLength(59);
    expect(snapshot.jobs.map((job) => job.id)).toEqual(raw.jobs.map((job) => BigInt(job.id as number)));
    expect(snapshot.jobs[0]?.name).toBe('gpu-inference-u31');
    expect(Object.keys(snapshot.jobs[0] ?? {})).toEqual(Object.keys(raw.jobs[0] ?? {}));
  });

  it('ids beyond 2^53 without losing a digit', () => {
    const snapshot = parseSnapshot(stringifyJson(validDocument()), 'x');
    expect(snapshot.jobs[1]?.id).toBe(18446744073709551614n);
    expect(snapshot.jobs[0]?.id).toBe(898201812992n);
  });

  it('a document without queues, and one with no jobs', () => {
    const document = validDocument();
    delete document.queues;
    expect(parseSnapshot(stringifyJson(document), 'x').queues).toBeUndefined();
    document.jobs = [];
    expect(parseSnapshot(stringifyJson(document), 'x').jobs).toEqual([]);
  });
});

describe('parseSnapshot refuses, naming the file, the job and the problem', () => {
  it('text that is not JSON', () => {
    const error = refusal('{"version":1,"jobs":[', 'broken.json');
    expect(error.code).toBe('BAD_SNAPSHOT');
    expect(error.message).toBe('bad snapshot broken.json: not valid JSON: the text ends before the snapshot does (inside "jobs", after 0 jobs) at line 1, column 22');
    expect(error.job).toBeUndefined();
  });

  it.each<[string, (document: JsonObject) => Json, RegExp]>([
    ['a JSON array', () => [], /a snapshot is a JSON object, but the text starts with "\[" at line 1, column 1/],
    ['no version', (d) => ((delete d.version), d), /"version" is missing/],
    ['version 3', (d) => ({ ...d, version: 3 }), /unsupported "version" number 3: this flux-graphql reads snapshot versions 1 and 2/],
    ['version "1"', (d) => ({ ...d, version: '1' }), /unsupported "version" string 1/],
    ['taken a string', (d) => ({ ...d, taken: 'yesterday' }), /"taken" must be a time in seconds, got string yesterday/],
    ['no source', (d) => ((delete d.source), d), /"source" must be a string, got nothing/],
    ['queues an object', (d) => ({ ...d, queues: {} }), /"queues" must be an array of queue names, got an object/],
    ['a queue twice', (d) => ({ ...d, queues: ['a', 'b', 'a'] }), /"queues"\[2\]: queue "a" is listed twice/],
    ['a queue not a string', (d) => ({ ...d, queues: ['a', 5] }), /"queues"\[1\] must be a string, got number 5/],
    ['no jobs', (d) => ((delete d.jobs), d), /"jobs" is missing/],
    ['jobs an object', (d) => ({ ...d, jobs: {} }), /"jobs" must be an array of job records/],
  ])('a document with %s', (_what, change, message) => {
    const error = refusal(stringifyJson(change(validDocument())), 'in.json');
    expect(error.message).toMatch(/^bad snapshot in\.json: /);
    expect(error.message).toMatch(message);
    expect(error.job).toBeUndefined();
  });

  it.each<[string, number, Json, string]>([
    ['in a version 1 file', 1, { eventlog: 'x\n' }, 'unknown attribute "job-info" (job-list has no such attribute)'],
    ['not an object', 2, 'text', '"job-info" must be an object, got string text'],
    ['with an unknown key', 2, { eventlog: 'x\n', J: 'y' }, '"job-info" has an unknown key "J"'],
    ['with a decoded jobspec', 2, { eventlog: 'x\n', jobspec: {} }, '"job-info".jobspec must be the stored text (a string), got an object'],
    ['without its eventlog', 2, { R: '{}' }, '"job-info" has no eventlog (every job has one, and the size bound always keeps it)'],
    ['cutting a key it keeps', 2, { eventlog: 'x\n', R: '{}', cut: ['R'] }, '"job-info": "R" is both kept and listed as cut'],
    ['cutting an unknown key', 2, { eventlog: 'x\n', cut: ['J'] }, '"job-info".cut[0] is not a key snapshot --details takes, got string J'],
  ])('job details %s', (_what, version, details, problem) => {
    const document = validDocument();
    document.version = version;
    ((document.jobs as JsonObject[])[0] as JsonObject)['job-info'] = details;
    const error = refusal(stringifyJson(document), 'd.json');
    expect(error.message).toBe(`bad snapshot d.json: jobs[0] (id 898201812992): ${problem}`);
  });

  it('job details in a version 2 file are read as given, by id', () => {
    const document = validDocument();
    document.version = 2;
    const details = { eventlog: '{"timestamp":1.0,"name":"submit"}\n', 'guest.output': 'é\n', cut: ['R'] };
    ((document.jobs as JsonObject[])[0] as JsonObject)['job-info'] = details;
    const snapshot = parseSnapshot(stringifyJson(document), 'd.json');
    expect(snapshot.version).toBe(2);
    expect(snapshot.jobs[0]).not.toHaveProperty('job-info');
    expect([...(snapshot.details ?? [])]).toEqual([[898201812992n, { texts: { eventlog: details.eventlog, 'guest.output': 'é\n' }, cut: ['R'] }]]);
  });

  it('a job without an id, by index', () => {
    const error = refusal(withJob((job) => delete job.id, 1));
    expect(error.message).toBe('bad snapshot snap.json: jobs[1]: "id" is missing');
    expect(error.job).toEqual({ index: 1 });
  });

  it.each<[string, Json, string]>([
    ['a string', '898201812992', '"id" must be an integer, got the string "898201812992"'],
    ['a real', 1.5, '"id" must be an integer, got the real 1.5'],
    ['negative', -1, '"id" -1 is not a 64-bit unsigned job ID'],
    ['too large', 18446744073709551616n, '"id" 18446744073709551616 is not a 64-bit unsigned job ID'],
  ])('a job whose id is %s', (_what, id, problem) => {
    const error = refusal(withJob((job) => (job.id = id)));
    expect(error.message).toBe(`bad snapshot snap.json: jobs[0]: ${problem}`);
  });

  it('a DEPEND job with a priority', () => {
    const text = withJob((job) => {
      Object.assign(job, { state: 2 });
      delete job.t_priority;
      delete job.t_sched;
    });
    expect(refusal(text).message).toBe(
      'bad snapshot snap.json: jobs[0] (id 898201812992): "priority" is present but the job is only DEPEND; job-list shows it once SCHED is reached',
    );
  });

  it('a record that is not an object', () => {
    const document = validDocument();
    document.jobs = [5];
    expect(refusal(stringifyJson(document)).message).toBe('bad snapshot snap.json: jobs[0]: a job record must be a JSON object, got the integer 5');
  });

  it('a duplicate id, naming both positions', () => {
    const document = validDocument();
    const [first] = jobsOf(document);
    document.jobs = [...jobsOf(document), { ...first, name: 'again' }] as JsonObject[];
    const error = refusal(stringifyJson(document));
    expect(error.message).toBe('bad snapshot snap.json: jobs[2] (id 898201812992): duplicate id: jobs[0] has the same id');
    expect(error.job).toEqual({ index: 2, id: 898201812992n });
  });

  it.each<[string, (job: JsonObject) => void, string]>([
    ['t_submit a string', (j) => (j.t_submit = '1795637774.5'), '"t_submit" must be a number (seconds), got the string "1795637774.5"'],
    ['t_run negative', (j) => (j.t_run = -1), '"t_run" must not be negative, got -1'],
    ['state 3 (two bits)', (j) => (j.state = 3), '"state" 3 is not a single job state bit (2 DEPEND … 64 INACTIVE)'],
    ['state 128', (j) => (j.state = 128), '"state" 128 is not a single job state bit (2 DEPEND … 64 INACTIVE)'],
    ['state "SCHED"', (j) => (j.state = 'SCHED'), '"state" must be an integer, got the string "SCHED"'],
    ['state NEW', (j) => (j.state = 1), '"state" 1 (NEW): job-list never lists jobs in state NEW'],
    ['no state', (j) => delete j.state, '"state" is missing (job-list always reports it)'],
    ['no userid', (j) => delete j.userid, '"userid" is missing (job-list always reports it)'],
    ['userid a real', (j) => (j.userid = 1000.5), '"userid" must be an integer, got the real 1000.5'],
    ['urgency 32', (j) => (j.urgency = 32), '"urgency" must be between 0 and 31, got 32'],
    ['name a number', (j) => (j.name = 7), '"name" must be a string, got the integer 7'],
    ['ntasks a string', (j) => (j.ntasks = '1'), '"ntasks" must be an integer, got the string "1"'],
    ['annotations an array', (j) => (j.annotations = []), '"annotations" must be an object, got an array'],
    ['dependencies with a number', (j) => (j.dependencies = ['after=1', 2]), '"dependencies"[1] must be a string, got the integer 2'],
    ['ranks not an idset', (j) => (j.ranks = '3-1'), '"ranks" "3-1" is not an RFC 22 idset: error parsing range \'3-1\''],
    ['nodelist not a hostlist', (j) => (j.nodelist = 'node[1-'), '"nodelist" is not an RFC 29 hostlist: invalid hostlist \'node[1-\': unbalanced brackets in \'node[1-\''],
    ['an unknown attribute', (j) => (j.colour = 'red'), 'unknown attribute "colour" (job-list has no such attribute)'],
    ['result on a pending job', (j) => (j.result = 1), '"result" is present but the job is SCHED, and job-list reports it only for INACTIVE jobs'],
    ['a SCHED job without priority', (j) => delete j.priority, '"priority" is missing (the job is SCHED)'],
    ['no t_sched', (j) => delete j.t_sched, '"t_sched" is missing (the job is SCHED)'],
    ['t_run', (j) => (j.t_run = 1795637775), '"t_run" is present but the job is only SCHED'],
    ['a nodelist', (j) => (j.nodelist = 'node1'), '"nodelist" is present but the job never ran (no "t_run")'],
    ['state DEPEND but a priority', (j) => Object.assign(j, { state: 2 }), '"t_priority" is present but the job is only DEPEND'],
  ])('a pending job with %s', (_what, change, problem) => {
    const error = refusal(withJob(change));
    expect(error.message).toBe(`bad snapshot snap.json: jobs[0] (id 898201812992): ${problem}`);
    expect(error.job).toEqual({ index: 0, id: 898201812992n });
  });

  it.each<[string, (job: JsonObject) => void, string]>([
    ['no t_inactive', (j) => delete j.t_inactive, '"t_inactive" is missing (job-list always reports it for INACTIVE jobs)'],
    ['no result', (j) => delete j.result, '"result" is missing (job-list always reports it for INACTIVE jobs)'],
    ['result 3', (j) => (j.result = 3), '"result" 3 is not a single result bit (1 COMPLETED, 2 FAILED, 4 CANCELED, 8 TIMEOUT)'],
    ['success true but result FAILED', (j) => (j.result = 2), '"success" is true but "result" is 2: job-list reports result 1 (COMPLETED) exactly when success is true'],
    ['success a string', (j) => (j.success = 'yes'), '"success" must be true or false, got the string "yes"'],
    ['an exception type without an exception', (j) => (j.exception_type = 'cancel'), '"exception_type" is present but exception_occurred is false'],
    [
      'an exception without its type',
      (j) => Object.assign(j, { exception_occurred: true, exception_severity: 0, success: false, result: 4 }),
      '"exception_type" is missing (exception_occurred is true)',
    ],
  ])('an inactive job with %s', (_what, change, problem) => {
    const error = refusal(withJob(change, 1));
    expect(error.message).toBe(`bad snapshot snap.json: jobs[1] (id 18446744073709551614): ${problem}`);
  });
});

describe('loadSnapshot', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snapshot-load-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file', async () => {
    const snapshot: Snapshot = await loadSnapshot(FIXTURE);
    expect(snapshot.jobs).toHaveLength(59);
  });

  it('names the file when it is missing', async () => {
    const path = join(dir, 'absent.json');
    await expect(loadSnapshot(path)).rejects.toThrow(new RegExp(`^bad snapshot ${path}: cannot read the file \\(ENOENT`));
    await expect(loadSnapshot(path)).rejects.toMatchObject({ code: 'BAD_SNAPSHOT', sourceName: path });
  });

  it('names the file when a job is bad', async () => {
    const path = join(dir, 'bad.json');
    await writeFile(path, withJob((job) => (job.t_submit = 'now')));
    await expect(loadSnapshot(path)).rejects.toThrow(
      `bad snapshot ${path}: jobs[0] (id 898201812992): "t_submit" must be a number (seconds), got the string "now"`,
    );
  });
});
