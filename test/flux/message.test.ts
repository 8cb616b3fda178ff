import fc from 'fast-check';
import { FLUX_NODEID_ANY, FLUX_USERID_UNKNOWN, Role } from '../../src/flux/constants';
import { FluxError } from '../../src/flux/errors';
import {
  decodeJsonObjectPayload,
  decodeJsonPayload,
  decodeMessage,
  decodeStringPayload,
  encodeJsonPayload,
  encodeMessage,
  encodeStringPayload,
  errorStringOf,
  type FluxMessage,
  MessageFlag,
  MessageType,
} from '../../src/flux/message';
import { frameRecord } from '../../src/flux/stream-framing';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function request(overrides: Partial<FluxMessage> = {}): FluxMessage {
  return {
    type: MessageType.REQUEST,
    flags: MessageFlag.TOPIC | MessageFlag.PAYLOAD | MessageFlag.ROUTE,
    userid: FLUX_USERID_UNKNOWN,
    rolemask: Role.NONE,
    aux1: FLUX_NODEID_ANY,
    aux2: 1,
    routes: [],
    topic: 'job-list.list-attrs',
    payload: encodeJsonPayload({}),
    ...overrides,
  };
}

function protocolErrorOf(fn: () => unknown): FluxError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FluxError);
    expect((err as FluxError).code).toBe('FLUX_PROTOCOL');
    return err as FluxError;
  }
  throw new Error('expected a FLUX_PROTOCOL error');
}

describe('PROTO frame (flux-core message.c unit-test vector, reference 10.5)', () => {
  it('encodes a TOPIC|PAYLOAD|ROUTE request from userid 100 with rolemask OWNER to nodeid ANY, matchtag 0', () => {
    const bytes = encodeMessage(
      request({ userid: 100, rolemask: Role.OWNER, aux1: FLUX_NODEID_ANY, aux2: 0, topic: 'foo', payload: utf8('x') }),
    );
    expect(hex(bytes.subarray(bytes.length - 21))).toBe('148e01010b0000006400000001ffffffff00000000');
  });
});

describe('worked examples (reference 10.9 and 10.10)', () => {
  it('list-attrs request with {} is the 54 bytes libflux sends', () => {
    const record = frameRecord(encodeMessage(request()));
    expect(record.length).toBe(54);
    expect(hex(record)).toBe(
      '1200eeff0000002e' +
        '00' +
        '136a6f622d6c6973742e6c6973742d6174747273' +
        '037b7d00' +
        '148e01010bffffffff00000000ffffffff00000001',
    );
  });

  it('the same request without a payload is 50 bytes with flags TOPIC|ROUTE', () => {
    const record = frameRecord(encodeMessage(request({ flags: MessageFlag.TOPIC | MessageFlag.ROUTE, payload: undefined })));
    expect(record.length).toBe(50);
    expect(hex(record.subarray(0, 8))).toBe('1200eeff0000002a');
    expect(hex(record.subarray(29))).toBe('148e010109ffffffff00000000ffffffff00000001');
  });

  it('a 379-byte response payload uses the long size form and the message is 426 bytes', () => {
    const attrs = { attrs: ['userid', 'x'.repeat(355)] };
    const payload = encodeJsonPayload(attrs);
    expect(payload.length).toBe(379);
    const response: FluxMessage = {
      type: MessageType.RESPONSE,
      flags: 0x0b,
      userid: 1000,
      rolemask: 5,
      aux1: 0,
      aux2: 1,
      routes: [],
      topic: 'job-list.list-attrs',
      payload,
    };
    const record = frameRecord(encodeMessage(response));
    expect(hex(record.subarray(0, 8))).toBe('1200eeff000001aa');
    expect(hex(record.subarray(29, 35))).toBe('ff0000017b7b');
    expect(hex(record.subarray(record.length - 21))).toBe('148e01020b000003e8000000050000000000000001');
    expect(decodeMessage(record.subarray(8))).toEqual(response);
  });

  it('streaming job-list.list request (121 bytes, flags 0x4b)', () => {
    const payload = encodeJsonPayload({ max_entries: 2, attrs: ['userid', 'name'], constraint: { states: ['run'] } });
    expect(payload.length).toBe(76);
    const record = frameRecord(
      encodeMessage(request({ flags: 0x4b, topic: 'job-list.list', payload, aux2: 2 })),
    );
    expect(record.length).toBe(121);
    expect(hex(record.subarray(0, 23))).toBe('1200eeff0000007100' + '0d6a6f622d6c6973742e6c697374');
    expect(hex(record.subarray(23, 24))).toBe('4c');
    expect(hex(record.subarray(record.length - 21))).toBe('148e01014bffffffff00000000ffffffff00000002');
  });

  it('end-of-stream ENODATA response (44 bytes, flags 0x49, no payload)', () => {
    const bytes = fromHex(`1200eeff 00000024 00
      0d 6a6f622d6c6973742e6c697374
      14 8e010249 000003e8 00000005 0000003d 00000002`);
    const msg = decodeMessage(bytes.subarray(8));
    expect(msg).toEqual({
      type: MessageType.RESPONSE,
      flags: MessageFlag.TOPIC | MessageFlag.ROUTE | MessageFlag.STREAMING,
      userid: 1000,
      rolemask: 5,
      aux1: 61,
      aux2: 2,
      routes: [],
      topic: 'job-list.list',
    });
    expect(hex(frameRecord(encodeMessage(msg)))).toBe(hex(bytes));
  });

  it('list-id EPROTO error response with its string', () => {
    const errstr = 'invalid payload: attrs must be an array';
    const msg: FluxMessage = {
      type: MessageType.RESPONSE,
      flags: 0x0b,
      userid: 1000,
      rolemask: 5,
      aux1: 71,
      aux2: 3,
      routes: [],
      topic: 'job-list.list-id',
      payload: encodeStringPayload(errstr),
    };
    const record = frameRecord(encodeMessage(msg));
    expect(hex(record.subarray(0, 9))).toBe('1200eeff0000005000');
    expect(hex(record.subarray(26, 27))).toBe('28');
    expect(hex(record.subarray(record.length - 21))).toBe('148e01020b000003e8000000050000004700000003');
    expect(errorStringOf(decodeMessage(record.subarray(8)))).toBe(errstr);
  });
});

