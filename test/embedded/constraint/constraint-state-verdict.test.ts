import { ComparisonBudget, compileConstraint } from '../../../src/embedded/constraint/compile';
import { JobState, StateMask } from '../../../src/flux/constants';
import type { Json } from '../../../src/flux/json';
import { JOBS } from './constraint-jobs';

const OPTIONS = { maxHosts: 1024, maxRanks: 1024 };
const { NEW, DEPEND, PRIORITY, SCHED, RUN, CLEANUP, INACTIVE } = JobState;
const COLUMNS = [DEPEND, PRIORITY, SCHED, RUN, CLEANUP, INACTIVE, StateMask.PENDING, StateMask.RUNNING, StateMask.ACTIVE];

/** T/F per column: DEPEND PRIORITY SCHED RUN CLEANUP INACTIVE PENDING RUNNING ACTIVE. */
function listMayMatchRow(constraint: Json | undefined): string {
  const compiled = compileConstraint(constraint, OPTIONS);
  return COLUMNS.map((mask) => (compiled.listMayMatch(mask) ? 'T' : 'F')).join('');
}

describe('list pre-filter: expectations of flux-core src/modules/job-list/test/state_match.c', () => {
  it.each<[Json | undefined, string]>([
    [undefined, 'TTTTTTTTT'],
    [{ states: [] }, 'TTTTTTTTT'],
    [{ and: [] }, 'TTTTTTTTT'],
    [{ or: [] }, 'TTTTTTTTT'],
    [{ not: [] }, 'FFFFFFFFF'],
    [{ states: ['pending'] }, 'TTTFFFTFT'],
    [{ and: [{ states: ['pending'] }] }, 'TTTFFFTFT'],
    [{ or: [{ states: ['pending'] }] }, 'TTTFFFTFT'],
    [{ not: [{ states: ['pending'] }] }, 'FFFTTTFTT'],
    [{ results: ['completed'] }, 'FFFFFTFFF'],
    [{ not: [{ results: ['completed'] }] }, 'TTTTTTTTT'],
    [{ t_submit: ['<100.0'] }, 'TTTTTTTTT'],
    [{ t_depend: ['<=100.0'] }, 'TTTTTTTTT'],
    [{ t_priority: ['>100.0'] }, 'FTTTTTTTT'],
    [{ t_sched: ['<100.0'] }, 'FTTTTTTTT'],
    [{ t_run: ['>100.0'] }, 'FFFTTTFTT'],
    [{ t_cleanup: ['>=100.0'] }, 'FFFFTTFTT'],
    [{ t_inactive: ['<=100.0'] }, 'FFFFFTFFF'],
    [{ not: [{ t_run: ['<=500'] }] }, 'TTTTTTTTT'],
    [{ and: [{ states: ['depend'] }, { states: ['priority'] }] }, 'FFFFFFFFF'],
    [{ not: [{ and: [{ states: ['depend'] }, { states: ['priority'] }] }] }, 'TTTTTTTTT'],
    [{ and: [{ not: [{ states: ['depend'] }] }, { states: ['priority'] }] }, 'FTFFFFTFT'],
    [{ or: [{ states: ['depend'] }, { states: ['priority'] }] }, 'TTFFFFTFT'],
    [{ not: [{ or: [{ states: ['depend'] }, { states: ['priority'] }] }] }, 'FFTTTTTTT'],
    [{ or: [{ not: [{ states: ['depend'] }] }, { states: ['priority'] }] }, 'FTTTTTTTT'],
    [{ and: [{ states: ['depend'] }, { results: ['completed'] }] }, 'FFFFFFFFF'],
    [{ not: [{ and: [{ states: ['depend'] }, { results: ['completed'] }] }] }, 'TTTTTTTTT'],
    [{ and: [{ states: ['depend'] }, { not: [{ results: ['completed'] }] }] }, 'TFFFFFTFT'],
    [{ or: [{ states: ['depend'] }, { results: ['completed'] }] }, 'TFFFFTTFT'],
    [{ not: [{ or: [{ states: ['depend'] }, { results: ['completed'] }] }] }, 'FTTTTTTTT'],
    [{ or: [{ states: ['depend'] }, { not: [{ results: ['completed'] }] }] }, 'TTTTTTTTT'],
    [{ and: [{ states: ['depend'] }, { t_inactive: ['>=100.0'] }] }, 'FFFFFFFFF'],
    [{ not: [{ and: [{ states: ['depend'] }, { t_inactive: ['>=100.0'] }] }] }, 'TTTTTTTTT'],
    [{ and: [{ states: ['depend'] }, { not: [{ t_inactive: ['>=100.0'] }] }] }, 'TFFFFFTFT'],
    [{ or: [{ states: ['depend'] }, { t_inactive: ['>=100.0'] }] }, 'TFFFFTTFT'],
    [{ not: [{ or: [{ states: ['depend'] }, { t_inactive: ['>=100.0'] }] }] }, 'FTTTTTTTT'],
    [{ or: [{ states: ['depend'] }, { not: [{ t_inactive: ['>=100.0'] }] }] }, 'TTTTTTTTT'],
    [{ userid: [42] }, 'TTTTTTTTT'],
    [{ not: [{ userid: [42] }] }, 'TTTTTTTTT'],
    [{ and: [{ userid: [42] }, { name: ['foo'] }] }, 'TTTTTTTTT'],
    [{ and: [{ not: [{ userid: [42] }] }, { name: ['foo'] }] }, 'TTTTTTTTT'],
    [{ or: [{ userid: [42] }, { name: ['foo'] }] }, 'TTTTTTTTT'],
    [{ or: [{ not: [{ userid: [42] }] }, { name: ['foo'] }] }, 'TTTTTTTTT'],
    [{ and: [{ states: ['running'] }, { userid: [42] }, { name: ['foo'] }] }, 'FFFTTFFTT'],
    [{ and: [{ not: [{ states: ['running'] }] }, { userid: [42] }, { name: ['foo'] }] }, 'TTTFFTTFT'],
    [{ not: [{ and: [{ states: ['running'] }, { userid: [42] }, { name: ['foo'] }] }] }, 'TTTTTTTTT'],
    [{ or: [{ states: ['running'] }, { userid: [42] }, { name: ['foo'] }] }, 'TTTTTTTTT'],
    [{ or: [{ not: [{ states: ['running'] }] }, { userid: [42] }, { name: ['foo'] }] }, 'TTTTTTTTT'],
    [{ not: [{ or: [{ states: ['running'] }, { userid: [42] }, { name: ['foo'] }] }] }, 'TTTFFTTFT'],
    [{ and: [{ and: [{ states: ['priority'] }, { userid: [42] }] }, { name: ['foo'] }] }, 'FTFFFFTFT'],
    [{ and: [{ or: [{ states: ['priority'] }, { userid: [42] }] }, { name: ['foo'] }] }, 'TTTTTTTTT'],
    [{ and: [{ and: [{ results: ['completed'] }, { userid: [42] }] }, { name: ['foo'] }] }, 'FFFFFTFFF'],
    [{ and: [{ or: [{ results: ['completed'] }, { userid: [42] }] }, { name: ['foo'] }] }, 'TTTTTTTTT'],
    [{ and: [{ states: ['depend'] }, { or: [{ states: ['priority'] }, { userid: [42] }] }, { name: ['foo'] }] }, 'TFFFFFTFT'],
    [
      { and: [{ not: [{ states: ['depend'] }] }, { or: [{ states: ['priority'] }, { userid: [42] }] }, { name: ['foo'] }] },
      'FTTTTTTTT',
    ],
    [
      { and: [{ states: ['depend'] }, { not: [{ or: [{ states: ['priority'] }, { userid: [42] }] }] }, { name: ['foo'] }] },
      'TFFFFFTFT',
    ],
    [
      {
        and: [
          { userid: [42] },
          { name: ['foo'] },
          { queue: ['foo'] },
          { hostlist: ['bar'] },
          { states: ['running'] },
          { results: ['completed'] },
          { t_submit: ['>=500.0'] },
          { t_depend: ['>=100.0'] },
          { t_priority: ['>100.0'] },
          { t_sched: ['<100.0'] },
          { t_run: ['<=100.0'] },
          { t_cleanup: ['>=100.0'] },
          { t_inactive: ['<=100.0'] },
        ],
      },
      'FFFFFFFFF',
    ],
  ])('%j → %s', (constraint, expected) => {
    expect(listMayMatchRow(constraint)).toBe(expected);
  });
});

