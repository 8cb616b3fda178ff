/**
 * Flux messages (RFC 3) as bytes: the frame sequence that the local
 * connector and the ssh relay carry inside each stream record.
 *
 * A message is: [route frames..., empty delimiter] when ROUTE, [topic] when
 * TOPIC, [payload] when PAYLOAD, and always a 20-byte PROTO frame last. Each
 * frame is a size prefix (1 byte below 255, else 0xFF + 4-byte big-endian
 * size) followed by its bytes. Decoding follows flux-core's rules so that we
 * accept exactly what a broker accepts, and errors say what was expected.
 */
import { FluxError } from './errors';
import { type Json, parseJson, stringifyJson } from './json';

export const MessageType = {
  REQUEST: 0x01,
  RESPONSE: 0x02,
  EVENT: 0x04,
  CONTROL: 0x08,
} as const;
export type MessageTypeValue = (typeof MessageType)[keyof typeof MessageType];

export const MessageFlag = {
  TOPIC: 0x01,
  PAYLOAD: 0x02,
  NORESPONSE: 0x04,
  ROUTE: 0x08,
  UPSTREAM: 0x10,
  PRIVATE: 0x20,
  STREAMING: 0x40,
  USER1: 0x80,
} as const;

export const PROTO_SIZE = 20;
export const PROTO_MAGIC = 0x8e;
export const PROTO_VERSION = 0x01;

/** Short size prefixes cover 0..254; 255 announces a 4-byte size. */
const LONG_SIZE_MARKER = 0xff;

const TYPE_NAMES: Record<number, string> = {
  [MessageType.REQUEST]: 'request',
  [MessageType.RESPONSE]: 'response',
  [MessageType.EVENT]: 'event',
  [MessageType.CONTROL]: 'control',
};

/**
 * One Flux message. `aux1` and `aux2` are the PROTO frame's type-dependent
 * words: request → nodeid / matchtag, response → errnum / matchtag,
 * event → sequence / unused, control → control type / status.
 *
 * `flags` is the whole flag byte; TOPIC, PAYLOAD and ROUTE must agree with
 * the presence of `topic`, `payload` and a route stack (`routes`, possibly
 * empty, is only meaningful when ROUTE is set and must be empty otherwise).
 */
export interface FluxMessage {
  type: MessageTypeValue;
  flags: number;
  userid: number;
  rolemask: number;
  aux1: number;
  aux2: number;
  /** Route identifiers in wire order (first frame first). */
  routes: string[];
  topic?: string;
  payload?: Uint8Array;
}

export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `0x${type.toString(16).padStart(2, '0')}`;
}

export function hasFlag(msg: Pick<FluxMessage, 'flags'>, flag: number): boolean {
  return (msg.flags & flag) !== 0;
}

function protocolError(message: string): FluxError {
  return new FluxError('FLUX_PROTOCOL', message);
}

function hex8(value: number): string {
  return `0x${value.toString(16).padStart(2, '0')}`;
}

function isUint32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

const utf8Encoder = new TextEncoder();
/** With the u flag a valid pair is one code point, so only lone surrogates match. */
const LONE_SURROGATE = /\p{Cs}/u;
const utf8Decoder = new TextDecoder('utf-8');

function validateWireString(what: string, text: string, allowEmpty: boolean): void {
  if (typeof text !== 'string') throw protocolError(`${what}: expected a string, received ${typeof text}`);
  if (!allowEmpty && text.length === 0) throw protocolError(`${what}: expected a non-empty string`);
  if (text.includes('\u0000')) throw protocolError(`${what}: expected no NUL characters, received ${JSON.stringify(text)}`);
  if (LONE_SURROGATE.test(text)) throw protocolError(`${what}: expected well-formed Unicode, received a lone surrogate`);
}

