/**
 * stateAfterEvent: the job manager's state machine (event.c) event by event, the states of the
 * recorded jobs (the 24 eventlogs of the 0.88 answers and the journal of session 10), properties
 * over random event sequences, and agreement with the embedded store on every job of a live
 * workload.
 */
import fc from 'fast-check';
import { JobState, JOB_STATE_NAME_BY_BIT } from '../../src/flux/constants';
import type { JsonObject } from '../../src/flux/json';
import { decodeJsonPayload } from '../../src/flux/message';
import { stateAfterEvent, type EventlogEntry } from '../../src/jobinfo';
import { EmbeddedInstance } from '../../src/embedded';
import { JobDirectory } from '../../src/embedded/details/job-directory';
import { LiveWorkload } from '../../src/embedded/workload/live';
import { captureSessions, capturedLine, recordedJobs } from '../support/job-info-fixtures';

const { NEW, DEPEND, PRIORITY, SCHED, RUN, CLEANUP, INACTIVE } = JobState;
const ALL_STATES: number[] = [NEW, DEPEND, PRIORITY, SCHED, RUN, CLEANUP, INACTIVE];
const nameOf = (state: number): string => JOB_STATE_NAME_BY_BIT.get(state) ?? String(state);

const event = (name: string, context: JsonObject | null = null): EventlogEntry => ({ timestamp: 1796188941.5, name, context });
const fatal = event('exception', { type: 'cancel', severity: 0, note: '', userid: 0 });
const nonFatal = event('exception', { type: 'warning', severity: 3, note: 'careful', userid: 0 });

/** The state after each event, from a job with no events yet. */
function states(entries: readonly EventlogEntry[]): string[] {
  let state: number | undefined;
  return entries.map((entry) => nameOf((state = stateAfterEvent(state, entry))));
}

describe('stateAfterEvent, event by event', () => {
  it.each<[string, EventlogEntry, number | undefined, number]>([
    ['submit (version 1) of a job without events', event('submit', { userid: 0, urgency: 16, flags: 0, version: 1 }), undefined, NEW],
    ['submit without version: a job from before validate existed', event('submit', { userid: 0, urgency: 16, flags: 0 }), undefined, DEPEND],
    ['submit with version 0', event('submit', { userid: 0, urgency: 16, flags: 0, version: 0 }), NEW, DEPEND],
    ['submit again, once past NEW', event('submit', { userid: 0, urgency: 16, flags: 0, version: 1 }), RUN, RUN],
    ['validate', event('validate'), NEW, DEPEND],
    ['validate out of place', event('validate'), SCHED, SCHED],
    ['invalidate', event('invalidate'), NEW, INACTIVE],
    ['dependency-add', event('dependency-add', { description: 'after-success=fJ1QR9wu' }), DEPEND, DEPEND],
    ['depend', event('depend'), DEPEND, PRIORITY],
    ['depend out of place', event('depend'), NEW, NEW],
    ['priority', event('priority', { priority: 16 }), PRIORITY, SCHED],
    ['priority again in SCHED', event('priority', { priority: 20 }), SCHED, SCHED],
    ['priority while running', event('priority', { priority: 20 }), RUN, RUN],
    ['urgency in SCHED: back to PRIORITY', event('urgency', { userid: 0, urgency: 20 }), SCHED, PRIORITY],
    ['urgency while running', event('urgency', { userid: 0, urgency: 20 }), RUN, RUN],
    ['jobspec-update in SCHED', event('jobspec-update', { 'attributes.system.duration': 600 }), SCHED, PRIORITY],
    ['flux-restart in SCHED', event('flux-restart'), SCHED, PRIORITY],
    ['flux-restart while running', event('flux-restart'), RUN, RUN],
    ['alloc', event('alloc', { annotations: { sched: { resource_summary: 'rank0/core0' } } }), SCHED, RUN],
    ['alloc out of place', event('alloc'), PRIORITY, PRIORITY],
    ['annotations', event('annotations', { annotations: null }), SCHED, SCHED],
    ['memo', event('memo', { note: 'x' }), SCHED, SCHED],
    ['start', event('start'), RUN, RUN],
    ['finish', event('finish', { status: 0 }), RUN, CLEANUP],
    ['finish out of place', event('finish', { status: 0 }), SCHED, SCHED],
    ['a fatal exception while pending', fatal, SCHED, CLEANUP],
    ['a fatal exception while running', fatal, RUN, CLEANUP],
    ['a fatal exception in DEPEND', fatal, DEPEND, CLEANUP],
    ['a fatal exception in CLEANUP', fatal, CLEANUP, CLEANUP],
    ['a fatal exception in NEW (the job manager ignores it there)', fatal, NEW, NEW],
    ['a fatal exception once inactive', fatal, INACTIVE, INACTIVE],
    ['a non-fatal exception', nonFatal, RUN, RUN],
    ['an exception without a severity', event('exception', { type: 'x' }), RUN, RUN],
    ['release', event('release', { ranks: 'all', final: true }), CLEANUP, CLEANUP],
    ['free', event('free'), CLEANUP, CLEANUP],
    ['clean', event('clean'), CLEANUP, INACTIVE],
    ['clean out of place', event('clean'), RUN, RUN],
    ['an event of no meaning to the state', event('prolog-start', { description: 'x' }), RUN, RUN],
  ])('%s', (_label, entry, before, after) => {
    expect(nameOf(stateAfterEvent(before, entry))).toBe(nameOf(after));
  });

  it.each([0, 3, 0x7f, 0x100, -1, 1.5, Number.NaN])('refuses %p as a state with a RangeError', (state) => {
    expect(() => stateAfterEvent(state, event('clean'))).toThrow(new RangeError(`stateAfterEvent: ${state} is not a job state (one JobState bit)`));
  });
});

