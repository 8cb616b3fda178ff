/**
 * The lean executor (src/graphql/fast-execute.ts) against graphql's own: random queries over the
 * real schema go to two apps on the same instance, one with fastExecution and one without, and
 * must get the same HTTP status and content type, the same body byte for byte (but for the errors
 * graphql-js itself reports or not as timing goes: withoutShadowedErrors) and the same RPCs. The
 * queries mix
 * every Job field, aliases, named and inline fragments, @include/@skip, variables good and bad,
 * bad IDs and cursors, and jobs whose lookups fail or whose records lack required attributes
 * (errors in the middle of lists, nulls bubbling up through non-null fields).
 */
import fc from 'fast-check';
import {
  getOperationAST,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  isAbstractType,
  Kind,
  parse,
  validate,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields';
import { getVariableValues } from 'graphql/execution/values';
import { Errno } from '../../src/flux/constants';
import { FluxError, FluxRpcError } from '../../src/flux/errors';
import type { FluxHandle, RpcOptions } from '../../src/flux/handle';
import type { Json, JsonObject } from '../../src/flux/json';
import { encodeJobId, parseJobId } from '../../src/flux/jobid';
import { schema } from '../../src/graphql/schema';
import type { RecordedRpc } from './recording-handle';
import { workloadAppPair, type TestApp } from './test-app';

// ---------------------------------------------------------------------------------------------
// Jobs whose lookups or records go wrong, the same way for both apps.

type Trouble = 'refused' | 'timeout' | 'malformed' | 'broken';

/** Attributes a broken job's records lack: both back non-null Job fields. */
const BROKEN_ATTRS = ['userid', 'urgency'];

function withoutBrokenAttrs(job: Json, broken: ReadonlySet<bigint>): Json {
  if (typeof job !== 'object' || job === null || Array.isArray(job)) return job;
  const id = job['id'];
  if ((typeof id !== 'bigint' && typeof id !== 'number') || !broken.has(BigInt(id))) return job;
  return Object.fromEntries(Object.entries(job).filter(([key]) => !BROKEN_ATTRS.includes(key)));
}

/** A reply of job-list.list or list-id with the broken jobs' records stripped. */
function stripBroken(reply: Json | undefined, broken: ReadonlySet<bigint>): Json | undefined {
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return reply;
  const jobs = reply['jobs'];
  if (Array.isArray(jobs)) return { ...reply, jobs: jobs.map((job) => withoutBrokenAttrs(job, broken)) };
  const job = reply['job'];
  if (job !== undefined) return { ...reply, job: withoutBrokenAttrs(job, broken) };
  return reply;
}

class TroubledHandle implements FluxHandle {
  constructor(
    private readonly inner: FluxHandle,
    private readonly troubles: ReadonlyMap<bigint, Trouble>,
  ) {}

  get uri(): string {
    return this.inner.uri;
  }

  private get broken(): Set<bigint> {
    return new Set([...this.troubles].filter(([, trouble]) => trouble === 'broken').map(([id]) => id));
  }

  rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> {
    const id = payload?.['id'];
    const trouble = topic === 'job-list.list-id' && typeof id === 'bigint' ? this.troubles.get(id) : undefined;
    if (trouble === 'malformed') return Promise.resolve({ job: 'not an object' });
    if (trouble === 'timeout') return Promise.reject(new FluxError('FLUX_TIMEOUT', `${topic}: no response within 10 ms`));
    if (trouble === 'refused') return Promise.reject(new FluxRpcError(topic, Errno.EPERM));
    return this.inner.rpc(topic, payload, options).then((reply) => stripBroken(reply, this.broken));
  }

  async *rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> {
    for await (const reply of this.inner.rpcStream(topic, payload, options)) yield stripBroken(reply, this.broken);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

// ---------------------------------------------------------------------------------------------
// A small model of a GraphQL document, printed with the variables its values use.

/** A variable's value that is not sent at all. */
const MISSING = Symbol('missing');

/** JSON text sent as it is (a number too large for a double). */
class RawJson {
  constructor(readonly text: string) {}
}

type VariableValue = Json | RawJson | typeof MISSING | { [key: string]: VariableValue } | VariableValue[];

type Value = { literal: string } | { type: string; value: VariableValue };

interface Directive {
  name: 'include' | 'skip';
  condition: Value;
}

interface FieldSelection {
  kind: 'field';
  alias: string | undefined;
  name: string;
  args: [string, Value][];
  directives: Directive[];
  selections: Selection[] | undefined;
}

type Selection =
  | FieldSelection
  | { kind: 'inline'; on: string | undefined; directives: Directive[]; selections: Selection[] }
  | { kind: 'spread'; fragment: string; directives: Directive[] };

interface Fragment {
  name: string;
  on: string;
  selections: Selection[];
}

interface Case {
  name: string | undefined;
  selections: Selection[];
  fragments: Fragment[];
}

function jsonText(value: VariableValue): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== MISSING);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item as VariableValue)}`).join(',')}}`;
  }
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

