/**
 * Each Job field asks job-list for the attributes it shows, as its definition declares them
 * (`extensions: sources(...)`): a field selected alone answers what it answers beside every
 * other field, which it could not if its declaration left out an attribute it reads. The
 * fields of job-info (eventlog, jobspec, R, output...) declare job-info keys instead
 * (`extensions: jobInfoKeys(...)`), never both, and ask for exactly those keys.
 */
import { getNamedType, GraphQLObjectType } from 'graphql';
import { schema } from '../../src/graphql/schema';
import { jobInfoKeysOf } from '../../src/graphql/job-info-keys';
import { sourcesOf } from '../../src/graphql/selected-attributes';
import { jobFieldsToAttrs } from '../../src/joblist';
import { recordedDetailsApp, workloadApp } from './test-app';

function objectType(name: string): GraphQLObjectType {
  const type = schema.getType(name);
  if (!(type instanceof GraphQLObjectType)) throw new Error(`no object type ${name}`);
  return type;
}

const ALL_JOB_FIELDS = Object.values(objectType('Job').getFields());
/** The fields of job-list attributes (the others come from job-info). */
const JOB_FIELDS = ALL_JOB_FIELDS.filter((field) => jobInfoKeysOf(field) === undefined);
const JOB_INFO_FIELDS = ALL_JOB_FIELDS.filter((field) => jobInfoKeysOf(field) !== undefined);
const EXCEPTION_FIELDS = Object.values(objectType('JobException').getFields());

describe('every Job field declares its attribute sources', () => {
  it.each(JOB_FIELDS.filter((field) => field.name !== 'exception').map((field) => [field.name, field]))('Job.%s', (_name, field) => {
    const sources = sourcesOf(field);
    expect(sources).toBeDefined();
    expect(sources).not.toEqual([]);
    expect(() => jobFieldsToAttrs(sources ?? [])).not.toThrow();
  });

  it.each(EXCEPTION_FIELDS.map((field) => [field.name, field]))('JobException.%s', (_name, field) => {
    const sources = sourcesOf(field);
    expect(sources).toBeDefined();
    expect(jobFieldsToAttrs(sources ?? [])).not.toEqual([]);
  });

  it('leaves sources undeclared only on a field whose object fields declare them (Job.exception)', () => {
    const undeclared = JOB_FIELDS.filter((field) => sourcesOf(field) === undefined);
    expect(undeclared.map((field) => [field.name, getNamedType(field.type).name])).toEqual([['exception', 'JobException']]);
  });
});

describe('a Job field selected alone answers what it answers beside all the others', () => {
  const test = workloadApp({ jobs: 300, seed: 2 });
  const selections = [
    ...JOB_FIELDS.filter((field) => field.name !== 'exception').map((field) => field.name),
    ...EXCEPTION_FIELDS.map((field) => `exception { ${field.name} }`),
  ];
  let everything: Record<string, unknown>[];

  beforeAll(async () => {
    const response = await test.gql(`{ jobs(first: 1000) { nodes { ${selections.join(' ')} } } }`);
    expect(response.errors).toBeUndefined();
    everything = response.data.jobs.nodes as Record<string, unknown>[];
    expect(everything).toHaveLength(300);
  });

  it.each(selections)('%s', async (selection) => {
    const response = await test.gql(`{ jobs(first: 1000) { nodes { ${selection} } } }`);
    expect(response.errors).toBeUndefined();
    const name = selection.startsWith('exception') ? 'exception' : selection;
    const sub = selection.startsWith('exception') ? selection.slice('exception { '.length, -2) : undefined;
    const expected = everything.map((job) =>
      sub === undefined ? { [name]: job[name] } : { exception: { [sub]: (job['exception'] as Record<string, unknown>)[sub] } },
    );
    expect(response.data.jobs.nodes).toEqual(expected);
  });
});

describe('the job-info fields', () => {
  it('are the five details, each with its key and no job-list sources', () => {
    // In the schema's (sorted) order.
    expect(JOB_INFO_FIELDS.map((field) => [field.name, jobInfoKeysOf(field), sourcesOf(field)])).toEqual([
      ['R', ['R'], undefined],
      ['eventlog', ['eventlog'], undefined],
      ['execEventlog', ['guest.exec.eventlog'], undefined],
      ['jobspec', ['jobspec'], undefined],
      ['output', ['guest.output'], undefined],
    ]);
  });

  const test = recordedDetailsApp();
  const selection: Record<string, string> = { eventlog: 'eventlog { name }', execEventlog: 'execEventlog { name }', jobspec: 'jobspec', R: 'R', output: 'output { stdout }' };

  it.each(JOB_INFO_FIELDS.map((field) => [field.name, field]))('Job.%s asks job-info for its keys and job-list for nothing', async (name, field) => {
    test.handle.reset();
    const response = await test.gql(`{ job(id: "ƒHTuvQm5") { ${selection[name] ?? name} } }`);
    expect(response.errors).toBeUndefined();
    expect(test.handle.callsTo('job-info.lookup').map((call) => call.payload?.['keys'])).toEqual([jobInfoKeysOf(field)]);
    expect(test.handle.callsTo('job-list.list-id').map((call) => call.payload?.['attrs'])).toEqual([[]]);
  });
});
