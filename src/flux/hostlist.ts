/**
 * RFC 29 hostlists: ordered lists of host names written compactly, e.g. "node[1-4,7],login".
 *
 * Decoding follows flux-core's libhostlist where it and the RFC agree, and Flux where they differ
 * (each element of an idlist keeps its own zero padding; see the tests). Flux is lenient about a
 * few malformed forms (blanks or '+' inside brackets, "n[1-]", text after the closing bracket that
 * holds another bracket); those are rejected here with a clear error instead of being guessed at.
 * Encoding reproduces hostlist_encode(): hosts keep their order, a host whose numeric suffix
 * continues the previous host's range extends it, and neighbouring ranges with the same prefix
 * share one pair of brackets.
 */

export type HostlistErrorCode =
  | 'INVALID_HOSTLIST' // not a hostlist Flux would accept (or one we refuse, see above)
  | 'HOSTLIST_TOO_LARGE'; // valid, but expands to more hosts than the caller allowed

export class HostlistError extends Error {
  override readonly name: string = 'HostlistError';
  constructor(
    readonly code: HostlistErrorCode,
    /** The hostlist text (or, for encodeHostlist, the host name) that failed. */
    readonly input: string,
    message: string,
  ) {
    super(message);
  }
}

/** Flux refuses a single bracket range of more than 2^20 hosts as "almost certainly a typo". */
export const MAX_HOSTS_PER_RANGE = 1 << 20;
/** Flux refuses more than this many comma-separated elements inside one pair of brackets. */
export const MAX_RANGES_PER_BRACKET = 10240;
/** Default cap on how many host names parseHostlist will materialise. */
export const DEFAULT_MAX_EXPANDED_HOSTS = 1 << 20;

/** Flux splits a hostlist on these characters when they are outside brackets. */
const SEPARATORS = new Set([',', ' ', '\t']);
/** strtoul's limit: host numbers are C unsigned longs in Flux. */
const ULONG_MAX = (1n << 64n) - 1n;
const ELEMENT = /^([0-9]+)(?:-([0-9]+))?$/;
const TRAILING_DIGITS = /[0-9]+$/;

/** One element of an idlist: lo..hi, each printed zero-padded to `width` digits. */
interface NumberRange {
  readonly lo: bigint;
  readonly hi: bigint;
  readonly width: number;
}

/** One comma-separated piece of a hostlist: a literal host, or prefix[idlist]suffix. */
type HostExpression =
  | { readonly kind: 'host'; readonly name: string }
  | {
      readonly kind: 'ranges';
      readonly prefix: string;
      readonly suffix: string;
      readonly ranges: readonly NumberRange[];
    };

function invalid(input: string, reason: string): HostlistError {
  return new HostlistError('INVALID_HOSTLIST', input, `invalid hostlist '${input}': ${reason}`);
}

