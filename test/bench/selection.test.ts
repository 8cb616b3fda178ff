import { buildSchema, isObjectType, type GraphQLObjectType } from 'graphql';
import { DASHBOARD_JOB_FIELDS, DASHBOARD_QUERY, everyFieldSelection } from '../../bench/selection';
import { schema } from '../../src/graphql/schema';

const sdl = buildSchema(`
  interface Node { id: ID! }
  enum Color { RED GREEN }
  type Owner { name: String, pets(first: Int!): [Pet!]!, home: Place }
  type Place { city: String, owner: Owner }
  type Pet implements Node {
    id: ID!
    color: Color
    tag(encoding: String = "short"): String!
    photo(size: Int!): String
    owner: Owner!
    friends: [Pet!]
    related: Node
  }
  type Query { pet: Pet }
`);

function objectType(name: string): GraphQLObjectType {
  const type = sdl.getType(name);
  if (!isObjectType(type)) throw new Error(`no object type ${name}`);
  return type;
}

describe('everyFieldSelection', () => {
  it('selects leaves, leaves arguments with defaults to them, skips required arguments and abstract types, and goes into objects', () => {
    expect(everyFieldSelection(objectType('Pet'))).toBe('id color tag owner { name } friends { id color tag }');
  });

  it('goes as deep as it is told', () => {
    expect(everyFieldSelection(objectType('Pet'), 3)).toBe(
      'id color tag owner { name home { city } } friends { id color tag owner { name } friends { id color tag } }',
    );
    expect(everyFieldSelection(objectType('Pet'), 1)).toBe('id color tag');
  });

  it('gives a query the server accepts for Job: every field but none that needs an argument', () => {
    const job = schema.getType('Job');
    if (!isObjectType(job)) throw new Error('no Job');
    const selection = everyFieldSelection(job);
    expect(selection).toContain('exception { note occurred severity type }');
    expect(selection.split(' ')).toEqual(expect.arrayContaining(['id', 'jobid', 'annotations', 'username', 'tRemaining']));
  });
});

describe('the dashboard query', () => {
  it('asks for 11 Job fields of the first 50 jobs', () => {
    expect(DASHBOARD_JOB_FIELDS.split(' ')).toHaveLength(11);
    expect(DASHBOARD_QUERY).toBe(`{ jobs(first: 50) { nodes { ${DASHBOARD_JOB_FIELDS} } } }`);
  });
});