describe('per-state verdicts', () => {
  const verdicts = (constraint: Json) => {
    const compiled = compileConstraint(constraint, OPTIONS);
    return [NEW, DEPEND, PRIORITY, SCHED, RUN, CLEANUP, INACTIVE].map((state) => compiled.stateVerdict(state)[0]).join('');
  };

  it.each<[Json, string]>([
    // a = always, m = maybe, n = never; columns NEW DEPEND PRIORITY SCHED RUN CLEANUP INACTIVE
    [{}, 'aaaaaaa'],
    [{ states: ['sched', 'inactive'] }, 'nnnanna'],
    [{ states: ['new'] }, 'annnnnn'],
    [{ states: [] }, 'aaaaaaa'],
    [{ userid: [1] }, 'mmmmmmm'],
    [{ ranks: ['0'] }, 'mmmmmmm'],
    [{ results: ['failed'] }, 'nnnnnnm'],
    [{ t_submit: ['>1'] }, 'mmmmmmm'],
    [{ t_depend: ['>1'] }, 'nmmmmmm'],
    [{ t_priority: ['>1'] }, 'nnmmmmm'],
    [{ t_sched: ['>1'] }, 'nnmmmmm'],
    [{ t_run: ['>1'] }, 'nnnnmmm'],
    [{ t_cleanup: ['>1'] }, 'nnnnnmm'],
    [{ t_inactive: ['>1'] }, 'nnnnnnm'],
    [{ and: [{ states: ['active'] }, { userid: [1] }] }, 'nmmmmmn'],
    [{ or: [{ states: ['run'] }, { t_inactive: ['>1'] }] }, 'nnnnanm'],
    [{ not: [{ states: ['run'] }, { userid: [1] }] }, 'aaaamaa'],
    [{ not: [{ states: ['run'] }] }, 'aaaanaa'],
    [{ or: [{ not: [] }, { results: [1] }] }, 'nnnnnnm'],
  ])('%j → %s', (constraint, expected) => {
    expect(verdicts(constraint)).toBe(expected);
  });

  it('refuses a value that is not a single state bit', () => {
    const compiled = compileConstraint({}, OPTIONS);
    expect(() => compiled.stateVerdict(StateMask.PENDING)).toThrow(RangeError);
    expect(() => compiled.stateVerdict(0)).toThrow(RangeError);
  });

  it('ignores mask bits outside the real states', () => {
    const compiled = compileConstraint({ states: ['inactive'] }, OPTIONS);
    expect(compiled.listMayMatch(0x80)).toBe(false);
    expect(compiled.listMayMatch(0x80 | INACTIVE)).toBe(true);
    expect(compiled.listMayMatch(0)).toBe(false);
  });
});

