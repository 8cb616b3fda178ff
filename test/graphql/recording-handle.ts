import type { FluxHandle, RpcOptions } from '../../src/flux/handle';
import type { Json, JsonObject } from '../../src/flux/json';

export interface RecordedRpc {
  topic: string;
  payload: JsonObject | undefined;
  streaming: boolean;
}

/** Wraps a handle and records every request sent through it, in order. */
export class RecordingHandle implements FluxHandle {
  readonly calls: RecordedRpc[] = [];
  /** Requests whose answer (or, for a stream, whose last message) has not come yet. */
  private inFlight = 0;
  private onIdle: (() => void)[] = [];

  constructor(private readonly inner: FluxHandle) {}

  get uri(): string {
    return this.inner.uri;
  }

  rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> {
    this.calls.push({ topic, payload, streaming: false });
    this.started();
    const answer = this.inner.rpc(topic, payload, options);
    answer.then(
      () => this.finished(),
      () => this.finished(),
    );
    return answer;
  }

  rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> {
    this.calls.push({ topic, payload, streaming: true });
    const inner = this.inner.rpcStream(topic, payload, options);
    const started = (): void => this.started();
    const finished = (): void => this.finished();
    // Counted from its first read: a stream nobody reads is not waited for.
    return (async function* tracked(): AsyncGenerator<Json | undefined> {
      started();
      try {
        yield* inner;
      } finally {
        finished();
      }
    })();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The recorded requests for one topic. */
  callsTo(topic: string): RecordedRpc[] {
    return this.calls.filter((call) => call.topic === topic);
  }

  reset(): void {
    this.calls.length = 0;
  }

  /**
   * Resolves once no request is in flight and none started since the last one ended (a
   * response may be sent while resolvers whose answer it no longer needs are still asking).
   */
  async idle(): Promise<void> {
    for (;;) {
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.onIdle.push(resolve));
      const before = this.calls.length;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.inFlight === 0 && this.calls.length === before) return;
    }
  }

  private started(): void {
    this.inFlight++;
  }

  private finished(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const resolve of this.onIdle.splice(0)) resolve();
  }
}
