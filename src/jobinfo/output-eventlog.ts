/**
 * RFC 24 output eventlogs (a job's `guest.output`): a header naming each stream's encoding
 * and task count, then `data` events (a piece of a stream from one or more task ranks, or its
 * end), `redirect` events (a stream sent to a file instead) and `log` events (the job shell's
 * own messages). Decoded as `flux job attach` reads it: every data event once, in eventlog
 * order (streams are not merged in time order), base64 data decoded, `repeat` ignored (the
 * shell never writes it and attach does not honour it).
 *
 * The text kept is bounded: at most `maxBytes` bytes of data over all streams, in eventlog
 * order; past the bound data is counted but dropped, and the result says it was cut.
 */
import { IdsetError, parseIdsetRanges, type IdRange } from '../flux/idset';
import type { Json, JsonObject } from '../flux/json';
import type { EventlogEntry } from './eventlog';

/** The one default bound: 1 MiB of output per job. */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

export type OutputEventlogErrorCode =
  /** The first entry is not a `header`, or the log is empty. */
  | 'OUTPUT_NO_HEADER'
  /** A second `header`. */
  | 'OUTPUT_DUPLICATE_HEADER'
  /** A header of a version other than 1, or with a malformed encoding, count or options. */
  | 'OUTPUT_BAD_HEADER'
  /** A `data` event without its stream and rank, with data that is not a string, or eof not a boolean. */
  | 'OUTPUT_BAD_DATA'
  /** Base64 data that does not decode. */
  | 'OUTPUT_BAD_BASE64'
  /** A stream or rank the header does not announce, or a rank that is not an idset. */
  | 'OUTPUT_BAD_RANK'
  | 'OUTPUT_UNKNOWN_STREAM'
  /** A `redirect` event without its stream and rank, or a path that is not a string. */
  | 'OUTPUT_BAD_REDIRECT'
  /** A `log` event without an integer level and a string message. */
  | 'OUTPUT_BAD_LOG';

export class OutputEventlogError extends Error {
  override readonly name: string = 'OutputEventlogError';
  constructor(
    readonly code: OutputEventlogErrorCode,
    /** 0-based index of the entry in the output eventlog. */
    readonly entry: number,
    detail: string,
  ) {
    super(`output eventlog entry ${entry + 1}: ${detail}`);
  }
}

export interface OutputHeader {
  readonly version: number;
  /** Each stream's default encoding ("UTF-8", "base64"). */
  readonly encoding: ReadonlyMap<string, string>;
  /** How many tasks write each stream. */
  readonly count: ReadonlyMap<string, number>;
  readonly options: JsonObject;
}

/** A stream the shell sent elsewhere: no data or eof follow for it from these ranks. */
export interface OutputRedirect {
  readonly timestamp: number;
  readonly stream: string;
  /** The ranks as the event names them (an RFC 22 idset, e.g. "0" or "[0-1]"). */
  readonly ranks: string;
  /** The file, when redirected to one. */
  readonly path: string | null;
}

/** A `log` event: a message of the job shell (RFC 5424 level 0 emergency … 7 debug). */
export interface ShellLogMessage {
  readonly timestamp: number;
  /** The shell rank, when given. */
  readonly rank: number | null;
  readonly level: number;
  readonly message: string;
  readonly component: string | null;
  readonly file: string | null;
  readonly line: number | null;
}

/** What one stream of one task did: its text (bounded) and whether it ended. */
export interface TaskStream {
  readonly text: string;
  /** An eof event arrived for this task and stream. */
  readonly ended: boolean;
  /** The stream went to a file for this task (then it has no text here). */
  readonly redirected: boolean;
}

export interface DecodeOutputOptions {
  /** Most bytes of data kept, over all streams (default DEFAULT_MAX_OUTPUT_BYTES). */
  maxBytes?: number;
  /** Keep only the data of these task ranks (an event from several ranks is kept if any is among them). */
  ranks?: readonly IdRange[];
}

