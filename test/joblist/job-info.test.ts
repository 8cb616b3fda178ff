import type { Json, JsonObject } from '../../src/flux/json';
import { JobInfo, formatFsd, toJobRecord, type JobInfoOptions } from '../../src/joblist';

const NOW = 1795637798.25;
const fixed: JobInfoOptions = { now: () => NOW, usernameOf: (uid) => (uid === 1000 ? 'alice' : undefined), timeZone: 'UTC' };

function info(record: JsonObject, options: JobInfoOptions = fixed): JobInfo {
  return new JobInfo(toJobRecord({ ...record }, 'test'), options);
}

// Job objects from flux-core's t/flux-jobs/tests/returncode/input, with its expected output.
const RETURNCODE_VECTORS: Array<[JsonObject, number | '']> = [
  [
    { id: 106958577205248, userid: 1000, urgency: 16, priority: 16, t_submit: 1607972908.4363101, state: 16, name: 'sleep', ntasks: 16, nnodes: 4, ranks: '[0-3]', nodelist: 'asp,asp,asp,asp', expiration: 0.0, t_depend: 1607972908.4363101, t_run: 1607972908.4532418 },
    '',
  ],
  [
    { id: 97053292101632, userid: 1000, urgency: 16, state: 64, success: true, exception_occurred: false, result: 1, waitstatus: 15, t_run: 1607972318.0530958, t_cleanup: 1607972618.1682575 },
    -15,
  ],
  [
    { id: 98083329277952, userid: 1000, urgency: 16, state: 64, success: false, exception_occurred: true, exception_severity: 0, exception_type: 'cancel', exception_note: 'interrupted by ctrl-C', result: 4 },
    -128,
  ],
  [{ id: 96775562067968, userid: 1000, urgency: 16, state: 64, success: false, exception_occurred: false, result: 2, waitstatus: 10752 }, 42],
  [{ id: 96619970166784, userid: 1000, urgency: 16, state: 64, success: false, exception_occurred: false, result: 2, waitstatus: 256 }, 1],
  [{ id: 96444648259584, userid: 1000, urgency: 16, state: 64, success: true, exception_occurred: false, result: 1, waitstatus: 0 }, 0],
];

describe('returncode (flux-core t/flux-jobs/tests/returncode)', () => {
  it.each(RETURNCODE_VECTORS)('job %j has returncode %j', (record, expected) => {
    const job = info(record);
    expect(job.fluxField('returncode')).toBe(expected);
    expect(job.returncode).toBe(expected === '' ? undefined : expected);
  });

  it.each([
    [512, 2, 2],
    [768, 2, 3],
    [1792, 2, 7],
    [32512, 2, 127],
    [36352, 8, 142],
    [36608, 4, 143],
    [9, 2, -9],
    [0x7f, 2, ''],
    [0x17f, 2, ''],
  ])('waitstatus %d (result %d) gives %j', (waitstatus, result, expected) => {
    expect(info({ id: 1, state: 64, result, waitstatus }).fluxField('returncode')).toBe(expected);
  });

  it('is 1 for a job failed before it started and -128 for one canceled before it started', () => {
    expect(info({ id: 1, state: 64, result: 2 }).returncode).toBe(1);
    expect(info({ id: 1, state: 64, result: 4 }).returncode).toBe(-128);
    expect(info({ id: 1, state: 64, result: 8 }).returncode).toBeUndefined();
  });
});

