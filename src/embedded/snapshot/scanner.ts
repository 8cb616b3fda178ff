/**
 * Reads a snapshot document as a stream of text chunks without holding the whole text: the
 * top-level object's members are cut out one by one, and the "jobs" array element by element,
 * each piece then parsed on its own. A million-job snapshot is over 600 MB of text, more than
 * one JavaScript string may hold, so a file is never read into a single string.
 *
 * The scanner only finds where values begin and end (brackets, braces and strings); the JSON
 * inside each piece is checked by the parser when the piece is parsed.
 */
import { parseJson, type Json } from '../../flux/json';

export interface SnapshotScanHandlers {
  /** A top-level member other than "jobs", parsed. */
  member(key: string, value: Json): void;
  /** The "jobs" array begins. */
  jobsStart(): void;
  /** One element of "jobs", parsed, with its position in the array. */
  job(value: Json, index: number): void;
}

/** Text that is not a JSON document of the expected shape; `position` is "line L, column C". */
export class SnapshotSyntaxError extends Error {
  override readonly name: string = 'SnapshotSyntaxError';
  constructor(
    message: string,
    readonly position: string,
    /** The "jobs" element concerned, when the problem is inside one. */
    readonly jobIndex?: number,
  ) {
    super(message);
  }
}

const enum Phase {
  /** Before the opening brace. */
  Start,
  /** After "{" or ",": a key (or "}" right after "{"). */
  Key,
  /** After a key: the colon. */
  Colon,
  /** After the colon: the value (captured, or "[" for jobs). */
  Value,
  /** After a value: "," or "}". */
  AfterMember,
  /** Inside "jobs", before an element (or "]" when the array is empty). */
  JobsElement,
  /** Inside "jobs", after an element: "," or "]". */
  AfterJob,
  /** After the closing brace: only whitespace. */
  End,
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function describeChar(c: number): string {
  return JSON.stringify(String.fromCharCode(c));
}

/** Where a value being cut out stands, kept across chunks. */
interface Capture {
  /** Index in the buffer where the value starts. */
  start: number;
  /** Next index to look at. */
  scan: number;
  depth: number;
  inString: boolean;
  escaped: boolean;
}

export class SnapshotScanner {
  private buffer = '';
  /** Characters dropped from the front of the buffer so far, the newlines among them and where the last line began (for messages). */
  private dropped = 0;
  private droppedLines = 0;
  private droppedLineStart = 0;
  private pos = 0;
  private phase = Phase.Start;
  private key: string | undefined;
  private capture: Capture | undefined;
  private readonly seenKeys = new Set<string>();
  private jobIndex = 0;
  private inJobs = false;

  constructor(private readonly handlers: SnapshotScanHandlers) {}

  /** Takes the next piece of text; calls the handlers for every member and job completed. */
  feed(chunk: string): void {
    // compact() left only text still needed at the front of the buffer.
    this.buffer = this.buffer.length === 0 ? chunk : this.buffer + chunk;
    this.run();
    this.compact();
  }

  /** The text has ended: throws unless the document was complete. */
  finish(): void {
    if (this.phase !== Phase.End) {
      const where = this.inJobs ? ` (inside "jobs", after ${this.jobIndex} ${this.jobIndex === 1 ? 'job' : 'jobs'})` : '';
      throw new SnapshotSyntaxError(`not valid JSON: the text ends before the snapshot does${where}`, this.where(this.buffer.length));
    }
  }

  /** "line L, column C" (both from 1) of a buffer index. */
  private where(index: number): string {
    let line = this.droppedLines;
    let lineStart = this.droppedLineStart;
    for (let nl = this.buffer.indexOf('\n'); nl >= 0 && nl < index; nl = this.buffer.indexOf('\n', nl + 1)) {
      line++;
      lineStart = this.dropped + nl + 1;
    }
    return `line ${line + 1}, column ${this.dropped + index - lineStart + 1}`;
  }

  private fail(message: string, index = this.pos): never {
    throw new SnapshotSyntaxError(message, this.where(index));
  }

  /** Drops text that is no longer needed, keeping any value still being cut out. */
  private compact(): void {
    const keep = this.capture === undefined ? this.pos : this.capture.start;
    if (keep === 0) return;
    for (let nl = this.buffer.indexOf('\n'); nl >= 0 && nl < keep; nl = this.buffer.indexOf('\n', nl + 1)) {
      this.droppedLines++;
      this.droppedLineStart = this.dropped + nl + 1;
    }
    this.buffer = this.buffer.slice(keep);
    this.dropped += keep;
    this.pos -= keep;
    if (this.capture !== undefined) {
      this.capture.scan -= keep;
      this.capture.start = 0;
    }
  }

  private skipSpace(): boolean {
    const text = this.buffer;
    while (this.pos < text.length && isSpace(text.charCodeAt(this.pos))) this.pos++;
    return this.pos < text.length;
  }

  private run(): void {
    const text = this.buffer;
    for (;;) {
      if (this.capture !== undefined) {
        if (!this.continueCapture()) return;
        continue;
      }
      if (!this.skipSpace()) return;
      const c = text.charCodeAt(this.pos);
      switch (this.phase) {
        case Phase.Start:
          if (c !== OPEN_BRACE) this.fail(`a snapshot is a JSON object, but the text starts with ${describeChar(c)}`);
          this.pos++;
          this.phase = Phase.Key;
          break;
        case Phase.Key:
          if (c === CLOSE_BRACE && this.seenKeys.size === 0) {
            this.pos++;
            this.phase = Phase.End;
            break;
          }
          if (c !== QUOTE) this.fail(`not valid JSON: expected a member name in the snapshot object, found ${describeChar(c)}`);
          this.beginCapture();
          break;
        case Phase.Colon:
          if (c !== COLON) this.fail(`not valid JSON: expected ":" after "${this.key}", found ${describeChar(c)}`);
          this.pos++;
          this.phase = Phase.Value;
          break;
        case Phase.Value:
          if (this.key === 'jobs' && c === OPEN_BRACKET) {
            this.pos++;
            this.inJobs = true;
            this.phase = Phase.JobsElement;
            this.handlers.jobsStart();
          } else {
            this.beginCapture();
          }
          break;
        case Phase.AfterMember:
          this.pos++;
          if (c === COMMA) this.phase = Phase.Key;
          else if (c === CLOSE_BRACE) this.phase = Phase.End;
          else this.fail(`not valid JSON: expected "," or "}" after the value of "${this.key}", found ${describeChar(c)}`, this.pos - 1);
          break;
        case Phase.JobsElement:
          if (c === CLOSE_BRACKET && this.jobIndex === 0) {
            this.pos++;
            this.endJobs();
            break;
          }
          this.beginCapture();
          break;
        case Phase.AfterJob:
          this.pos++;
          if (c === COMMA) this.phase = Phase.JobsElement;
          else if (c === CLOSE_BRACKET) this.endJobs();
          else this.fail(`not valid JSON: expected "," or "]" after jobs[${this.jobIndex - 1}], found ${describeChar(c)}`, this.pos - 1);
          break;
        case Phase.End:
          this.fail(`not valid JSON: unexpected ${describeChar(c)} after the end of the snapshot object`);
      }
    }
  }

  private endJobs(): void {
    this.inJobs = false;
    this.phase = Phase.AfterMember;
  }

  private beginCapture(): void {
    this.capture = { start: this.pos, scan: this.pos, depth: 0, inString: false, escaped: false };
  }

  /**
   * Advances the value being cut out; true once it is complete (and handled), false when the
   * buffer ran out first. A value ends where its brackets close, or for a scalar at the next
   * ",", "}" or "]" outside any string.
   */
  private continueCapture(): boolean {
    const capture = this.capture as Capture;
    const text = this.buffer;
    const n = text.length;
    let i = capture.scan;
    let { depth, inString, escaped } = capture;
    const isString = text.charCodeAt(capture.start) === QUOTE;
    let end = -1;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (depth === 0 && isString) {
            end = i + 1;
            break;
          }
        }
        i++;
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth === 0) {
          end = i;
          break;
        }
        depth--;
        if (depth === 0) {
          end = i + 1;
          break;
        }
      } else if (c === COMMA && depth === 0) {
        end = i;
        break;
      }
      i++;
    }
    if (end < 0) {
      Object.assign(capture, { scan: i, depth, inString, escaped });
      return false;
    }
    const piece = text.slice(capture.start, end);
    this.capture = undefined;
    this.pos = end;
    this.complete(piece, capture.start);
    return true;
  }

  /** A piece of text was cut out in the current phase: a key, a member value or a job. */
  private complete(piece: string, start: number): void {
    switch (this.phase) {
      case Phase.Key: {
        let key: Json;
        try {
          key = JSON.parse(piece) as Json;
        } catch {
          this.fail(`not valid JSON: bad member name ${piece.slice(0, 40)}`, start);
        }
        if (typeof key !== 'string') this.fail(`not valid JSON: bad member name ${piece.slice(0, 40)}`, start);
        if (this.seenKeys.has(key)) this.fail(`"${key}" appears twice in the snapshot object`, start);
        this.seenKeys.add(key);
        this.key = key;
        this.phase = Phase.Colon;
        return;
      }
      case Phase.Value: {
        const value = this.parsePiece(piece, start, `the value of "${this.key}"`);
        this.phase = Phase.AfterMember;
        this.handlers.member(this.key as string, value);
        return;
      }
      case Phase.JobsElement: {
        const index = this.jobIndex++;
        let value: Json;
        try {
          value = parseJson(piece);
        } catch (error) {
          throw new SnapshotSyntaxError(`not valid JSON (${oneLine(error)})`, this.where(start), index);
        }
        this.phase = Phase.AfterJob;
        this.handlers.job(value, index);
        return;
      }
      default:
        this.fail('internal error: a value was cut out where none was expected', start);
    }
  }

  private parsePiece(piece: string, start: number, what: string): Json {
    try {
      return parseJson(piece);
    } catch (error) {
      return this.fail(`${what} is not valid JSON (${oneLine(error)})`, start);
    }
  }
}

/** V8 quotes the text in its messages; keep that on one line. */
function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}