/** Split at separators that are outside brackets; runs of separators produce no empty tokens. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (depth === 0 && SEPARATORS.has(ch)) {
      if (current !== '') tokens.push(current);
      current = '';
      continue;
    }
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    current += ch;
  }
  if (current !== '') tokens.push(current);
  return tokens;
}

function parseNumberRange(text: string, element: string): NumberRange {
  const match = ELEMENT.exec(element);
  if (match === null) {
    const why = element === '' ? 'an empty element' : `'${element}' is not a number or a range of numbers`;
    throw invalid(text, `bad idlist: ${why}`);
  }
  const loDigits = match[1] ?? '';
  const lo = BigInt(loDigits);
  const hi = match[2] === undefined ? lo : BigInt(match[2]);
  if (lo > ULONG_MAX || hi > ULONG_MAX) throw invalid(text, `number in '${element}' is too large`);
  if (lo > hi) throw invalid(text, `range '${element}' is backwards`);
  if (hi - lo + 1n > BigInt(MAX_HOSTS_PER_RANGE)) {
    throw invalid(text, `range '${element}' has more than ${MAX_HOSTS_PER_RANGE} hosts`);
  }
  // The digits written for the low end set the padding for the whole range ("08-10" -> 08,09,10).
  return { lo, hi, width: loDigits.length };
}

function parseExpression(text: string, token: string): HostExpression {
  const open = token.indexOf('[');
  const close = token.indexOf(']');
  if (open < 0 && close < 0) return { kind: 'host', name: token };
  if (open < 0 || close < 0 || close < open) throw invalid(text, `unbalanced brackets in '${token}'`);
  const prefix = token.slice(0, open);
  const inside = token.slice(open + 1, close);
  const suffix = token.slice(close + 1);
  if (inside.includes('[')) throw invalid(text, `nested brackets in '${token}'`);
  if (suffix.includes('[') || suffix.includes(']')) {
    // RFC 29 allows one bracketed idlist per expression (prefix[idlist]suffix).
    throw invalid(text, `more than one bracketed idlist in '${token}'`);
  }
  const elements = inside.split(',');
  if (elements.length > MAX_RANGES_PER_BRACKET) {
    throw invalid(text, `more than ${MAX_RANGES_PER_BRACKET} ranges in one pair of brackets`);
  }
  return { kind: 'ranges', prefix, suffix, ranges: elements.map((element) => parseNumberRange(text, element)) };
}

function parseExpressions(text: string): HostExpression[] {
  if (typeof text !== 'string') throw invalid(String(text), 'input is not a string');
  return tokenize(text).map((token) => parseExpression(text, token));
}

function countHosts(expressions: readonly HostExpression[]): number {
  let count = 0;
  for (const expression of expressions) {
    if (expression.kind === 'host') count++;
    else for (const range of expression.ranges) count += Number(range.hi - range.lo + 1n);
  }
  return count;
}

function pad(n: bigint, width: number): string {
  return n.toString().padStart(width, '0');
}

/**
 * Number of hosts a hostlist names, duplicates included, without expanding it. Throws
 * HostlistError INVALID_HOSTLIST like parseHostlist; an empty hostlist counts 0.
 */
export function hostlistCount(text: string): number {
  return countHosts(parseExpressions(text));
}

export interface ParseHostlistOptions {
  /**
   * Accept a hostlist that names no hosts ("", " ", ",") and return []. RFC 29 and Flux's decoder
   * allow it, but Flux's constraint matcher rejects a value that adds no hosts, so the default is
   * to throw.
   */
  readonly allowEmpty?: boolean;
  /** Most hosts to expand (default 2^20); more gives HOSTLIST_TOO_LARGE. */
  readonly maxHosts?: number;
}

/**
 * Expand a hostlist into host names, in order, duplicates kept: "node[1-3],login" ->
 * ["node1","node2","node3","login"]; "node[08-10]" -> ["node08","node09","node10"].
 */
export function parseHostlist(text: string, options: ParseHostlistOptions = {}): string[] {
  const expressions = parseExpressions(text);
  const count = countHosts(expressions);
  if (count === 0 && options.allowEmpty !== true) throw invalid(text, 'no hosts');
  const maxHosts = options.maxHosts ?? DEFAULT_MAX_EXPANDED_HOSTS;
  if (count > maxHosts) {
    throw new HostlistError(
      'HOSTLIST_TOO_LARGE',
      text,
      `hostlist '${text}' has ${count} hosts, more than the limit of ${maxHosts}`,
    );
  }
  const hosts: string[] = [];
  for (const expression of expressions) {
    if (expression.kind === 'host') {
      hosts.push(expression.name);
      continue;
    }
    for (const range of expression.ranges) {
      for (let n = range.lo; n <= range.hi; n++) {
        hosts.push(expression.prefix + pad(n, range.width) + expression.suffix);
      }
    }
  }
  return hosts;
}

/** True when the text is a hostlist parseHostlist accepts (empty allowed). */
export function isValidHostlist(text: string): boolean {
  try {
    parseExpressions(text);
    return true;
  } catch (err) {
    if (err instanceof HostlistError) return false;
    throw err;
  }
}

