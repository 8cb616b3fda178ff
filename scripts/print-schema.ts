/**
 * Writes the schema's SDL to schema/schema.graphql (sorted, so the file changes only when the
 * schema does). `npm run print-schema`; test/graphql/schema-drift.test.ts fails when they differ.
 * With --check it writes nothing and exits 1 when the committed file is out of date.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { printSchemaSdl } from '../src/graphql/print-schema';

const target = join(__dirname, '..', 'schema', 'schema.graphql');
const sdl = printSchemaSdl();

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // a missing file is out of date too
  }
  if (committed !== sdl) {
    console.error(`${target} is out of date: run npm run print-schema`);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, sdl);
  console.log(`wrote ${target}`);
}