// flux-core t/flux-jobs/tests/contextual_info: input objects and expected lines.
const CONTEXTUAL_INFO_VECTORS: Array<[JsonObject, string]> = [
  [{ id: 49727668224, userid: 1000, urgency: 16, t_submit: 1664571163.9159656, t_depend: 1664571163.9159656, state: 4, name: 'hostname', ntasks: 1, duration: 0.0 }, 'priority-wait'],
  [
    { id: 49727668224, userid: 1000, urgency: 16, priority: 16, t_submit: 1664571163.9159656, t_depend: 1664571163.9159656, state: 8, name: 'hostname', ntasks: 1, duration: 0.0, annotations: { sched: { t_estimate: 1664571164.1953933 } } },
    'eta:now',
  ],
  [
    { id: 54391734272, userid: 1000, urgency: 16, t_submit: 1664571164.1953933, t_depend: 1664571164.1953933, state: 2, name: 'hostname', ntasks: 1, duration: 0.0, dependencies: ['after-finish=ƒ2ARxLQf'] },
    'depends:after-finish=ƒ2ARxLQf',
  ],
  [
    { id: 59122909184, userid: 1000, urgency: 16, t_submit: 1664571164.476613, t_depend: 1664571164.476613, state: 2, name: 'hostname', ntasks: 1, duration: 0.0, dependencies: ['after-success=ƒ2RsQrcw'] },
    'depends:after-success=ƒ2RsQrcw',
  ],
  [
    { id: 44258295808, userid: 1000, urgency: 16, priority: 16, t_submit: 1664571163.5911362, t_depend: 1664571163.5911362, t_run: 1664571163.6055603, state: 16, name: 'sleep', ntasks: 16, duration: 0.0, nnodes: 4, ranks: '[0-3]', nodelist: 'asp,asp,asp,asp', expiration: 0.0, annotations: { sched: { resource_summary: 'rank[0-3]/core[0-3]' } } },
    'asp,asp,asp,asp',
  ],
  [
    { id: 35114713088, userid: 1000, urgency: 16, priority: 16, t_submit: 1664571163.0459371, t_depend: 1664571163.0459371, t_run: 1664571163.0629747, t_cleanup: 1664571163.1124246, t_inactive: 1664571163.1161304, state: 64, name: 'hostname', ntasks: 1, duration: 0.0, nnodes: 1, ranks: '0', nodelist: 'asp', success: true, exception_occurred: false, result: 1, expiration: 0.0, annotations: { sched: { resource_summary: 'rank0/core0' } }, waitstatus: 0 },
    'asp',
  ],
];

describe('contextual_info (flux-core t/flux-jobs/tests/contextual_info)', () => {
  it.each(CONTEXTUAL_INFO_VECTORS)('job %j shows %s', (record, expected) => {
    expect(info(record).contextualInfo).toBe(expected);
  });

  const sched = { id: 1, state: 8, urgency: 16, priority: 16 };
  it.each<[JsonObject, string]>([
    [{ ...sched, annotations: { sched: { t_estimate: NOW + 90 } } }, 'eta:1.5m'],
    [{ ...sched, annotations: { sched: { t_estimate: NOW + 5 } } }, 'eta:5.000s'],
    [{ ...sched, annotations: { sched: { t_estimate: NOW + 7200 } } }, 'eta:2h'],
    [{ ...sched, annotations: { sched: { t_estimate: NOW - 1 } } }, 'eta:now'],
    [{ ...sched, urgency: 0, priority: 0 }, 'held'],
    [{ ...sched, priority: 0 }, 'priority-hold'],
    [{ ...sched, annotations: { sched: { t_estimate: 'soon' } }, priority: 0 }, 'priority-hold'],
    [{ id: 1, state: 32, nodelist: 'node[1-4]' }, 'node[1-4]'],
  ])('job %j shows %s', (record, expected) => {
    expect(info(record).contextualInfo).toBe(expected);
  });

  it('is empty for a scheduled job that waits for nothing in particular', () => {
    const job = info(sched);
    expect(job.fluxField('contextual_info')).toBe('');
    expect(job.contextualInfo).toBeUndefined();
  });

  it('is empty for an inactive job that never ran, and missing without state', () => {
    expect(info({ id: 1, state: 64, result: 4 }).fluxField('contextual_info')).toBe('');
    expect(info({ id: 1, name: 'x' }).fluxField('contextual_info')).toBeUndefined();
  });

  it('gives contextual_time: duration while pending, runtime after', () => {
    expect(info({ id: 1, state: 8, duration: 3600.0 }).contextualTime).toBe(3600);
    expect(info({ id: 1, state: 8 }).fluxField('contextual_time')).toBe(0);
    expect(info({ id: 1, state: 8 }).contextualTime).toBeUndefined();
    expect(info({ id: 1, state: 64, t_run: 100, t_cleanup: 160.5, duration: 3600.0 }).contextualTime).toBe(60.5);
    expect(info({ id: 1, state: 16, t_run: NOW - 12 }).contextualTime).toBeCloseTo(12, 6);
  });
});