class Printer {
  private readonly declared: string[] = [];
  private readonly values: [string, VariableValue][] = [];
  private readonly printedFragments = new Set<string>();
  private readonly fragmentTexts: string[] = [];

  constructor(private readonly fragments: readonly Fragment[]) {}

  value(value: Value): string {
    if ('literal' in value) return value.literal;
    const name = `v${this.declared.length}`;
    this.declared.push(`$${name}: ${value.type}`);
    this.values.push([name, value.value]);
    return `$${name}`;
  }

  private directives(directives: readonly Directive[]): string {
    return directives.map((directive) => ` @${directive.name}(if: ${this.value(directive.condition)})`).join('');
  }

  selections(selections: readonly Selection[]): string {
    return `{ ${selections.map((selection) => this.selection(selection)).join(' ')} }`;
  }

  private selection(selection: Selection): string {
    switch (selection.kind) {
      case 'field': {
        const alias = selection.alias === undefined ? '' : `${selection.alias}: `;
        const args = selection.args.length === 0 ? '' : `(${selection.args.map(([name, value]) => `${name}: ${this.value(value)}`).join(', ')})`;
        const below = selection.selections === undefined ? '' : ` ${this.selections(selection.selections)}`;
        return `${alias}${selection.name}${args}${this.directives(selection.directives)}${below}`;
      }
      case 'inline': {
        const on = selection.on === undefined ? '' : ` on ${selection.on}`;
        return `...${on}${this.directives(selection.directives)} ${this.selections(selection.selections)}`;
      }
      case 'spread':
        this.fragment(selection.fragment);
        return `...${selection.fragment}${this.directives(selection.directives)}`;
    }
  }

  /** Prints each fragment that is spread, once, so that none is left unused. */
  private fragment(name: string): void {
    if (this.printedFragments.has(name)) return;
    this.printedFragments.add(name);
    const fragment = this.fragments.find((candidate) => candidate.name === name);
    if (fragment === undefined) throw new Error(`no fragment ${name}`);
    this.fragmentTexts.push(`fragment ${name} on ${fragment.on} ${this.selections(fragment.selections)}`);
  }

