import { Errno } from '../../src/flux/constants';
import { FluxRpcError } from '../../src/flux/errors';
import type { FluxHandle } from '../../src/flux/handle';
import type { Json, JsonObject } from '../../src/flux/json';

/** One request as the code under test sent it. */
export interface RecordedCall {
  topic: string;
  payload: JsonObject | undefined;
  streaming: boolean;
}

/** One response the fake sends back: a payload, or an error response with an errno. */
export type Reply = { payload: Json | undefined } | { errno: number; errorString?: string };

export type Responder = (call: RecordedCall) => Reply[];

function toError(topic: string, reply: { errno: number; errorString?: string }): FluxRpcError {
  return new FluxRpcError(topic, reply.errno, reply.errorString);
}

/**
 * A FluxHandle that records every request (topic, payload, streaming or not) and answers from
 * a responder function. Streams end at an ENODATA reply, like the real handles; `released`
 * counts streams the caller left before their end.
 */
export class FakeHandle implements FluxHandle {
  readonly uri = 'fake://joblist-tests';
  readonly calls: RecordedCall[] = [];
  released = 0;

  constructor(private readonly responder: Responder) {}

  rpc(topic: string, payload?: JsonObject): Promise<Json | undefined> {
    const call: RecordedCall = { topic, payload, streaming: false };
    this.calls.push(call);
    const replies = this.responder(call);
    const first = replies[0];
    if (first === undefined) return Promise.reject(new Error(`fake handle: no reply for ${topic}`));
    if ('errno' in first) return Promise.reject(toError(topic, first));
    return Promise.resolve(first.payload);
  }

  rpcStream(topic: string, payload?: JsonObject): AsyncIterable<Json | undefined> {
    const call: RecordedCall = { topic, payload, streaming: true };
    this.calls.push(call);
    const replies = this.responder(call);
    const handle = this;
    return {
      [Symbol.asyncIterator](): AsyncIterator<Json | undefined> {
        let index = 0;
        let done = false;
        return {
          async next(): Promise<IteratorResult<Json | undefined>> {
            if (done) return { done: true, value: undefined };
            const reply = replies[index++];
            if (reply === undefined) throw new Error(`fake handle: stream for ${topic} ran out of replies`);
            if ('errno' in reply) {
              done = true;
              if (reply.errno === Errno.ENODATA) return { done: true, value: undefined };
              throw toError(topic, reply);
            }
            return { done: false, value: reply.payload };
          },
          async return(): Promise<IteratorResult<Json | undefined>> {
            if (!done) handle.released++;
            done = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
  }

  async close(): Promise<void> {}
}

export const ENODATA_REPLY: Reply = { errno: Errno.ENODATA };

/** The key order job-list uses for "all" (also its list-attrs answer). */
const ALL_ORDER = [
  'userid',
  'urgency',
  'priority',
  't_submit',
  't_depend',
  't_priority',
  't_sched',
  't_run',
  't_cleanup',
  't_inactive',
  'state',
  'name',
  'cwd',
  'queue',
  'project',
  'bank',
  'ntasks',
  'ncores',
  'duration',
  'nnodes',
  'ranks',
  'nodelist',
  'success',
  'exception_occurred',
  'exception_type',
  'exception_severity',
  'exception_note',
  'result',
  'expiration',
  'annotations',
  'waitstatus',
  'dependencies',
];

/** A job object with `id` first and then the requested attributes the job has. */
export function project(record: JsonObject, attrs: string[]): JsonObject {
  const out: JsonObject = { id: record.id ?? null };
  const expanded = attrs.flatMap((attr) => (attr === 'all' ? ALL_ORDER : [attr]));
  for (const attr of expanded) {
    const value = record[attr];
    if (value !== undefined && !(attr in out)) out[attr] = value;
  }
  return out;
}

/**
 * Answers like a job-list service holding `records` (in job-list order): list honours
 * max_entries and attrs (not the constraint: that is the embedded instance's business),
 * streamed as one job per response with version 1 first and ENODATA last; list-id finds by id
 * or answers ENOENT; job-stats answers `stats`.
 */
export function jobListResponder(records: JsonObject[], stats?: JsonObject): Responder {
  return (call) => {
    const payload = call.payload ?? {};
    const attrs = Array.isArray(payload.attrs) ? (payload.attrs as string[]) : [];
    switch (call.topic) {
      case 'job-list.list': {
        const max = typeof payload.max_entries === 'number' ? payload.max_entries : 0;
        const jobs = (max > 0 ? records.slice(0, max) : records).map((record) => project(record, attrs));
        if (!call.streaming) return [{ payload: { jobs } }];
        return [
          ...jobs.map((job, index): Reply => ({ payload: index === 0 ? { jobs: [job], version: 1 } : { jobs: [job] } })),
          ENODATA_REPLY,
        ];
      }
      case 'job-list.list-id': {
        const id = payload.id;
        const found = records.find((record) => record.id !== undefined && BigInt(record.id as number) === BigInt(id as number));
        return found === undefined ? [{ errno: Errno.ENOENT }] : [{ payload: { job: project(found, attrs) } }];
      }
      case 'job-list.job-stats':
        return stats === undefined ? [{ errno: Errno.ENOSYS }] : [{ payload: stats }];
      default:
        return [{ errno: Errno.ENOSYS, errorString: `No service matching ${call.topic} is registered` }];
    }
  };
}