describe('runtime shown as a Flux Standard Duration (flux-core t/flux-jobs/tests/issue#2658, #2634)', () => {
  const tRun = 1579463919.4045851;
  it.each([
    [1579463919.4045851, '0s'],
    [1579463919.405585, '0s'],
    [1579463920.4045851, '1.000s'],
    [1579463929.4045851, '10s'],
    [1579463979.3045852, '59.9s'],
    [1579463979.4045851, '1m'],
    [1579464520.4045851, '10.02m'],
    [1579464620.4045851, '11.68m'],
    [1579467519.4045851, '1h'],
    [1579469920.4045851, '1.667h'],
    [1579523920.4045851, '16.67h'],
    [1579550319.4045851, '1d'],
    [1580327919.4045851, '10d'],
    [1679463919.4045851, '1157d'],
    [1589563919.4045851, '116.9d'],
  ])('t_cleanup %d -> %s', (tCleanup, expected) => {
    const job = info({ id: 207416721408, state: 32, t_run: tRun, t_cleanup: tCleanup });
    expect(formatFsd(job.fluxField('runtime') as number)).toBe(expected);
  });

  it('a job rejected by the scheduler never ran: runtime 0s', () => {
    const job = info({ id: 406008627200, state: 32, t_depend: 1579133377.8522565, t_cleanup: 1579133377.8667088, t_inactive: 1579133377.8667269 });
    expect(job.fluxField('runtime')).toBe(0);
    expect(formatFsd(0)).toBe('0s');
    expect(job.runtime).toBeUndefined();
  });

  it('fixes a running job\'s runtime at first read, as Flux memoizes it', () => {
    let now = 1000;
    const job = info({ id: 1, state: 16, t_run: 900 }, { now: () => now });
    expect(job.runtime).toBe(100);
    now = 2000;
    expect(job.runtime).toBe(100);
  });
});