/** Checks that a message can be encoded faithfully; throws FLUX_PROTOCOL naming the problem. */
export function validateMessage(msg: FluxMessage): void {
  if (TYPE_NAMES[msg.type] === undefined) {
    throw protocolError(`message type: expected request (1), response (2), event (4) or control (8), received ${String(msg.type)}`);
  }
  if (!Number.isInteger(msg.flags) || msg.flags < 0 || msg.flags > 0xff) {
    throw protocolError(`message flags: expected an integer 0..255, received ${String(msg.flags)}`);
  }
  if (hasFlag(msg, MessageFlag.NORESPONSE) && hasFlag(msg, MessageFlag.STREAMING)) {
    throw protocolError('message flags: NORESPONSE and STREAMING cannot both be set');
  }
  for (const [field, value] of [
    ['userid', msg.userid],
    ['rolemask', msg.rolemask],
    ['aux1', msg.aux1],
    ['aux2', msg.aux2],
  ] as const) {
    if (!isUint32(value)) throw protocolError(`${field}: expected an unsigned 32-bit integer, received ${String(value)}`);
  }
  const topicFlag = hasFlag(msg, MessageFlag.TOPIC);
  if (topicFlag !== (msg.topic !== undefined)) {
    throw protocolError(
      topicFlag ? 'TOPIC flag is set but the message has no topic' : `message has topic ${JSON.stringify(msg.topic)} but the TOPIC flag is clear`,
    );
  }
  if (msg.topic !== undefined) validateWireString('topic', msg.topic, true);
  const payloadFlag = hasFlag(msg, MessageFlag.PAYLOAD);
  if (payloadFlag !== (msg.payload !== undefined)) {
    throw protocolError(
      payloadFlag ? 'PAYLOAD flag is set but the message has no payload' : 'message has a payload but the PAYLOAD flag is clear',
    );
  }
  if (msg.payload !== undefined && !(msg.payload instanceof Uint8Array)) {
    throw protocolError('payload: expected a Uint8Array');
  }
  if (!Array.isArray(msg.routes)) throw protocolError('routes: expected an array of route identifiers');
  if (!hasFlag(msg, MessageFlag.ROUTE) && msg.routes.length > 0) {
    throw protocolError(`message has ${msg.routes.length} route(s) but the ROUTE flag is clear`);
  }
  // An empty route frame would read back as the delimiter, so routes must be non-empty.
  msg.routes.forEach((route, i) => validateWireString(`route ${i}`, route, false));
}

function frameSize(length: number): number {
  return (length < LONG_SIZE_MARKER ? 1 : 5) + length;
}

function writeFrame(out: Uint8Array, view: DataView, offset: number, bytes: Uint8Array | null, length: number): number {
  if (length < LONG_SIZE_MARKER) {
    out[offset++] = length;
  } else {
    out[offset++] = LONG_SIZE_MARKER;
    view.setUint32(offset, length);
    offset += 4;
  }
  if (bytes !== null && length > 0) out.set(bytes, offset);
  return offset + length;
}

/** Encodes the frames of a message (without the stream header). Throws FLUX_PROTOCOL for an invalid message. */
export function encodeMessage(msg: FluxMessage): Uint8Array {
  validateMessage(msg);
  const routeBytes = hasFlag(msg, MessageFlag.ROUTE) ? msg.routes.map((r) => utf8Encoder.encode(r)) : [];
  const topicBytes = msg.topic !== undefined ? utf8Encoder.encode(msg.topic) : null;
  const payload = msg.payload ?? null;

  let total = frameSize(PROTO_SIZE);
  for (const route of routeBytes) total += frameSize(route.length);
  if (hasFlag(msg, MessageFlag.ROUTE)) total += frameSize(0);
  if (topicBytes !== null) total += frameSize(topicBytes.length);
  if (payload !== null) total += frameSize(payload.length);

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let offset = 0;
  if (hasFlag(msg, MessageFlag.ROUTE)) {
    for (const route of routeBytes) offset = writeFrame(out, view, offset, route, route.length);
    offset = writeFrame(out, view, offset, null, 0);
  }
  if (topicBytes !== null) offset = writeFrame(out, view, offset, topicBytes, topicBytes.length);
  if (payload !== null) offset = writeFrame(out, view, offset, payload, payload.length);

  out[offset++] = PROTO_SIZE;
  out[offset] = PROTO_MAGIC;
  out[offset + 1] = PROTO_VERSION;
  out[offset + 2] = msg.type;
  out[offset + 3] = msg.flags;
  view.setUint32(offset + 4, msg.userid);
  view.setUint32(offset + 8, msg.rolemask);
  view.setUint32(offset + 12, msg.aux1);
  view.setUint32(offset + 16, msg.aux2);
  return out;
}

