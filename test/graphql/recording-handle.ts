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

  constructor(private readonly inner: FluxHandle) {}

  get uri(): string {
    return this.inner.uri;
  }

  rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> {
    this.calls.push({ topic, payload, streaming: false });
    return this.inner.rpc(topic, payload, options);
  }

  rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> {
    this.calls.push({ topic, payload, streaming: true });
    return this.inner.rpcStream(topic, payload, options);
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
}
