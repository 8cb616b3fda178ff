/**
 * The per-job size bound of snapshot --details: a job keeps its eventlog whatever its size
 * (it says what happened, and every other answer depends on it), then each other key in
 * DETAIL_KEYS order while the texts kept so far still fit; the rest are listed as cut.
 */
import { DETAIL_KEYS, type DetailKey, type RecordedJobDetails } from '../store/recorded-details';

/** 4 MiB: far above a typical job's few kilobytes, well below what could swamp a snapshot. */
export const DEFAULT_MAX_DETAIL_BYTES = 4 * 1024 * 1024;

/** The details to record from the texts job-info returned (absent keys left out), within `maxBytes`. */
export function boundJobDetails(texts: Partial<Record<DetailKey, string>>, maxBytes: number): RecordedJobDetails {
  const kept: Partial<Record<DetailKey, string>> = {};
  const cut: DetailKey[] = [];
  let used = 0;
  for (const key of DETAIL_KEYS) {
    const text = texts[key];
    if (text === undefined) continue;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (key === 'eventlog' || used + bytes <= maxBytes) {
      kept[key] = text;
      used += bytes;
    } else {
      cut.push(key);
    }
  }
  return { texts: kept, cut };
}

/** The UTF-8 bytes of a job's recorded texts. */
export function detailBytes(details: RecordedJobDetails): number {
  let bytes = 0;
  for (const key of DETAIL_KEYS) {
    const text = details.texts[key];
    if (text !== undefined) bytes += Buffer.byteLength(text, 'utf8');
  }
  return bytes;
}