describe('decodeMessage rejects what flux-core rejects, saying what it expected', () => {
  const proto = (type = 1, flags = 0): string => `14 8e01${type.toString(16).padStart(2, '0')}${flags.toString(16).padStart(2, '0')} ffffffff 00000000 ffffffff 00000001`;
  it.each([
    ['no frames at all', '', /empty message: expected at least the 20-byte PROTO frame/],
    ['a 19-byte last frame', `13 ${'00'.repeat(19)}`, /PROTO frame \(last frame\): expected 20 bytes, received 19/],
    ['a 21-byte last frame', `15 8e01 ${'00'.repeat(19)}`, /expected 20 bytes, received 21/],
    ['a bad PROTO magic', `14 8f010100 ${'00'.repeat(16)}`, /expected magic 0x8e, received 0x8f/],
    ['a bad PROTO version', `14 8e020100 ${'00'.repeat(16)}`, /expected version 1, received 2/],
    ['an unknown message type', `14 8e010300 ${'00'.repeat(16)}`, /expected message type 0x01, 0x02, 0x04 or 0x08, received 0x03/],
    ['ROUTE set but no delimiter', `04 61626364 ${proto(1, MessageFlag.ROUTE)}`, /ROUTE flag is set: expected an empty route delimiter frame .* received 1 route frame\(s\) and no delimiter/],
    ['TOPIC set but no topic frame', proto(1, MessageFlag.TOPIC), /TOPIC flag is set: expected a topic frame before the PROTO frame, received none/],
    ['PAYLOAD set but no payload frame', `03 666f6f ${proto(1, MessageFlag.TOPIC | MessageFlag.PAYLOAD)}`, /PAYLOAD flag is set: expected a payload frame/],
    ['a long size prefix cut short', `ff 0000`, /frame 0 at offset 0 announces a 4-byte size but only 2 byte\(s\) remain/],
    ['a frame shorter than its size', `05 6162`, /frame 0 at offset 0 expected 5 byte\(s\), only 2 remain/],
    ['a long frame shorter than its size', `03 666f6f ff 00000100 6162`, /frame 1 at offset 4 expected 256 byte\(s\), only 2 remain/],
  ])('%s', (_what, bytes, message) => {
    const err = protocolErrorOf(() => decodeMessage(fromHex(bytes)));
    expect(err.message).toMatch(message);
  });

  it('accepts a request without ROUTE (brokers do) and ignores frames between payload and PROTO, as flux-core does', () => {
    const msg = decodeMessage(fromHex(`03 666f6f 01 78 02 7a7a ${proto(1, MessageFlag.TOPIC | MessageFlag.PAYLOAD)}`));
    expect(msg.topic).toBe('foo');
    expect(Array.from(msg.payload as Uint8Array)).toEqual([0x78]);
    expect(msg.routes).toEqual([]);
  });

  it('reads routes in wire order and stops at the delimiter', () => {
    const msg = decodeMessage(fromHex(`01 61 02 6263 00 03 666f6f ${proto(1, MessageFlag.TOPIC | MessageFlag.ROUTE)}`));
    expect(msg.routes).toEqual(['a', 'bc']);
    expect(msg.topic).toBe('foo');
  });

  it('reads a NUL-terminated topic (RFC 3 wording) as the text before the NUL', () => {
    const msg = decodeMessage(fromHex(`04 666f6f00 ${proto(1, MessageFlag.TOPIC)}`));
    expect(msg.topic).toBe('foo');
  });
});

