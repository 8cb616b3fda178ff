/**
 * A FluxHandle wrapper that notes each request the server sends (topic, streaming or not,
 * max_entries, attrs), so a benchmark can say which RPCs a GraphQL query actually became.
 */
import type { FluxHandle, RpcOptions } from '../src/flux/handle';
import type { Json, JsonObject } from '../src/flux/json';

export interface LoggedRequest {
  topic: string;
  streaming: boolean;
  maxEntries: number | undefined;
  attrs: string[] | undefined;
}

function describePayload(topic: string, payload: JsonObject | undefined, streaming: boolean): LoggedRequest {
  const maxEntries = payload?.max_entries;
  const attrs = payload?.attrs;
  return {
    topic,
    streaming,
    maxEntries: typeof maxEntries === 'number' ? maxEntries : undefined,
    attrs: Array.isArray(attrs) ? attrs.map(String) : undefined,
  };
}

export class RequestLogHandle implements FluxHandle {
  readonly log: LoggedRequest[] = [];

  constructor(private readonly inner: FluxHandle) {}

  get uri(): string {
    return this.inner.uri;
  }

  rpc(topic: string, payload?: JsonObject, options?: RpcOptions): Promise<Json | undefined> {
    this.log.push(describePayload(topic, payload, false));
    return this.inner.rpc(topic, payload, options);
  }

  rpcStream(topic: string, payload?: JsonObject, options?: RpcOptions): AsyncIterable<Json | undefined> {
    this.log.push(describePayload(topic, payload, true));
    return this.inner.rpcStream(topic, payload, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function describeAttrs(attrs: string[] | undefined): string {
  if (attrs === undefined) return '-';
  if (attrs.length === 0) return '[]';
  return attrs.length > 6 ? `(${attrs.length})` : attrs.join(',');
}

/** "1 × stream, max_entries 1001, attrs state,name" for the requests of one query. */
export function summarizeRequests(requests: readonly LoggedRequest[]): string {
  const kinds = new Set(
    requests.map((r) => `${r.streaming ? 'stream' : 'one reply'}, max_entries ${r.maxEntries ?? '-'}, attrs ${describeAttrs(r.attrs)}`),
  );
  return `${requests.length} × ${[...kinds].join(' | ')}`;
}
