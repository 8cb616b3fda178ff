/**
 * Hostile and malformed input, as a table: each row is one request an attacker or a broken
 * client might send, with the HTTP status and `extensions.code` it must get (and a fragment of
 * the message where the message is what tells the client what to fix). After every row a good
 * request must still be answered in full, so no row crashes, hangs or wedges the server — with
 * at most one request per user in flight allowed, a refusal that forgot to release its slot
 * would fail the good request after it with 429.
 *
 * Two apps on one embedded instance, as a site runs them: `--auth trusted-header` behind a proxy
 * at 127.0.0.1 (most rows, as user `alice`), and `--auth jwt` with an ES256 key.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { openEmbeddedInstance, type EmbeddedBackend } from '../../src/server/backend';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { embeddedIdentity } from '../support/embedded-identity';
import type { AuthSettings } from '../../src/server/auth/auth-settings';
import { CSRF_HEADER } from '../../src/server/csrf-prevention';

interface GraphQLBody {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: unknown } }[];
}

/** One HTTP request; unset parts are a user's ordinary POST of JSON through the proxy. */
interface Hostile {
  method?: string;
  /** Path and query string (default /graphql). */
  path?: string;
  /** The JSON body { query, variables } (ignored when `body` is given). */
  query?: string;
  variables?: unknown;
  /** The body as sent, byte for byte. */
  body?: string;
  /** Override or remove (null) the default headers: content-type, accept, the user or token. */
  headers?: Record<string, string | null>;
  /** Headers sent twice or more. */
  append?: [string, string][];
  /** The peer address the proxy connects from (default 127.0.0.1); null: none known. */
  peer?: string | null;
}

interface Fixtures {
  /** The user the requests are for: one with jobs, not the instance owner. */
  user: string;
  /** A cursor of `jobs(first: 2)`, and one of the same page with other filters. */
  cursor: string;
  otherQueryCursor: string;
  /** A cursor of jobs(ids:). */
  idsCursor: string;
  /** The query fingerprint inside `cursor`, to forge cursors that pass it. */
  fingerprint: string;
  jobIds: string[];
  /** The PEM public key the jwt app trusts (an HMAC secret in an algorithm-confusion attack). */
  publicKeyPem: string;
  goodToken: string;
  /** A token signed by the trusted key, valid for 5 minutes unless told otherwise (null: no expiry). */
  token(claims: Record<string, unknown>, options?: { key?: KeyLike; expiresIn?: string | number | null; notBefore?: string }): Promise<string>;
}

interface Row {
  name: string;
  /** Which app: trusted-header (default) or jwt. */
  app?: 'proxy' | 'jwt';
  request(fixtures: Fixtures): Hostile | Promise<Hostile>;
  status: number;
  code: string;
  message?: string | RegExp;
  /** A response header that must be there, e.g. WWW-Authenticate on a 401 from jwt. */
  header?: [string, RegExp];
  /** Sent while another request of the same user is in flight (its body still arriving). */
  whileAnotherInFlight?: boolean;
}

const ISSUER = 'https://idp.example.org';
const AUDIENCE = 'flux-graphql';
const JOBS_QUERY = 'query($id: JobID!) { job(id: $id) { id } }';
const VARIABLE_TYPES: Record<string, string> = { c: 'JSON', f: 'Int', l: 'Int', s: 'Float', u: 'String', a: 'String', b: 'String' };
/** jobs(args) declaring exactly the variables the arguments use ($c, $f, ... of VARIABLE_TYPES). */
const LIST = (args: string): string => {
  const used = [...args.matchAll(/\$(\w+)/g)].map((match) => `$${match[1]}: ${VARIABLE_TYPES[match[1] as string]}`);
  return `query(${used.join(', ')}) { jobs(${args}) { totalCount nodes { id } } }`;
};
const WITH_CONSTRAINT = LIST('constraint: $c');

const graphql = (query: string, variables?: unknown): Hostile => ({ query, ...(variables === undefined ? {} : { variables }) });
const raw = (body: string, contentType: string | null = 'application/json'): Hostile => ({ body, headers: { 'content-type': contentType } });
const get = (params: Record<string, string>, headers: Record<string, string | null> = {}): Hostile => ({
  method: 'GET',
  path: `/graphql?${new URLSearchParams(params).toString()}`,
  headers: { 'content-type': null, [CSRF_HEADER]: '1', ...headers },
});
const aliases = (count: number, field: string): string => Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ');
const nested = (depth: number, open: string, inner: string, close: string): string => open.repeat(depth) + inner + close.repeat(depth);
/** A cursor with the given wire fields, as the server encodes its own (base64url of JSON). */
const forged = (fields: Record<string, unknown>): string => Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
/** `{"c": <json>}` written out, for nesting deeper than JSON.stringify's own recursion goes. */
const constraintBody = (constraintJson: string): string => `{"query":${JSON.stringify(WITH_CONSTRAINT)},"variables":{"c":${constraintJson}}}`;
const bearer = (token: string): Hostile => ({ headers: { authorization: `Bearer ${token}` } });
const segment = (json: unknown): string => Buffer.from(JSON.stringify(json)).toString('base64url');

