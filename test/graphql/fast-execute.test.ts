/**
 * The lean executor on small schemas of its own, for what the real schema cannot show: each
 * answer must equal graphql-js's, and a resolver whose answer graphql-js takes over is called once.
 */
import { execute, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, GraphQLString, parse, type ExecutionArgs } from 'graphql';
import { fastExecute, withReplayedResolvers } from '../../src/graphql/fast-execute';

function schemaOf(fields: ConstructorParameters<typeof GraphQLObjectType>[0]['fields']): GraphQLSchema {
  return withReplayedResolvers(new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields }) }));
}

/** Both executors' answers, each on a fresh context, as JSON. */
async function bothAnswers(schema: GraphQLSchema, query: string): Promise<{ fast: string; graphqlJs: string }> {
  const argsFor = (): ExecutionArgs => ({ schema, document: parse(query), contextValue: {} });
  const fastArgs = argsFor();
  const fast = await fastExecute(fastArgs, () => execute(fastArgs));
  const graphqlJs = await execute(argsFor());
  return { fast: JSON.stringify(fast), graphqlJs: JSON.stringify(graphqlJs) };
}

describe('fastExecute', () => {
  it('leaves a scalar that serialises to null to graphql-js, which reports it', async () => {
    const vanishing = new GraphQLScalarType({ name: 'Vanishing', serialize: () => null });
    const schema = schemaOf({ gone: { type: vanishing, resolve: () => 1 }, kept: { type: GraphQLString, resolve: () => 'x' } });
    const { fast, graphqlJs } = await bothAnswers(schema, '{ gone kept }');
    expect(graphqlJs).toContain('to return non-nullable value');
    expect(fast).toBe(graphqlJs);
  });

  it('answers by itself when all goes right', async () => {
    const schema = schemaOf({ now: { type: GraphQLString, resolve: () => Promise.resolve('later') }, here: { type: GraphQLString, resolve: () => 'x' } });
    const { fast, graphqlJs } = await bothAnswers(schema, '{ now here alias: now }');
    expect(fast).toBe('{"data":{"now":"later","here":"x","alias":"later"}}');
    expect(fast).toBe(graphqlJs);
  });

  it('calls a resolver whose promise graphql-js takes over once', async () => {
    let calls = 0;
    const schema = schemaOf({
      slow: { type: GraphQLString, resolve: () => (calls++, Promise.resolve('s')) },
      broken: { type: GraphQLString, resolve: () => Promise.reject(new Error('no')) },
    });
    const args: ExecutionArgs = { schema, document: parse('{ slow broken }'), contextValue: {} };
    const answer = await fastExecute(args, () => execute(args));
    expect(JSON.stringify(answer)).toBe('{"errors":[{"message":"no","locations":[{"line":1,"column":8}],"path":["broken"]}],"data":{"slow":"s","broken":null}}');
    expect(calls).toBe(1);
  });
});
