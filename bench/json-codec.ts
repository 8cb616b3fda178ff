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
      'are beyond 2^53 (an instance that has run for more than about six days hands out such IDs), so parseJson takes its slow path.',
  );
}

if (require.main === module) {
  runJsonCodec(benchConfig(process.argv.includes('--quick'))).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
