/**
 * RFC 18 eventlogs: text of one compact JSON object per line, each line ending in "\n", each
 * object with a numeric `timestamp`, a string `name` and, only when the event has data, an
 * object `context`. The rules are those of flux-core's eventlog_decode and
 * eventlog_entry_parse (extra keys are allowed, `context: null` is not), except that text after
 * the last newline is an error here, where Flux drops it: RFC 18 has every entry end in "\n"
 * and the KVS only ever appends whole lines, so such a tail means the text was cut.
 */
import { parseJson, type Json, type JsonObject } from '../flux/json';

/** One entry; `context` is null when the event has none (the object had no `context` key). */
export interface EventlogEntry {
  readonly timestamp: number;
  readonly name: string;
  readonly context: JsonObject | null;
}

export type EventlogErrorCode =
  /** Text after the last newline: an entry without its "\n". */
  | 'EVENTLOG_UNTERMINATED'
  /** A line with nothing on it. */
  | 'EVENTLOG_EMPTY_LINE'
  /** A watched entry holding more than one line. */
  | 'EVENTLOG_NOT_ONE_LINE'
  /** A line that is not JSON. */
  | 'EVENTLOG_INVALID_JSON'
  /** A line whose JSON is not an object. */
  | 'EVENTLOG_NOT_AN_OBJECT'
  /** `timestamp` missing or not a number. */
  | 'EVENTLOG_BAD_TIMESTAMP'
  /** `name` missing or not a string. */
  | 'EVENTLOG_BAD_NAME'
  /** `context` present but not an object. */
  | 'EVENTLOG_BAD_CONTEXT';

export class EventlogError extends Error {
  override readonly name: string = 'EventlogError';
  constructor(
    readonly code: EventlogErrorCode,
    /** 1-based line of the eventlog text (1 for a single watched entry). */
    readonly line: number,
    /** What is wrong, without the line number. */
    readonly detail: string,
  ) {
    super(`eventlog line ${line}: ${detail}`);
  }
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shown(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'bigint') return value.toString();
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** One entry from its line, without the newline. */
function entryOf(line: string, lineNumber: number): EventlogEntry {
  if (line.length === 0) throw new EventlogError('EVENTLOG_EMPTY_LINE', lineNumber, 'empty line');
  let value: Json;
  try {
    value = parseJson(line);
  } catch (error) {
    throw new EventlogError('EVENTLOG_INVALID_JSON', lineNumber, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return entryOfValue(value, lineNumber);
}

/** One entry from its decoded JSON value (eventlog_entry_parse). */
function entryOfValue(value: Json | undefined, lineNumber: number): EventlogEntry {
  if (!isObject(value)) throw new EventlogError('EVENTLOG_NOT_AN_OBJECT', lineNumber, `expected a JSON object, got ${shown(value)}`);
  const { timestamp, name, context } = value;
  // A timestamp written with more digits than a double holds parses as bigint; Flux reads it as a double.
  if (typeof timestamp !== 'number' && typeof timestamp !== 'bigint') {
    throw new EventlogError('EVENTLOG_BAD_TIMESTAMP', lineNumber, `timestamp: expected a number, got ${shown(timestamp)}`);
  }
  if (typeof name !== 'string') throw new EventlogError('EVENTLOG_BAD_NAME', lineNumber, `name: expected a string, got ${shown(name)}`);
  if (context !== undefined && !isObject(context)) {
    throw new EventlogError('EVENTLOG_BAD_CONTEXT', lineNumber, `context: expected an object, got ${shown(context)}`);
  }
  return { timestamp: Number(timestamp), name, context: context ?? null };
}

/** Every entry of an eventlog's text ("" is an empty eventlog). Throws EventlogError. */
export function parseEventlog(text: string): EventlogEntry[] {
  const entries: EventlogEntry[] = [];
  let start = 0;
  let line = 1;
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start), line++) {
    entries.push(entryOf(text.slice(start, end), line));
    start = end + 1;
  }
  if (start < text.length) throw new EventlogError('EVENTLOG_UNTERMINATED', line, 'the last entry does not end in a newline');
  return entries;
}

/**
 * One entry as job-info.eventlog-watch sends it: a single line with its trailing "\n"
 * (eventlog_entry_decode). Throws EventlogError.
 */
export function parseEventlogLine(text: string): EventlogEntry {
  const newline = text.indexOf('\n');
  if (newline === -1) throw new EventlogError('EVENTLOG_UNTERMINATED', 1, 'the entry does not end in a newline');
  if (newline !== text.length - 1) throw new EventlogError('EVENTLOG_NOT_ONE_LINE', 1, 'more than one line in one entry');
  return entryOf(text.slice(0, newline), 1);
}

/**
 * One entry that arrived as a JSON value rather than a line (the job manager's journal sends
 * eventlog entries as objects), with the same rules as a line's object. `position` (1-based) is
 * what the error names as its line: the entry's place in the array it came in. Throws
 * EventlogError.
 */
export function parseEventlogEntry(value: Json | undefined, position = 1): EventlogEntry {
  return entryOfValue(value, position);
}
