/**
 * Bad input gets a GraphQL error with a message saying what is wrong and a stable code; the
 * server goes on answering afterwards. Failures nobody can act on stay masked.
 */
import { FluxError } from '../../src/flux/errors';
import type { FluxHandle, RpcOptions } from '../../src/flux/handle';
import type { Json, JsonObject } from '../../src/flux/json';
import { encodeJobId } from '../../src/flux/jobid';
import { f58Ids, workloadApp, type GraphQLErrorJson, type TestApp } from './test-app';

/** A handle whose RPCs fail with the given error (a lost instance, a bug...). */
class FailingHandle implements FluxHandle {
  constructor(
    private readonly inner: FluxHandle,
    private readonly failure: () => Error,
  ) {}
  get uri(): string {
    return this.inner.uri;
  }
  rpc(_topic: string, _payload?: JsonObject, _options?: RpcOptions): Promise<Json | undefined> {
    return Promise.reject(this.failure());
  }
  rpcStream(): AsyncIterable<Json | undefined> {
    const failure = this.failure;
    return {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(failure()) }),
    };
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function only(errors: GraphQLErrorJson[] | undefined): GraphQLErrorJson {
  expect(errors).toHaveLength(1);
  return (errors as GraphQLErrorJson[])[0] as GraphQLErrorJson;
}

