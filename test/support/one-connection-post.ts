/**
 * HTTP helpers for tests of real servers: every request on a connection of its own (no agent, so
 * no keep-alive pool), so that a cluster's primary hands each one to a worker afresh; and a set
 * of queries whose answers the tests compare between servers.
 */
import { request } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** POSTs JSON to `url` on a new connection and reads the whole answer. */
export function postOnNewConnection(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(payload);
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GETs `url` on a new connection; with `timeoutMs`, gives up (error code ETIMEDOUT) when no answer has come by then. */
export function getOnNewConnection(url: string, timeoutMs?: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false, ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer from ${url} within ${String(timeoutMs)} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

/** What a dashboard and a script ask, with the errors a client can make: answers must not depend on who serves them. */
export const COMPARISON_QUERIES: readonly { query: string; variables?: Record<string, unknown> }[] = [
  { query: '{ jobs(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { id name username state result queue nnodes nodelist runtime tSubmit statusAbbrev } } }' },
  { query: '{ jobs(filters: [RUNNING], first: 5) { nodes { id runtime tRemaining contextualTime contextualInfo } } }' },
  { query: '{ jobStats { total active inactive successful failed } viewer { username userid admin } }' },
  { query: '{ jobAttributes }' },
  { query: 'query Failed($since: Float!) { jobs(filters: [FAILED], since: $since, first: 3) { edges { cursor node { id returncode inactiveReason } } } }', variables: { since: 0 } },
  { query: '{ jobs(constraint: {and: [{states: ["inactive"]}, {userid: [1000]}]}, first: 4) { totalCount nodes { jobid(encoding: DEC) } } }' },
  { query: '{ job(id: "ƒ1") { id } }' },
  { query: '{ job(id: "not-an-id") { id } }' },
  { query: '{ jobs(constraint: {frobnicate: [1]}) { totalCount } }' },
  { query: '{ jobs(first: 1) { nodes { nonsense } } }' },
];
