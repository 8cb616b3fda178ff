/**
 * The client of the HTTP pairs: GraphQL POSTs over one kept-alive loopback connection, with no
 * Accept-Encoding (answers come uncompressed, as the bare server's do), read whole as text.
 * The same client asks our server and the baseline servers, so its own cost falls on both.
 */
import { Agent, request } from 'node:http';
import { BenchCheckError } from './measure';

export interface HttpAnswer {
  text: string;
  contentType: string;
}

export class HttpGraphQLClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly url: URL;

  constructor(url: string) {
    this.url = new URL(url);
  }

  /** The answer's body as text; anything but HTTP 200 fails the benchmark. */
  async post(query: string, variables?: Record<string, unknown>): Promise<string> {
    return (await this.answer(query, variables)).text;
  }

  /** The answer with its content type; anything but HTTP 200 fails the benchmark. */
  answer(query: string, variables?: Record<string, unknown>): Promise<HttpAnswer> {
    const body = JSON.stringify(variables === undefined ? { query } : { query, variables });
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new BenchCheckError(`HTTP ${String(res.statusCode)} from ${this.url.href}: ${text.slice(0, 300)}`));
            else resolve({ text, contentType: res.headers['content-type'] ?? '' });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The answer's data; an answer with errors fails the benchmark (a fast error is no result). */
  async data<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    return graphqlDataOf<T>(await this.post(query, variables));
  }

  close(): void {
    this.agent.destroy();
  }
}

interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** The data of a GraphQL answer's text, or a BenchCheckError naming its first error. */
export function graphqlDataOf<T>(text: string): T {
  const body = JSON.parse(text) as GraphQLBody<T>;
  if (body.errors !== undefined && body.errors.length > 0) {
    const first = body.errors[0];
    throw new BenchCheckError(`GraphQL error (${body.errors.length}): ${first?.extensions?.code ?? ''} ${first?.message ?? ''}`);
  }
  if (body.data === undefined || body.data === null) throw new BenchCheckError('GraphQL answer without data');
  return body.data;
}
