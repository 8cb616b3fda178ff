/**
 * The job-info fixtures recorded on a flux-core 0.88 broker (test/fixtures, described in
 * ../shared/docs/flux-job-info.md "Recorded traffic"): the answers file (24 jobs' lookups and
 * their eventlogs parsed by Python) and the capture (13 sessions of Flux's own tools, byte for byte).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject } from '../../src/flux/json';
import { decodeMessage, type FluxMessage } from '../../src/flux/message';
import { StreamDecoder } from '../../src/flux/stream-framing';

const FIXTURES = join(__dirname, '..', 'fixtures');

export interface RecordedLookup {
  request: { id: number; keys: string[]; flags: number };
  response?: Record<string, unknown>;
  error?: { errnum: number; errstr: string };
}

export interface RecordedEntry {
  timestamp: number;
  name: string;
  context?: JsonObject;
}

export interface RecordedJob {
  f58: string;
  label: string;
  capture_sessions: number[];
  /** eventlog + jobspec + R, flags 0. */
  lookup: RecordedLookup;
  lookup_by_key: Record<'eventlog' | 'jobspec' | 'R' | 'guest.output', RecordedLookup>;
  /** jobspec + R, flags 3. */
  lookup_current_decoded: RecordedLookup;
  eventlog_entries: RecordedEntry[];
  guest_output_entries: RecordedEntry[] | null;
}

export interface RecordedAnswers {
  jobs: Record<string, RecordedJob>;
  unknown_ids: Record<string, { lookup: RecordedLookup }>;
}

/** Parsed with JSON.parse: every id and number in the answers fits a double. */
export const answers: RecordedAnswers = JSON.parse(readFileSync(join(FIXTURES, 'flux-0.88-job-info-answers.json'), 'utf8')) as RecordedAnswers;

/** The recorded jobs as [decimal id, job], in the file's order. */
export const recordedJobs: [string, RecordedJob][] = Object.entries(answers.jobs);

export function recordedJob(label: string): { id: bigint; job: RecordedJob } {
  const found = recordedJobs.find(([, job]) => job.label === label);
  if (found === undefined) throw new Error(`no recorded job labelled ${label}`);
  return { id: BigInt(found[0]), job: found[1] };
}

export interface CapturedMessage {
  /** 1-based line of the capture file. */
  line: number;
  dir: 'client->broker' | 'broker->client';
  /** The whole message as sent on the socket (stream header included). */
  bytes: Uint8Array;
  msg: FluxMessage;
}

interface CaptureLine {
  dir: 'handshake' | CapturedMessage['dir'];
  hex: string;
}

/** The capture's sessions (1-based: sessions[1] is session 1), each starting at a handshake line. */
export function captureSessions(): CapturedMessage[][] {
  const lines = readFileSync(join(FIXTURES, 'flux-0.88-job-info-capture.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((text) => JSON.parse(text) as CaptureLine);
  const sessions: CapturedMessage[][] = [[]];
  lines.forEach((line, index) => {
    if (line.dir === 'handshake') {
      sessions.push([]);
      return;
    }
    const bytes = Uint8Array.from(Buffer.from(line.hex, 'hex'));
    const bodies = new StreamDecoder().push(bytes);
    if (bodies.length !== 1) throw new Error(`capture line ${index + 1} holds ${bodies.length} messages`);
    (sessions[sessions.length - 1] as CapturedMessage[]).push({ line: index + 1, dir: line.dir, bytes, msg: decodeMessage(bodies[0] as Uint8Array) });
  });
  return sessions;
}

/** The capture message on a given 1-based line of the file. */
export function capturedLine(sessions: readonly CapturedMessage[][], line: number): CapturedMessage {
  for (const session of sessions) for (const message of session) if (message.line === line) return message;
  throw new Error(`no message on capture line ${line}`);
}

/**
 * What job-list would report for a recorded job (all of them inactive), derived from its
 * eventlog as Flux's job-list derives it: submit's userid and urgency, the state times, the
 * result from finish and the fatal exception, the name from the jobspec. Enough to list the
 * jobs and look them up; the GraphQL tests read their details from the job-info fake.
 */
export function jobListRecordOf(id: string, job: RecordedJob): JsonObject {
  const events = job.eventlog_entries;
  const at = (name: string): number | undefined => events.find((e) => e.name === name)?.timestamp;
  const last = (name: string): RecordedEntry | undefined => [...events].reverse().find((e) => e.name === name);
  const submit = events[0] as RecordedEntry;
  const fatal = events.find((e) => e.name === 'exception' && e.context?.['severity'] === 0);
  const exception = fatal ?? events.find((e) => e.name === 'exception');
  const finish = last('finish');
  const status = finish?.context?.['status'] as number | undefined;
  const type = fatal?.context?.['type'];
  const result = type === 'cancel' ? 4 : type === 'timeout' ? 8 : fatal === undefined && status === 0 ? 1 : 2;
  const jobspec = JSON.parse(job.lookup_by_key.jobspec.response?.['jobspec'] as string) as { attributes: { system: { job?: { name?: string } } } };
  const record: JsonObject = {
    id: Number(id),
    userid: submit.context?.['userid'] as number,
    urgency: (last('urgency')?.context?.['urgency'] ?? submit.context?.['urgency']) as number,
    priority: last('priority')?.context?.['priority'] as number,
    t_submit: submit.timestamp,
    state: 64,
    name: jobspec.attributes.system.job?.name ?? 'job',
    result,
    success: result === 1,
    t_inactive: at('clean') as number,
  };
  const depend = at('validate');
  if (depend !== undefined) record['t_depend'] = depend;
  const priority = at('depend');
  if (priority !== undefined) record['t_priority'] = priority;
  const sched = at('priority');
  if (sched !== undefined) record['t_sched'] = sched;
  const run = at('start');
  if (run !== undefined) record['t_run'] = run;
  record['t_cleanup'] = (finish?.timestamp ?? exception?.timestamp ?? at('clean')) as number;
  if (status !== undefined) record['waitstatus'] = status;
  if (exception !== undefined) {
    record['exception_occurred'] = true;
    record['exception_severity'] = exception.context?.['severity'] as number;
    record['exception_type'] = exception.context?.['type'] as string;
    record['exception_note'] = exception.context?.['note'] as string;
  } else {
    record['exception_occurred'] = false;
  }
  return record;
}

/** The 24 recorded jobs as job-list records, newest inactive first (job-list's order). */
export function recordedJobRecords(): JsonObject[] {
  return recordedJobs.map(([id, job]) => jobListRecordOf(id, job)).sort((a, b) => (b['t_inactive'] as number) - (a['t_inactive'] as number));
}