describe('stateAfterEvent on what Flux recorded', () => {
  it.each(recordedJobs.map(([id, job]) => [job.label, id, job] as const))('%s: INACTIVE at its clean, not before', (_label, _id, job) => {
    const entries = job.eventlog_entries.map((e) => ({ timestamp: e.timestamp, name: e.name, context: e.context ?? null }));
    const walked = states(entries);
    expect(walked[walked.length - 1]).toBe('INACTIVE');
    expect(walked.indexOf('INACTIVE')).toBe(entries.length - 1);
  });

  it('a job that ran, held and released, and one canceled while held (the answers file)', () => {
    const entries = (label: string): EventlogEntry[] =>
      (recordedJobs.find(([, job]) => job.label === label) as (typeof recordedJobs)[number])[1].eventlog_entries.map((e) => ({ timestamp: e.timestamp, name: e.name, context: e.context ?? null }));
    expect(states(entries('echo_hello'))).toEqual(['NEW', 'DEPEND', 'PRIORITY', 'SCHED', 'RUN', 'RUN', 'CLEANUP', 'CLEANUP', 'CLEANUP', 'INACTIVE']);
    expect(states(entries('cancel_held'))).toEqual(['NEW', 'DEPEND', 'PRIORITY', 'SCHED', 'CLEANUP', 'INACTIVE']);
  });

  it("session 10's journal: held in SCHED, running in RUN, and the live job through every state", () => {
    const sessions = captureSessions();
    const payloads = Array.from({ length: 14 }, (_, i) => decodeJsonPayload(capturedLine(sessions, 85 + i).msg.payload as Uint8Array) as unknown as { id: number; events: Array<EventlogEntry & { context?: JsonObject }> });
    const byJob = new Map<number, EventlogEntry[]>();
    for (const { id, events } of payloads) byJob.set(id, [...(byJob.get(id) ?? []), ...events.map((e) => ({ ...e, context: e.context ?? null }))]);
    const finalState = (id: number): string => states(byJob.get(id) ?? []).pop() as string;
    expect(finalState(18616619630592)).toBe('SCHED');
    expect(finalState(18618867777536)).toBe('RUN');
    expect(states(byJob.get(18623129190400) as EventlogEntry[])).toEqual(['NEW', 'DEPEND', 'PRIORITY', 'SCHED', 'SCHED', 'RUN', 'RUN', 'CLEANUP', 'CLEANUP', 'CLEANUP', 'INACTIVE']);
  });
});