/** A run of hosts prefix<lo..hi>, or (numbered false) one host without a numeric suffix. */
interface HostRun {
  readonly prefix: string;
  readonly numbered: boolean;
  lo: bigint;
  hi: bigint;
  width: number;
}

/** Zero digits printed in front of n when padded to width. */
function paddingOf(n: bigint, width: number): number {
  return Math.max(width - n.toString().length, 0);
}

/** Split a host name into the text before its trailing digits and those digits. */
function splitHostName(host: string): HostRun {
  const digits = TRAILING_DIGITS.exec(host)?.[0];
  if (digits === undefined || BigInt(digits) > ULONG_MAX) {
    return { prefix: host, numbered: false, lo: 0n, hi: 0n, width: 0 };
  }
  const n = BigInt(digits);
  return { prefix: host.slice(0, host.length - digits.length), numbered: true, lo: n, hi: n, width: digits.length };
}

/**
 * Try to extend `run` with `next` (a single numbered host), as Flux appends to its last range:
 * same prefix, next number, and paddings that agree, so every host still prints as it was given.
 */
function extendRun(run: HostRun, next: HostRun): boolean {
  if (!run.numbered || !next.numbered || run.prefix !== next.prefix || run.hi + 1n !== next.lo) return false;
  const runKeepsItsLook = paddingOf(run.lo, run.width) === paddingOf(run.lo, next.width);
  const nextKeepsItsLook = paddingOf(next.lo, next.width) === paddingOf(next.lo, run.width);
  if (!runKeepsItsLook && !nextKeepsItsLook) return false;
  if (runKeepsItsLook) run.width = next.width;
  run.hi = next.hi;
  return true;
}

function checkHostName(host: string): void {
  if (typeof host !== 'string' || host === '') {
    throw new HostlistError('INVALID_HOSTLIST', String(host), 'a host name in a hostlist cannot be empty');
  }
  for (const ch of host) {
    if (SEPARATORS.has(ch) || ch === '[' || ch === ']') {
      throw new HostlistError(
        'INVALID_HOSTLIST',
        host,
        `host name '${host}' cannot appear in a hostlist: it contains '${ch}'`,
      );
    }
  }
}

function formatNumbers(run: HostRun): string {
  const lo = pad(run.lo, run.width);
  return run.lo === run.hi ? lo : `${lo}-${pad(run.hi, run.width)}`;
}

/**
 * Compress host names into a hostlist the way Flux's hostlist_encode() does (and so the way
 * job-list shows `nodelist`): ["node0","node1","node2","node3"] -> "node[0-3]",
 * ["a","b"] -> "a,b", ["n1","n2","n4","login"] -> "n[1-2,4],login". Order and duplicates are
 * kept: ["n2","n1","n1"] -> "n[2,1,1]".
 */
export function encodeHostlist(hosts: Iterable<string>): string {
  const runs: HostRun[] = [];
  for (const host of hosts) {
    checkHostName(host);
    const next = splitHostName(host);
    const last = runs[runs.length - 1];
    if (last === undefined || !extendRun(last, next)) runs.push(next);
  }

  const groups: string[] = [];
  let i = 0;
  while (i < runs.length) {
    const first = runs[i] as HostRun;
    if (!first.numbered) {
      groups.push(first.prefix);
      i++;
      continue;
    }
    // Numbered runs with the same prefix that follow each other share one pair of brackets.
    const members = [formatNumbers(first)];
    let size = first.hi - first.lo + 1n;
    let j = i + 1;
    for (; j < runs.length; j++) {
      const run = runs[j] as HostRun;
      if (!run.numbered || run.prefix !== first.prefix) break;
      members.push(formatNumbers(run));
      size += run.hi - run.lo + 1n;
    }
    groups.push(size > 1n ? `${first.prefix}[${members.join(',')}]` : `${first.prefix}${members[0] ?? ''}`);
    i = j;
  }
  return groups.join(',');
}
