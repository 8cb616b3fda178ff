/**
 * Reads a GraphQL-over-SSE answer (yoga's "distinct connections" mode): `event: next` with one
 * execution result per event, `event: complete` at the end, and `:` comment lines as keep-alives.
 */
export interface SseMessage {
  event: string;
  data: unknown;
}

export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffered = '';
  /** Keep-alive comments seen so far. */
  keepAlives = 0;
  /** Their texts (after the colon), in order. */
  readonly comments: string[] = [];

  constructor(response: Response) {
    if (response.body === null) throw new Error('the answer has no body');
    this.reader = response.body.getReader();
  }

  /**
   * The next message, or undefined once the stream has ended. With `orComment`, a block of
   * comments alone comes back too, as event ":" with the last comment's text.
   */
  async next(orComment = false): Promise<SseMessage | undefined> {
    for (;;) {
      const end = this.buffered.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end + 2);
        const message = this.parse(block);
        if (message !== undefined) return message;
        if (orComment) return { event: ':', data: this.comments[this.comments.length - 1] ?? '' };
        continue;
      }
      const { value, done } = await this.reader.read();
      if (done) return undefined;
      this.buffered += this.decoder.decode(value, { stream: true });
    }
  }

  /** The data of every `next` message up to `complete` (or the end of the stream). */
  async results(limit = Infinity): Promise<unknown[]> {
    const results: unknown[] = [];
    while (results.length < limit) {
      const message = await this.next();
      if (message === undefined || message.event === 'complete') break;
      results.push(message.data);
    }
    return results;
  }

  /** Waits for the server's first keep-alive, which yoga sends as the stream opens. */
  async opened(): Promise<void> {
    while (this.keepAlives === 0 && !this.buffered.startsWith(':')) {
      const { value, done } = await this.reader.read();
      if (done) return;
      this.buffered += this.decoder.decode(value, { stream: true });
    }
  }

  async close(): Promise<void> {
    await this.reader.cancel();
  }

  private parse(block: string): SseMessage | undefined {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.keepAlives++;
        this.comments.push(line.slice(1));
        continue;
      }
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length === 0 && event === 'message') return undefined;
    const text = data.join('\n');
    return { event, data: text === '' ? null : (JSON.parse(text) as unknown) };
  }
}

/** Starts a subscription over SSE on `app` (POST /graphql, Accept: text/event-stream). */
export async function subscribeSse(
  app: { fetch(input: string, init?: RequestInit, serverContext?: object): Response | Promise<Response> },
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  serverContext?: object,
): Promise<{ response: Response; reader: SseReader }> {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
  };
  const response = await (serverContext === undefined ? app.fetch('http://localhost/graphql', init) : app.fetch('http://localhost/graphql', init, serverContext));
  return { response, reader: new SseReader(response) };
}
