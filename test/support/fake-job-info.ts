/**
 * A stand-in for Flux's job-info service (lookup only) until the embedded instance serves it:
 * it answers job-info.lookup from the documents recorded on a flux-core 0.88 broker
 * (test/fixtures/flux-0.88-job-info-answers.json), with the payload checks, errnos and texts of
 * flux-job-info.md §4: EPROTO for a malformed request, "invalid job id", the owner check
 * ("access is restricted to job/instance owner"), and "<key>: key not found" for the first
 * absent key, failing the whole lookup.
 *
 * Answers are sent on a later turn of the event loop (setImmediate), so that a test sees how
 * many lookups were in flight at once: every lookup sent in one tick arrives before the first
 * answer leaves.
 */
import { Errno, Role } from '../../src/flux/constants';
import { EmbeddedHandle } from '../../src/embedded/wire/embedded-handle';
import type { Respond, ServiceHandler, ServiceRequest } from '../../src/embedded/service/service-types';
import type { FluxHandle } from '../../src/flux/handle';
import { JobInfoErrorText, JobInfoTopic, LookupFlag } from '../../src/flux/job-info-protocol';
import type { Json, JsonObject } from '../../src/flux/json';
import { decodeJsonPayload } from '../../src/flux/message';
import { answers, captureSessions, type RecordedJob } from './job-info-fixtures';

/** What the KVS holds for one job, as job-info would read it. */
export interface FakeJobDocuments {
  /** The stored strings, by key ("eventlog", "jobspec", "R", "guest.output", "guest.exec.eventlog"). */
  stored: Map<string, string>;
  /** jobspec and R with their updates applied (what CURRENT gives), when they differ from the stored ones. */
  current: Map<string, JsonObject>;
  /** The submit event's userid: who besides the instance owner may read the job. */
  owner: number;
}

export interface LookupSeen {
  id: bigint;
  keys: string[];
  flags: number;
  userid: number;
  rolemask: number;
}

export interface FakeJobInfo extends ServiceHandler {
  readonly jobs: Map<bigint, FakeJobDocuments>;
  /** Every lookup received, in order. */
  readonly lookups: LookupSeen[];
  /** The most lookups received and not yet answered at one time. */
  readonly peakInFlight: number;
  reset(): void;
}

function ownerOf(eventlog: string): number {
  const submit = JSON.parse(eventlog.slice(0, eventlog.indexOf('\n'))) as { context: { userid: number } };
  return submit.context.userid;
}

/** The exec eventlog of ƒHTuvQm5, the one flux job attach watched in capture session 6 (lines 33-39, 42). */
function recordedExecEventlog(): string {
  const lines = [33, 34, 35, 36, 37, 38, 39, 42];
  const sessions = captureSessions().flat();
  return lines
    .map((line) => {
      const message = sessions.find((m) => m.line === line);
      if (message?.msg.payload === undefined) throw new Error(`capture line ${line} has no payload`);
      return (decodeJsonPayload(message.msg.payload) as { event: string }).event;
    })
    .join('');
}

/** The documents of one recorded job: its flags-0 answers per key, and its flags-3 jobspec and R. */
export function documentsOf(job: RecordedJob): FakeJobDocuments {
  const stored = new Map<string, string>();
  for (const [key, lookup] of Object.entries(job.lookup_by_key)) {
    const value = lookup.response?.[key];
    if (typeof value === 'string') stored.set(key, value);
  }
  const current = new Map<string, JsonObject>();
  const decoded = job.lookup_current_decoded.response;
  if (decoded !== undefined) for (const key of ['jobspec', 'R']) current.set(key, decoded[key] as JsonObject);
  if (job.label === 'run_out_err') stored.set('guest.exec.eventlog', recordedExecEventlog());
  return { stored, current, owner: ownerOf(stored.get('eventlog') as string) };
}

/** Every job of the answers file, by id. */
export function recordedDocuments(): Map<bigint, FakeJobDocuments> {
  return new Map(Object.entries(answers.jobs).map(([id, job]) => [BigInt(id), documentsOf(job)]));
}