/** A stream's data event as kept: its bytes and the ranks it came from. */
interface Piece {
  stream: string;
  ranks: readonly number[];
  bytes: Buffer;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: Json | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The first `limit` bytes of `bytes`, less the start of a UTF-8 character the cut would split
 * (when the first byte left out continues a character begun before it). Binary data without
 * such a character start nearby is cut at `limit`.
 */
function utf8Prefix(bytes: Buffer, limit: number): Buffer {
  if (limit >= bytes.length) return bytes;
  const isContinuation = (index: number): boolean => ((bytes[index] as number) & 0xc0) === 0x80;
  let end = limit;
  while (end > limit - 3 && end > 0 && isContinuation(end)) end--;
  return bytes.subarray(0, isContinuation(end) ? limit : end);
}

function parseHeader(entry: EventlogEntry, index: number): OutputHeader {
  const context = entry.context;
  const bad = (detail: string): OutputEventlogError => new OutputEventlogError('OUTPUT_BAD_HEADER', index, detail);
  if (context === null) throw bad('the header has no context');
  if (context['version'] !== 1) throw bad(`version ${JSON.stringify(String(context['version']))} is not 1`);
  const encoding = context['encoding'];
  const count = context['count'];
  const options = context['options'] ?? {};
  if (!isObject(encoding) || !Object.values(encoding).every((value) => typeof value === 'string')) throw bad('encoding: expected an object of strings');
  if (!isObject(count) || !Object.values(count).every(isCount)) throw bad('count: expected an object of task counts');
  if (!isObject(options)) throw bad('options: expected an object');
  return {
    version: 1,
    encoding: new Map(Object.entries(encoding) as [string, string][]),
    count: new Map(Object.entries(count) as [string, number][]),
    options,
  };
}

/**
 * One job's output as its output eventlog tells it. Built by decodeOutputEventlog; every
 * accessor reads what was decoded, nothing is fetched.
 */
export class JobOutputLog {
  private readonly pieces: Piece[] = [];
  private taskIndex: Map<number, Map<string, Buffer[]>> | undefined;
  private readonly ended = new Map<string, Set<number>>();
  private readonly redirectedRanks = new Map<string, Set<number> | 'all'>();
  readonly redirects: OutputRedirect[] = [];
  readonly messages: ShellLogMessage[] = [];
  /** Bytes of data of the selected ranks in the log, kept or not. */
  totalBytes = 0;
  /** Bytes kept (at most maxBytes). */
  keptBytes = 0;
  /** Some data of the selected ranks was dropped because of the bound. */
  truncated = false;
  /** Data events of the selected ranks that the shell base64-encoded (bytes that are not UTF-8). */
  base64Events = 0;

  constructor(
    readonly header: OutputHeader,
    readonly maxBytes: number,
    private readonly selected: readonly IdRange[] | undefined,
  ) {}

  /** The streams the header announces (stdout and stderr for a job's output), in its order. */
  get streams(): string[] {
    return [...this.header.encoding.keys()];
  }

  /** Task ranks 0 … n-1 for the largest task count of the header, the selected ones only. */
  get taskRanks(): number[] {
    const tasks = Math.max(0, ...this.header.count.values());
    const ranks: number[] = [];
    for (let rank = 0; rank < tasks; rank++) if (this.isSelected(rank)) ranks.push(rank);
    return ranks;
  }

  isSelected(rank: number): boolean {
    return this.selected === undefined || this.selected.some((range) => rank >= range.lo && rank <= range.hi);
  }

  /** The stream's text from every selected task, in eventlog order (invalid UTF-8 as U+FFFD). */
  text(stream: string): string {
    return Buffer.concat(this.pieces.filter((piece) => piece.stream === stream).map((piece) => piece.bytes)).toString('utf8');
  }

  /** What one task wrote to one stream, and how the stream ended for it. */
  task(rank: number, stream: string): TaskStream {
    const bytes = this.byTask().get(rank)?.get(stream) ?? [];
    return { text: Buffer.concat(bytes).toString('utf8'), ended: this.ended.get(stream)?.has(rank) === true, redirected: this.isRedirected(stream, rank) };
  }

  /** The kept pieces by task and stream, indexed on first use (one pass, however many tasks are asked about). */
  private byTask(): Map<number, Map<string, Buffer[]>> {
    if (this.taskIndex !== undefined) return this.taskIndex;
    const index = new Map<number, Map<string, Buffer[]>>();
    for (const piece of this.pieces) {
      for (const rank of piece.ranks) {
        let streams = index.get(rank);
        if (streams === undefined) index.set(rank, (streams = new Map()));
        const list = streams.get(piece.stream);
        if (list === undefined) streams.set(piece.stream, [piece.bytes]);
        else list.push(piece.bytes);
      }
    }
    this.taskIndex = index;
    return index;
  }

  isRedirected(stream: string, rank: number): boolean {
    const ranks = this.redirectedRanks.get(stream);
    return ranks === 'all' || ranks?.has(rank) === true;
  }

  /** Every selected task of the stream went to a file: there is no text for it here. */
  allRedirected(stream: string): boolean {
    const ranks = this.taskRanks;
    return ranks.length > 0 && ranks.every((rank) => this.isRedirected(stream, rank));
  }

