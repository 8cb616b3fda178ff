import fc from 'fast-check';
import { FluxError } from '../../src/flux/errors';
import { frameRecord, StreamDecoder, streamHeader } from '../../src/flux/stream-framing';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const bytesOf = (...values: number[]): Uint8Array => Uint8Array.from(values);

function expectProtocolError(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FluxError);
    expect((err as FluxError).code).toBe('FLUX_PROTOCOL');
    expect((err as FluxError).message).toMatch(message);
    return;
  }
  throw new Error('expected a FLUX_PROTOCOL error');
}

describe('stream records', () => {
  it('send the little-endian magic 12 00 ee ff and a big-endian length excluding the header', () => {
    expect(hex(streamHeader(0x2e))).toBe('1200eeff0000002e');
    expect(hex(frameRecord(bytesOf(1, 2, 3)))).toBe('1200eeff00000003010203');
  });

  it('accept the RFC 3 byte order ff ee 00 12 too', () => {
    const decoder = new StreamDecoder();
    expect(decoder.push(bytesOf(0xff, 0xee, 0x00, 0x12, 0, 0, 0, 2, 7, 8)).map(hex)).toEqual(['0708']);
  });

  it('split several messages out of one chunk and keep a partial one for the next', () => {
    const decoder = new StreamDecoder();
    const a = frameRecord(bytesOf(1));
    const b = frameRecord(bytesOf(2, 2));
    const c = frameRecord(bytesOf(3, 3, 3));
    const joined = Buffer.concat([a, b, c]);
    expect(decoder.push(joined.subarray(0, a.length + b.length + 5)).map(hex)).toEqual(['01', '0202']);
    expect(decoder.pendingBytes).toBe(5);
    expect(decoder.push(joined.subarray(a.length + b.length + 5)).map(hex)).toEqual(['030303']);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('assemble a message delivered one byte at a time, header included', () => {
    const decoder = new StreamDecoder();
    const record = frameRecord(Uint8Array.from({ length: 300 }, (_, i) => i & 0xff));
    const out: Uint8Array[] = [];
    for (let i = 0; i < record.length; i++) out.push(...decoder.push(record.subarray(i, i + 1)));
    expect(out).toHaveLength(1);
    expect(out[0]).toEqual(record.subarray(8));
  });

  it('deliver a zero-length record as an empty message', () => {
    expect(new StreamDecoder().push(streamHeader(0))).toEqual([new Uint8Array(0)]);
  });

  it('treat any other magic as a corrupt stream, and stay failed', () => {
    const decoder = new StreamDecoder();
    expectProtocolError(() => decoder.push(bytesOf(0x12, 0x00, 0xee, 0xfe, 0, 0, 0, 0)), /corrupt stream: expected magic 12 00 ee ff \(or ff ee 00 12\), received 12 00 ee fe/);
    expectProtocolError(() => decoder.push(frameRecord(bytesOf(1))), /corrupt stream/);
  });

  it('refuse a record larger than the configured limit before buffering it', () => {
    const decoder = new StreamDecoder(1024);
    expectProtocolError(() => decoder.push(streamHeader(1025)), /announces a message of 1025 bytes, more than the limit of 1024 bytes \(maxMessageSize\)/);
    expectProtocolError(
      () => new StreamDecoder().push(bytesOf(0x12, 0x00, 0xee, 0xff, 0xff, 0xff, 0xff, 0xff)),
      /announces a message of 4294967295 bytes, more than the limit of 256 MiB/,
    );
  });

  it('property: any split of a record sequence yields the same messages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }),
        (messages, cuts) => {
          const joined = Buffer.concat(messages.map(frameRecord));
          const decoder = new StreamDecoder();
          const out: Uint8Array[] = [];
          let offset = 0;
          for (let i = 0; offset < joined.length; i++) {
            const step = cuts[i % cuts.length] as number;
            out.push(...decoder.push(joined.subarray(offset, offset + step)));
            offset += step;
          }
          expect(out.map(hex)).toEqual(messages.map(hex));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: random bytes give messages or a FLUX_PROTOCOL error, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          new StreamDecoder(4096).push(bytes);
        } catch (err) {
          expect((err as FluxError).code).toBe('FLUX_PROTOCOL');
        }
      }),
      { numRuns: 500 },
    );
  });
});