function payloadOf(request: ServiceRequest): Json | undefined {
  if (request.payload.kind === 'raw') return decodeJsonPayload(request.payload.bytes);
  if (request.payload.kind === 'json') return request.payload.value;
  return undefined;
}

const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export function createFakeJobInfo(jobs: Map<bigint, FakeJobDocuments> = recordedDocuments()): FakeJobInfo {
  const lookups: LookupSeen[] = [];
  let inFlight = 0;
  let peak = 0;

  function answer(request: ServiceRequest): { payload: JsonObject } | { errnum: number; errstr?: string } {
    const payload = payloadOf(request);
    if (!isObject(payload)) return { errnum: Errno.EPROTO };
    const { id, keys, flags } = payload;
    if ((typeof id !== 'number' && typeof id !== 'bigint') || !Array.isArray(keys) || typeof flags !== 'number' || !Number.isInteger(flags)) return { errnum: Errno.EPROTO };
    if ((flags & ~(LookupFlag.JSON_DECODE | LookupFlag.CURRENT)) !== 0) return { errnum: Errno.EPROTO, errstr: 'lookup request rejected with invalid flag' };
    if (!keys.every((key) => typeof key === 'string')) return { errnum: Errno.EPROTO };
    lookups.push({ id: BigInt(id), keys: keys as string[], flags, userid: request.userid, rolemask: request.rolemask });
    const job = jobs.get(BigInt(id));
    if (job === undefined) return { errnum: Errno.ENOENT, errstr: JobInfoErrorText.UNKNOWN_JOB };
    if ((request.rolemask & Role.OWNER) === 0 && request.userid !== job.owner) return { errnum: Errno.EPERM, errstr: JobInfoErrorText.NOT_OWNER };
    const response: JsonObject = { id };
    for (const key of keys as string[]) {
      const stored = job.stored.get(key);
      if (stored === undefined) return { errnum: Errno.ENOENT, errstr: JobInfoErrorText.keyNotFound(key) };
      const updatable = key === 'jobspec' || key === 'R';
      const value: Json = updatable && (flags & LookupFlag.CURRENT) !== 0 ? (job.current.get(key) ?? (JSON.parse(stored) as JsonObject)) : stored;
      if (updatable && (flags & LookupFlag.JSON_DECODE) !== 0) response[key] = typeof value === 'string' ? (JSON.parse(value) as JsonObject) : value;
      else response[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return { payload: response };
  }

  return {
    jobs,
    lookups,
    get peakInFlight() {
      return peak;
    },
    reset() {
      lookups.length = 0;
      peak = 0;
    },
    handle(request: ServiceRequest, respond: Respond): void {
      if (request.topic.endsWith('.disconnect')) return;
      if (request.topic !== JobInfoTopic.LOOKUP) {
        respond({ errnum: Errno.ENOSYS, errstr: `No service matching ${request.topic} is registered` });
        return;
      }
      inFlight++;
      peak = Math.max(peak, inFlight);
      const reply = answer(request);
      setImmediate(() => {
        inFlight--;
        respond(reply);
      });
    },
  };
}

/**
 * A handle on which job-info.* requests go to `jobInfo` (as an owner's connection: the
 * credentials a request carries are the ones the fake sees) and everything else to `handle`.
 */
export function withFakeJobInfo(handle: FluxHandle, jobInfo: FakeJobInfo, ownerUserid = 0): FluxHandle {
  const jobInfoHandle = new EmbeddedHandle(jobInfo, { uri: handle.uri, userid: ownerUserid, rolemask: Role.OWNER });
  const pick = (topic: string): FluxHandle => (topic.startsWith('job-info.') ? jobInfoHandle : handle);
  return {
    get uri() {
      return handle.uri;
    },
    rpc: (topic, payload, options) => pick(topic).rpc(topic, payload, options),
    rpcStream: (topic, payload, options) => pick(topic).rpcStream(topic, payload, options),
    close: async () => {
      await jobInfoHandle.close();
      await handle.close();
    },
  };
}