describe('stateAfterEvent properties', () => {
  const names = ['submit', 'validate', 'invalidate', 'depend', 'priority', 'urgency', 'jobspec-update', 'flux-restart', 'alloc', 'start', 'finish', 'exception', 'release', 'free', 'clean', 'memo', 'annotations', 'dependency-add', 'debug.x'];
  const anyEvent = fc.record({
    timestamp: fc.double({ min: 0, max: 2e9, noNaN: true }),
    name: fc.constantFrom(...names),
    context: fc.option(
      fc.record({ severity: fc.integer({ min: 0, max: 7 }), version: fc.integer({ min: 0, max: 2 }), priority: fc.integer({ min: 0, max: 100 }) }, { requiredKeys: [] }),
      { nil: null },
    ),
  });
  const start = fc.option(fc.constantFrom(...ALL_STATES), { nil: undefined });

  it('always gives one state, and moves a job only forwards or from SCHED back to PRIORITY', () => {
    fc.assert(
      fc.property(start, fc.array(anyEvent, { maxLength: 40 }), (initial, entries) => {
        let state = initial;
        for (const entry of entries) {
          const next = stateAfterEvent(state, entry);
          expect(ALL_STATES).toContain(next);
          const before = state ?? NEW;
          const forwards = next >= before;
          const requeued = before === SCHED && next === PRIORITY && ['urgency', 'jobspec-update', 'flux-restart'].includes(entry.name);
          expect(forwards || requeued).toBe(true);
          state = next;
        }
      }),
    );
  });

  it('never leaves INACTIVE', () => {
    fc.assert(fc.property(fc.array(anyEvent, { maxLength: 20 }), (entries) => entries.every((entry) => stateAfterEvent(INACTIVE, entry) === INACTIVE)));
  });

  it('leaves the state alone for every event name it does not know', () => {
    const known = new Set(names.slice(0, 15));
    fc.assert(
      fc.property(fc.constantFrom(...ALL_STATES), fc.string().filter((name) => !known.has(name)), (state, name) => stateAfterEvent(state, event(name, { severity: 0 })) === state),
    );
  });
});

describe('stateAfterEvent agrees with the embedded store', () => {
  it('on every job of a live workload, stepped on for a while', () => {
    const instance = new EmbeddedInstance({ queues: ['batch', 'debug', 'gpu'], ownerUserid: 0 });
    const now = 1795640000;
    const workload = new LiveWorkload(instance.sink, { jobs: 1500, seed: 9, now, clock: () => now, submitRate: 0.05 });
    for (let t = now + 120; t <= now + 3600; t += 120) workload.step(t);
    const { store } = instance;
    const seen = new Map<string, number>();
    let checked = 0;
    for (const list of [store.lists.pending, store.lists.running, store.lists.inactive]) {
      for (const slot of list.toArray()) {
        const entries = new JobDirectory(store, slot, 0).eventlog().map((e) => ({ timestamp: e.timestamp, name: e.name, context: e.context ?? null }));
        const derived = states(entries).pop() as string;
        expect([store.jobs.id(slot), derived]).toEqual([store.jobs.id(slot), nameOf(store.jobs.state[slot] as number)]);
        seen.set(derived, (seen.get(derived) ?? 0) + 1);
        checked++;
      }
    }
    expect(checked).toBe(store.size);
    // Jobs in each of the common states, so the rules for them have all been compared.
    expect(seen.get('INACTIVE')).toBeGreaterThan(100);
    expect(seen.get('RUN')).toBeGreaterThan(10);
    expect(seen.get('SCHED')).toBeGreaterThan(10);
    instance.close();
  });
});
