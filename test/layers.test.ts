/**
 * The layers of src/ depend only downwards: flux <- joblist, jobinfo <- graphql <- server, and
 * embedded on flux alone. Every relative import of every source file is resolved and checked.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = resolve(__dirname, '..', 'src');

/** What each layer may import besides itself. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  flux: [],
  joblist: ['flux'],
  jobinfo: ['flux'],
  embedded: ['flux'],
  graphql: ['flux', 'joblist', 'jobinfo'],
  server: ['flux', 'joblist', 'jobinfo', 'graphql', 'embedded'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const layerOf = (path: string): string => relative(SRC, path).split(sep)[0] as string;

/** [file, imported layer] for every relative import (static, type-only and dynamic). */
function crossings(): [string, string, string][] {
  const found: [string, string, string][] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), match[1] as string);
      found.push([relative(SRC, file), layerOf(file), layerOf(target)]);
    }
  }
  return found;
}

describe('the layers of src/', () => {
  const all = crossings();

  it('are the six the README names', () => {
    expect(new Set(all.map(([, from]) => from))).toEqual(new Set(Object.keys(ALLOWED)));
  });

  it.each(Object.keys(ALLOWED))('%s imports only the layers below it', (layer) => {
    const wrong = all.filter(([, from, to]) => from === layer && to !== layer && !(ALLOWED[layer] as readonly string[]).includes(to));
    expect(wrong).toEqual([]);
  });
});