describe('inactive_reason (section 8.4)', () => {
  const inactive = (fields: JsonObject): JobInfo => info({ id: 1, state: 64, ...fields });
  it.each<[JsonObject, string]>([
    [{ result: 4, exception_occurred: true, exception_severity: 0, exception_type: 'cancel', exception_note: 'canceled by workload script' }, 'Canceled: canceled by workload script'],
    [{ result: 4, exception_occurred: true, exception_severity: 0, exception_type: 'cancel', exception_note: '' }, 'Canceled'],
    [{ result: 4, waitstatus: 36608, exception_occurred: true, exception_severity: 0, exception_type: 'cancel', exception_note: 'x' }, 'Canceled: x'],
    [{ result: 8, waitstatus: 36352, exception_occurred: true, exception_severity: 0, exception_type: 'timeout', exception_note: 'resource allocation expired' }, 'Timeout'],
    [{ result: 2, exception_occurred: true, exception_severity: 0, exception_type: 'custom', exception_note: 'operator raised' }, 'Exception: type=custom note=operator raised'],
    [{ result: 2, exception_occurred: true, exception_severity: 0, exception_type: 'dependency', exception_note: 'dependency after-success=ƒ3C4jSs9 can never be satisfied' }, 'Exception: type=dependency note=dependency after-success=ƒ3C4jSs9 can never be satisfied'],
    [{ result: 2, exception_occurred: true, exception_severity: 0, exception_type: 'myexception', exception_note: '' }, 'Exception: type=myexception'],
    [{ result: 2, waitstatus: 32512, exception_occurred: true, exception_severity: 0, exception_type: 'exec', exception_note: 'task 0: start failed' }, 'command not found'],
    [{ result: 2, exception_occurred: true, exception_severity: 0, exception_type: 'exec', exception_note: 'mock' }, 'Exit 1'],
    [{ result: 2, waitstatus: 256, exception_occurred: true, exception_severity: 1, exception_type: 'custom', exception_note: 'not fatal' }, 'Exit 1'],
    [{ result: 2, waitstatus: 1792, exception_occurred: false }, 'Exit 7'],
    [{ result: 2, waitstatus: 768 }, 'Exit 3'],
    [{ result: 1, waitstatus: 0, success: true }, 'Exit 0'],
    [{ result: 2, waitstatus: 9 }, 'Exit -9'],
    [{ result: 2, waitstatus: 137 << 8 }, 'Killed'],
    [{ result: 2, waitstatus: 139 << 8 }, 'Segmentation fault'],
    [{ result: 2, waitstatus: 143 << 8 }, 'Terminated'],
    [{ result: 2, waitstatus: 134 << 8 }, 'Aborted'],
    [{ result: 2, waitstatus: 129 << 8 }, 'Hangup'],
    [{ result: 2, waitstatus: 126 << 8 }, 'Command invoked cannot execute'],
    [{ result: 2, waitstatus: 128 << 8 }, 'Invalid argument to exit'],
    [{ result: 2, waitstatus: 255 << 8 }, 'Signaled 127'],
    [{ result: 2, waitstatus: 0x7f }, 'Exit '],
    [{}, 'Exit '],
  ])('%j -> %s', (fields, expected) => {
    expect(inactive(fields).inactiveReason).toBe(expected);
  });

  it('is "" for active jobs (undefined in the typed view) and missing without state', () => {
    expect(info({ id: 1, state: 16 }).fluxField('inactive_reason')).toBe('');
    expect(info({ id: 1, state: 16 }).inactiveReason).toBeUndefined();
    expect(info({ id: 1 }).fluxField('inactive_reason')).toBeUndefined();
  });
});

describe('state, result and status names', () => {
  it.each<[JsonObject, string, string, string, string, string, string]>([
    [{ state: 1 }, 'NEW', 'N', '', '', '', ''],
    [{ state: 2 }, 'DEPEND', 'D', '', '', 'DEPEND', 'D'],
    [{ state: 4 }, 'PRIORITY', 'P', '', '', 'PRIORITY', 'P'],
    [{ state: 8 }, 'SCHED', 'S', '', '', 'SCHED', 'S'],
    [{ state: 16 }, 'RUN', 'R', '', '', 'RUN', 'R'],
    [{ state: 32 }, 'CLEANUP', 'C', '', '', 'CLEANUP', 'C'],
    [{ state: 64, result: 1 }, 'INACTIVE', 'I', 'COMPLETED', 'CD', 'COMPLETED', 'CD'],
    [{ state: 64, result: 2 }, 'INACTIVE', 'I', 'FAILED', 'F', 'FAILED', 'F'],
    [{ state: 64, result: 4 }, 'INACTIVE', 'I', 'CANCELED', 'CA', 'CANCELED', 'CA'],
    [{ state: 64, result: 8 }, 'INACTIVE', 'I', 'TIMEOUT', 'TO', 'TIMEOUT', 'TO'],
    [{ state: 64 }, 'INACTIVE', 'I', '', '', '', ''],
    // state 3 has pending bits, so status names the (unnamed) state itself, as Flux does.
    [{ state: 3, result: 16 }, '(unknown)', '?', '(unknown)', '?', '(unknown)', '?'],
  ])('%j', (fields, state, single, result, resultAbbrev, status, statusAbbrev) => {
    const job = info({ id: 1, ...fields });
    expect([job.fluxField('state'), job.fluxField('state_single')]).toEqual([state, single]);
    expect([job.fluxField('result'), job.fluxField('result_abbrev')]).toEqual([result, resultAbbrev]);
    expect([job.fluxField('status'), job.fluxField('status_abbrev')]).toEqual([status, statusAbbrev]);
    expect([job.state, job.stateSingle]).toEqual([state, single]);
    expect([job.result, job.resultAbbrev, job.status, job.statusAbbrev]).toEqual(
      [result, resultAbbrev, status, statusAbbrev].map((v) => (v === '' ? undefined : v)),
    );
  });

  it('has none of them when state was not requested', () => {
    const job = info({ id: 1, result: 1 });
    expect(job.state).toBeUndefined();
    expect(job.status).toBeUndefined();
    expect(job.fluxField('status')).toBeUndefined();
    expect(job.result).toBe('COMPLETED');
  });
});

