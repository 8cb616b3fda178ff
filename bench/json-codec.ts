/**
 * Benchmark 5: the JSON codec every message goes through (src/flux/json.ts), on the 20,008
 * records of the wire benchmark with all attributes, as one job-list.list reply carries them.
 * Baseline: V8's native JSON.stringify / JSON.parse on the same records, which is not
 * Flux-exact (job IDs beyond 2^53 travel as strings there, reals like 0.0 lose their ".0") but
 * shows what the codec's exactness costs.
 */
import { parseJson, stringifyJson, type Json } from '../src/flux/json';
import { benchConfig, type BenchConfig } from './bench-config';
import { datasetRecords } from './dataset';
import { benchCase, expectEqual, formatBytes, formatMs, formatRatio, note, spread, table, timeCases, type Timing } from './measure';

function idsAsStrings(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export async function runJsonCodec(config: BenchConfig): Promise<void> {
  const payload: Json = { jobs: datasetRecords({ inactive: config.wireInactiveJobs, active: true }) };
  const jobs = (payload.jobs as Json[]).length;
  const exactText = stringifyJson(payload);
  const nativeText = JSON.stringify(payload, idsAsStrings);
  const sameLength = (text: string): void => expectEqual('text length', text.length, exactText.length);
  const nativeLength = (text: string): void => expectEqual('text length', text.length, nativeText.length);
  const allJobs = (value: unknown): void => expectEqual('jobs parsed', ((value as { jobs: unknown[] }).jobs ?? []).length, jobs);

  const [encodeNative, encodeExact] = (await timeCases(config.largePlan, [
    benchCase(() => JSON.stringify(payload, idsAsStrings), nativeLength),
    benchCase(() => stringifyJson(payload), sameLength),
  ])) as [Timing, Timing];
  const [decodeNative, decodeExact] = (await timeCases(config.largePlan, [
    benchCase(() => JSON.parse(nativeText) as unknown, allJobs),
    benchCase(() => parseJson(exactText), allJobs),
  ])) as [Timing, Timing];

  table(
    `JSON codec on one job-list.list reply: ${jobs} jobs, all attributes, ${formatBytes(exactText.length)} ` +
      `(${config.largePlan.runs} runs, median)`,
    ['case', 'median', 'min-max', 'ratio vs baseline'],
    [
      ['baseline: JSON.stringify (IDs as strings)', formatMs(encodeNative.medianMs), spread(encodeNative), '1.00x'],
      [
        'stringifyJson (bigint IDs, reals kept real)',
        formatMs(encodeExact.medianMs),
        spread(encodeExact),
        formatRatio(encodeExact.medianMs, encodeNative.medianMs),
      ],
      ['baseline: JSON.parse', formatMs(decodeNative.medianMs), spread(decodeNative), '1.00x'],
      [
        'parseJson (IDs beyond 2^53 as bigint)',
        formatMs(decodeExact.medianMs),
        spread(decodeExact),
        formatRatio(decodeExact.medianMs, decodeNative.medianMs),
      ],
    ],
  );
  note(
    'The broker encodes every response with stringifyJson and the local:// handle decodes it with parseJson. The dataset\'s job IDs ' +
      'are beyond 2^53 (an instance that has run for more than about six days hands out such IDs), so parseJson has integers to ' +
      'restore as bigint.',
  );
  await smallMessages(config, payload.jobs as Json[]);
}

/** Most messages are small: a request, or a list-id reply with one job. Per message, timed over a batch. */
async function smallMessages(config: BenchConfig, jobs: readonly Json[]): Promise<void> {
  const batch = 2000;
  const messages: Array<[string, Json]> = [
    ['job-list.list request', { max_entries: 1001, attrs: ['state', 'name'], since: 0.0, constraint: { and: [{ userid: [1001] }] } }],
    ['list-id reply, one job, all attributes', { job: jobs[0] ?? null }],
  ];
  const rows: string[][] = [];
  const perMessage = (timing: Timing): string => `${((timing.medianMs / batch) * 1000).toFixed(2)} µs`;
  for (const [label, message] of messages) {
    const exactText = stringifyJson(message);
    const nativeText = JSON.stringify(message, idsAsStrings);
    const repeat = (encode: () => string) => (): string => {
      let text = '';
      for (let i = 0; i < batch; i++) text = encode();
      return text;
    };
    const [encodeNative, encodeExact, decodeNative, decodeExact] = (await timeCases(config.smallPlan, [
      benchCase(repeat(() => JSON.stringify(message, idsAsStrings)), (text) => expectEqual('text', text, nativeText)),
      benchCase(repeat(() => stringifyJson(message)), (text) => expectEqual('text', text, exactText)),
      benchCase(repeat(() => (JSON.parse(nativeText) as unknown, nativeText)), () => undefined),
      benchCase(repeat(() => (parseJson(exactText), exactText)), () => undefined),
    ])) as [Timing, Timing, Timing, Timing];
    rows.push(
      [`${label}: JSON.stringify (baseline)`, perMessage(encodeNative), '1.00x'],
      [`${label}: stringifyJson`, perMessage(encodeExact), formatRatio(encodeExact.medianMs, encodeNative.medianMs)],
      [`${label}: JSON.parse (baseline)`, perMessage(decodeNative), '1.00x'],
      [`${label}: parseJson`, perMessage(decodeExact), formatRatio(decodeExact.medianMs, decodeNative.medianMs)],
    );
  }
  table(`JSON codec on small messages (per message, batches of ${batch}; ${config.smallPlan.runs} runs, median)`, ['case', 'median', 'ratio vs baseline'], rows);
}

if (require.main === module) {
  runJsonCodec(benchConfig(process.argv.includes('--quick'))).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
