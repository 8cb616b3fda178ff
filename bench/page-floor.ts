/**
 * Issue 10, pair 2: one page of 1,000 jobs with every Job field from our server, against a bare
 * node:http server in a process of its own answering the same JSON (JSON.stringify-ed per
 * request) to the same client. What is left above the floor is what GraphQL costs: parsing,
 * validation, limits, execution, the job-list call and the broker's reply.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isObjectType } from 'graphql';
import { jobInfoKeysOf } from '../src/graphql/job-info-keys';
import { schema } from '../src/graphql/schema';
import { benchConfigFrom, type BenchConfig } from './bench-config';
import { startChild, type BenchChild } from './child-process';
import { graphqlDataOf, HttpGraphQLClient } from './http-client';
import { benchCase, expectEqual, formatBytes, formatMs, note, sampleCases, spread, table, timingOf } from './measure';
import { formatRatioSummary, formatTarget, pairedRatios, reportPair, summarizeRatios, verdict, type RatioTarget } from './ratios';
import { everyFieldSelection } from './selection';
import { serveDataset } from './served-dataset';

const PAGE = 1000;
const TARGET: RatioTarget = { bound: 'atMost', value: 1.5 };

/**
 * Every field a client can ask of a Job that job-list answers, from the schema the server
 * serves. The job-info fields (eventlog, jobspec, R, output) are left out: they cost a lookup
 * per job at another service, which the pairs do not measure (and the broker child does not run).
 */
export function everyJobField(): string {
  const job = schema.getType('Job');
  if (!isObjectType(job)) throw new Error('the schema has no object type Job');
  return everyFieldSelection(job, 2, (field) => jobInfoKeysOf(field) === undefined);
}

function nodesIn(text: string): number {
  return graphqlDataOf<{ jobs: { nodes: unknown[] } }>(text).jobs.nodes.length;
}

export async function runPageFloor(config: BenchConfig): Promise<void> {
  const fields = everyJobField();
  const query = `{ jobs(first: ${PAGE}) { nodes { ${fields} } } }`;
  const served = await serveDataset(config, { name: 'page' });
  const ours = new HttpGraphQLClient(served.server.url);
  const answerDir = mkdtempSync(join(tmpdir(), 'flux-graphql-bench-page-'));
  let bare: BenchChild | undefined;
  let floor: HttpGraphQLClient | undefined;
  try {
    const answer = await ours.answer(query);
    expectEqual('jobs on the page', nodesIn(answer.text), PAGE);
    const answerFile = join(answerDir, 'answer.json');
    writeFileSync(answerFile, answer.text);
    bare = startChild('bare-server-process.ts', [answerFile, answer.contentType]);
    const { port } = await bare.nextMessage<{ port: number }>();
    floor = new HttpGraphQLClient(`http://127.0.0.1:${port}/graphql`);
    const floorClient = floor;
    const check = (text: string): void => expectEqual('jobs on the page', nodesIn(text), PAGE);
    const [floorTimes, ourTimes] = (await sampleCases(config.pairPlan, [
      benchCase(() => floorClient.post(query), check),
      benchCase(() => ours.post(query), check),
    ])) as [number[], number[]];
    const ratio = summarizeRatios(pairedRatios(ourTimes, floorTimes));
    const floorTiming = timingOf(floorTimes);
    const ourTiming = timingOf(ourTimes);
    table(
      `One page of ${PAGE} jobs with every Job field vs a bare node:http server answering the same JSON (${config.pairPlan.runs} rounds, median)`,
      ['case', 'median', 'min-max', 'ratio vs baseline (per round)'],
      [
        ['baseline: bare node:http, JSON.stringify per request', formatMs(floorTiming.medianMs), spread(floorTiming), '1.00x'],
        [`GraphQL jobs(first: ${PAGE}), every Job field`, formatMs(ourTiming.medianMs), spread(ourTiming), formatRatioSummary(ratio)],
      ],
    );
    note(
      `Target (issue 10): ${formatTarget(TARGET)}; ${verdict(ratio, TARGET)}. The answer is ${formatBytes(Buffer.byteLength(answer.text))} ` +
        `(each job: ${fields}). Both servers run in processes of their own and ` +
        'answer the same client, one request at a time over one kept-alive loopback connection, uncompressed (no Accept-Encoding); ' +
        `ours (\`flux-graphql serve --flux-uri local://…\`) gets the jobs from a broker process holding ${served.jobs}.`,
    );
    reportPair({
      name: 'page',
      what: `one page of ${PAGE} jobs with every field, vs a bare node:http server answering the same JSON`,
      ours: formatMs(ourTiming.medianMs),
      baseline: formatMs(floorTiming.medianMs),
      ratio,
      target: TARGET,
    });
  } finally {
    ours.close();
    floor?.close();
    await bare?.stop();
    await served.stop();
    rmSync(answerDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runPageFloor(benchConfigFrom(process.argv)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
