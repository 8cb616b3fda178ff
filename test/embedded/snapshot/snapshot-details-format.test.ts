import fc from 'fast-check';
import { boundJobDetails, detailBytes } from '../../../src/embedded/snapshot/detail-bound';
import { parseSnapshot, SNAPSHOT_DETAILS_VERSION } from '../../../src/embedded/snapshot/format';
import { SnapshotStreamWriter, type TextSink } from '../../../src/embedded/snapshot/writer';
import { DETAIL_KEYS, type DetailKey, type RecordedJobDetails } from '../../../src/embedded/store/recorded-details';
import type { SnapshotJobRecord } from '../../../src/embedded/store/record-check';

function memorySink(): TextSink & { text: () => string } {
  const parts: string[] = [];
  return { write: async (t) => void parts.push(t), finish: async () => undefined, abort: async () => undefined, text: () => parts.join('') };
}

const RECORD = { id: 42n, userid: 5, urgency: 16, t_submit: 10.5, t_depend: 10.6, state: 2 } as unknown as SnapshotJobRecord;

describe('job details in the snapshot file', () => {
  it('any texts survive writing and reading unchanged', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 200 });
    const texts = fc.record({ eventlog: text, jobspec: text, R: text, 'guest.exec.eventlog': text, 'guest.output': text }, { requiredKeys: ['eventlog'] });
    await fc.assert(
      fc.asyncProperty(texts, fc.subarray([...DETAIL_KEYS.slice(1)]), async (given, cutKeys) => {
        const cut = cutKeys.filter((key) => given[key] === undefined) as DetailKey[];
        const details: RecordedJobDetails = { texts: given, cut };
        const sink = memorySink();
        const writer = await SnapshotStreamWriter.start(sink, { version: SNAPSHOT_DETAILS_VERSION, taken: 1, source: 's' });
        await writer.write(RECORD, details);
        await writer.close();
        const snapshot = parseSnapshot(sink.text(), 'p');
        expect(snapshot.details?.get(42n)).toEqual(details);
      }),
    );
  });
});

describe('boundJobDetails', () => {
  const texts = { eventlog: 'e'.repeat(100), jobspec: 'j'.repeat(50), R: 'r'.repeat(30), 'guest.exec.eventlog': 'x'.repeat(40), 'guest.output': 'o'.repeat(500) };

  it('keeps everything within the bound', () => {
    expect(boundJobDetails(texts, 720)).toEqual({ texts, cut: [] });
  });

  it('keeps the eventlog, then each key that still fits, and names the rest as cut', () => {
    const bounded = boundJobDetails(texts, 200);
    expect(Object.keys(bounded.texts)).toEqual(['eventlog', 'jobspec', 'R']);
    expect(bounded.cut).toEqual(['guest.exec.eventlog', 'guest.output']);
    expect(detailBytes(bounded)).toBe(180);
  });

  it('keeps an eventlog over the bound alone', () => {
    expect(boundJobDetails(texts, 10)).toEqual({ texts: { eventlog: texts.eventlog }, cut: ['jobspec', 'R', 'guest.exec.eventlog', 'guest.output'] });
  });

  it('counts UTF-8 bytes, not characters, and leaves absent keys out of cut', () => {
    const bounded = boundJobDetails({ eventlog: 'e', 'guest.output': 'é'.repeat(10) }, 20);
    expect(bounded).toEqual({ texts: { eventlog: 'e' }, cut: ['guest.output'] });
  });
});