  /** Every selected task's streams have ended (eof) or were redirected: no more output will come. */
  get complete(): boolean {
    return this.streams.every((stream) => {
      const tasks = this.header.count.get(stream) ?? 0;
      for (let rank = 0; rank < tasks; rank++) {
        if (this.isSelected(rank) && this.ended.get(stream)?.has(rank) !== true && !this.isRedirected(stream, rank)) return false;
      }
      return true;
    });
  }

  /** @internal decodeOutputEventlog's: one data event's bytes from these ranks. */
  addData(stream: string, ranks: readonly number[], bytes: Buffer, base64: boolean): void {
    if (!ranks.some((rank) => this.isSelected(rank))) return;
    this.totalBytes += bytes.length;
    if (base64) this.base64Events++;
    if (this.truncated) return;
    const room = this.maxBytes - this.keptBytes;
    const kept = bytes.length <= room ? bytes : utf8Prefix(bytes, room);
    if (kept.length < bytes.length) this.truncated = true;
    if (kept.length === 0) return;
    this.keptBytes += kept.length;
    this.pieces.push({ stream, ranks, bytes: kept });
  }

  /** @internal */
  addEof(stream: string, ranks: readonly number[]): void {
    let ended = this.ended.get(stream);
    if (ended === undefined) this.ended.set(stream, (ended = new Set()));
    for (const rank of ranks) ended.add(rank);
  }