describe('t_remaining', () => {
  it('counts down to the expiration of a running job, on every read', () => {
    let now = 1000;
    const job = info({ id: 1, state: 16, t_run: 900, expiration: 1100 }, { now: () => now });
    expect(job.tRemaining).toBe(100);
    now = 1060;
    expect(job.tRemaining).toBe(40);
    expect(job.fluxField('t_remaining')).toBe(40);
    now = 1200;
    expect(job.tRemaining).toBe(0);
  });

  it('is 0.0 in Flux (undefined typed) for jobs that are not running or never expire', () => {
    const records: JsonObject[] = [
      { id: 1, state: 16, t_run: 900, expiration: 0.0 },
      { id: 1, state: 16, t_run: 900 },
      { id: 1, state: 32, expiration: NOW + 50 },
      { id: 1, state: 8 },
      { id: 1 },
    ];
    for (const record of records) {
      const job = info(record);
      expect(job.fluxField('t_remaining')).toBe(0);
      expect(job.tRemaining).toBeUndefined();
    }
  });
});

describe('begin-time dependencies', () => {
  const at = (iso: string): number => Date.parse(iso) / 1000;
  const deps = (list: Json[], now: number, timeZone = 'UTC'): string[] =>
    info({ id: 1, state: 2, dependencies: list }, { now: () => now, timeZone }).dependencies;

  it('shows today\'s time as begin@HH:MM with seconds only when not zero', () => {
    const now = at('2026-11-25T19:48:56Z');
    expect(deps([`begin-time=${at('2026-11-25T21:48:56.208Z')}`], now)).toEqual(['begin@21:48:56']);
    expect(deps([`begin-time=${at('2026-11-25T21:48:00Z')}`], now)).toEqual(['begin@21:48']);
  });

  it('adds month and day for another day', () => {
    const now = at('2026-11-25T20:16:38Z');
    expect(deps(['begin-time=1795659373.972'], now)).toEqual(['begin@Nov26-02:16:13']);
    expect(deps([`begin-time=${at('2027-01-05T14:30:00Z')}`], now)).toEqual(['begin@Jan05-14:30']);
  });

  it('uses the given time zone for both the time and "today"', () => {
    const now = at('2026-11-25T20:16:38Z');
    // 02:16 UTC on the 26th is still the 25th in New York.
    expect(deps(['begin-time=1795659373.972'], now, 'America/New_York')).toEqual(['begin@21:16:13']);
    // In Tokyo it is already the 26th, so the same instant is "today" there.
    expect(deps(['begin-time=1795659373.972'], now, 'Asia/Tokyo')).toEqual(['begin@11:16:13']);
    expect(deps(['begin-time=1795659373.972'], now - 6 * 3600, 'Asia/Tokyo')).toEqual(['begin@Nov26-11:16:13']);
  });

  it('rounds to microseconds like Python before taking the seconds', () => {
    const now = at('2026-11-25T00:00:00Z');
    expect(deps([`begin-time=${at('2026-11-25T10:00:00Z') + 0.9999996}`], now)).toEqual(['begin@10:00:01']);
  });

  it('leaves other dependencies and unreadable begin-times alone', () => {
    expect(deps(['after-success=ƒ3epxUvB', 'begin-time=soon', 'begin-time=1e400'], NOW)).toEqual([
      'after-success=ƒ3epxUvB',
      'begin-time=soon',
      'begin-time=1e400',
    ]);
  });

  it('joins them for contextual_info', () => {
    const now = at('2026-11-25T19:48:56Z');
    const job = info({ id: 1, state: 2, dependencies: ['after-ok=ƒ1', `begin-time=${at('2026-11-25T21:00:00Z')}`] }, { now: () => now, timeZone: 'UTC' });
    expect(job.contextualInfo).toBe('depends:after-ok=ƒ1,begin@21:00');
  });

  it('is [] without dependencies', () => {
    expect(info({ id: 1 }).dependencies).toEqual([]);
  });
});

