/**
 * Stream records of the local connector (flux-core sendfd.c / recvfd): each
 * encoded message is preceded by 4 magic bytes and a 4-byte big-endian length
 * that counts only the message, not the 8 header bytes.
 *
 * flux-core stores the magic 0xFFEE0012 in host byte order, so brokers on
 * little-endian machines put 12 00 EE FF on the wire, while RFC 3 specifies
 * FF EE 00 12. We send what brokers accept today and accept both.
 */
import { FluxError } from './errors';

export const STREAM_HEADER_SIZE = 8;
/** The magic as little-endian brokers write it (and as they expect to read it). */
export const STREAM_MAGIC_SENT = Uint8Array.of(0x12, 0x00, 0xee, 0xff);
/** The magic in RFC 3 order, accepted on receive. */
export const STREAM_MAGIC_RFC = Uint8Array.of(0xff, 0xee, 0x00, 0x12);
/** Default sanity limit for one message; Flux itself has none. */
export const DEFAULT_MAX_MESSAGE_SIZE = 256 * 1024 * 1024;

function isMagic(header: Uint8Array): boolean {
  const matches = (magic: Uint8Array): boolean =>
    header[0] === magic[0] && header[1] === magic[1] && header[2] === magic[2] && header[3] === magic[3];
  return matches(STREAM_MAGIC_SENT) || matches(STREAM_MAGIC_RFC);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** The 8-byte header for a message of `length` bytes. */
export function streamHeader(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 0xffffffff) {
    throw new FluxError('FLUX_PROTOCOL', `stream record: message length must be 0..4294967295, received ${length}`);
  }
  const header = new Uint8Array(STREAM_HEADER_SIZE);
  header.set(STREAM_MAGIC_SENT, 0);
  new DataView(header.buffer).setUint32(4, length);
  return header;
}

/** Header + message in one buffer. */
export function frameRecord(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(STREAM_HEADER_SIZE + message.length);
  out.set(streamHeader(message.length), 0);
  out.set(message, STREAM_HEADER_SIZE);
  return out;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  return `${n} bytes`;
}

/**
 * Incremental decoder: feed it whatever a read returned (part of a record,
 * several records, or both) and get back the complete messages. After it has
 * thrown, the stream is corrupt and the decoder must not be fed again.
 */
export class StreamDecoder {
  private readonly header = new Uint8Array(STREAM_HEADER_SIZE);
  private headerFilled = 0;
  private body: Uint8Array | null = null;
  private bodyFilled = 0;
  private failed: FluxError | null = null;

  constructor(readonly maxMessageSize: number = DEFAULT_MAX_MESSAGE_SIZE) {
    if (!Number.isInteger(maxMessageSize) || maxMessageSize < 0) {
      throw new RangeError(`maxMessageSize must be a non-negative integer, received ${maxMessageSize}`);
    }
  }

  /** Bytes of an incomplete record held so far. */
  get pendingBytes(): number {
    return this.headerFilled + this.bodyFilled;
  }

  /** Returns the messages completed by this chunk, in order. Throws FLUX_PROTOCOL for a corrupt stream. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed !== null) throw this.failed;
    const messages: Uint8Array[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.body === null) {
        const take = Math.min(STREAM_HEADER_SIZE - this.headerFilled, chunk.length - offset);
        this.header.set(chunk.subarray(offset, offset + take), this.headerFilled);
        this.headerFilled += take;
        offset += take;
        if (this.headerFilled < STREAM_HEADER_SIZE) break;
        this.startBody();
        // A whole body inside this chunk is the common case: copy it out in one go.
      }
      const body = this.body as Uint8Array;
      const take = Math.min(body.length - this.bodyFilled, chunk.length - offset);
      body.set(chunk.subarray(offset, offset + take), this.bodyFilled);
      this.bodyFilled += take;
      offset += take;
      if (this.bodyFilled === body.length) {
        messages.push(body);
        this.body = null;
        this.bodyFilled = 0;
        this.headerFilled = 0;
      }
    }
    return messages;
  }

  private startBody(): void {
    if (!isMagic(this.header)) {
      this.failed = new FluxError(
        'FLUX_PROTOCOL',
        `corrupt stream: expected magic 12 00 ee ff (or ff ee 00 12), received ${hex(this.header.subarray(0, 4))}`,
      );
      throw this.failed;
    }
    const length = new DataView(this.header.buffer).getUint32(4);
    if (length > this.maxMessageSize) {
      this.failed = new FluxError(
        'FLUX_PROTOCOL',
        `stream record announces a message of ${formatBytes(length)}, more than the limit of ${formatBytes(this.maxMessageSize)} (maxMessageSize)`,
      );
      throw this.failed;
    }
    this.body = new Uint8Array(length);
    this.bodyFilled = 0;
  }
}