  /** @internal */
  addRedirect(redirect: OutputRedirect, ranks: readonly number[] | 'all'): void {
    this.redirects.push(redirect);
    const known = this.redirectedRanks.get(redirect.stream);
    if (ranks === 'all' || known === 'all') {
      this.redirectedRanks.set(redirect.stream, 'all');
      return;
    }
    const set = known ?? new Set<number>();
    for (const rank of ranks) set.add(rank);
    this.redirectedRanks.set(redirect.stream, set);
  }
}

/** The ranks an event names: "all" (every task of the stream) or an RFC 22 idset. */
function ranksOf(text: string, tasks: number, index: number): readonly number[] {
  if (text === 'all') return Array.from({ length: tasks }, (_unused, rank) => rank);
  let ranges: IdRange[];
  try {
    ranges = parseIdsetRanges(text);
  } catch (error) {
    if (error instanceof IdsetError) throw new OutputEventlogError('OUTPUT_BAD_RANK', index, `rank ${JSON.stringify(text)} is not an idset: ${error.message}`);
    throw error;
  }
  const ranks: number[] = [];
  for (const range of ranges) {
    if (range.hi >= tasks) throw new OutputEventlogError('OUTPUT_BAD_RANK', index, `rank ${JSON.stringify(text)}: the header announces ${tasks} task(s)`);
    for (let rank = range.lo; rank <= range.hi; rank++) ranks.push(rank);
  }
  return ranks;
}

function stringOrNull(value: Json | undefined): string | null | undefined {
  if (value === undefined) return null;
  return typeof value === 'string' ? value : undefined;
}

function decodeData(log: JobOutputLog, context: JsonObject, index: number): void {
  const { stream, rank, data, eof, encoding } = context;
  if (typeof stream !== 'string' || typeof rank !== 'string') throw new OutputEventlogError('OUTPUT_BAD_DATA', index, 'data: expected a string stream and rank');
  if (data !== undefined && typeof data !== 'string') throw new OutputEventlogError('OUTPUT_BAD_DATA', index, 'data: expected a string');
  if (eof !== undefined && typeof eof !== 'boolean') throw new OutputEventlogError('OUTPUT_BAD_DATA', index, 'eof: expected a boolean');
  if (data === undefined && eof === undefined) throw new OutputEventlogError('OUTPUT_BAD_DATA', index, 'a data event with neither data nor eof');
  const tasks = log.header.count.get(stream);
  if (tasks === undefined || !log.header.encoding.has(stream)) throw new OutputEventlogError('OUTPUT_UNKNOWN_STREAM', index, `stream ${JSON.stringify(stream)} is not in the header`);
  const ranks = ranksOf(rank, tasks, index);
  if (data !== undefined && data.length > 0) {
    // As the shell's iodecode: the event's own encoding decides; the header's is the default it wrote against.
    const base64 = encoding === 'base64';
    if (base64 && !BASE64.test(data)) throw new OutputEventlogError('OUTPUT_BAD_BASE64', index, 'data is not valid base64');
    log.addData(stream, ranks, base64 ? Buffer.from(data, 'base64') : Buffer.from(data, 'utf8'), base64);
  }
  if (eof === true) log.addEof(stream, ranks);
}

function decodeRedirect(log: JobOutputLog, entry: EventlogEntry, context: JsonObject, index: number): void {
  const { stream, rank } = context;
  const path = stringOrNull(context['path']);
  if (typeof stream !== 'string' || typeof rank !== 'string' || path === undefined) {
    throw new OutputEventlogError('OUTPUT_BAD_REDIRECT', index, 'redirect: expected a string stream and rank, and a string path if any');
  }
  const tasks = log.header.count.get(stream);
  if (tasks === undefined) throw new OutputEventlogError('OUTPUT_UNKNOWN_STREAM', index, `stream ${JSON.stringify(stream)} is not in the header`);
  log.addRedirect({ timestamp: entry.timestamp, stream, ranks: rank, path }, rank === 'all' ? 'all' : ranksOf(rank, tasks, index));
}

function decodeLog(log: JobOutputLog, entry: EventlogEntry, context: JsonObject, index: number): void {
  const { level, message, rank, line } = context;
  const component = stringOrNull(context['component']);
  const file = stringOrNull(context['file']);
  const integer = (value: Json | undefined): value is number => typeof value === 'number' && Number.isSafeInteger(value);
  if (!integer(level) || typeof message !== 'string' || (rank !== undefined && !integer(rank)) || (line !== undefined && !integer(line)) || component === undefined || file === undefined) {
    throw new OutputEventlogError('OUTPUT_BAD_LOG', index, 'log: expected an integer level, a string message, and integer rank and line if any');
  }
  log.messages.push({ timestamp: entry.timestamp, rank: rank ?? null, level, message, component, file, line: line ?? null });
}

/** Adds entry `index` (not the header) to the log. Throws OutputEventlogError. */
function applyEntry(log: JobOutputLog, entry: EventlogEntry, index: number): void {
  const context = entry.context ?? {};
  switch (entry.name) {
    case 'header':
      throw new OutputEventlogError('OUTPUT_DUPLICATE_HEADER', index, 'a second header');
    case 'data':
      decodeData(log, context, index);
      break;
    case 'redirect':
      decodeRedirect(log, entry, context, index);
      break;
    case 'log':
      decodeLog(log, entry, context, index);
      break;
    default:
      // Events this version does not know are skipped, as flux job attach skips them.
      break;
  }
}

function headerLog(first: EventlogEntry | undefined, maxBytes: number, ranks: readonly IdRange[] | undefined): JobOutputLog {
  if (first === undefined || first.name !== 'header') throw new OutputEventlogError('OUTPUT_NO_HEADER', 0, first === undefined ? 'the output eventlog is empty' : `the first entry is "${first.name}", not the header`);
  return new JobOutputLog(parseHeader(first, 0), maxBytes, ranks);
}

/** The output of a job from its parsed output eventlog. Throws OutputEventlogError. */
export function decodeOutputEventlog(entries: readonly EventlogEntry[], options: DecodeOutputOptions = {}): JobOutputLog {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
  const log = headerLog(entries[0], maxBytes, options.ranks);
  for (let index = 1; index < entries.length; index++) applyEntry(log, entries[index] as EventlogEntry, index);
  return log;
}

/** One `data` event of an output eventlog, as a follower of the log hands it on. */
export interface OutputChunk {
  readonly timestamp: number;
  readonly stream: string;
  /** The task ranks as the event names them ("0", "[0-1]", "all"). */
  readonly rank: string;
  /** The data as the shell wrote it: text, or base64 when `encoding` says so (bytes that are not UTF-8). */
  readonly data: string;
  /** The event's own encoding, or the header's for the stream. */
  readonly encoding: string;
  /** This event ends the stream for its ranks. */
  readonly eof: boolean;
}

/**
 * Reads an output eventlog one entry at a time, as a watch delivers it: validates each entry as
 * decodeOutputEventlog does (same errors, same entry numbers), keeps no data, hands on each data
 * event, and says when every task's streams have ended, which is the end of the output.
 */
export class OutputFollower {
  private log: JobOutputLog | undefined;
  private index = 0;

  /** The chunk entry brings, if it is a data event. Throws OutputEventlogError. */
  add(entry: EventlogEntry): OutputChunk | undefined {
    const index = this.index++;
    if (this.log === undefined) {
      this.log = headerLog(entry, 0, undefined);
      return undefined;
    }
    applyEntry(this.log, entry, index);
    if (entry.name !== 'data') return undefined;
    const context = entry.context ?? {};
    const stream = context['stream'] as string;
    const data = typeof context['data'] === 'string' ? context['data'] : '';
    const own = context['encoding'];
    return {
      timestamp: entry.timestamp,
      stream,
      rank: context['rank'] as string,
      data,
      encoding: typeof own === 'string' ? own : (this.log.header.encoding.get(stream) ?? 'UTF-8'),
      eof: context['eof'] === true,
    };
  }

  /** Every task's streams have ended or were redirected. */
  get complete(): boolean {
    return this.log !== undefined && this.log.complete;
  }
}