describe('the pre-filter never hides a job the matcher accepts', () => {
  it.each<Json>([
    { states: ['pending'] },
    { results: ['failed'] },
    { t_run: ['>=0'] },
    { not: [{ results: ['completed'] }] },
    { or: [{ states: ['depend'] }, { t_inactive: ['>=0'] }] },
    { not: [{ t_sched: ['>=0'] }] },
  ])('%j', (constraint) => {
    const compiled = compileConstraint(constraint, OPTIONS);
    const budget = new ComparisonBudget(0);
    for (const job of JOBS) if (compiled.matches(job, budget)) expect(compiled.stateVerdict(job.state)).not.toBe('never');
  });

  it('except, as in Flux, under "not" of an empty states list', () => {
    // An empty states list is ALWAYS to the pre-filter but matches no job; its negation then
    // matches every job while the pre-filter rules out every list, so Flux lists nothing.
    const compiled = compileConstraint({ not: [{ states: [] }] }, OPTIONS);
    const budget = new ComparisonBudget(0);
    expect(JOBS.every((job) => compiled.matches(job, budget))).toBe(true);
    expect([StateMask.PENDING, StateMask.RUNNING, INACTIVE].map((mask) => compiled.listMayMatch(mask))).toEqual([false, false, false]);
  });
});