describe('users and typed fields', () => {
  it('looks the user name up, falling back to the uid as text', () => {
    expect(info({ id: 1, userid: 1000 }).username).toBe('alice');
    expect(info({ id: 1, userid: 54321 }).username).toBe('54321');
    expect(info({ id: 1 }).username).toBeUndefined();
  });

  it('uses the system password database by default', () => {
    const job = new JobInfo(toJobRecord({ id: 1, userid: 0 }, 'test'));
    expect(job.username).toBe('root');
  });

  it('returns undefined for everything job-list did not send', () => {
    const job = info({ id: 5 });
    expect(job.id).toBe(5n);
    expect(job.jobid).toBe('ƒ6');
    expect([job.userid, job.urgency, job.priority, job.name, job.cwd, job.queue, job.project, job.bank]).toEqual(Array(8).fill(undefined));
    expect([job.ntasks, job.ncores, job.nnodes, job.duration, job.expiration, job.ranks, job.nodelist]).toEqual(Array(7).fill(undefined));
    expect([job.success, job.waitstatus, job.returncode, job.tSubmit, job.tRun, job.runtime, job.uri]).toEqual(Array(7).fill(undefined));
    expect(job.exception).toEqual({ occurred: undefined, severity: undefined, type: undefined, note: undefined });
    expect(job.annotations).toEqual({});
    expect(job.sched).toBeUndefined();
  });

  it('passes values through with their types', () => {
    const job = info({
      id: 1,
      userid: 1000,
      urgency: 0,
      priority: 0,
      duration: 0.0,
      success: false,
      waitstatus: 0,
      exception_occurred: true,
      exception_severity: 0,
      exception_type: 'cancel',
      exception_note: '',
      annotations: { sched: { resource_summary: 'rank0/core0' }, user: { note: 'x' } },
      expiration: 0.0,
    });
    expect([job.urgency, job.priority, job.duration, job.success, job.waitstatus]).toEqual([0, 0, 0, false, 0]);
    expect(job.expiration).toBeUndefined();
    expect(job.exception).toEqual({ occurred: true, severity: 0, type: 'cancel', note: '' });
    expect(job.sched).toEqual({ resource_summary: 'rank0/core0' });
    expect(job.user).toEqual({ note: 'x' });
    expect(job.get('exception_type')).toBe('cancel');
    expect(job.get('toString')).toBeUndefined();
  });
});

describe('job URIs', () => {
  const record = { id: 1, state: 16, annotations: { user: { uri: 'ssh://node7//tmp/flux-abc/local-0' } } };

  it('comes from annotations.user.uri', () => {
    expect(info(record).uri).toBe('ssh://node7//tmp/flux-abc/local-0');
    expect(info({ id: 1, annotations: { user: { uri: '' } } }).uri).toBeUndefined();
  });

  it('can be shown in its local form', () => {
    expect(info(record, { uriResolveLocal: true }).uri).toBe('local:///tmp/flux-abc/local-0');
    expect(info({ id: 1, annotations: { user: { uri: 'local:///run/x' } } }, { uriResolveLocal: true }).uri).toBe('local:///run/x');
  });

  it('is not repeated under annotations in the filtered dict, and the record is not changed', () => {
    const job = info({ id: 1, state: 16, annotations: { user: { uri: 'local:///run/x', note: 'n' }, sched: { a: 1 } } });
    expect(job.toDict().annotations).toEqual({ user: { note: 'n' }, sched: { a: 1 } });
    expect(job.toDict().uri).toBe('local:///run/x');
    expect(job.toDict(false).annotations).toEqual({ user: { uri: 'local:///run/x', note: 'n' }, sched: { a: 1 } });
    const lone = info(record);
    expect(lone.toDict().annotations).toEqual({});
    expect(lone.record.annotations).toEqual(record.annotations);
  });
});