describe('bad input', () => {
  const test = workloadApp({ jobs: 80, seed: 6, pageLimits: { maxPageSize: 100, defaultPageSize: 20 } });
  let knownIds: string[];

  beforeAll(async () => {
    knownIds = f58Ids(await test.list({ attrs: [], maxEntries: 3 }));
  });

  async function expectError(test_: TestApp, query: string, variables: Record<string, unknown> | undefined, code: string, message: string | RegExp) {
    const response = await test_.gql(query, variables);
    const error = only(response.errors);
    expect(error.extensions?.code).toBe(code);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
    return response;
  }

  it.each([
    ['nonsense', "invalid job ID 'nonsense'"],
    ['ƒ0OIl', "invalid job ID 'ƒ0OIl'"],
    ['18446744073709551616', "invalid job ID '18446744073709551616'"],
    ['', "invalid job ID ''"],
  ])('refuses the job ID %p, quoting it (INVALID_JOBID)', async (input, start) => {
    const literal = await test.gql(`{ job(id: ${JSON.stringify(input)}) { id } }`);
    expect(only(literal.errors).extensions?.code).toBe('INVALID_JOBID');
    expect(only(literal.errors).message).toContain(start);
    const variable = await test.gql('query ($id: JobID!) { job(id: $id) { id } }', { id: input });
    expect(only(variable.errors).extensions?.code).toBe('INVALID_JOBID');
    expect(only(variable.errors).message).toContain(start);
  });

  it('says the words encoding is not supported, for input and output', async () => {
    await expectError(test, '{ job(id: "cake-plume-nepal--neuron-pencil-academy") { id } }', undefined, 'UNSUPPORTED_ENCODING', /words encoding is not supported/);
    const response = await expectError(
      test,
      `{ job(id: "${knownIds[0]}") { id jobid(encoding: WORDS) } }`,
      undefined,
      'UNSUPPORTED_ENCODING',
      /^words encoding not supported/,
    );
    expect(only(response.errors).path).toEqual(['job', 'jobid']);
  });

  it('refuses a bad node ID with INVALID_JOBID', async () => {
    await expectError(test, '{ node(id: "not-an-id") { id } }', undefined, 'INVALID_JOBID', /'not-an-id'/);
    await expectError(test, '{ node(id: "zzz") { id } }', undefined, 'INVALID_JOBID', /'zzz'/);
  });

  it('refuses a job ID given as a number too large to be exact', async () => {
    await expectError(test, 'query ($id: JobID!) { job(id: $id) { id } }', { id: 2 ** 60 }, 'INVALID_JOBID', /give a job ID as a string/);
  });

  it("passes Flux's complaint about a constraint on (INVALID_CONSTRAINT)", async () => {
    await expectError(
      test,
      '{ jobs(constraint: {foo: [1]}) { nodes { id } } }',
      undefined,
      'INVALID_CONSTRAINT',
      'invalid payload: constraint object invalid: unknown constraint operator: foo',
    );
    await expectError(
      test,
      'query ($c: JSON) { jobs(constraint: $c) { nodes { id } } }',
      { c: { states: ['Run'] } },
      'INVALID_CONSTRAINT',
      "invalid payload: constraint object invalid: invalid states value 'Run' specified",
    );
  });

  it('refuses an unknown user (BAD_USER_INPUT)', async () => {
    await expectError(test, '{ jobs(user: "no-such-user") { nodes { id } } }', undefined, 'BAD_USER_INPUT', 'Invalid user no-such-user specified');
  });

  it('refuses a filter that is not a JobFilter, naming it', async () => {
    const response = await test.gql('{ jobs(filters: [RUN, BOGUS]) { nodes { id } } }');
    expect(only(response.errors).message).toMatch(/BOGUS/);
    expect(only(response.errors).extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses a negative since', async () => {
    await expectError(test, '{ jobs(since: -1) { nodes { id } } }', undefined, 'BAD_USER_INPUT', 'since must be a time in seconds >= 0 (got -1)');
  });

  it.each([
    ['{ jobs(first: 101) { nodes { id } } }', 'first must be at most 100 (got 101)'],
    ['{ jobs(last: 5000) { nodes { id } } }', 'last must be at most 100 (got 5000)'],
    ['{ jobs(first: -1) { nodes { id } } }', 'first must not be negative (got -1)'],
    ['{ jobs(first: 2, last: 2) { nodes { id } } }', 'pass either first or last, not both'],
  ])('refuses the page size in %s (BAD_USER_INPUT)', async (query, message) => {
    await expectError(test, query, undefined, 'BAD_USER_INPUT', message);
  });

  it('uses the configured default page size', async () => {
    const response = await test.gql('{ jobs { nodes { id } } }');
    expect((response.data?.['jobs'] as { nodes: unknown[] }).nodes).toHaveLength(20);
  });

  it('refuses bad cursors (BAD_CURSOR)', async () => {
    await expectError(test, '{ jobs(after: "garbage!") { nodes { id } } }', undefined, 'BAD_CURSOR', 'Invalid cursor "garbage!": not a cursor returned by this server');
    await expectError(test, '{ jobs(before: "eyJ2Ijo5fQ") { nodes { id } } }', undefined, 'BAD_CURSOR', 'Invalid cursor "eyJ2Ijo5fQ": unsupported cursor version 9');
  });

  it('refuses a cursor from a query with other filters, or from a jobs(ids:) query', async () => {
    const running = await test.gql('{ jobs(first: 1, filters: [INACTIVE]) { pageInfo { endCursor } } }');
    const cursor = (running.data?.['jobs'] as { pageInfo: { endCursor: string } }).pageInfo.endCursor;
    await expectError(test, `{ jobs(after: "${cursor}", filters: [RUNNING]) { nodes { id } } }`, undefined, 'BAD_CURSOR', /belongs to a query with other filters/);
    const byIds = await test.gql(`{ jobs(ids: ["${knownIds[0]}", "${knownIds[1]}"], first: 1) { pageInfo { endCursor } } }`);
    const idsCursor = (byIds.data?.['jobs'] as { pageInfo: { endCursor: string } }).pageInfo.endCursor;
    await expectError(test, `{ jobs(after: "${idsCursor}", ids: ["${knownIds[1]}"]) { nodes { id } } }`, undefined, 'BAD_CURSOR', /other filters/);
  });

  it('returns null for an unknown job, without an error', async () => {
    const response = await test.gql('{ job(id: "ƒ2") { id } node(id: "1") { id } }');
    expect(response).toEqual({ data: { job: null, node: null } });
  });

  it('reports each unknown ID of jobs(ids:) as JOB_NOT_FOUND and still returns the others', async () => {
    const unknownA = encodeJobId(1n);
    const unknownB = encodeJobId(99n);
    const response = await test.gql(`{ found: jobs(ids: ["${knownIds[0]}", "1", "${knownIds[1]}", "0x63"]) { totalCount nodes { id } } }`);
    expect(response.data).toEqual({ found: { totalCount: 2, nodes: [{ id: knownIds[0] }, { id: knownIds[1] }] } });
    expect(response.errors).toEqual([
      { message: `JobID ${unknownA} unknown`, path: ['found'], extensions: { code: 'JOB_NOT_FOUND', jobid: unknownA } },
      { message: `JobID ${unknownB} unknown`, path: ['found'], extensions: { code: 'JOB_NOT_FOUND', jobid: unknownB } },
    ]);
  });

  it('refuses queries over the depth and alias limits', async () => {
    const limited = workloadApp({ jobs: 5, seed: 1, queryLimits: { maxAliases: 3, maxDepth: 3 } });
    const aliases = await limited.gql('{ a: jobAttributes b: jobAttributes c: jobAttributes d: jobAttributes }');
    expect(only(aliases.errors).message).toMatch(/aliases/i);
    const deep = await limited.gql('{ jobs { edges { node { exception { type } } } } }');
    expect(only(deep.errors).message).toMatch(/depth/i);
  });

  it('keeps answering after all of that', async () => {
    const response = await test.gql(`{ job(id: "${knownIds[2]}") { id } }`);
    expect(response).toEqual({ data: { job: { id: knownIds[2] } } });
  });
});

describe('failures of the instance', () => {
  it('reports a lost Flux instance as FLUX_UNAVAILABLE', async () => {
    const test = workloadApp({
      jobs: 5,
      wrapHandle: (inner) => new FailingHandle(inner, () => new FluxError('FLUX_DISCONNECTED', 'connection to local:///tmp/flux/local lost')),
    });
    for (const query of ['{ jobs { nodes { id } } }', '{ job(id: "ƒ2") { id } }', '{ jobStats { total } }', '{ jobAttributes }']) {
      const response = await test.gql(query);
      const error = only(response.errors);
      expect(error.extensions?.code).toBe('FLUX_UNAVAILABLE');
      expect(error.message).toBe('Flux instance unavailable: connection to local:///tmp/flux/local lost');
    }
  });

  it('masks an unexpected failure', async () => {
    const test = workloadApp({ jobs: 5, wrapHandle: (inner) => new FailingHandle(inner, () => new Error('secret internals')) });
    const response = await test.gql('{ jobs { nodes { id } } }');
    const error = only(response.errors);
    expect(error.message).toBe('Unexpected error.');
    expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(response)).not.toContain('secret');
  });
});