describe('encodeMessage validates its input', () => {
  it.each<[string, Partial<FluxMessage>, RegExp]>([
    ['NORESPONSE with STREAMING', { flags: 0x0b | MessageFlag.NORESPONSE | MessageFlag.STREAMING }, /NORESPONSE and STREAMING cannot both be set/],
    ['TOPIC flag without a topic', { topic: undefined }, /TOPIC flag is set but the message has no topic/],
    ['a topic without the TOPIC flag', { flags: MessageFlag.PAYLOAD | MessageFlag.ROUTE }, /message has topic "job-list.list-attrs" but the TOPIC flag is clear/],
    ['PAYLOAD flag without a payload', { payload: undefined }, /PAYLOAD flag is set but the message has no payload/],
    ['a payload without the PAYLOAD flag', { flags: MessageFlag.TOPIC | MessageFlag.ROUTE }, /message has a payload but the PAYLOAD flag is clear/],
    ['routes without the ROUTE flag', { flags: MessageFlag.TOPIC | MessageFlag.PAYLOAD, routes: ['abc'] }, /1 route\(s\) but the ROUTE flag is clear/],
    ['an empty route', { routes: [''] }, /route 0: expected a non-empty string/],
    ['a NUL inside the topic', { topic: 'a\u0000b' }, /topic: expected no NUL characters/],
    ['a lone surrogate in the topic', { topic: 'a\ud800' }, /topic: expected well-formed Unicode/],
    ['a userid beyond 32 bits', { userid: 2 ** 32 }, /userid: expected an unsigned 32-bit integer, received 4294967296/],
    ['a negative matchtag', { aux2: -1 }, /aux2: expected an unsigned 32-bit integer, received -1/],
    ['a fractional nodeid', { aux1: 1.5 }, /aux1: expected an unsigned 32-bit integer/],
    ['an unknown type', { type: 3 as FluxMessage['type'] }, /message type: expected request \(1\), response \(2\), event \(4\) or control \(8\), received 3/],
    ['flags beyond a byte', { flags: 0x10b }, /message flags: expected an integer 0..255, received 267/],
  ])('rejects %s', (_what, overrides, message) => {
    expect(protocolErrorOf(() => encodeMessage(request(overrides))).message).toMatch(message);
  });
});

describe('payload helpers', () => {
  it('JSON payloads are compact UTF-8 + NUL, keep 64-bit IDs exact and reals as reals', () => {
    const payload = encodeJsonPayload({ id: 18446744073709551615n, t_submit: 1000, name: 'é' });
    expect(Buffer.from(payload).toString('utf8')).toBe('{"id":18446744073709551615,"t_submit":1000.0,"name":"é"}\u0000');
    expect(decodeJsonPayload(payload)).toEqual({ id: 18446744073709551615n, t_submit: 1000, name: 'é' });
  });

  it('a string payload without its trailing NUL is a protocol error', () => {
    expect(protocolErrorOf(() => decodeStringPayload(utf8('oops'))).message).toBe(
      'string payload: expected a trailing NUL byte, received last byte 0x73',
    );
    expect(protocolErrorOf(() => decodeStringPayload(new Uint8Array())).message).toMatch(/received an empty payload/);
  });

  it('reads a string payload up to its first NUL, like a C string', () => {
    expect(decodeStringPayload(utf8('{}\u0000junk\u0000'))).toBe('{}');
  });

  it('invalid JSON and non-object JSON are protocol errors naming what arrived', () => {
    expect(protocolErrorOf(() => decodeJsonPayload(utf8('{nope\u0000'))).message).toMatch(/^JSON payload: expected valid JSON, received "\{nope"/);
    expect(protocolErrorOf(() => decodeJsonObjectPayload(utf8('[1]\u0000'))).message).toBe(
      'JSON payload: expected an object, received an array',
    );
  });

  it('errorStringOf: the string, an empty string, or undefined when there is none or it is not a string', () => {
    const base: FluxMessage = { type: MessageType.RESPONSE, flags: 0x09, userid: 0, rolemask: 5, aux1: 2, aux2: 2, routes: [], topic: 't' };
    expect(errorStringOf(base)).toBeUndefined();
    expect(errorStringOf({ ...base, flags: 0x0b, payload: utf8('\u0000') })).toBe('');
    expect(errorStringOf({ ...base, flags: 0x0b, payload: utf8('no nul') })).toBeUndefined();
  });
});

