import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor, queryFingerprint, type JobCursor } from '../../src/graphql/pagination/cursor';

const QUERY = queryFingerprint('[[],"all",0,null,null,null,null]');

function rawCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error instanceof GraphQLError ? error.extensions['code'] : error;
  }
  return undefined;
}

describe('cursors', () => {
  const cursors: JobCursor[] = [
    { kind: 'pending', offset: 0, query: QUERY },
    { kind: 'pending', offset: 1234, query: QUERY },
    { kind: 'running', key: 1795636135.644051, id: 6787342413402046n, ties: [6787342413402046n], query: QUERY },
    { kind: 'running', key: null, id: 18446744073709551615n, ties: [5n, 18446744073709551615n], query: QUERY },
    { kind: 'inactive', key: 1700000000.5, id: 1n, tieCount: 3, query: QUERY },
    { kind: 'ids', index: 7, query: QUERY },
  ];

  it.each(cursors)('round-trips %p exactly, 64-bit IDs included', (cursor) => {
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(cursor);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$%'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['a JSON array', rawCursor([1, 2])],
    ['another version', rawCursor({ v: 2, q: QUERY, c: 'p', o: 1 })],
    ['no fingerprint', rawCursor({ v: 1, c: 'p', o: 1 })],
    ['a negative offset', rawCursor({ v: 1, q: QUERY, c: 'p', o: -1 })],
    ['a fractional offset', rawCursor({ v: 1, q: QUERY, c: 'p', o: 1.5 })],
    ['an unknown kind', rawCursor({ v: 1, q: QUERY, c: 'z', o: 1 })],
    ['an inactive cursor without key', rawCursor({ v: 1, q: QUERY, c: 'i', k: null, i: '5', n: 1 })],
    ['an inactive cursor with a negative key', rawCursor({ v: 1, q: QUERY, c: 'i', k: -1, i: '5', n: 1 })],
    ['an ID above 2^64-1', rawCursor({ v: 1, q: QUERY, c: 'i', k: 5, i: '18446744073709551616', n: 1 })],
    ['an ID with a sign', rawCursor({ v: 1, q: QUERY, c: 'i', k: 5, i: '-5', n: 1 })],
    ['a zero tie count', rawCursor({ v: 1, q: QUERY, c: 'i', k: 5, i: '5', n: 0 })],
    ['ties not holding the ID', rawCursor({ v: 1, q: QUERY, c: 'r', k: 5, i: '5', t: ['6'] })],
    ['no ties', rawCursor({ v: 1, q: QUERY, c: 'r', k: 5, i: '5', t: [] })],
  ])('rejects %s with BAD_CURSOR', (_what, text) => {
    expect(codeOf(() => decodeCursor(text))).toBe('BAD_CURSOR');
  });

  it('quotes the start of a bad cursor in the message', () => {
    expect(() => decodeCursor('nonsense')).toThrow('Invalid cursor "nonsense": not a cursor returned by this server');
  });

  it('fingerprints differ for different filters', () => {
    expect(queryFingerprint('[["run"]]')).not.toBe(queryFingerprint('[["inactive"]]'));
    expect(queryFingerprint('[["run"]]')).toMatch(/^[0-9a-f]{8}$/);
  });
});
