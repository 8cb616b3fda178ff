/**
 * The flux-core 0.88 job-info recordings (test/fixtures/flux-0.88-job-info-*): the lookup answers
 * for 24 jobs, those jobs as documents the embedded store can ingest, and the captured wire
 * messages decoded.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { EventlogEntry, Jobspec, ResourceSet } from '../../src/flux/jobspec';
import { parseJson, type Json, type JsonObject } from '../../src/flux/json';
import { decodeMessage, type FluxMessage } from '../../src/flux/message';
import type { JobDocuments } from '../../src/embedded/store/job-documents';
import { decodeEventlog } from '../../src/embedded/details/eventlog-text';

const fixtures = path.join(__dirname, '..', 'fixtures');

export interface RecordedLookup {
  request: JsonObject;
  response?: JsonObject;
  error?: { errnum: number; errstr: string };
}

export interface RecordedJob {
  id: bigint;
  f58: string;
  label: string;
  lookup: RecordedLookup;
  lookupByKey: Record<'eventlog' | 'jobspec' | 'R' | 'guest.output', RecordedLookup>;
  lookupCurrentDecoded: RecordedLookup;
  eventlog: EventlogEntry[];
  output: EventlogEntry[] | null;
}

interface AnswersFile {
  jobs: Record<string, { f58: string; label: string; lookup: RecordedLookup; lookup_by_key: RecordedJob['lookupByKey']; lookup_current_decoded: RecordedLookup; eventlog_entries: EventlogEntry[]; guest_output_entries: EventlogEntry[] | null }>;
  unknown_ids: Record<string, { lookup: RecordedLookup }>;
}

// The answers were re-serialised by Python; parseJson keeps their big numbers exact.
const answers = parseJson(readFileSync(path.join(fixtures, 'flux-0.88-job-info-answers.json'), 'utf8')) as unknown as AnswersFile;

export const RECORDED_JOBS: readonly RecordedJob[] = Object.entries(answers.jobs).map(([id, job]) => ({
  id: BigInt(id),
  f58: job.f58,
  label: job.label,
  lookup: job.lookup,
  lookupByKey: job.lookup_by_key,
  lookupCurrentDecoded: job.lookup_current_decoded,
  eventlog: job.eventlog_entries,
  output: job.guest_output_entries,
}));

export const UNKNOWN_LOOKUPS: readonly RecordedLookup[] = Object.values(answers.unknown_ids).map((entry) => entry.lookup);

export function recordedJob(label: string): RecordedJob {
  const job = RECORDED_JOBS.find((j) => j.label === label);
  if (job === undefined) throw new Error(`no recorded job ${label}`);
  return job;
}

/** The stored value of one key, as the recording's single-key lookup returned it. */
export function storedText(job: RecordedJob, key: 'eventlog' | 'jobspec' | 'R' | 'guest.output'): string | undefined {
  const value = job.lookupByKey[key].response?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** A recorded job as documents for the store: the stored eventlog, jobspec and R. */
export function recordedDocuments(job: RecordedJob): JobDocuments {
  const eventlog = decodeEventlog(storedText(job, 'eventlog') as string);
  const jobspec = parseJson(storedText(job, 'jobspec') as string) as unknown as Jobspec;
  const R = storedText(job, 'R');
  return R === undefined ? { id: job.id, jobspec, eventlog } : { id: job.id, jobspec, R: parseJson(R) as unknown as ResourceSet, eventlog };
}

export interface CapturedMessage {
  line: number;
  dir: 'client->broker' | 'broker->client';
  message: FluxMessage;
  /** The payload frame as text without its NUL, if there is one. */
  text: string | undefined;
}

/** Every message of the capture, numbered by line (handshakes left out). */
export const CAPTURE: readonly CapturedMessage[] = readFileSync(path.join(fixtures, 'flux-0.88-job-info-capture.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .flatMap((line, index) => {
    const record = JSON.parse(line) as { dir: string; hex: string };
    if (record.dir === 'handshake') return [];
    const message = decodeMessage(Buffer.from(record.hex, 'hex').subarray(8));
    const text = message.payload === undefined ? undefined : Buffer.from(message.payload).toString('utf8').replace(/\0$/, '');
    return [{ line: index + 1, dir: record.dir as CapturedMessage['dir'], message, text }];
  });

export function captured(line: number): CapturedMessage {
  const found = CAPTURE.find((m) => m.line === line);
  if (found === undefined) throw new Error(`no captured message on line ${line}`);
  return found;
}

export function capturedJson(line: number): Json {
  return parseJson(captured(line).text as string);
}