interface FrameRef {
  start: number;
  length: number;
}

function splitFrames(bytes: Uint8Array): FrameRef[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: FrameRef[] = [];
  let p = 0;
  while (p < bytes.length) {
    const prefixAt = p;
    let length = bytes[p++] as number;
    if (length === LONG_SIZE_MARKER) {
      if (bytes.length - p < 4) {
        throw protocolError(
          `truncated message: frame ${frames.length} at offset ${prefixAt} announces a 4-byte size but only ${bytes.length - p} byte(s) remain`,
        );
      }
      length = view.getUint32(p);
      p += 4;
    }
    if (bytes.length - p < length) {
      throw protocolError(
        `truncated message: frame ${frames.length} at offset ${prefixAt} expected ${length} byte(s), only ${bytes.length - p} remain`,
      );
    }
    frames.push({ start: p, length });
    p += length;
  }
  return frames;
}

/** Text of a frame up to its first NUL, as flux-core's strndup-based decoder reads topics. */
function frameText(bytes: Uint8Array, frame: FrameRef): string {
  let end = frame.start + frame.length;
  const nul = bytes.indexOf(0, frame.start);
  if (nul !== -1 && nul < end) end = nul;
  return utf8Decoder.decode(bytes.subarray(frame.start, end));
}

/**
 * Decodes the frames of one message (the bytes after the stream header).
 * Throws FluxError FLUX_PROTOCOL saying what was expected and what was found.
 * As in flux-core, frames left over between the payload and PROTO are ignored.
 * The returned payload is a copy, so the input buffer may be reused.
 */
export function decodeMessage(bytes: Uint8Array): FluxMessage {
  const frames = splitFrames(bytes);
  const protoFrame = frames[frames.length - 1];
  if (protoFrame === undefined) throw protocolError('empty message: expected at least the 20-byte PROTO frame');
  if (protoFrame.length !== PROTO_SIZE) {
    throw protocolError(`PROTO frame (last frame): expected ${PROTO_SIZE} bytes, received ${protoFrame.length}`);
  }
  const at = protoFrame.start;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = bytes[at] as number;
  if (magic !== PROTO_MAGIC) throw protocolError(`PROTO frame: expected magic ${hex8(PROTO_MAGIC)}, received ${hex8(magic)}`);
  const version = bytes[at + 1] as number;
  if (version !== PROTO_VERSION) throw protocolError(`PROTO frame: expected version ${PROTO_VERSION}, received ${version}`);
  const type = bytes[at + 2] as number;
  if (TYPE_NAMES[type] === undefined) {
    throw protocolError(`PROTO frame: expected message type 0x01, 0x02, 0x04 or 0x08, received ${hex8(type)}`);
  }
  const flags = bytes[at + 3] as number;
  const msg: FluxMessage = {
    type: type as MessageTypeValue,
    flags,
    userid: view.getUint32(at + 4),
    rolemask: view.getUint32(at + 8),
    aux1: view.getUint32(at + 12),
    aux2: view.getUint32(at + 16),
    routes: [],
  };

  const protoIndex = frames.length - 1;
  let index = 0;
  if (flags & MessageFlag.ROUTE) {
    while (index < protoIndex && (frames[index] as FrameRef).length > 0) {
      msg.routes.push(frameText(bytes, frames[index] as FrameRef));
      index++;
    }
    if (index === protoIndex) {
      throw protocolError(
        `ROUTE flag is set: expected an empty route delimiter frame before the PROTO frame, received ${msg.routes.length} route frame(s) and no delimiter`,
      );
    }
    index++;
  }
  if (flags & MessageFlag.TOPIC) {
    if (index === protoIndex) throw protocolError('TOPIC flag is set: expected a topic frame before the PROTO frame, received none');
    msg.topic = frameText(bytes, frames[index] as FrameRef);
    index++;
  }
  if (flags & MessageFlag.PAYLOAD) {
    if (index === protoIndex) throw protocolError('PAYLOAD flag is set: expected a payload frame before the PROTO frame, received none');
    const frame = frames[index] as FrameRef;
    msg.payload = bytes.slice(frame.start, frame.start + frame.length);
    index++;
  }
  return msg;
}

