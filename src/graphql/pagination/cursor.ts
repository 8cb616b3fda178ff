/**
 * Connection cursors: base64url of a small versioned JSON object naming a position in
 * Flux's job order. Opaque to clients; validated on the way in (a bad one is BAD_CURSOR).
 *
 * A cursor holds a position in Flux's order (OrderPosition, defined by the job-list port in
 * src/joblist/job-order.ts) or, for jobs(ids:), an index into the `ids` argument
 * (IdListPosition, src/joblist/id-list-pager.ts).
 * Each cursor also carries a fingerprint of the query's filter arguments, so a cursor from one
 * query is not silently applied to another.
 */
import type { IdListPosition, OrderPosition } from '../../joblist';
import { graphqlError, ErrorCode } from '../errors';

/** A position a pager of the job-list port yields: in Flux's order, or in a jobs(ids:) list. */
export type JobPosition = OrderPosition | IdListPosition;

export type JobCursor = JobPosition & { query: string };

const VERSION = 1;
/** Far more ties than Flux ever produced (none in 20,000 jobs); bounds what a cursor may hold. */
const MAX_TIES = 10_000;
const MAX_CURSOR_LENGTH = 200_000;
const UINT64_MAX = (1n << 64n) - 1n;

type WireCursor =
  | { v: number; q: string; c: 'p'; o: number }
  | { v: number; q: string; c: 'r'; k: number | null; i: string; t: string[] }
  | { v: number; q: string; c: 'i'; k: number; i: string; n: number }
  | { v: number; q: string; c: 'x'; o: number };

export function encodeCursor(cursor: JobCursor): string {
  let wire: WireCursor;
  switch (cursor.kind) {
    case 'pending':
      wire = { v: VERSION, q: cursor.query, c: 'p', o: cursor.offset };
      break;
    case 'ids':
      wire = { v: VERSION, q: cursor.query, c: 'x', o: cursor.index };
      break;
    case 'running':
      wire = {
        v: VERSION,
        q: cursor.query,
        c: 'r',
        k: cursor.key,
        i: cursor.id.toString(),
        t: cursor.ties.map((id) => id.toString()),
      };
      break;
    case 'inactive':
      wire = { v: VERSION, q: cursor.query, c: 'i', k: cursor.key, i: cursor.id.toString(), n: cursor.tieCount };
      break;
  }
  return Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
}

function badCursor(text: string, why: string): Error {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return graphqlError(ErrorCode.BAD_CURSOR, `Invalid cursor "${shown}": ${why}`);
}

function isOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isKey(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function parseId(value: unknown): bigint | undefined {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(value)) return undefined;
  const id = BigInt(value);
  return id <= UINT64_MAX ? id : undefined;
}

/** Reads a cursor; throws a BAD_CURSOR GraphQL error naming what is wrong with it. */
export function decodeCursor(text: string): JobCursor {
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw badCursor(text, 'not a cursor returned by this server');
  }
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw badCursor(text, 'not a cursor returned by this server');
  }
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) {
    throw badCursor(text, 'not a cursor returned by this server');
  }
  const fields = wire as Record<string, unknown>;
  if (fields['v'] !== VERSION) throw badCursor(text, `unsupported cursor version ${JSON.stringify(fields['v'])}`);
  const query = fields['q'];
  if (typeof query !== 'string') throw badCursor(text, 'missing query fingerprint');
  switch (fields['c']) {
    case 'p':
    case 'x': {
      const offset = fields['o'];
      if (!isOffset(offset)) throw badCursor(text, 'bad offset');
      return fields['c'] === 'p' ? { kind: 'pending', offset, query } : { kind: 'ids', index: offset, query };
    }
    case 'r': {
      const key = fields['k'];
      if (!(key === null || isKey(key))) throw badCursor(text, 'bad sort key');
      const id = parseId(fields['i']);
      if (id === undefined) throw badCursor(text, 'bad job ID');
      const rawTies = fields['t'];
      if (!Array.isArray(rawTies) || rawTies.length === 0 || rawTies.length > MAX_TIES) {
        throw badCursor(text, 'bad tie list');
      }
      const ties: bigint[] = [];
      for (const raw of rawTies) {
        const tie = parseId(raw);
        if (tie === undefined) throw badCursor(text, 'bad tie list');
        ties.push(tie);
      }
      if (!ties.includes(id)) throw badCursor(text, 'bad tie list');
      return { kind: 'running', key, id, ties, query };
    }
    case 'i': {
      const key = fields['k'];
      if (!isKey(key)) throw badCursor(text, 'bad sort key');
      const id = parseId(fields['i']);
      if (id === undefined) throw badCursor(text, 'bad job ID');
      const tieCount = fields['n'];
      if (!isOffset(tieCount) || tieCount < 1) throw badCursor(text, 'bad tie count');
      return { kind: 'inactive', key, id, tieCount, query };
    }
    default:
      throw badCursor(text, 'unknown position kind');
  }
}

/** A short fingerprint of a query's filter arguments (FNV-1a, 32 bits, hex). */
export function queryFingerprint(canonicalArgs: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < canonicalArgs.length; i++) {
    hash ^= canonicalArgs.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
