/**
 * The README's example queries with the output it shows. An example whose graphql block is
 * preceded by `<!-- recorded: ... -->` shows jobs of a real instance (the recorded fixtures)
 * rather than of the embedded instance `npm start` serves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The README's examples: each graphql block and the json block after it, and the marker before it, in order. */
export function readmeExamples(): { query: string; shown: unknown; recorded: boolean }[] {
  const text = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const blocks = [...text.matchAll(/(<!-- recorded: [^>]*-->\n)?```(graphql|json)\n([\s\S]*?)```/g)].map((m) => ({ recorded: m[1] !== undefined, kind: m[2], body: m[3] as string }));
  const examples: { query: string; shown: unknown; recorded: boolean }[] = [];
  blocks.forEach((block, i) => {
    const next = blocks[i + 1];
    if (block.kind === 'graphql' && next?.kind === 'json') examples.push({ query: block.body, shown: JSON.parse(next.body), recorded: block.recorded });
  });
  return examples;
}
