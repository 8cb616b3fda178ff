import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchemaSdl } from '../../src/graphql/print-schema';

describe('schema/schema.graphql', () => {
  it('is the schema the code builds (run `npm run print-schema` after changing the schema)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8');
    expect(printSchemaSdl()).toBe(committed);
  });

  it('names the public contract types', () => {
    const sdl = printSchemaSdl();
    for (const line of [
      'scalar JobID',
      'type Job implements Node',
      'type JobConnection',
      'type JobEdge',
      'enum JobState',
      'enum JobResult',
      'enum JobFilter',
      'enum JobIdEncoding',
      'node(id: ID!): Node',
      'job(id: JobID!): Job',
      'jobAttributes: [String!]!',
    ]) {
      expect(sdl).toContain(line);
    }
  });
});
