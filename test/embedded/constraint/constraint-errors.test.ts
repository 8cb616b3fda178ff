import { ConstraintError, compileConstraint } from '../../../src/embedded/constraint/compile';
import type { Json } from '../../../src/flux/json';

const OPTIONS = { maxHosts: 1024, maxRanks: 1024 };

function errorOf(constraint: Json, options = OPTIONS): ConstraintError {
  try {
    compileConstraint(constraint, options);
  } catch (err) {
    if (err instanceof ConstraintError) return err;
    throw err;
  }
  throw new Error(`constraint ${JSON.stringify(constraint)} was accepted`);
}

describe('constraint validation errors (texts as Flux sends them)', () => {
  it.each<[Json, string]>([
    // shape
    [null, 'constraint must be JSON object'],
    [5, 'constraint must be JSON object'],
    ['states', 'constraint must be JSON object'],
    [true, 'constraint must be JSON object'],
    [[], 'constraint must be JSON object'],
    [[{ userid: [1] }], 'constraint must be JSON object'],
    [{ userid: [1], name: ['foo'] }, 'constraint must only contain 1 element'],
    [{ a: 1, b: 2 }, 'constraint must only contain 1 element'],
    [{ userid: 1 }, 'operator userid values not an array'],
    [{ and: {} }, 'operator and values not an array'],
    [{ not: null }, 'operator not values not an array'],
    [{ t_submit: '>1' }, 'operator t_submit values not an array'],
    // the array check comes before the operator name
    [{ foo: 5 }, 'operator foo values not an array'],
    [{ foo: [1] }, 'unknown constraint operator: foo'],
    [{ bogus: [1] }, 'unknown constraint operator: bogus'],
    [{ AND: [] }, 'unknown constraint operator: AND'],
    [{ t_foo: ['>1'] }, 'unknown constraint operator: t_foo'],
    [{ '': [] }, 'unknown constraint operator: '],
    [{ not: [1] }, 'constraint must be JSON object'],
    [{ and: [null] }, 'constraint must be JSON object'],
    [{ or: ['x'] }, 'constraint must be JSON object'],
    [{ and: [[]] }, 'constraint must be JSON object'],
    // nested errors carry no path
    [{ and: [{ bar: [] }] }, 'unknown constraint operator: bar'],
    [{ or: [{ not: [{ and: [{ userid: ['x'] }] }] }] }, 'userid value must be an integer'],
    [{ and: [{ userid: [1] }, { a: [1], b: [2] }] }, 'constraint must only contain 1 element'],
    // the first problem, depth first and left to right, wins
    [{ and: [{ userid: ['x'] }, { foo: [] }] }, 'userid value must be an integer'],
    [{ and: [{ foo: [] }, { userid: ['x'] }] }, 'unknown constraint operator: foo'],

    // userid
    [{ userid: ['foo'] }, 'userid value must be an integer'],
    [{ userid: [1.5] }, 'userid value must be an integer'],
    [{ userid: [1e300] }, 'userid value must be an integer'],
    [{ userid: [null] }, 'userid value must be an integer'],
    [{ userid: [true] }, 'userid value must be an integer'],
    [{ userid: [[1]] }, 'userid value must be an integer'],
    [{ userid: [42, '43'] }, 'userid value must be an integer'],

    // name, queue
    [{ name: [1] }, 'name value must be a string'],
    [{ name: ['a', null] }, 'name value must be a string'],
    [{ queue: [1] }, 'queue value must be a string'],
    [{ queue: [['batch']] }, 'queue value must be a string'],

    // states
    [{ states: [2.5] }, 'states value invalid type'],
    [{ states: [null] }, 'states value invalid type'],
    [{ states: [false] }, 'states value invalid type'],
    [{ states: [{}] }, 'states value invalid type'],
    [{ states: ['foo'] }, "invalid states value 'foo' specified"],
    [{ states: ['Run'] }, "invalid states value 'Run' specified"],
    [{ states: ['Pending'] }, "invalid states value 'Pending' specified"],
    [{ states: ['completed'] }, "invalid states value 'completed' specified"],
    [{ states: [''] }, "invalid states value '' specified"],
    [{ states: [' run'] }, "invalid states value ' run' specified"],
    [{ states: [128] }, "invalid states value '80h' specified"],
    [{ states: [255] }, "invalid states value 'FFh' specified"],
    [{ states: [8192] }, "invalid states value '2000h' specified"],
    [{ states: [-1] }, "invalid states value 'FFFFFFFFh' specified"],
    [{ states: [-128] }, "invalid states value 'FFFFFF80h' specified"],
    [{ states: [4294967295] }, "invalid states value 'FFFFFFFFh' specified"],
    [{ states: [(1n << 62n) + 0xabcn] }, "invalid states value 'ABCh' specified"],
    [{ states: ['run', 256] }, "invalid states value '100h' specified"],
    [{ states: [256, 'bogus'] }, "invalid states value '100h' specified"],

    // results
    [{ results: [2.5] }, 'results value invalid type'],
    [{ results: [null] }, 'results value invalid type'],
    [{ results: ['foo'] }, "invalid results value 'foo' specified"],
    [{ results: ['cancelled'] }, "invalid results value 'cancelled' specified"],
    [{ results: ['Completed'] }, "invalid results value 'Completed' specified"],
    [{ results: ['run'] }, "invalid results value 'run' specified"],
    [{ results: ['C'] }, "invalid results value 'C' specified"],
    [{ results: [16] }, "invalid results value '10h' specified"],
    [{ results: [8192] }, "invalid results value '2000h' specified"],
    [{ results: [-1] }, "invalid results value 'FFFFFFFFh' specified"],

    // hostlist
    [{ hostlist: [1] }, 'host value must be a string'],
    [{ hostlist: [null] }, 'host value must be a string'],
    [{ hostlist: ['node[1-'] }, 'host value not in valid Hostlist format'],
    [{ hostlist: ['[vm]'] }, 'host value not in valid Hostlist format'],
    [{ hostlist: ['v[m]'] }, 'host value not in valid Hostlist format'],
    [{ hostlist: [''] }, 'host value not in valid Hostlist format'],
    [{ hostlist: ['node1', ''] }, 'host value not in valid Hostlist format'],
    [{ hostlist: ['n[0-1024]'] }, 'too many hosts specified'],
    [{ hostlist: ['foo[1-5000]'] }, 'too many hosts specified'],
    [{ hostlist: ['n[0-600]', 'n[0-600]'] }, 'too many hosts specified'],
    [{ hostlist: ['n[0-1023]', 'n0'] }, 'too many hosts specified'],
    // the count is checked after every value was read
    [{ hostlist: ['n[0-2000]', 5] }, 'host value must be a string'],
    [{ hostlist: ['n[0-2000]', 'x[1-'] }, 'host value not in valid Hostlist format'],

    // ranks
    [{ ranks: [1] }, 'ranks value must be a string'],
    [{ ranks: [['0']] }, 'ranks value must be a string'],
    [{ ranks: ['abc'] }, "ranks value 'abc': error parsing range 'abc'"],
    [{ ranks: ['3-1'] }, "ranks value '3-1': error parsing range '3-1'"],
    [{ ranks: ['-1'] }, "ranks value '-1': error parsing range '-1'"],
    [{ ranks: [' 0'] }, "ranks value ' 0': error parsing range ' 0'"],
    [{ ranks: ['0,2-x'] }, "ranks value '0,2-x': error parsing range '2-x'"],
    [{ ranks: ['0-1024'] }, 'too many ranks specified'],
    [{ ranks: ['0-1023', '2000'] }, 'too many ranks specified'],
    [{ ranks: ['0-5000', 7] }, 'ranks value must be a string'],

    // timestamps
    [{ t_depend: [] }, 'timestamp value not specified'],
    [{ t_inactive: [] }, 'timestamp value not specified'],
    [{ t_depend: [1.0] }, 't_depend value must be a string'],
    [{ t_submit: [null] }, 't_submit value must be a string'],
    [{ t_priority: [100] }, 't_priority value must be a string'],
    [{ t_sched: [['<1']] }, 't_sched value must be a string'],
    [{ t_run: [{}] }, 't_run value must be a string'],
    [{ t_cleanup: [true] }, 't_cleanup value must be a string'],
    [{ t_inactive: [5, '>1'] }, 't_inactive value must be a string'],
    [{ t_depend: ['0.0'] }, 'timestamp comparison operator not specified'],
    [{ t_run: ['1'] }, 'timestamp comparison operator not specified'],
    [{ t_run: [''] }, 'timestamp comparison operator not specified'],
    [{ t_run: ['=1'] }, 'timestamp comparison operator not specified'],
    [{ t_run: ['==1'] }, 'timestamp comparison operator not specified'],
    [{ t_run: ['!=1'] }, 'timestamp comparison operator not specified'],
    [{ t_run: ['x'] }, 'timestamp comparison operator not specified'],
    [{ t_run: [' >1'] }, 'timestamp comparison operator not specified'],
    [{ t_run: ['=>1'] }, 'timestamp comparison operator not specified'],
    [{ t_depend: ['>=foof'] }, 'Invalid timestamp value specified'],
    [{ t_run: ['>>1'] }, 'Invalid timestamp value specified'],
    [{ t_run: ['<=abc'] }, 'Invalid timestamp value specified'],
    [{ t_run: ['>1x'] }, 'Invalid timestamp value specified'],
    [{ t_run: ['>1 '] }, 'Invalid timestamp value specified'],
    [{ t_run: ['> '] }, 'Invalid timestamp value specified'],
    [{ t_run: ['>+'] }, 'Invalid timestamp value specified'],
    [{ t_run: ['>1e'] }, 'Invalid timestamp value specified'],
    [{ t_run: ['>0x'] }, 'Invalid timestamp value specified'],
    [{ t_run: ['>1,5'] }, 'Invalid timestamp value specified'],
    [{ t_run: ['>infinit'] }, 'Invalid timestamp value specified'],
    [{ t_run: ['>nan('] }, 'Invalid timestamp value specified'],
    [{ t_run: ['>1e400'] }, 'Invalid timestamp value specified'],
    [{ t_run: ['>1e-400'] }, 'Invalid timestamp value specified'],
    [{ t_depend: ['>=-1.0'] }, 'timestamp value must be >= 0.0'],
    [{ t_run: ['<-1'] }, 'timestamp value must be >= 0.0'],
    [{ t_run: ['< -0.5'] }, 'timestamp value must be >= 0.0'],
    [{ t_run: ['>-inf'] }, 'timestamp value must be >= 0.0'],
  ])('%j → %s', (constraint, message) => {
    const err = errorOf(constraint);
    expect(err.message).toBe(message);
    expect(err.code).toBe('INVALID_CONSTRAINT');
    expect(err.name).toBe('ConstraintError');
  });

  it('rejects the operator Flux reported in the recorded wire session', () => {
    // flux-0.88 wire capture: "invalid payload: constraint object invalid: unknown constraint operator: bogus"
    expect(`invalid payload: constraint object invalid: ${errorOf({ bogus: [1] }).message}`).toBe(
      'invalid payload: constraint object invalid: unknown constraint operator: bogus',
    );
  });

  it('applies the host and rank limits it is given', () => {
    const small = { maxHosts: 4, maxRanks: 2 };
    expect(errorOf({ hostlist: ['n[0-4]'] }, small).message).toBe('too many hosts specified');
    expect(errorOf({ ranks: ['0-2'] }, small).message).toBe('too many ranks specified');
    expect(() => compileConstraint({ hostlist: ['n[0-3]'] }, small)).not.toThrow();
    expect(() => compileConstraint({ ranks: ['5,9', '5'] }, small)).not.toThrow();
    const large = { maxHosts: 5000, maxRanks: 5000 };
    expect(() => compileConstraint({ hostlist: ['foo[1-5000]'] }, large)).not.toThrow();
    expect(() => compileConstraint({ ranks: ['0-4999'] }, large)).not.toThrow();
  });

  it('refuses huge host and rank sets quickly, without expanding them', () => {
    expect(errorOf({ hostlist: ['n[0-999999]', 'm[0-999999]'] }).message).toBe('too many hosts specified');
    expect(errorOf({ ranks: ['0-2000000000'] }).message).toBe('too many ranks specified');
    const manyRanks = Array.from({ length: 100_000 }, (_, i) => String(i * 2));
    expect(errorOf({ ranks: manyRanks }).message).toBe('too many ranks specified');
    const manyHosts = Array.from({ length: 100_000 }, (_, i) => `n${i}`);
    expect(errorOf({ hostlist: manyHosts }).message).toBe('too many hosts specified');
  });

  it('counts hosts with duplicates and ranks without', () => {
    expect(errorOf({ hostlist: ['n[0-600]', 'n[0-600]'] }).message).toBe('too many hosts specified');
    expect(() => compileConstraint({ ranks: ['0-600', '0-600'] }, OPTIONS)).not.toThrow();
  });

  it('refuses absurdly deep nesting with a clear error instead of overflowing the stack', () => {
    let deep: Json = { userid: [1] };
    for (let i = 0; i < 5000; i++) deep = { and: [deep] };
    expect(errorOf(deep).message).toBe('constraint nested too deeply (more than 1024 levels)');
    let fine: Json = { userid: [1] };
    for (let i = 0; i < 1000; i++) fine = { not: [fine] };
    expect(() => compileConstraint(fine, OPTIONS)).not.toThrow();
  });
});