  /** The document and its variables as a JSON request body. */
  static request(testCase: Case): { query: string; body: string } {
    const printer = new Printer(testCase.fragments);
    const selections = printer.selections(testCase.selections);
    const header = printer.declared.length === 0 ? (testCase.name === undefined ? '' : `query ${testCase.name} `) : `query ${testCase.name ?? ''}(${printer.declared.join(', ')}) `;
    const query = [`${header}${selections}`, ...printer.fragmentTexts].join('\n');
    const variables = printer.values.filter(([, value]) => value !== MISSING);
    const variablesText = `{${variables.map(([name, value]) => `${JSON.stringify(name)}:${jsonText(value)}`).join(',')}}`;
    return { query, body: `{"query":${JSON.stringify(query)},"variables":${variablesText}}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries over the schema (schema/schema.graphql).

const literal = (text: string): Value => ({ literal: text });

/** A value written inline or passed as a variable of one of the given types. */
function valueOf(
  literals: readonly string[] | fc.Arbitrary<string>,
  variables: readonly { type: string; values: readonly VariableValue[]; weight?: number }[],
): fc.Arbitrary<Value> {
  const inline = (literals instanceof fc.Arbitrary ? literals : fc.constantFrom(...literals)).map(literal);
  if (variables.length === 0) return inline;
  const passed = fc.oneof(
    ...variables.map(({ type, values, weight }) => ({ weight: weight ?? 1, arbitrary: fc.constantFrom(...values).map((value): Value => ({ type, value })) })),
  );
  return fc.oneof({ weight: 3, arbitrary: inline }, { weight: 2, arbitrary: passed });
}

const condition = fc.oneof(
  { weight: 12, arbitrary: valueOf(['true', 'false'], [{ type: 'Boolean!', values: [true, false] }]) },
  // Nullable variables in a non-null position, missing ones, wrong types.
  { weight: 1, arbitrary: valueOf(['true'], [{ type: 'Boolean', values: [true, null, MISSING] }, { type: 'Boolean!', values: [MISSING, null, 'yes', 1] }]) },
);

/** Mostly none; at most one of each (a directive may appear once at a location). */
const directives: fc.Arbitrary<Directive[]> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Directive[]>([]) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.option(condition, { nil: undefined }), fc.option(condition, { nil: undefined }), fc.boolean())
      .map(([include, skip, skipFirst]) => {
        const chosen: Directive[] = [];
        if (include !== undefined) chosen.push({ name: 'include', condition: include });
        if (skip !== undefined) chosen.push({ name: 'skip', condition: skip });
        return skipFirst ? chosen.reverse() : chosen;
      }),
  },
);

/**
 * Mostly none or one of the field's own (the same field under several keys); now and then one
 * that other fields use too (a validation error when those fields differ).
 */
function aliasFor(name: string, hasArgs: boolean): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: hasArgs ? 1 : 40, arbitrary: fc.constant(undefined) },
    { weight: hasArgs ? 40 : 20, arbitrary: fc.integer({ min: 1, max: 30 }).map((n) => `${name.replace(/^__/, '')}${n}`) },
    { weight: 1, arbitrary: fc.constantFrom('a', 'first', 'id', 'name', 'state', 'nodes') },
  );
}

function field(name: string, options: { args?: fc.Arbitrary<[string, Value][]>; selections?: fc.Arbitrary<Selection[]> } = {}): fc.Arbitrary<Selection> {
  return fc.record({
    kind: fc.constant('field' as const),
    alias: aliasFor(name, options.args !== undefined),
    name: fc.constant(name),
    args: options.args ?? fc.constant([]),
    directives,
    selections: options.selections ?? fc.constant(undefined),
  });
}

/** Mostly one of the good ones, now and then one of the bad ones. */
function mostly<T>(good: readonly T[], bad: readonly T[]): fc.Arbitrary<T> {
  if (bad.length === 0) return fc.constantFrom(...good);
  return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
}

/** Optional arguments: each present now and then, in a random order. */
function someArgs(args: Record<string, fc.Arbitrary<Value>>, most = Infinity): fc.Arbitrary<[string, Value][]> {
  const entries = Object.entries(args).map(([name, value]) =>
    fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value.map((v): [string, Value] => [name, v]) }),
  );
  return fc
    .tuple(fc.tuple(...entries), fc.array(fc.nat(), { minLength: entries.length, maxLength: entries.length }))
    .map(([chosen, order]) =>
      chosen
        .map((entry, index) => ({ entry, rank: order[index] ?? 0 }))
        .sort((x, y) => x.rank - y.rank)
        .flatMap(({ entry }) => (entry === undefined ? [] : [entry]))
        .slice(0, most),
    );
}

function oneOrMore(arbitrary: fc.Arbitrary<Selection>, maxLength = 5): fc.Arbitrary<Selection[]> {
  return fc.array(arbitrary, { minLength: 1, maxLength });
}

const JOB_LEAVES = [
  'id', 'userid', 'username', 'urgency', 'priority', 'state', 'stateSingle', 'result', 'resultAbbrev', 'status',
  'statusAbbrev', 'name', 'cwd', 'queue', 'project', 'bank', 'ntasks', 'ncores', 'nnodes', 'duration', 'ranks',
  'nodelist', 'expiration', 'tSubmit', 'tDepend', 'tPriority', 'tSched', 'tRun', 'tCleanup', 'tInactive', 'runtime',
  'tRemaining', 'waitstatus', 'returncode', 'success', 'annotations', 'dependencies', 'contextualInfo',
  'contextualTime', 'inactiveReason', '__typename',
] as const;
const EXCEPTION_LEAVES = ['occurred', 'severity', 'type', 'note', '__typename'] as const;
const ENCODINGS = ['DEC', 'HEX', 'DOTHEX', 'KVS', 'F58', 'F58PLAIN'] as const;

const plainField = (name: string): FieldSelection => ({ kind: 'field', alias: undefined, name, args: [], directives: [], selections: undefined });

/** Every field of a Job, as a dashboard that shows all of them asks. */
const EVERY_JOB_FIELD: Selection[] = [
  ...JOB_LEAVES.map(plainField),
  plainField('jobid'),
  { ...plainField('exception'), selections: EXCEPTION_LEAVES.map(plainField) },
];

/**
 * jobid's argument; with `failing`, also the encodings that fail the field (WORDS, an explicit
 * null). Those fail it for every job alike, and are asked for outside lists only: in a list, a
 * failure after a pending field (username) in every item, plus a job whose record breaks a
 * field before that, makes graphql's executor itself leave a rejection unhandled (its
 * completeListValue stops at the synchronous error of a later item without waiting for the
 * earlier ones), which ends the process under either executor.
 */
function encodingArg(failing: boolean): fc.Arbitrary<[string, Value][]> {
  return valueOf(failing ? [...ENCODINGS, 'WORDS'] : ENCODINGS, [
    { type: 'JobIdEncoding!', values: failing ? ['DEC', 'KVS', 'WORDS', 'dec', MISSING] : ['DEC', 'KVS', 'dec', MISSING] },
    { type: 'JobIdEncoding', values: failing ? ['HEX', null, MISSING, 7] : ['HEX', MISSING, 7] },
  ]).map((value): [string, Value][] => [['encoding', value]]);
}

/** Named fragments a case may spread; their bodies are generated for each case. */
const JOB_FRAGMENTS = [
  { name: 'JobBits', on: 'Job' },
  { name: 'MoreJobBits', on: 'Job' },
  { name: 'NodeBits', on: 'Node' },
] as const;
const QUERY_FRAGMENT = { name: 'RootBits', on: 'Query' } as const;

const spread = (names: readonly string[]): fc.Arbitrary<Selection> =>
  fc.record({ kind: fc.constant('spread' as const), fragment: fc.constantFrom(...names), directives });

const inline = (on: readonly (string | undefined)[], selections: fc.Arbitrary<Selection[]>): fc.Arbitrary<Selection> =>
  fc.record({ kind: fc.constant('inline' as const), on: fc.constantFrom(...on), directives, selections });

/**
 * Selections on a Job; `depth` bounds nesting of fragments. Fragment bodies (`inFragment`) spread
 * none; `failingEncodings` for a job outside lists (see encodingArg).
 */
function jobSelections(depth: number, inFragment = false, failingEncodings = false): fc.Arbitrary<Selection[]> {
  const options: fc.WeightedArbitrary<Selection>[] = [
    { weight: 10, arbitrary: fc.constantFrom(...JOB_LEAVES).chain((name) => field(name)) },
    { weight: 2, arbitrary: field('jobid', { args: fc.oneof(fc.constant<[string, Value][]>([]), encodingArg(failingEncodings)) }) },
    { weight: 2, arbitrary: field('exception', { selections: oneOrMore(fc.constantFrom(...EXCEPTION_LEAVES).chain((name) => field(name)), 4) }) },
    { weight: 1, arbitrary: fc.constant<Selection>({ kind: 'inline', on: undefined, directives: [], selections: EVERY_JOB_FIELD }) },
  ];
  if (depth > 0) options.push({ weight: 2, arbitrary: inline(['Job', undefined], jobSelections(depth - 1, inFragment, failingEncodings)) });
  options.push({ weight: 1, arbitrary: inline(['Node'], oneOrMore(fc.constantFrom('id', '__typename').chain((name) => field(name)), 2)) });
  if (!inFragment) options.push({ weight: 2, arbitrary: spread(JOB_FRAGMENTS.map((fragment) => fragment.name)) });
  return oneOrMore(fc.oneof(...options), 6);
}

/** Selections on a Node (node, nodes); fragment bodies (`inFragment`) spread none. */
function nodeSelections(inFragment: boolean): fc.Arbitrary<Selection[]> {
  const options: fc.WeightedArbitrary<Selection>[] = [
    { weight: 2, arbitrary: field('id') },
    { weight: 1, arbitrary: field('__typename') },
    { weight: 3, arbitrary: inline(['Job'], jobSelections(1, inFragment)) },
    { weight: 1, arbitrary: inline(['Node', undefined], oneOrMore(field('id'), 2)) },
  ];
  if (!inFragment) options.push({ weight: 2, arbitrary: spread(JOB_FRAGMENTS.map((fragment) => fragment.name)) });
  return oneOrMore(fc.oneof(...options), 4);
}

const PAGE_INFO_FIELDS = ['hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor', '__typename'] as const;

const connectionSelections: fc.Arbitrary<Selection[]> = oneOrMore(
  fc.oneof(
    { weight: 4, arbitrary: field('nodes', { selections: jobSelections(2) }) },
    {
      weight: 3,
      arbitrary: field('edges', {
        selections: oneOrMore(fc.oneof({ weight: 2, arbitrary: field('cursor') }, { weight: 3, arbitrary: field('node', { selections: jobSelections(1) }) }, { weight: 1, arbitrary: field('__typename') }), 3),
      }),
    },
    { weight: 2, arbitrary: field('pageInfo', { selections: oneOrMore(fc.constantFrom(...PAGE_INFO_FIELDS).chain((name) => field(name)), 4) }) },
    { weight: 2, arbitrary: field('totalCount') },
    { weight: 1, arbitrary: field('__typename') },
  ),
  4,
);

const STATS_FIELDS = [
  'active', 'canceled', 'cleanup', 'depend', 'failed', 'inactive', 'inactivePurged', 'pending', 'priority', 'run',
  'running', 'sched', 'successful', 'timeout', 'total', 'unsuccessful', '__typename',
] as const;

/** What the generated arguments may name: jobs, users, queues and cursors of the workload. */
interface Pools {
  /** Job ID literals (strings in every encoding, integers) of known jobs. */
  knownIds: string[];
  /** Literals of the jobs whose lookups fail or whose records are broken, and of unknown IDs. */
  troubledIds: string[];
  /** Literals no encoding reads (beyond 64 bits, negative, words). */
  badIds: string[];
  /** Variable values for JobID: strings, numbers (some beyond 2^53), wrong types. */
  idValues: VariableValue[];
  users: string[];
  queues: string[];
  names: string[];
  cursors: string[];
}

const quoted = (text: string): string => JSON.stringify(text);

function idLiteral(pools: Pools): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...pools.knownIds) },
    { weight: 3, arbitrary: fc.constantFrom(...pools.troubledIds) },
    { weight: 1, arbitrary: fc.constantFrom(...pools.badIds) },
  );
}

function jobsArgs(pools: Pools): fc.Arbitrary<[string, Value][]> {
  const filterNames = ['ACTIVE', 'PENDING', 'RUNNING', 'INACTIVE', 'COMPLETED', 'FAILED', 'CANCELED', 'TIMEOUT', 'DEPEND', 'PRIORITY', 'SCHED', 'RUN', 'CLEANUP'];
  const filterList = fc.subarray(filterNames, { maxLength: 3 });
  const filters = fc.oneof(
    filterList.map((names) => literal(`[${names.join(', ')}]`)),
    fc.constantFrom('INACTIVE', 'RUN').map(literal),
    filterList.chain((names) =>
      mostly<Value>(
        [
          { type: '[JobFilter!]', value: names },
          { type: '[JobFilter!]', value: null },
        ],
        [
          { type: '[JobFilter!]', value: [...names, 'NOPE'] },
          { type: '[JobFilter!]!', value: MISSING },
          { type: '[JobFilter]', value: ['RUN', null] },
        ],
      ),
    ),
  );
  const pageSize = valueOf(mostly(['0', '1', '2', '3', '5'], ['-1', '21']), [
    { type: 'Int', values: [2, 4, null, MISSING], weight: 6 },
    { type: 'Int', values: ['x', 2.5, 4294967296] },
  ]);
  // The first two cursors belong to the query without filters.
  const [matching, otherCursors] = [pools.cursors.slice(0, 2), pools.cursors.slice(2)];
  const cursor = valueOf(mostly(['null', ...matching.map(quoted)], otherCursors.map(quoted)), [
    { type: 'String', values: [...matching, null], weight: 6 },
    { type: 'String', values: [...otherCursors, 12] },
  ]);
  const ids = fc.oneof(
    fc.array(idLiteral(pools), { minLength: 1, maxLength: 4 }).map((items) => literal(`[${items.join(', ')}]`)),
    fc.array(fc.constantFrom(...pools.idValues), { minLength: 0, maxLength: 4 }).map((values): Value => ({ type: '[JobID!]', value: values })),
  );
  return someArgs(
    {
      filters,
      first: pageSize,
      last: pageSize,
      after: cursor,
      before: cursor,
      ids,
      user: valueOf(mostly(pools.users.slice(0, 3).map(quoted), pools.users.slice(3).map(quoted)), [{ type: 'String', values: [...pools.users, null] }]),
      name: valueOf(pools.names.map(quoted), []),
      queue: valueOf(pools.queues.map((queue) => `[${quoted(queue)}]`), [{ type: '[String!]', values: [pools.queues, []] }]),
      since: valueOf(mostly(['0', '1795630000.5'], ['-1']), [
        { type: 'Float', values: [1795600000], weight: 6 },
        { type: 'Float', values: ['soon'] },
      ]),
      constraint: valueOf(mostly(['{t_submit: [">=1795600000"]}', '{or: [{states: ["run"]}, {results: ["failed"]}]}'], ['{nope: ["x"]}', '"not a constraint"']), [
        { type: 'JSON', values: [{ name: [pools.names[0] ?? 'x'] }, null], weight: 6 },
        { type: 'JSON', values: [{ and: 'x' }] },
      ]),
    },
    4,
  );
}

function jobIdArg(pools: Pools, type: 'JobID!' | 'ID!'): fc.Arbitrary<Value> {
  return valueOf(
    idLiteral(pools),
    [
      { type, values: pools.idValues, weight: 6 },
      // A nullable variable where a non-null ID goes, or a required one left out.
      { type: type === 'JobID!' ? 'JobID' : 'ID', values: [null, MISSING] },
      { type, values: [MISSING] },
    ],
  );
}

function rootSelection(pools: Pools, inFragment: boolean): fc.Arbitrary<Selection> {
  const options: fc.WeightedArbitrary<Selection>[] = [
    { weight: 8, arbitrary: field('jobs', { args: jobsArgs(pools), selections: connectionSelections }) },
    { weight: 4, arbitrary: field('job', { args: jobIdArg(pools, 'JobID!').map((id): [string, Value][] => [['id', id]]), selections: jobSelections(2, false, true) }) },
    { weight: 2, arbitrary: field('node', { args: jobIdArg(pools, 'ID!').map((id): [string, Value][] => [['id', id]]), selections: nodeSelections(false) }) },
    {
      weight: 2,
      arbitrary: field('nodes', {
        args: fc.array(idLiteral(pools), { maxLength: 3 }).map((items): [string, Value][] => [['ids', literal(`[${items.join(', ')}]`)]]),
        selections: nodeSelections(false),
      }),
    },
    {
      weight: 2,
      arbitrary: field('jobStats', {
        args: someArgs({ queue: valueOf(mostly([`[${pools.queues.map(quoted).join(', ')}]`, '[]'], ['["nope"]']), []) }),
        selections: oneOrMore(
          fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...STATS_FIELDS).chain((name) => field(name)) },
            { weight: 1, arbitrary: field('queues', { selections: oneOrMore(fc.constantFrom('name', ...STATS_FIELDS).chain((name) => field(name)), 3) }) },
          ),
          4,
        ),
      }),
    },
    { weight: 1, arbitrary: field('viewer', { selections: oneOrMore(fc.constantFrom('admin', 'userid', 'username', '__typename').chain((name) => field(name)), 3) }) },
    { weight: 1, arbitrary: field('jobAttributes') },
    { weight: 1, arbitrary: field('__typename') },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Selection>(
        { ...plainField('__schema'), selections: [{ ...plainField('queryType'), selections: [plainField('name')] }] },
        { ...plainField('__type'), args: [['name', literal('"JobState"')]], selections: [plainField('name'), plainField('kind'), { ...plainField('enumValues'), selections: [plainField('name')] }] },
        { ...plainField('__type'), args: [['name', literal('"Nope"')]], selections: [plainField('name')] },
      ),
    },
  ];
  if (!inFragment) options.push({ weight: 1, arbitrary: spread([QUERY_FRAGMENT.name]) });
  return fc.oneof(...options);
}

function rootSelections(pools: Pools, depth: number, inFragment = false): fc.Arbitrary<Selection[]> {
  const item = depth === 0 ? rootSelection(pools, inFragment) : fc.oneof({ weight: 6, arbitrary: rootSelection(pools, inFragment) }, { weight: 1, arbitrary: inline(['Query', undefined], rootSelections(pools, depth - 1, inFragment)) });
  return oneOrMore(item, 4);
}

/** Whether graphql would execute the request: valid against the schema, its variables coerced. */
function executable(testCase: Case): boolean {
  const { query, body } = Printer.request(testCase);
  const document = parse(query);
  if (validate(schema, document).length > 0) return false;
  const operation = getOperationAST(document);
  if (operation === null || operation === undefined) return false;
  const { variables } = JSON.parse(body) as { variables: Record<string, unknown> };
  return getVariableValues(schema, operation.variableDefinitions ?? [], variables).errors === undefined;
}

/**
 * Requests as generated, most of which some bad value or clashing alias stops before execution,
 * and, twice as often, only those that graphql executes (where the two executors differ).
 */
function cases(pools: Pools): fc.Arbitrary<Case> {
  const generated = anyCases(pools);
  return fc.oneof({ weight: 1, arbitrary: generated }, { weight: 2, arbitrary: generated.filter(executable) });
}

function anyCases(pools: Pools): fc.Arbitrary<Case> {
  return fc.record({
    name: fc.option(fc.constant('Q'), { nil: undefined }),
    selections: rootSelections(pools, 1),
    fragments: fc.tuple(
      ...JOB_FRAGMENTS.map((fragment) => (fragment.on === 'Node' ? nodeSelections(true) : jobSelections(1, true)).map((selections): Fragment => ({ ...fragment, selections }))),
      rootSelections(pools, 0, true).map((selections): Fragment => ({ ...QUERY_FRAGMENT, selections })),
    ),
  });
}

// ---------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  contentType: string | null;
  body: string;
  rpcs: string[];
}

type Path = readonly (string | number)[];

/**
 * Where an error at `path` puts its null: the nearest position at or above its field that may be
 * null (the root, [], when every position up to the field is non-null).
 */
function nullTarget(query: string, variables: Record<string, unknown>, path: Path): Path | undefined {
  const document = parse(query);
  const operation = getOperationAST(document);
  const coerced = operation === null || operation === undefined ? undefined : getVariableValues(schema, operation.variableDefinitions ?? [], variables).coerced;
  if (operation === null || operation === undefined || coerced === undefined) return undefined;
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null);
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  let type = schema.getQueryType() as GraphQLObjectType;
  let fields = collectFields(schema, fragments, coerced, type, operation.selectionSet) as Map<string, readonly FieldNode[]>;
  let nullable = 0;
  let index = 0;
  while (index < path.length) {
    const nodes = fields.get(String(path[index]));
    const field = nodes === undefined ? undefined : type.getFields()[(nodes[0] as FieldNode).name.value];
    if (nodes === undefined || field === undefined) return undefined;
    index++;
    let fieldType: GraphQLOutputType = field.type;
    if (fieldType instanceof GraphQLNonNull) fieldType = fieldType.ofType;
    else nullable = index;
    while (fieldType instanceof GraphQLList && index < path.length) {
      index++;
      fieldType = fieldType.ofType as GraphQLOutputType;
      if (fieldType instanceof GraphQLNonNull) fieldType = fieldType.ofType;
      else nullable = index;
    }
    if (index >= path.length) break;
    // Job is the only Node.
    const objectType = isAbstractType(fieldType) ? schema.getPossibleTypes(fieldType)[0] : fieldType;
    if (!(objectType instanceof GraphQLObjectType)) return undefined;
    type = objectType;
    fields = collectSubfields(schema, fragments, coerced, type, nodes) as Map<string, readonly FieldNode[]>;
  }
  return path.slice(0, nullable);
}

function isNullAbove(data: unknown, target: Path): boolean {
  let value = data;
  for (const key of target) {
    if (value === null) return true;
    value = (value as Record<string | number, unknown>)[key];
  }
  return false;
}

/**
 * The body without the errors graphql-js itself reports or not as timing goes: those of fields
 * inside a part of the answer that another error nulled. graphql-js stops waiting for a part
 * once it is null, so whether such an error (a lookup that failed meanwhile, say) comes before
 * the answer is written depends on the turns in between; two runs of graphql-js alone on the
 * same instance differ there. Every other byte is compared.
 */
function withoutShadowedErrors(answerBody: string, requestBody: string): string {
  const answer = JSON.parse(answerBody) as { data?: unknown; errors?: { path?: Path }[] };
  if (answer.errors === undefined || !('data' in answer)) return answerBody;
  const { query, variables } = JSON.parse(requestBody) as { query: string; variables: Record<string, unknown> };
  const kept = answer.errors.filter((error) => {
    if (error.path === undefined) return true;
    const target = nullTarget(query, variables, error.path);
    return target === undefined || !isNullAbove(answer.data, target);
  });
  if (kept.length === answer.errors.length) return answerBody;
  return JSON.stringify({ ...answer, errors: kept });
}

function rpcText(call: RecordedRpc): string {
  return `${call.topic}${call.streaming ? ' (stream)' : ''} ${jsonText((call.payload ?? null) as VariableValue)}`;
}

/**
 * What must be the same for a request: the answer without the errors graphql-js reports or not
 * as timing goes (withoutShadowedErrors), and its RPCs, in order or (`anyOrder`) sorted. The
 * lean executor calls the resolvers below a field one turn after the field's promise settles,
 * graphql-js a few turns later: when two fields settle close together, the RPCs of the
 * resolvers below them may go out in another order (the same ones, all in flight at once).
 */
function comparable(answer: Answer, requestBody: string, rpcOrder: 'inOrder' | 'anyOrder'): Answer {
  const rpcs = rpcOrder === 'anyOrder' ? [...answer.rpcs].sort() : answer.rpcs;
  return { ...answer, body: withoutShadowedErrors(answer.body, requestBody), rpcs };
}

async function answer(test: TestApp, body: string): Promise<Answer> {
  test.handle.reset();
  const response = await test.app.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body,
  });
  const text = await response.text();
  // graphql-js answers once a null has bubbled up to the root, while other resolvers still run.
  await test.handle.idle();
  return { status: response.status, contentType: response.headers.get('content-type'), body: text, rpcs: test.handle.calls.map(rpcText) };
}

describe('the lean executor answers as graphql-js does', () => {
  const troubles = new Map<bigint, Trouble>();
  const pair = workloadAppPair({ jobs: 60, seed: 12, pageLimits: { defaultPageSize: 4, maxPageSize: 20 }, wrapHandle: (inner) => new TroubledHandle(inner, troubles) });
  let pools: Pools;

  beforeAll(async () => {
    const records = await pair.fast.list({ attrs: ['name'] });
    const ids = records.map((record) => record.id);
    const [known0, known1, broken, known3, known4, refused, timedOut, malformed] = ids as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
    troubles.set(broken, 'broken').set(refused, 'refused').set(timedOut, 'timeout').set(malformed, 'malformed');
    const known = [known0, known1, known3, known4];
    const cursorOf = async (query: string): Promise<string[]> => {
      const response = await answer(pair.graphqlJs, JSON.stringify({ query }));
      const found = JSON.stringify(JSON.parse(response.body)).match(/"(?:end|start)Cursor":"[^"]+"/g) ?? [];
      return found.map((entry) => JSON.parse(`{${entry}}`) as Record<string, string>).map((entry) => Object.values(entry)[0] as string);
    };
    const cursors = [
      ...(await cursorOf('{ jobs(first: 2) { pageInfo { startCursor endCursor } } }')),
      ...(await cursorOf('{ jobs(first: 1, filters: [INACTIVE]) { pageInfo { endCursor } } }')),
      ...(await cursorOf(`{ jobs(first: 1, ids: ["${encodeJobId(known0)}", "${encodeJobId(known1)}"]) { pageInfo { endCursor } } }`)),
    ];
    if (cursors.length !== 4) throw new Error(`expected 4 cursors, got ${cursors.length}`);
    const names = [...new Set(records.map((record) => record['name']).filter((name): name is string => typeof name === 'string'))].slice(0, 3);
    const beyond64Bits = ((1n << 64n) + 5n).toString();
    pools = {
      knownIds: [
        ...known.map((id) => quoted(encodeJobId(id, 'f58'))),
        quoted(encodeJobId(known0, 'dec')),
        quoted(encodeJobId(known1, 'hex')),
        quoted(encodeJobId(known3, 'dothex')),
        quoted(encodeJobId(known4, 'kvs')),
        quoted(encodeJobId(known0, 'f58plain')),
        // Integer literals keep every digit of a 64-bit ID.
        known1.toString(),
      ],
      troubledIds: [
        ...[broken, refused, timedOut, malformed].map((id) => quoted(encodeJobId(id, 'f58'))),
        broken.toString(),
        quoted('ƒ2'),
        '7',
        '0',
        // Unknown IDs whose integer literals a double cannot hold.
        (2n ** 53n + 1n).toString(),
        (2n ** 64n - 1n).toString(),
      ],
      badIds: [quoted('not-a-job'), quoted(''), quoted('ƒ'), quoted('-1'), quoted(beyond64Bits), beyond64Bits, '-3', quoted('academy-academy-academy--academy-academy-academy')],
      idValues: [
        encodeJobId(known1),
        encodeJobId(broken),
        encodeJobId(refused, 'dec'),
        'nope',
        12,
        new RawJson(known3.toString()),
        new RawJson(beyond64Bits),
        new RawJson((2n ** 53n + 1n).toString()),
        2 ** 60,
        -1,
        1.5,
        true,
        { id: 1 },
      ],
      users: ['all', pair.users[0]?.name ?? 'nobody', String(pair.users[1]?.uid ?? 0), 'nosuchuser', '-5'],
      queues: pair.queues.slice(0, 2),
      names,
      cursors: [...cursors, 'not-a-cursor', '', Buffer.from('{"v":1}').toString('base64url')],
    };
  });

  /**
   * Mismatches the generated queries found, each fixed in fast-execute.ts. A rejection nobody
   * handles fails the test it happens in (jest's own check; answer() waits past it).
   */
  const regressions: { found: string; query: (ids: Pools) => string; variables?: Record<string, unknown> }[] = [
    {
      found: 'a field that failed while the attempt gave up at a later one was a rejection nobody handled (which ends a Node process)',
      query: () => '{ jobs(since: -1) { totalCount } __schema { queryType { name } } }',
    },
    {
      found: 'the attempt gave up after jobs(ids:) had deferred its JOB_NOT_FOUND errors, and the wiring dropped them (graphql-js replays that resolver, so they never came again)',
      query: (p) => `{ jobs(ids: [${p.knownIds[0]}, "ƒ2"]) { nodes { id } } node(id: ${p.knownIds[1]}) { id } }`,
    },
    {
      found: 'the same, the attempt giving up at a field that failed',
      query: (p) => `{ jobs(ids: [${p.knownIds[0]}, "ƒ2"]) { nodes { id } } a: job(id: ${p.knownIds[1]}) { id jobid(encoding: WORDS) } }`,
    },
    {
      found: 'the same, the attempt giving up at a null that bubbled up to the root',
      query: (p) => `{ jobs(ids: [${p.knownIds[0]}, "ƒ2"]) { nodes { id } totalCount } b: jobs(ids: [${p.knownIds[2]}, "ƒ2"]) { nodes { id jobid(encoding: WORDS) } } }`,
    },
    {
      found: 'graphql-js started a few ticks after the attempt gave up at introspection, so jobStats asked Flux after the page it would have asked before',
      query: () => '{ jobs(last: 1, name: "job.sh") { edges { __typename } } ... on Query { __type(name: "JobState") { name } jobStats { pending } } }',
    },
    {
      found: 'of two failing non-null fields graphql-js reports the one that fails first; taking over late, it saw both failed and reported the first in the query',
      query: (p) => `{ a: jobs(before: ${JSON.stringify(p.cursors[3])}, name: "namd3") { totalCount } b: jobs(since: -1) { totalCount } }`,
    },
    {
      found: 'the same, a bad queue against a bad cursor',
      query: () => '{ jobStats(queue: ["nope"]) { inactive } jobs(before: "not-a-cursor") { totalCount } }',
    },
    {
      found: 'the same, a cursor of no query against one of another query',
      query: (p) => `{ a: jobs(first: 3, before: "eyJ2IjoxfQ", user: ${JSON.stringify(p.users[1])}) { edges { cursor } } b: jobs(filters: INACTIVE, before: ${JSON.stringify(p.cursors[0])}) { totalCount } }`,
    },
    {
      found: 'graphql-js reacted to the promises that settled after the trigger in the order of the query, not the order they settled (an error of node(id:) before one of a later job(id:))',
      query: (p) => `{ a: job(id: ${p.troubledIds[1]}) { tCleanup } n: node(id: ${p.troubledIds[0]}) { ... on Job { stateSingle userid } } b: job(id: ${p.troubledIds[1]}) { bank } }`,
    },
  ];

  it.each(regressions)('answers as graphql-js does where it did not: $found', async ({ query, variables }) => {
    const body = JSON.stringify({ query: query(pools), variables });
    const fast = await answer(pair.fast, body);
    const graphqlJs = await answer(pair.graphqlJs, body);
    expect(comparable(fast, body, 'inOrder')).toEqual(comparable(graphqlJs, body, 'inOrder'));
  });

  it('gives the same status, body and RPCs for generated queries', async () => {
    const seen = { generated: 0, executed: 0, clean: 0, shadowed: 0 };
    await fc.assert(
      fc.asyncProperty(
        cases(pools),
        async (testCase) => {
          seen.generated++;
          const { query, body } = Printer.request(testCase);
          const fast = await answer(pair.fast, body);
          const graphqlJs = await answer(pair.graphqlJs, body);
          const expected = comparable(graphqlJs, body, 'anyOrder');
          expect({ query, ...comparable(fast, body, 'anyOrder') }).toEqual({ query, ...expected });
          if (graphqlJs.status === 200) seen.executed++;
          if (!graphqlJs.body.includes('"errors"')) seen.clean++;
          if (expected.body !== graphqlJs.body) seen.shadowed++;
        },
      ),
      { numRuns: 300 },
    );
    // What the generated requests were: executed (status 200), answered without errors, with errors compared out.
    process.stdout.write(`differential: ${JSON.stringify(seen)}\n`);
    // Some 10 s on an idle machine; the bound is for a busy one.
  }, 120_000);
});