// --- properties -------------------------------------------------------------

const wireString = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\u0000'));
const uint32 = fc.nat({ max: 0xffffffff });

const messageArbitrary: fc.Arbitrary<FluxMessage> = fc
  .record({
    type: fc.constantFrom(MessageType.REQUEST, MessageType.RESPONSE, MessageType.EVENT, MessageType.CONTROL),
    otherFlags: fc.subarray([MessageFlag.NORESPONSE, MessageFlag.UPSTREAM, MessageFlag.PRIVATE, MessageFlag.STREAMING, MessageFlag.USER1]),
    userid: uint32,
    rolemask: uint32,
    aux1: uint32,
    aux2: uint32,
    routes: fc.option(fc.array(wireString.filter((s) => s.length > 0), { maxLength: 4 }), { nil: undefined }),
    topic: fc.option(wireString, { nil: undefined }),
    payload: fc.option(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 250, maxLength: 70000 })), { nil: undefined }),
  })
  .map(({ type, otherFlags, userid, rolemask, aux1, aux2, routes, topic, payload }) => {
    let flags = otherFlags.reduce((a, b) => a | b, 0);
    if (flags & MessageFlag.NORESPONSE) flags &= ~MessageFlag.STREAMING;
    if (routes !== undefined) flags |= MessageFlag.ROUTE;
    if (topic !== undefined) flags |= MessageFlag.TOPIC;
    if (payload !== undefined) flags |= MessageFlag.PAYLOAD;
    const msg: FluxMessage = { type, flags, userid, rolemask, aux1, aux2, routes: routes ?? [] };
    if (topic !== undefined) msg.topic = topic;
    if (payload !== undefined) msg.payload = payload;
    return msg;
  });

describe('properties', () => {
  it('decode(encode(m)) = m for any valid message', () => {
    fc.assert(
      fc.property(messageArbitrary, (msg) => {
        expect(decodeMessage(encodeMessage(msg))).toEqual(msg);
      }),
      { numRuns: 300 },
    );
  });

  it('every truncation of a valid message is a FLUX_PROTOCOL error, never a crash or a wrong message', () => {
    fc.assert(
      fc.property(messageArbitrary, fc.nat(), (msg, cut) => {
        const bytes = encodeMessage(msg);
        const truncated = bytes.subarray(0, cut % bytes.length);
        let decoded: FluxMessage | undefined;
        try {
          decoded = decodeMessage(truncated);
        } catch (err) {
          expect((err as FluxError).code).toBe('FLUX_PROTOCOL');
          return;
        }
        // A prefix can only be valid if it happens to end in a well-formed PROTO frame.
        expect(decoded.type).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes decode to a valid message or a FLUX_PROTOCOL error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const msg = decodeMessage(bytes);
          expect([1, 2, 4, 8]).toContain(msg.type);
        } catch (err) {
          expect(err).toBeInstanceOf(FluxError);
          expect((err as FluxError).code).toBe('FLUX_PROTOCOL');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes ending in a valid PROTO frame exercise the flag-driven frame walk without crashing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), fc.integer({ min: 0, max: 255 }), (prefix, flags) => {
        const protoFrame = fromHex(`14 8e0102${flags.toString(16).padStart(2, '0')} 00000000 00000005 00000000 00000001`);
        const bytes = new Uint8Array(prefix.length + protoFrame.length);
        bytes.set(prefix);
        bytes.set(protoFrame, prefix.length);
        try {
          const msg = decodeMessage(bytes);
          expect(msg.flags).toBe(flags);
        } catch (err) {
          expect((err as FluxError).code).toBe('FLUX_PROTOCOL');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