describe('accepted edge cases', () => {
  it.each<[string, Json]>([
    ['empty object', {}],
    ['empty and/or/not', { and: [{ or: [] }, { not: [] }] }],
    ['userid wildcard forms', { userid: [-1, 4294967295, 0, 4294967296, -4294967296] }],
    ['NEW by name and number', { states: ['new', 'N', 'n', 'NEW', 1] }],
    ['states mask 0 and 0x7F', { states: [0, 127] }],
    ['results mask 0 and 0xF', { results: [0, 15] }],
    ['empty idsets', { ranks: ['', '[]'] }],
    ['ranks beyond the instance', { ranks: ['5000'] }],
    ['timestamp with extra (invalid) elements', { t_submit: ['>=1', 5, null] }],
    ['timestamp forms', { and: [{ t_run: ['>=1234.5'] }, { t_run: ['<1700000000'] }, { t_run: ['>946713600.0'] }] }],
    ['hex, inf, nan and blanks', { and: [{ t_run: ['>0x10'] }, { t_run: ['<inf'] }, { t_run: ['>nan'] }, { t_run: ['> 1'] }] }],
    ['-0 and empty number', { and: [{ t_run: ['>-0'] }, { t_run: ['<='] }] }],
  ])('%s', (_label, constraint) => {
    expect(() => compileConstraint(constraint, OPTIONS)).not.toThrow();
  });
});