/** A one-line description for logs: "request job-list.list flags=0x4b matchtag=1". */
export function describeMessage(msg: FluxMessage): string {
  const topic = msg.topic ?? '(no topic)';
  const tail =
    msg.type === MessageType.RESPONSE
      ? ` errnum=${msg.aux1} matchtag=${msg.aux2}`
      : msg.type === MessageType.REQUEST
        ? ` nodeid=${msg.aux1} matchtag=${msg.aux2}`
        : '';
  return `${typeName(msg.type)} ${topic} flags=${hex8(msg.flags)}${tail}`;
}

// ---------------------------------------------------------------------------
// Payload conventions (RFC 3): strings and JSON end with a NUL that is part of
// the payload; JSON payloads are objects.

/** UTF-8 text + NUL. */
export function encodeStringPayload(text: string): Uint8Array {
  validateWireString('string payload', text, true);
  const body = utf8Encoder.encode(text);
  const out = new Uint8Array(body.length + 1);
  out.set(body);
  return out;
}

/**
 * The text of a string payload. Throws FLUX_PROTOCOL when the last byte is not
 * NUL (flux_msg_get_string's rule); like a C string it ends at the first NUL.
 */
export function decodeStringPayload(payload: Uint8Array): string {
  if (payload.length === 0 || payload[payload.length - 1] !== 0) {
    const last = payload.length === 0 ? 'an empty payload' : `last byte ${hex8(payload[payload.length - 1] as number)}`;
    throw protocolError(`string payload: expected a trailing NUL byte, received ${last}`);
  }
  const nul = payload.indexOf(0);
  return utf8Decoder.decode(payload.subarray(0, nul));
}

/** Compact JSON (reals stay reals, bigints exact) + NUL. */
export function encodeJsonPayload(value: Json): Uint8Array {
  return encodeStringPayload(stringifyJson(value));
}

/** Parses a JSON payload (text + NUL); 64-bit integers come back as bigint. Throws FLUX_PROTOCOL. */
export function decodeJsonPayload(payload: Uint8Array): Json {
  const text = decodeStringPayload(payload);
  try {
    return parseJson(text);
  } catch (err) {
    throw protocolError(`JSON payload: expected valid JSON, received ${JSON.stringify(text.slice(0, 80))}: ${(err as Error).message}`);
  }
}

/** Parses a JSON payload that must be an object, as flux_msg_unpack requires. */
export function decodeJsonObjectPayload(payload: Uint8Array): Json {
  const value = decodeJsonPayload(payload);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw protocolError(`JSON payload: expected an object, received ${kind}`);
  }
  return value;
}

/**
 * The error string of an error response, or undefined when it has none. A
 * payload that is not a NUL-terminated string counts as none, as in
 * flux_response_decode_error.
 */
export function errorStringOf(msg: FluxMessage): string | undefined {
  if (msg.payload === undefined) return undefined;
  try {
    return decodeStringPayload(msg.payload);
  } catch {
    return undefined;
  }
}