describe('to_dict (section 8.5)', () => {
  it('matches the documented filtered example of a SCHED job with urgency 31', () => {
    const job = info(
      {
        id: 8870734856192,
        userid: 0,
        urgency: 31,
        priority: 4294967295,
        t_submit: 1795636657.511,
        t_depend: 1795636657.526,
        t_priority: 1795636657.543,
        t_sched: 1795636657.543,
        state: 8,
        name: 'expedite',
        cwd: '<cwd>',
        queue: 'long',
        ntasks: 1,
        ncores: 1,
        duration: 0.0,
      },
      { ...fixed, usernameOf: () => 'root' },
    );
    const expected = {
      t_depend: 1795636657.526,
      t_priority: 1795636657.543,
      t_sched: 1795636657.543,
      duration: 0.0,
      name: 'expedite',
      cwd: '<cwd>',
      queue: 'long',
      ntasks: 1,
      ncores: 1,
      priority: 4294967295,
      id: 8870734856192n,
      t_submit: 1795636657.511,
      state: 'SCHED',
      username: 'root',
      userid: 0,
      urgency: 31,
      status: 'SCHED',
      dependencies: [],
      jobid: 'ƒ5227Tqz7',
      annotations: {},
      exception: { occurred: false },
    };
    const dict = job.toDict();
    expect(Object.keys(dict)).toEqual(Object.keys(expected));
    expect(dict).toEqual(expected);
  });

  it('keeps the defaults, id, t_remaining, username, runtime, returncode and the rest with only userid requested', () => {
    const dict = info({ id: 1, userid: 54321 }).toDict(false);
    expect(Object.keys(dict)).toEqual([
      't_depend', 't_priority', 't_sched', 't_run', 't_cleanup', 't_inactive', 'duration', 'expiration',
      'name', 'cwd', 'queue', 'project', 'bank', 'ntasks', 'ncores', 'nnodes', 'priority', 'ranks',
      'nodelist', 'success', 'result', 'waitstatus', 'id', 't_remaining', 'username', 'userid', 'runtime',
      'returncode', 'dependencies', 'jobid', 'annotations', 'exception',
    ]);
    expect(dict.username).toBe('54321');
    expect(dict.t_remaining).toBe(0);
    expect(dict.returncode).toBe('');
    expect(dict.exception).toEqual({ occurred: '', severity: '', type: '', note: '' });
  });

  it('filtered keeps falsy values that are not "" or zero times', () => {
    const dict = info({
      id: 1, userid: 0, urgency: 0, priority: 0, state: 64, result: 4, success: false, waitstatus: 0, duration: 0.0,
      t_submit: 10, t_run: 0.0, expiration: 0.0, exception_occurred: true, exception_severity: 0, exception_type: 'cancel', exception_note: '',
    }).toDict();
    expect(dict).toMatchObject({ duration: 0, success: false, waitstatus: 0, returncode: 0, priority: 0, urgency: 0, dependencies: [], annotations: {} });
    expect(dict.exception).toEqual({ occurred: true, severity: 0, type: 'cancel', note: '' });
    for (const key of ['t_run', 'expiration', 'runtime', 't_remaining', 'name', 'nodelist']) expect(dict).not.toHaveProperty(key);
  });
});
