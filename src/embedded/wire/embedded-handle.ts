/**
 * A FluxHandle whose requests go straight to an in-process service instead of a broker socket.
 * Payloads travel as JSON values (no encoding), responses as the service sends them; error
 * responses become FluxRpcError, as from a real connection.
 */
import { Errno, FLUX_USERID_UNKNOWN, Role } from '../../flux/constants';
import { FluxError, FluxRpcError } from '../../flux/errors';
import { timeoutDelayMs, type FluxHandle, type RpcOptions } from '../../flux/handle';
import type { Json, JsonObject } from '../../flux/json';
import { ResponseStream, type ResponseValue } from '../../flux/response-stream';
import { type ServiceHandler, type ServiceRequest, type ServiceResponse, serviceOf } from '../service/service-types';
import { withLatency } from './latency';

export interface EmbeddedHandleOptions {
  /** Credentials stamped on every request, as a broker would. Default: uid 0 with the OWNER role. */
  userid?: number;
  rolemask?: number;
  /** Simulated time, in ms, before each request reaches the service. Default 0. */
  latencyMs?: number;
  uri?: string;
}

let nextClientNumber = 1;

/** Delivers a request asynchronously (the latency, if any, is the service's: see withLatency). */
function soon(run: () => void): () => void {
  let cancelled = false;
  queueMicrotask(() => {
    if (!cancelled) run();
  });
  return () => {
    cancelled = true;
  };
}

interface Pending {
  fail(error: Error): void;
}

export class EmbeddedHandle implements FluxHandle {
  readonly uri: string;
  private readonly userid: number;
  private readonly rolemask: number;
  private readonly service: ServiceHandler;
  private readonly clientId = `embedded-client-${nextClientNumber++}`;
  private streamNumber = 0;
  private closed = false;
  private readonly pending = new Set<Pending>();
  /** Senders and services used, for the disconnect requests sent on close. */
  private readonly usedBy = new Map<string, Set<string>>();

  constructor(
    service: ServiceHandler,
    options: EmbeddedHandleOptions = {},
  ) {
    this.uri = options.uri ?? 'embedded:';
    this.userid = options.userid ?? 0;
    this.rolemask = options.rolemask ?? Role.OWNER;
    const latency = options.latencyMs ?? 0;
    if (!Number.isFinite(latency) || latency < 0) throw new RangeError(`latencyMs must be a number >= 0, got ${latency}`);
    this.service = withLatency(service, latency);
  }

  /**
   * As a broker does: the owner's connection may present other credentials (an unknown userid or
   * an empty rolemask is filled in from the connection); anyone else's requests carry their own.
   */
  private credentialsFor(options: RpcOptions): { userid: number; rolemask: number } {
    const own = { userid: this.userid, rolemask: this.rolemask };
    const asked = options.credentials;
    if (asked === undefined || (this.rolemask & Role.OWNER) === 0) return own;
    return {
      userid: asked.userid === FLUX_USERID_UNKNOWN ? own.userid : asked.userid,
      rolemask: asked.rolemask === Role.NONE ? own.rolemask : asked.rolemask,
    };
  }

  private request(topic: string, payload: JsonObject | undefined, streaming: boolean, sender: string, options: RpcOptions): ServiceRequest {
    let senders = this.usedBy.get(serviceOf(topic));
    if (senders === undefined) this.usedBy.set(serviceOf(topic), (senders = new Set()));
    senders.add(sender);
    return {
      topic,
      payload: payload === undefined ? { kind: 'none' } : { kind: 'json', value: payload },
      streaming,
      ...this.credentialsFor(options),
      sender,
    };
  }

  private closedError(topic: string): FluxError {
    return new FluxError('FLUX_DISCONNECTED', `${topic}: the embedded handle is closed`);
  }

  private timeoutError(topic: string, ms: number): FluxError {
    return new FluxError('FLUX_TIMEOUT', `${topic}: no response within ${ms} ms`);
  }

  rpc(topic: string, payload?: JsonObject, options: RpcOptions = {}): Promise<Json | undefined> {
    if (this.closed) return Promise.reject(this.closedError(topic));
    return new Promise<Json | undefined>((resolve, reject) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const entry: Pending = { fail: (err) => finish(() => reject(err)) };
      const finish = (settle: () => void): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        this.pending.delete(entry);
        cancel();
        settle();
      };
      this.pending.add(entry);
      const ms = options.timeoutMs === undefined ? undefined : timeoutDelayMs(options.timeoutMs);
      if (ms !== undefined) timer = setTimeout(() => entry.fail(this.timeoutError(topic, ms)), ms);
      const cancel = soon(() => {
        const request = this.request(topic, payload, false, this.clientId, options);
        this.service.handle(request, (response: ServiceResponse) => {
          const errnum = response.errnum ?? 0;
          if (errnum === 0) finish(() => resolve(response.payload));
          else finish(() => reject(new FluxRpcError(topic, errnum, response.errstr)));
        });
        // A disconnect gets no response: it is done once delivered.
        if (topic.endsWith('.disconnect')) finish(() => resolve(undefined));
      });
    });
  }

  rpcStream(topic: string, payload?: JsonObject, options: RpcOptions = {}): AsyncIterable<ResponseValue> {
    return { [Symbol.asyncIterator]: () => this.openStream(topic, payload, options) };
  }

  private openStream(topic: string, payload: JsonObject | undefined, options: RpcOptions): AsyncIterator<ResponseValue> {
    const sender = `${this.clientId}/stream-${++this.streamNumber}`;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let released = false;
    let cancel = (): void => {};

    const release = (): void => {
      if (released) return;
      released = true;
      if (timer !== undefined) clearTimeout(timer);
      this.pending.delete(entry);
      cancel();
      // Tell the service this stream's caller is gone (drops streamed job-stats watchers).
      if (!this.closed) this.service.handle(this.request(`${serviceOf(topic)}.disconnect`, undefined, false, sender, options), () => {});
    };
    const stream = new ResponseStream(release);
    const entry: Pending = {
      fail: (err) => {
        release();
        stream.finish(err);
      },
    };
    /** timeoutMs bounds the wait for each next response, as on a socket handle (0: no bound). */
    const ms = options.timeoutMs === undefined ? undefined : timeoutDelayMs(options.timeoutMs);
    const arm = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (ms !== undefined) timer = setTimeout(() => entry.fail(this.timeoutError(topic, ms)), ms);
    };

    if (this.closed) {
      released = true;
      stream.finish(this.closedError(topic));
      return stream;
    }
    this.pending.add(entry);
    arm();
    cancel = soon(() => {
      this.service.handle(this.request(topic, payload, true, sender, options), (response) => {
        if (released) return;
        const errnum = response.errnum ?? 0;
        if (errnum === 0) {
          stream.push(response.payload);
          arm();
        } else {
          release();
          stream.finish(errnum === Errno.ENODATA ? null : new FluxRpcError(topic, errnum, response.errstr));
        }
      });
    });
    return stream;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const entry of [...this.pending]) entry.fail(new FluxError('FLUX_DISCONNECTED', 'the embedded handle was closed with requests in flight'));
    for (const [service, senders] of this.usedBy) {
      for (const sender of senders) {
        this.service.handle(
          { topic: `${service}.disconnect`, payload: { kind: 'none' }, streaming: false, userid: this.userid, rolemask: this.rolemask, sender },
          () => {},
        );
      }
    }
  }
}