const JOB_ID_ROWS: Row[] = [
  ['F58 prefix with no digits', 'ƒ', /no base58 digits after the 'ƒ' prefix/],
  ['F58 with letters base58 leaves out', 'ƒ0OIl', /'0' is not a base58 digit/],
  ['F58 with punctuation', 'fxyz!', /'!' is not a base58 digit/],
  ['F58 beyond 64 bits', `f${'z'.repeat(40)}`, /invalid job ID/],
  ['hex with no digits', '0x', /expected hex digits after "0x"/],
  ['hex with non-hex digits', '0xzz', /expected hex digits/],
  ['hex beyond 2^64', '0x10000000000000000', /larger than the largest job ID 18446744073709551615/],
  ['dothex with three groups', '0000.0000.0000', /dothex form needs exactly four groups/],
  ['dothex with a non-hex digit', '0000.0000.0000.000g', /dothex form needs exactly four groups/],
  ['kvs form with three groups', 'job.0000.0000.0000', /invalid job ID/],
  ['decimal 2^64', '18446744073709551616', /larger than the largest job ID/],
  ['decimal of 100 digits', '9'.repeat(100), /larger than the largest job ID/],
  ['a negative number', '-1', /job IDs are never negative/],
  ['an empty string', '', /empty string/],
  ['blanks', '   ', /no job ID found/],
  ['a decimal fraction', '1.5', /invalid job ID '1\.5'/],
  ['an exponent', '1e3', /not a decimal, 0x hex, dothex, kvs, F58, words or emoji job ID/],
  ['10,000 ƒ characters', 'ƒ'.repeat(10_000), /invalid job ID/],
].map(([name, id, message]) => ({ name: `job(id:) ${name as string}`, request: () => graphql(JOBS_QUERY, { id }), status: 400, code: 'INVALID_JOBID', message: message as RegExp }));

