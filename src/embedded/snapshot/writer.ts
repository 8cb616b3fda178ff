/**
 * Writes snapshots as a stream: the header, then one job record per line, so a listing of
 * any size is written with bounded memory. Files are written to a temporary name in the
 * same directory and renamed into place only when complete, so a reader never sees half a
 * snapshot and an interrupted run leaves the previous file untouched.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { stringifyJson, type Json, type JsonObject } from '../../flux/json';
import { REAL_ATTRIBUTES, type SnapshotJobRecord } from '../store/record-check';
import { DETAIL_KEYS, type RecordedJobDetails } from '../store/recorded-details';
import { DETAILS_MEMBER, SNAPSHOT_VERSION, type SnapshotVersion } from './format';

/** Nested values (annotations) keep the number form JavaScript gives them; only top-level real attributes are forced to reals. */
const NO_REAL_KEYS: ReadonlySet<string> = new Set();

function formatReal(value: number): string {
  const text = stringifyJson(value, NO_REAL_KEYS);
  return Number.isInteger(value) && !text.includes('e') ? `${text}.0` : text;
}

/**
 * One record as compact JSON: the id as an exact integer, real-typed attributes with a decimal
 * point (as Flux writes them), everything else as is. Unlike stringifyJson's default, a key such
 * as "duration" nested inside annotations is not turned into a real.
 */
export function stringifyJobRecord(record: JsonObject): string {
  const parts: string[] = [];
  for (const key of Object.keys(record)) {
    const value = record[key] as Json | undefined;
    if (value === undefined) continue;
    const text = REAL_ATTRIBUTES.has(key) && typeof value === 'number' ? formatReal(value) : stringifyJson(value, NO_REAL_KEYS);
    parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** A record's "job-info" member (see format.ts): the texts as JSON strings, then "cut" if any. */
export function stringifyJobDetails(details: RecordedJobDetails): string {
  const parts: string[] = [];
  for (const key of DETAIL_KEYS) {
    const text = details.texts[key];
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${JSON.stringify(text)}`);
  }
  if (details.cut.length > 0) parts.push(`"cut":${JSON.stringify(details.cut)}`);
  return `{${parts.join(',')}}`;
}

export interface SnapshotHeader {
  /** SNAPSHOT_VERSION unless given (SNAPSHOT_DETAILS_VERSION for a snapshot with details). */
  version?: SnapshotVersion;
  taken: number;
  source: string;
  queues?: readonly string[];
}

/** The document's opening up to and including `"jobs":[`. */
export function snapshotPreamble(header: SnapshotHeader): string {
  const fields = [
    `"version":${header.version ?? SNAPSHOT_VERSION}`,
    `"taken":${formatReal(header.taken)}`,
    `"source":${JSON.stringify(header.source)}`,
  ];
  if (header.queues !== undefined) fields.push(`"queues":${stringifyJson([...header.queues], NO_REAL_KEYS)}`);
  return `{${fields.join(',')},"jobs":[`;
}

/** Somewhere text goes, with backpressure: each write resolves when the text may be buffered again. */
export interface TextSink {
  write(text: string): Promise<void>;
  /** Everything written is durable (for a file: flushed, synced, renamed into place). */
  finish(): Promise<void>;
  /** Give up: for a file, the temporary file is removed and the destination left as it was. */
  abort(): Promise<void>;
}

/** Collects text and hands it to the sink in chunks of about this many characters. */
const CHUNK_CHARS = 1 << 20;

/** A TextSink into a file that appears at `path` only once finish() succeeds. */
export async function openAtomicFileSink(path: string): Promise<TextSink> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const file: FileHandle = await open(temporary, 'wx', 0o644);
  let pending: string[] = [];
  let pendingChars = 0;
  let closed = false;

  const flush = async (): Promise<void> => {
    if (pendingChars === 0) return;
    const text = pending.join('');
    pending = [];
    pendingChars = 0;
    await file.write(text, null, 'utf8');
  };
  const closeQuietly = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await file.close().catch(() => undefined);
  };

  return {
    async write(text: string): Promise<void> {
      pending.push(text);
      pendingChars += text.length;
      if (pendingChars >= CHUNK_CHARS) await flush();
    },
    async finish(): Promise<void> {
      try {
        await flush();
        await file.sync();
        closed = true;
        await file.close();
        await rename(temporary, path);
      } catch (error) {
        await closeQuietly();
        await unlink(temporary).catch(() => undefined);
        throw error;
      }
    },
    async abort(): Promise<void> {
      pending = [];
      pendingChars = 0;
      await closeQuietly();
      await unlink(temporary).catch(() => undefined);
    },
  };
}

/** A TextSink into a stream such as process.stdout (not atomic: a reader sees it grow). */
export function streamSink(stream: Writable): TextSink {
  const waitForDrain = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const onDrain = (): void => {
        stream.off('error', onError);
        resolve();
      };
      const onError = (error: Error): void => {
        stream.off('drain', onDrain);
        reject(error);
      };
      stream.once('drain', onDrain);
      stream.once('error', onError);
    });
  return {
    async write(text: string): Promise<void> {
      if (!stream.write(text)) await waitForDrain();
    },
    async finish(): Promise<void> {
      if (stream.writableNeedDrain) await waitForDrain();
    },
    async abort(): Promise<void> {
      // Nothing to undo on a stream; what was written stays written.
    },
  };
}

/** Writes a snapshot document record by record; call close() once after the last record. */
export class SnapshotStreamWriter {
  private count = 0;

  private constructor(private readonly sink: TextSink) {}

  static async start(sink: TextSink, header: SnapshotHeader): Promise<SnapshotStreamWriter> {
    await sink.write(snapshotPreamble(header));
    return new SnapshotStreamWriter(sink);
  }

  /** Records written so far. */
  get written(): number {
    return this.count;
  }

  /** Writes one record; `details` only in a snapshot started with SNAPSHOT_DETAILS_VERSION. */
  async write(record: SnapshotJobRecord, details?: RecordedJobDetails): Promise<void> {
    let text = stringifyJobRecord(record);
    if (details !== undefined) text = `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"${DETAILS_MEMBER}":${stringifyJobDetails(details)}}`;
    await this.sink.write(`${this.count === 0 ? '\n' : ',\n'}${text}`);
    this.count++;
  }

  async close(): Promise<void> {
    await this.sink.write(this.count === 0 ? ']}\n' : '\n]}\n');
    await this.sink.finish();
  }

  async abort(): Promise<void> {
    await this.sink.abort();
  }
}
