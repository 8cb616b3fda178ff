import fc from 'fast-check';
import type { Json, JsonObject } from '../../src/flux/json';
import { recordChange, sameJson, type JobRecord } from '../../src/joblist';

const READ_AT = 5000;

/** Records of one job as job-list shows it in each state, with the timestamps Flux would keep. */
const DEPEND: JobRecord = { id: 7n, userid: 1000, urgency: 16, t_submit: 100, t_depend: 101, state: 2, name: 'sh', queue: 'batch', duration: 0 };
const PRIORITY: JobRecord = { ...DEPEND, t_priority: 102, state: 4 };
const SCHED: JobRecord = { ...PRIORITY, priority: 16, t_sched: 103, state: 8 };
const RUN: JobRecord = {
  ...SCHED,
  t_run: 104,
  state: 16,
  nnodes: 1,
  ranks: '0',
  nodelist: 'node0',
  expiration: 0,
  annotations: { sched: { resource_summary: 'rank0/core0' } },
};
const CLEANUP_FINISHED: JobRecord = { ...RUN, t_cleanup: 105, state: 32, waitstatus: 0 };
const CLEANUP_BY_EXCEPTION: JobRecord = { ...RUN, t_cleanup: 105, state: 32 };
const INACTIVE: JobRecord = {
  ...CLEANUP_FINISHED,
  t_inactive: 106,
  state: 64,
  success: true,
  exception_occurred: false,
  result: 1,
};

function change(previous: JobRecord | undefined, current: JobRecord): { event: string; timestamp: number } | undefined {
  return recordChange(previous, current, READ_AT);
}

describe('recordChange: a job seen for the first time', () => {
  it.each<[string, string, number, JobRecord]>([
    ['DEPEND', 'submit', 100, DEPEND],
    ['PRIORITY', 'depend', 102, PRIORITY],
    ['SCHED', 'priority', 103, SCHED],
    ['RUN', 'alloc', 104, RUN],
    ['CLEANUP after finish', 'finish', 105, CLEANUP_FINISHED],
    ['CLEANUP by an exception', 'exception', 105, CLEANUP_BY_EXCEPTION],
    ['INACTIVE', 'clean', 106, INACTIVE],
  ])('in %s: %s at %d, when that state was entered', (_name, event, timestamp, record) => {
    expect(change(undefined, record)).toEqual({ event, timestamp });
  });
});

describe('recordChange: a state change', () => {
  it.each<[string, JobRecord, JobRecord, string, number]>([
    ['DEPEND to PRIORITY', DEPEND, PRIORITY, 'depend', 102],
    ['DEPEND to SCHED', DEPEND, SCHED, 'priority', 103],
    ['SCHED to RUN', SCHED, RUN, 'alloc', 104],
    ['RUN to CLEANUP by finishing', RUN, CLEANUP_FINISHED, 'finish', 105],
    ['RUN to CLEANUP by an exception', RUN, CLEANUP_BY_EXCEPTION, 'exception', 105],
    ['SCHED to INACTIVE', SCHED, INACTIVE, 'clean', 106],
  ])('%s is the event entering the new state, at its t_<state>', (_name, previous, current, event, timestamp) => {
    expect(change(previous, current)).toEqual({ event, timestamp });
  });

  it('a fall back from SCHED to PRIORITY is an urgency (or jobspec-update) at the read time: t_priority keeps its first value', () => {
    const fallenBack: JobRecord = { ...PRIORITY, urgency: 20 };
    expect(change(SCHED, fallenBack)).toEqual({ event: 'urgency', timestamp: READ_AT });
    expect(change(SCHED, { ...fallenBack, urgency: 16, duration: 60 })).toEqual({ event: 'jobspec-update', timestamp: READ_AT });
  });

  it('SCHED entered again keeps its first t_sched: the change is dated by the read time', () => {
    const fallenBack: JobRecord = { ...PRIORITY, t_sched: 103, urgency: 20 };
    expect(change(fallenBack, { ...SCHED, urgency: 20, priority: 20 })).toEqual({ event: 'priority', timestamp: READ_AT });
  });
});

describe('recordChange: the same state', () => {
  it('nothing changed: no change', () => {
    expect(change(RUN, { ...RUN })).toBeUndefined();
    expect(change(RUN, { ...RUN, annotations: { sched: { resource_summary: 'rank0/core0' } } })).toBeUndefined();
  });

  it.each<[string, JobRecord, JobRecord, string]>([
    ['urgency in PRIORITY', PRIORITY, { ...PRIORITY, urgency: 31 }, 'urgency'],
    ['priority', SCHED, { ...SCHED, priority: 4 }, 'priority'],
    ['urgency and with it priority', SCHED, { ...SCHED, urgency: 4, priority: 4 }, 'priority'],
    ['scheduler annotations', SCHED, { ...SCHED, annotations: { sched: { reason_pending: 'insufficient resources' } } }, 'annotations'],
    ['user annotations only', RUN, { ...RUN, annotations: { sched: { resource_summary: 'rank0/core0' }, user: { progress: 42 } } }, 'memo'],
    ['user and scheduler annotations', RUN, { ...RUN, annotations: { sched: { resource_summary: 'x' }, user: { progress: 42 } } }, 'annotations'],
    ['priority and annotations', SCHED, { ...SCHED, priority: 3, annotations: { sched: { reason_pending: 'x' } } }, 'annotations'],
    ['expiration', RUN, { ...RUN, expiration: 9000 }, 'resource-update'],
    ['duration', SCHED, { ...SCHED, duration: 60 }, 'jobspec-update'],
    ['a dependency added', DEPEND, { ...DEPEND, dependencies: ['after-finish=f1'] }, 'dependency-add'],
    ['a dependency removed', { ...DEPEND, dependencies: ['after-finish=f1'] }, { ...DEPEND, dependencies: [] }, 'dependency-remove'],
    ['waitstatus after a fatal exception', CLEANUP_BY_EXCEPTION, { ...CLEANUP_BY_EXCEPTION, waitstatus: 36352 }, 'finish'],
    ['exception fields', INACTIVE, { ...INACTIVE, exception_occurred: true, exception_type: 'x', exception_severity: 3, exception_note: '' }, 'exception'],
  ])('%s: the last of what changed names it, at the read time', (_name, previous, current, event) => {
    expect(change(previous, current)).toEqual({ event, timestamp: READ_AT });
  });
});

const json: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string(),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;

function reversedKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).reverse()) {
    Object.defineProperty(out, key, { value: reversedKeys(value[key] as Json), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

describe('sameJson', () => {
  it('agrees with comparing the JSON texts of values whose keys are in the same order, and ignores key order', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(sameJson(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b));
        expect(sameJson(a, reversedKeys(a))).toBe(true);
      }),
    );
  });

  it('tells a missing key from one that is null', () => {
    expect(sameJson({ a: null }, {})).toBe(false);
    expect(sameJson(undefined, null)).toBe(false);
  });
});