const ROWS: Row[] = [
  // --- Job IDs ------------------------------------------------------------------------------
  ...JOB_ID_ROWS,
  { name: 'job(id:) in the words encoding', request: () => graphql(JOBS_QUERY, { id: 'academy-academy-academy--academy-academy-academy' }), status: 400, code: 'UNSUPPORTED_ENCODING', message: /the words encoding is not supported/ },
  { name: 'job(id:) in the emoji encoding', request: () => graphql(JOBS_QUERY, { id: '😀😀' }), status: 400, code: 'UNSUPPORTED_ENCODING', message: /emoji encoding is not supported/ },
  { name: 'job(id:) as a JSON number (loses digits past 2^53)', request: () => graphql(JOBS_QUERY, { id: 1.5 }), status: 400, code: 'INVALID_JOBID', message: /give a job ID as a string/ },
  { name: 'job(id:) as an object', request: () => graphql(JOBS_QUERY, { id: { $gt: 0 } }), status: 400, code: 'INVALID_JOBID', message: /give a job ID as a string/ },
  { name: 'job(id:) missing (null for a non-null variable)', request: () => graphql(JOBS_QUERY, { id: null }), status: 400, code: 'BAD_USER_INPUT', message: /must not be null/ },
  { name: 'job(id:) as a literal beyond 2^64', request: () => graphql('{ job(id: 18446744073709551616) { id } }'), status: 200, code: 'INVALID_JOBID', message: /larger than the largest job ID/ },
  { name: 'node(id:) garbage', request: () => graphql('{ node(id: "garbage!") { id } }'), status: 200, code: 'INVALID_JOBID' },
  { name: 'nodes(ids:) with one bad ID among good ones', request: () => graphql('{ nodes(ids: ["1", "zz!"]) { id } }'), status: 200, code: 'INVALID_JOBID', message: /'zz!'/ },
  { name: 'jobs(ids:) beyond 2^64', request: () => graphql('{ jobs(ids: ["18446744073709551616"]) { nodes { id } } }'), status: 200, code: 'INVALID_JOBID' },
  { name: 'jobid(encoding: WORDS)', request: () => graphql('{ jobs(first: 1) { nodes { jobid(encoding: WORDS) } } }'), status: 200, code: 'UNSUPPORTED_ENCODING', message: /words encoding not supported/ },

  // --- Cursors ------------------------------------------------------------------------------
  { name: 'after: garbage', request: () => graphql(LIST('first: 2, after: $a'), { a: 'garbage!' }), status: 200, code: 'BAD_CURSOR', message: 'not a cursor returned by this server' },
  { name: 'after: base64 of something else', request: () => graphql(LIST('first: 2, after: $a'), { a: Buffer.from('{"hello":1}').toString('base64url') }), status: 200, code: 'BAD_CURSOR', message: /unsupported cursor version/ },
  { name: 'after: a truncated cursor', request: (f) => graphql(LIST('first: 2, after: $a'), { a: f.cursor.slice(0, -7) }), status: 200, code: 'BAD_CURSOR', message: 'not a cursor returned by this server' },
  { name: 'after: a cursor with base64 padding', request: (f) => graphql(LIST('first: 2, after: $a'), { a: `${f.cursor}==` }), status: 200, code: 'BAD_CURSOR' },
  { name: 'after: another query\'s cursor', request: (f) => graphql(LIST('first: 2, after: $a'), { a: f.otherQueryCursor }), status: 200, code: 'BAD_CURSOR', message: 'it belongs to a query with other filters' },
  { name: 'after: a jobs(ids:) cursor on a list', request: (f) => graphql(LIST('first: 2, after: $a'), { a: f.idsCursor }), status: 200, code: 'BAD_CURSOR', message: 'it belongs to a query with other filters' },
  { name: 'after: an empty string', request: () => graphql(LIST('first: 2, after: $a'), { a: '' }), status: 200, code: 'BAD_CURSOR' },
  { name: 'after: 300,000 characters', request: () => graphql(LIST('first: 2, after: $a'), { a: 'A'.repeat(300_000) }), status: 200, code: 'BAD_CURSOR' },
  { name: 'before: garbage, paging backward', request: () => graphql(LIST('last: 2, before: $b'), { b: 'garbage' }), status: 200, code: 'BAD_CURSOR' },
  { name: 'a forged cursor with a negative offset', request: (f) => graphql(LIST('first: 2, after: $a'), { a: forged({ v: 1, q: f.fingerprint, c: 'p', o: -1 }) }), status: 200, code: 'BAD_CURSOR', message: 'bad offset' },
  { name: 'a forged cursor with a job ID beyond 2^64', request: (f) => graphql(LIST('first: 2, after: $a'), { a: forged({ v: 1, q: f.fingerprint, c: 'i', k: 1, i: '18446744073709551616', n: 1 }) }), status: 200, code: 'BAD_CURSOR', message: 'bad job ID' },
  { name: 'a forged cursor with 20,000 ties', request: (f) => graphql(LIST('first: 2, after: $a'), { a: forged({ v: 1, q: f.fingerprint, c: 'r', k: 1, i: '1', t: Array.from({ length: 20_000 }, () => '1') }) }), status: 200, code: 'BAD_CURSOR', message: 'bad tie list' },
  { name: 'a forged cursor with a NaN sort key', request: (f) => graphql(LIST('first: 2, after: $a'), { a: forged({ v: 1, q: f.fingerprint, c: 'i', k: 'NaN', i: '1', n: 1 }) }), status: 200, code: 'BAD_CURSOR', message: 'bad sort key' },

  // --- first / last -------------------------------------------------------------------------
  { name: 'first: -1', request: () => graphql(LIST('first: $f'), { f: -1 }), status: 200, code: 'BAD_USER_INPUT', message: 'first must not be negative (got -1)' },
  { name: 'last: -1', request: () => graphql(LIST('last: $l'), { l: -1 }), status: 200, code: 'BAD_USER_INPUT', message: 'last must not be negative (got -1)' },
  { name: 'first: 1001, past the page size', request: () => graphql(LIST('first: $f'), { f: 1001 }), status: 200, code: 'BAD_USER_INPUT', message: 'first must be at most 1000 (got 1001)' },
  { name: 'last: 1001', request: () => graphql(LIST('last: $l'), { l: 1001 }), status: 200, code: 'BAD_USER_INPUT', message: 'last must be at most 1000 (got 1001)' },
  { name: 'first: 2^31 - 1 through a variable', request: () => graphql(LIST('first: $f'), { f: 2 ** 31 - 1 }), status: 200, code: 'NODE_LIMIT_EXCEEDED', message: /up to 2147483647 job nodes .* the node limit is 10000/ },
  { name: 'first: 2^31 through a variable (not an Int)', request: () => graphql(LIST('first: $f'), { f: 2 ** 31 }), status: 400, code: 'BAD_USER_INPUT', message: /Int cannot represent non 32-bit signed integer value: 2147483648/ },
  { name: 'first: 2^40 as a literal', request: () => graphql('{ jobs(first: 1099511627776) { nodes { id } } }'), status: 200, code: 'COST_LIMIT_EXCEEDED' },
  { name: 'first: "5" (a string) through a variable', request: () => graphql(LIST('first: $f'), { f: '5' }), status: 400, code: 'BAD_USER_INPUT', message: /Int cannot represent non-integer value: "5"/ },
  { name: 'first: 1.5 as a literal', request: () => graphql('{ jobs(first: 1.5) { nodes { id } } }'), status: 200, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'first and last both', request: () => graphql(LIST('first: $f, last: $l'), { f: 2, l: 2 }), status: 200, code: 'BAD_USER_INPUT', message: 'pass either first or last, not both' },
  { name: 'first: 0 and last: 0 both', request: () => graphql(LIST('first: $f, last: $l'), { f: 0, l: 0 }), status: 200, code: 'BAD_USER_INPUT', message: 'pass either first or last, not both' },

  // --- since --------------------------------------------------------------------------------
  { name: 'since: -1', request: () => graphql(LIST('since: $s'), { s: -1 }), status: 200, code: 'BAD_USER_INPUT', message: 'since must be a time in seconds >= 0 (got -1)' },
  { name: 'since: -1e308', request: () => graphql(LIST('since: $s'), { s: -1e308 }), status: 200, code: 'BAD_USER_INPUT', message: /since must be a time in seconds >= 0/ },
  { name: 'since: "NaN" through a variable', request: () => graphql(LIST('since: $s'), { s: 'NaN' }), status: 400, code: 'BAD_USER_INPUT', message: /Float cannot represent non numeric value: "NaN"/ },
  { name: 'since: "Infinity" through a variable', request: () => graphql(LIST('since: $s'), { s: 'Infinity' }), status: 400, code: 'BAD_USER_INPUT', message: /Float cannot represent/ },
  { name: 'since: NaN as a literal', request: () => graphql('{ jobs(since: NaN) { totalCount } }'), status: 200, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'since: 1e400 as a literal (Infinity)', request: () => graphql('{ jobs(since: 1e400) { totalCount } }'), status: 200, code: 'BAD_USER_INPUT', message: 'since must be a time in seconds >= 0 (got Infinity)' },

  // --- users --------------------------------------------------------------------------------
  { name: 'user: a name nobody has', request: () => graphql(LIST('user: $u'), { u: 'mallory' }), status: 200, code: 'BAD_USER_INPUT', message: 'Invalid user mallory specified' },
  { name: 'user: an empty string', request: () => graphql(LIST('user: $u'), { u: '' }), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'user: a uid beyond 2^64', request: () => graphql(LIST('user: $u'), { u: '99999999999999999999' }), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'user: 10,000 characters', request: () => graphql(LIST('user: $u'), { u: 'x'.repeat(10_000) }), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'user: a name with a NUL byte', request: () => graphql(LIST('user: $u'), { u: 'root\u0000' }), status: 200, code: 'BAD_USER_INPUT' },

  // --- constraints --------------------------------------------------------------------------
  { name: 'constraint: "not" nested 5,000 deep', request: () => raw(constraintBody(nested(5000, '{"not":[', '{"userid":[1]}', ']}'))), status: 200, code: 'INVALID_CONSTRAINT', message: /nested more than 2047 levels deep/ },
  { name: 'constraint: "not" nested 100,000 deep', request: () => raw(constraintBody(nested(100_000, '{"not":[', '{"userid":[1]}', ']}'))), status: 200, code: 'INVALID_CONSTRAINT', message: /nested more than 2047 levels deep/ },
  { name: 'constraint: a value of arrays nested 5,000 deep', request: () => raw(constraintBody(`{"userid":${nested(5000, '[', '1', ']')}}`)), status: 200, code: 'INVALID_CONSTRAINT', message: /nested more than 2047 levels deep/ },
  { name: 'constraint: 50,000 queues (past Flux\'s comparison budget)', request: () => graphql('query($q: [String!]) { jobs(queue: $q) { totalCount } }', { q: Array.from({ length: 50_000 }, (_, i) => `q${i}`) }), status: 200, code: 'TOO_MANY_COMPARISONS' },
  { name: 'constraint: an unknown operator', request: () => graphql(WITH_CONSTRAINT, { c: { frobnicate: [1] } }), status: 200, code: 'INVALID_CONSTRAINT', message: 'unknown constraint operator: frobnicate' },
  { name: 'constraint: a string for a list', request: () => graphql(WITH_CONSTRAINT, { c: { userid: 'alice' } }), status: 200, code: 'INVALID_CONSTRAINT', message: 'operator userid values not an array' },
  { name: 'constraint: a name for a uid', request: () => graphql(WITH_CONSTRAINT, { c: { userid: ['alice'] } }), status: 200, code: 'INVALID_CONSTRAINT', message: 'userid value must be an integer' },
  { name: 'constraint: null values', request: () => graphql(WITH_CONSTRAINT, { c: { userid: null } }), status: 200, code: 'INVALID_CONSTRAINT' },
  { name: 'constraint: an array', request: () => graphql(WITH_CONSTRAINT, { c: [1, 2] }), status: 200, code: 'INVALID_CONSTRAINT', message: 'constraint must be JSON object' },
  { name: 'constraint: a string', request: () => graphql(WITH_CONSTRAINT, { c: 'true' }), status: 200, code: 'INVALID_CONSTRAINT', message: 'constraint must be JSON object' },
  { name: 'constraint: two operators in one object', request: () => graphql(WITH_CONSTRAINT, { c: { userid: [1], name: ['x'] } }), status: 200, code: 'INVALID_CONSTRAINT', message: 'constraint must only contain 1 element' },
  { name: 'constraint: a timestamp that is a word', request: () => graphql(WITH_CONSTRAINT, { c: { t_submit: ['>=yesterday'] } }), status: 200, code: 'INVALID_CONSTRAINT', message: 'Invalid timestamp value specified' },
  { name: 'constraint: a broken hostlist', request: () => graphql(WITH_CONSTRAINT, { c: { hostlist: ['fluke[1-'] } }), status: 200, code: 'INVALID_CONSTRAINT', message: 'host value not in valid Hostlist format' },
  { name: 'constraint: an unknown state', request: () => graphql(WITH_CONSTRAINT, { c: { states: ['bogus'] } }), status: 200, code: 'INVALID_CONSTRAINT', message: "invalid states value 'bogus' specified" },
  { name: 'constraint literal: lists nested 5,000 deep in the query text', request: () => graphql(`{ jobs(constraint: ${nested(5000, '[', '', ']')}) { totalCount } }`), status: 200, code: 'GRAPHQL_PARSE_FAILED', message: /nested too deeply to parse/ },
  { name: 'constraint literal: objects nested 3,000 deep in the query text', request: () => graphql(`{ jobs(constraint: ${nested(3000, '{a: ', '1', '}')}) { totalCount } }`), status: 200, code: 'GRAPHQL_PARSE_FAILED', message: /nested too deeply to parse/ },
  { name: 'a [String!] variable of arrays nested 5,000 deep', request: () => raw(`{"query":"query($q: [String!]) { jobs(queue: $q) { totalCount } }","variables":{"q":${nested(5000, '[', '"a"', ']')}}}`), status: 400, code: 'BAD_USER_INPUT', message: /String cannot represent a non string value/ },
  { name: 'jobs(ids:) with 20,000 IDs', request: () => graphql('query($ids: [JobID!]) { jobs(ids: $ids, first: 1) { totalCount } }', { ids: Array.from({ length: 20_000 }, (_, i) => String(i + 1)) }), status: 200, code: 'NODE_LIMIT_EXCEEDED', message: /up to 20000 job nodes/ },

  // --- the size and shape of the query ------------------------------------------------------
  { name: 'an alias bomb (1,000 aliases)', request: () => graphql(`{ ${aliases(1000, 'jobAttributes')} }`), status: 200, code: 'ALIAS_LIMIT_EXCEEDED', message: 'Aliases limit of 200 exceeded, found 1000.' },
  { name: '201 aliased job(id:) lookups', request: () => graphql(`{ ${aliases(201, 'job(id: "1") { id }')} }`), status: 200, code: 'ALIAS_LIMIT_EXCEEDED' },
  { name: 'a depth bomb (20 levels)', request: () => graphql(`{ ${nested(20, 'a { ', 'b', ' }')} }`), status: 200, code: 'DEPTH_LIMIT_EXCEEDED', message: /^Query depth limit of 12 exceeded/ },
  { name: 'selections nested 1,000 deep', request: () => graphql(`{ ${nested(1000, 'a { ', 'b', ' }')} }`), status: 200, code: 'COST_LIMIT_EXCEEDED' },
  { name: 'an introspection depth bomb', request: () => graphql(`{ __schema { types { ${nested(4, 'fields { type { ', 'name', ' } }')} } } }`), status: 200, code: 'GRAPHQL_VALIDATION_FAILED', message: 'Maximum introspection depth exceeded' },
  { name: 'a fragment that spreads itself', request: () => graphql('{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }'), status: 200, code: 'GRAPHQL_VALIDATION_FAILED', message: /Cannot spread fragment "A" within itself/ },
  { name: '3,000 directives on one field', request: () => graphql(`{ jobAttributes ${'@include(if: true) '.repeat(3000)} }`), status: 200, code: 'TOKEN_LIMIT_EXCEEDED' },
  { name: 'one field asked 3,000 times in a page of 1000', request: () => graphql(`{ jobs(first: 1000) { nodes { ${'id '.repeat(3000)} } } }`), status: 200, code: 'COST_LIMIT_EXCEEDED' },
  { name: 'first: $n = 1000 on 20 aliased connections', request: () => graphql(`query($n: Int) { ${aliases(20, 'jobs(first: $n) { nodes { id } }')} }`, { n: 1000 }), status: 200, code: 'NODE_LIMIT_EXCEEDED', message: /up to 20000 job nodes/ },
  { name: 'first: $n through nested fragment spreads', request: () => graphql('query($n: Int) { ...F ...G } fragment F on Query { x: jobs(first: $n) { ...N } } fragment G on Query { y: jobs(first: $n) { ...N } } fragment N on JobConnection { nodes { id } }', { n: 6000 }), status: 200, code: 'NODE_LIMIT_EXCEEDED', message: /up to 12000 job nodes/ },
  { name: 'a syntax error', request: () => graphql('{ jobs( }'), status: 200, code: 'GRAPHQL_PARSE_FAILED', message: /^Syntax Error/ },
  { name: 'an empty query', request: () => graphql(''), status: 200, code: 'GRAPHQL_PARSE_FAILED', message: 'Syntax Error: Unexpected <EOF>.' },
  { name: 'an unknown field', request: () => graphql('{ bogus }'), status: 200, code: 'GRAPHQL_VALIDATION_FAILED', message: 'Cannot query field "bogus" on type "Query".' },
  { name: 'a mutation (the schema has none)', request: () => graphql('mutation { cancel(id: "1") }'), status: 200, code: 'GRAPHQL_VALIDATION_FAILED', message: 'This server has no mutations: its schema answers queries and subscriptions only.' },
  { name: 'a subscription of a field Subscription lacks', request: () => graphql('subscription { jobs }'), status: 200, code: 'GRAPHQL_VALIDATION_FAILED', message: 'Cannot query field "jobs" on type "Subscription".' },
  { name: 'an undefined variable', request: () => graphql('{ jobs(first: $n) { totalCount } }'), status: 200, code: 'GRAPHQL_VALIDATION_FAILED', message: 'Variable "$n" is not defined.' },
  { name: 'an unknown enum value', request: () => graphql('{ jobs(filters: [BOGUS]) { totalCount } }'), status: 200, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'an operationName the document lacks', request: () => ({ body: JSON.stringify({ query: 'query A { jobStats { total } }', operationName: 'B' }) }), status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  { name: 'two anonymous operations', request: () => graphql('{ jobStats { total } } { jobAttributes }'), status: 400, code: 'OPERATION_RESOLUTION_FAILURE', message: 'Could not determine what operation to execute.' },

  // --- the HTTP request ---------------------------------------------------------------------
  { name: 'a body that is not JSON', request: () => raw('{"query": "{ jobStats { total } }"'), status: 400, code: 'BAD_REQUEST', message: 'POST body sent invalid JSON.' },
  { name: 'an empty body', request: () => raw(''), status: 400, code: 'BAD_REQUEST' },
  { name: 'a body of JSON null', request: () => raw('null'), status: 400, code: 'BAD_REQUEST', message: 'POST body is expected to be object but received null' },
  { name: 'a body that is a JSON string', request: () => raw('"{ jobStats { total } }"'), status: 400, code: 'BAD_REQUEST' },
  { name: 'a query that is a number', request: () => raw('{"query": 5}'), status: 400, code: 'BAD_REQUEST', message: 'Expected "query" param to be a string, but given number.' },
  { name: 'variables that are a string', request: () => raw('{"query": "{ jobStats { total } }", "variables": "{}"}'), status: 400, code: 'BAD_REQUEST' },
  { name: 'extensions that are a number', request: () => raw('{"query": "{ jobStats { total } }", "extensions": 3}'), status: 400, code: 'BAD_REQUEST' },
  { name: 'an unknown parameter', request: () => raw('{"query": "{ jobStats { total } }", "rootValue": {}}'), status: 400, code: 'BAD_REQUEST', message: 'Unexpected parameter "rootValue" in the request body.' },
  { name: 'a batch (an array of operations)', request: () => raw('[{"query": "{ jobStats { total } }"}, {"query": "{ jobStats { total } }"}]'), status: 400, code: 'BAD_REQUEST', message: 'Batching is not supported.' },
  { name: 'a text/plain body', request: () => raw('{"query": "{ jobStats { total } }"}', 'text/plain'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'cannot read a POST body of type "text/plain"' },
  { name: 'an XML body', request: () => raw('<query/>', 'application/xml'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'a body without a Content-Type', request: () => raw('{"query": "{ jobStats { total } }"}', null), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'a POST body without a Content-Type' },
  { name: 'a multipart upload (no field takes a file)', request: () => raw('--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{not json\r\n--x--\r\n', 'multipart/form-data; boundary=x'), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'a body of 2 MiB (limit 1 MiB)', request: () => graphql(`{ jobStats { total } }${' '.repeat(2 * 1024 * 1024)}`), status: 413, code: 'REQUEST_ENTITY_TOO_LARGE', message: 'Request body too large' },
  { name: 'a Content-Length that is not a number', request: () => ({ query: '{ jobStats { total } }', headers: { 'content-length': '12, 40' } }), status: 400, code: 'BAD_REQUEST', message: 'Content-Length header is invalid.' },
  { name: 'a Content-Length of 100 GB', request: () => ({ query: '{ jobStats { total } }', headers: { 'content-length': '100000000000' } }), status: 413, code: 'REQUEST_ENTITY_TOO_LARGE' },
  { name: 'an Accept header for XML only', request: () => ({ query: '{ jobStats { total } }', headers: { accept: 'application/xml' } }), status: 406, code: 'NOT_ACCEPTABLE', message: /accept one of .*application\/json/ },
  { name: 'PUT', request: () => ({ method: 'PUT', query: '{ jobStats { total } }' }), status: 405, code: 'BAD_REQUEST', message: 'GraphQL only supports GET and POST requests.' },
  { name: 'DELETE', request: () => ({ method: 'DELETE', query: '{ jobStats { total } }' }), status: 405, code: 'BAD_REQUEST' },
  { name: 'GET without the CSRF header', request: () => get({ query: '{ jobStats { total } }' }, { [CSRF_HEADER]: null }), status: 403, code: 'CSRF_HEADER_REQUIRED', message: `needs the header "${CSRF_HEADER}"` },
  { name: 'a form POST without the CSRF header (what a page on another site can send)', request: () => raw(`query=${encodeURIComponent('{ jobStats { total } }')}`, 'application/x-www-form-urlencoded'), status: 403, code: 'CSRF_HEADER_REQUIRED' },
  { name: 'GET with a mutation', request: () => get({ query: 'mutation { cancel }' }), status: 405, code: 'BAD_REQUEST', message: 'Can only perform a mutation operation from a POST request.' },
  { name: 'GET without a query', request: () => get({}), status: 200, code: 'BAD_REQUEST', message: 'Must provide query string.' },
  { name: 'GET with variables that are not JSON', request: () => get({ query: 'query($n: Int) { jobs(first: $n) { totalCount } }', variables: '{n: 1' }), status: 400, code: 'BAD_REQUEST', message: 'The "variables" or "extensions" parameter is not JSON' },
  { name: 'GET with extensions that are not JSON', request: () => get({ query: '{ jobStats { total } }', extensions: '[' }), status: 400, code: 'BAD_REQUEST', message: 'The "variables" or "extensions" parameter is not JSON' },
  { name: 'GET with first: -5 in its variables', request: () => get({ query: 'query($n: Int) { jobs(first: $n) { totalCount } }', variables: '{"n": -5}' }), status: 200, code: 'BAD_USER_INPUT', message: 'first must not be negative (got -5)' },
  { name: 'GET with a query string that is not UTF-8', request: () => ({ ...get({}), path: `/graphql?query=%7B%E0%A4%A` }), status: 200, code: 'GRAPHQL_PARSE_FAILED' },

  // --- trusted-header: who is asking --------------------------------------------------------
  { name: 'trusted-header: no user header', request: () => ({ query: '{ viewer { username } }', headers: { 'x-remote-user': null } }), status: 401, code: 'UNAUTHENTICATED', message: 'the proxy did not set the X-Remote-User header' },
  { name: 'trusted-header: the header from an untrusted address', request: () => ({ query: '{ viewer { username } }', peer: '10.1.2.3' }), status: 401, code: 'UNAUTHENTICATED', message: '10.1.2.3 is not a trusted proxy' },
  { name: 'trusted-header: the header as an IPv4-mapped untrusted address', request: () => ({ query: '{ viewer { username } }', peer: '::ffff:10.1.2.3' }), status: 401, code: 'UNAUTHENTICATED', message: 'is not a trusted proxy' },
  { name: 'trusted-header: the header over IPv6 loopback (not the proxy\'s address)', request: () => ({ query: '{ viewer { username } }', peer: '::1' }), status: 401, code: 'UNAUTHENTICATED', message: 'is not a trusted proxy' },
  { name: 'trusted-header: no peer address at all', request: () => ({ query: '{ viewer { username } }', peer: null }), status: 401, code: 'UNAUTHENTICATED', message: 'this address is not a trusted proxy' },
  { name: 'trusted-header: an empty user', request: () => ({ query: '{ viewer { username } }', headers: { 'x-remote-user': '' } }), status: 401, code: 'UNAUTHENTICATED', message: 'names no user (it is empty)' },
  { name: 'trusted-header: a 300-character user', request: () => ({ query: '{ viewer { username } }', headers: { 'x-remote-user': 'a'.repeat(300) } }), status: 401, code: 'UNAUTHENTICATED', message: 'is longer than 256 characters' },
  { name: 'trusted-header: a user with a space', request: () => ({ query: '{ viewer { username } }', headers: { 'x-remote-user': 'alice admin' } }), status: 401, code: 'UNAUTHENTICATED', message: 'is not a user name' },
  { name: 'trusted-header: a user with a colon', request: () => ({ query: '{ viewer { username } }', headers: { 'x-remote-user': 'root:x:0' } }), status: 401, code: 'UNAUTHENTICATED', message: 'is not a user name' },
  { name: 'trusted-header: the header twice (joined with ", ")', request: (f) => ({ query: '{ viewer { username } }', headers: { 'x-remote-user': null }, append: [['x-remote-user', f.user], ['x-remote-user', 'root']] }), status: 401, code: 'UNAUTHENTICATED', message: 'is not a user name' },
  { name: 'trusted-header: a user the system does not know', request: () => ({ query: '{ viewer { username } }', headers: { 'x-remote-user': 'mallory' } }), status: 403, code: 'FORBIDDEN', message: '"mallory" is not known' },
  { name: 'a second request while the user\'s one allowed request is in flight', whileAnotherInFlight: true, request: () => graphql('{ jobStats { total } }'), status: 429, code: 'TOO_MANY_REQUESTS', message: 'at most 1 at once', header: ['retry-after', /^\d+$/] },
  { name: 'trusted-header: a uid in place of a name', request: () => ({ query: '{ viewer { username } }', headers: { 'x-remote-user': '0' } }), status: 403, code: 'FORBIDDEN', message: '"0" is not known' },

  // --- jwt: bearer tokens -------------------------------------------------------------------
  ...jwtRows(),
];

function jwtRows(): Row[] {
  const challenge: [string, RegExp] = ['www-authenticate', /^Bearer realm="flux-graphql"/];
  const claims = { iss: ISSUER, aud: AUDIENCE };
  const rows: Omit<Row, 'app' | 'status' | 'code'>[] = [
    { name: 'no Authorization header', request: () => ({ headers: { authorization: null } }), message: 'this server needs a bearer token' },
    { name: 'Basic credentials', request: () => ({ headers: { authorization: 'Basic YWxpY2U6cHc=' } }), message: 'the Authorization header is not "Bearer <JWT>"' },
    { name: '"Bearer" with no token', request: () => ({ headers: { authorization: 'Bearer' } }), message: 'is not "Bearer <JWT>"' },
    { name: 'a token with a space in it', request: () => ({ headers: { authorization: 'Bearer abc def' } }), message: 'is not "Bearer <JWT>"' },
    { name: 'two Authorization headers (joined with ", ")', request: (f) => ({ headers: { authorization: null }, append: [['authorization', `Bearer ${f.goodToken}`], ['authorization', `Bearer ${f.goodToken}`]] }), message: 'is not "Bearer <JWT>"' },
    { name: 'a token that is not a JWT', request: () => bearer('not.a.jwt'), message: 'the bearer token is not valid (ERR_JWS_INVALID)' },
    { name: 'a 64 KB token', request: () => bearer('a'.repeat(64 * 1024)), message: 'the bearer token is not valid' },
    { name: 'an expired token', request: async (f) => bearer(await f.token({ ...claims, preferred_username: f.user }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 })), message: 'the bearer token has expired' },
    { name: 'a token not valid before an hour from now', request: async (f) => bearer(await f.token({ ...claims, preferred_username: f.user }, { notBefore: '1h' })), message: 'the bearer token\'s "nbf" claim is not accepted' },
    { name: 'a token signed by another key', request: async (f) => bearer(await f.token({ ...claims, preferred_username: f.user }, { key: strangerKey })), message: 'the bearer token is not signed by a trusted key' },
    { name: 'a good token with its payload changed to root', request: (f) => bearer([f.goodToken.split('.')[0], segment({ ...claims, preferred_username: 'root', exp: Math.floor(Date.now() / 1000) + 600 }), f.goodToken.split('.')[2]].join('.')), message: 'the bearer token is not signed by a trusted key' },
    { name: 'an unsigned token (alg none)', request: () => bearer(`${segment({ alg: 'none' })}.${segment({ ...claims, preferred_username: 'root', exp: Math.floor(Date.now() / 1000) + 600 })}.`), message: 'Not authenticated: the bearer token' },
    { name: 'HS256 keyed with the public key (algorithm confusion)', request: async (f) => bearer(await new SignJWT({ ...claims, preferred_username: 'root' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(f.publicKeyPem))), message: 'signed with an algorithm this server does not accept' },
    { name: 'a token without an expiry', request: async (f) => bearer(await f.token({ ...claims, preferred_username: f.user }, { expiresIn: null })), message: 'the bearer token\'s "exp" claim is not accepted (missing)' },
    { name: 'a token of another issuer', request: async (f) => bearer(await f.token({ ...claims, iss: 'https://evil.example.org', preferred_username: f.user })), message: 'the bearer token\'s "iss" claim is not accepted' },
    { name: 'a token for another audience', request: async (f) => bearer(await f.token({ ...claims, aud: 'grafana', preferred_username: f.user })), message: 'the bearer token\'s "aud" claim is not accepted' },
    { name: 'a token naming nobody', request: async (f) => bearer(await f.token({ ...claims })), message: 'the bearer token names no user' },
    { name: 'a token whose name is a number', request: async (f) => bearer(await f.token({ ...claims, preferred_username: 0 })), message: 'claim is not a string' },
    { name: 'a token whose name is empty', request: async (f) => bearer(await f.token({ ...claims, preferred_username: '' })), message: 'names no user (it is empty)' },
    { name: 'a token whose name has a newline', request: async (f) => bearer(await f.token({ ...claims, preferred_username: 'alice\nroot' })), message: 'is not a user name' },
  ];
  return [
    ...rows.map((row): Row => ({ ...row, name: `jwt: ${row.name}`, app: 'jwt', status: 401, code: 'UNAUTHENTICATED', header: challenge })),
    { name: 'jwt: a valid token for a user the system does not know', app: 'jwt', request: async (f) => bearer(await f.token({ ...claims, preferred_username: 'mallory' })), status: 403, code: 'FORBIDDEN', message: '"mallory" is not known' },
  ];
}

// ---------------------------------------------------------------------------------------------

let dir: string;
let embedded: EmbeddedBackend;
let proxyApp: FluxGraphQLApp;
let jwtApp: FluxGraphQLApp;
let strangerKey: KeyLike;
let fixtures: Fixtures;
let user: string;
let expectedGood: GraphQLBody;

const GOOD_QUERY = '{ viewer { username admin } jobs(first: 3) { totalCount nodes { id state } } }';

async function appWith(auth: AuthSettings): Promise<FluxGraphQLApp> {
  const handle = embedded.instance.handle();
  const identity = await embeddedIdentity(embedded, { auth, handle });
  // One request per user at a time: a refusal that kept its slot would fail the next request.
  return createApp({ handle, logging: false, identity, maxConcurrentPerUser: 1, jobInfo: { now: embedded.instance.now, usernameOf: embedded.usernameOf } });
}

async function send(app: FluxGraphQLApp, spec: Hostile, defaultAuth: Record<string, string>): Promise<{ status: number; headers: Headers; text: string }> {
  const headers = new Headers();
  const defaults: Record<string, string | null> = { 'content-type': 'application/json', accept: 'application/json', ...defaultAuth, ...spec.headers };
  for (const [name, value] of Object.entries(defaults)) if (value !== null) headers.set(name, value);
  for (const [name, value] of spec.append ?? []) headers.append(name, value);
  const method = spec.method ?? 'POST';
  const text = method === 'GET' || method === 'HEAD' ? undefined : (spec.body ?? (spec.query === undefined ? undefined : JSON.stringify({ query: spec.query, variables: spec.variables })));
  // fetch gives a string body a Content-Type of its own (text/plain); bytes go without one.
  const body = text !== undefined && !headers.has('content-type') ? new TextEncoder().encode(text) : text;
  const url = `http://localhost${spec.path ?? '/graphql'}`;
  const peer = spec.peer === undefined ? '127.0.0.1' : spec.peer;
  const init: RequestInit = { method, headers, ...(body === undefined ? {} : { body }) };
  const response = peer === null ? await app.fetch(url, init) : await app.fetch(url, init, { req: { socket: { remoteAddress: peer } } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/**
 * A request of this user that stays in flight until released: its body is held back once the
 * server has begun to read it (by then the request holds the user's slot). Released, it is sent
 * in full and must be answered.
 */
async function holdOneRequest(app: FluxGraphQLApp, auth: Record<string, string>): Promise<{ release(): Promise<void> }> {
  let reading!: () => void;
  const readingStarted = new Promise<void>((resolve) => (reading = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reading();
        await released;
        controller.enqueue(new TextEncoder().encode(JSON.stringify({ query: '{ jobStats { total } }' })));
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  const init = { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body, duplex: 'half' } as RequestInit;
  const answer = Promise.resolve(app.fetch('http://localhost/graphql', init, { req: { socket: { remoteAddress: '127.0.0.1' } } }));
  await readingStarted;
  return {
    async release() {
      release();
      const response = await answer;
      expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { data: { jobStats: { total: 60 } } } });
    },
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fg-hostile-'));
  embedded = await openEmbeddedInstance({ jobs: 60, seed: 5, live: false, latencyMs: 0 });
  const handle = embedded.instance.handle();
  const listed = (await handle.rpc('job-list.list', { max_entries: 1, attrs: ['userid'], constraint: { not: [{ userid: [embedded.instance.ownerUserid] }] } })) as { jobs: { userid: number }[] };
  user = embedded.usernameOf((listed.jobs[0] as { userid: number }).userid) as string;

  const pair = await generateKeyPair('ES256');
  strangerKey = (await generateKeyPair('ES256')).privateKey;
  const publicKeyPem = await exportSPKI(pair.publicKey);
  const keyFile = join(dir, 'key.pem');
  writeFileSync(keyFile, publicKeyPem);
  proxyApp = await appWith({ mode: 'trusted-header', header: 'X-Remote-User', trustedProxies: ['127.0.0.1'] });
  jwtApp = await appWith({ mode: 'jwt', keyFile, userClaims: ['preferred_username', 'sub'], issuer: ISSUER, audience: AUDIENCE });

  const token: Fixtures['token'] = (claims, options = {}) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).setIssuedAt();
    const expiresIn = options.expiresIn === undefined ? '5m' : options.expiresIn;
    if (expiresIn !== null) jwt.setExpirationTime(expiresIn);
    if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
    return jwt.sign(options.key ?? pair.privateKey);
  };
  const goodToken = await token({ iss: ISSUER, aud: AUDIENCE, preferred_username: user }, { expiresIn: '1h' });

  const asUser = { 'x-remote-user': user };
  const page = JSON.parse(
    (await send(proxyApp, graphql('{ jobs(first: 2) { nodes { id } pageInfo { endCursor } } other: jobs(first: 2, filters: [INACTIVE]) { pageInfo { endCursor } } }'), asUser)).text,
  ) as { data: { jobs: { nodes: { id: string }[]; pageInfo: { endCursor: string } }; other: { pageInfo: { endCursor: string } } } };
  const jobIds = page.data.jobs.nodes.map((node) => node.id);
  const idsPage = JSON.parse((await send(proxyApp, graphql('query($ids: [JobID!]) { jobs(ids: $ids, first: 1) { pageInfo { endCursor } } }', { ids: jobIds }), asUser)).text) as {
    data: { jobs: { pageInfo: { endCursor: string } } };
  };
  const cursor = page.data.jobs.pageInfo.endCursor;
  fixtures = {
    user,
    cursor,
    otherQueryCursor: page.data.other.pageInfo.endCursor,
    idsCursor: idsPage.data.jobs.pageInfo.endCursor,
    fingerprint: (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { q: string }).q,
    jobIds,
    publicKeyPem,
    goodToken,
    token,
  };
  expectedGood = JSON.parse((await send(proxyApp, graphql(GOOD_QUERY), asUser)).text) as GraphQLBody;
});

afterAll(async () => {
  await embedded?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('hostile input', () => {
  it('has at least 60 rows, each with its own name', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(ROWS.map((row) => row.name)).size).toBe(ROWS.length);
  });

  it('uses only codes that schema/README.md documents', () => {
    const documented = readFileSync(join(__dirname, '..', '..', 'schema', 'README.md'), 'utf8');
    const missing = [...new Set(ROWS.map((row) => row.code))].filter((code) => !documented.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('answers a good request as the viewer it names before any row', () => {
    expect(expectedGood.errors).toBeUndefined();
    expect(expectedGood.data).toMatchObject({ viewer: { username: user, admin: false }, jobs: { totalCount: 60 } });
  });

  it.each(ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const app = row.app === 'jwt' ? jwtApp : proxyApp;
    const auth: Record<string, string> = row.app === 'jwt' ? { authorization: `Bearer ${fixtures.goodToken}` } : { 'x-remote-user': user };
    const spec = await row.request(fixtures);
    const held = row.whileAnotherInFlight === true ? await holdOneRequest(app, auth) : undefined;
    const answer = await send(app, { query: '{ jobStats { total } }', ...spec }, auth);
    await held?.release();

    expect({ status: answer.status }).toEqual({ status: row.status });
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const body = JSON.parse(answer.text) as GraphQLBody;
    expect(body.errors?.length ?? 0).toBeGreaterThan(0);
    // Every error has a code, and none is the masked "Unexpected error." of a server fault.
    for (const error of body.errors ?? []) {
      expect(typeof error.extensions?.code).toBe('string');
      expect(error.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
      expect(error.message).not.toBe('Unexpected error.');
    }
    expect(body.errors?.[0]?.extensions?.code).toBe(row.code);
    if (typeof row.message === 'string') expect(body.errors?.[0]?.message).toContain(row.message);
    else if (row.message !== undefined) expect(body.errors?.[0]?.message).toMatch(row.message);
    if (row.header !== undefined) expect(answer.headers.get(row.header[0])).toMatch(row.header[1]);

    // The server goes on serving: the same user's next request is answered in full.
    const good = await send(app, graphql(GOOD_QUERY), auth);
    expect({ status: good.status, body: JSON.parse(good.text) as unknown }).toEqual({ status: 200, body: expectedGood });
  });
});
