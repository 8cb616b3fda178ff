import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './schema';

/** The schema's SDL, types and fields sorted by name, ending in a newline. */
export function printSchemaSdl(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
