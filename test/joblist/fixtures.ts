import { readFileSync } from 'fs';
import { join } from 'path';
import { parseJson, type Json, type JsonObject } from '../../src/flux/json';

const FIXTURES = join(__dirname, '..', 'fixtures');

export function loadFixture(name: string): Json {
  return parseJson(readFileSync(join(FIXTURES, name), 'utf8'));
}

/** The 59 raw job objects of the snapshot, in job-list order. */
export function snapshotRecords(): JsonObject[] {
  return (loadFixture('flux-0.88-snapshot.json') as JsonObject).jobs as JsonObject[];
}

export function snapshotTaken(): number {
  return (loadFixture('flux-0.88-snapshot.json') as JsonObject).taken as number;
}

/** Flux's JobInfo.to_dict(False) (+ state_single, status_abbrev, result_abbrev, id_dec) per job. */
export function snapshotJobInfo(): JsonObject[] {
  return loadFixture('flux-0.88-snapshot-jobinfo.json') as JsonObject[];
}

export function jobInfoDump(): JsonObject[] {
  return loadFixture('flux-0.88-jobinfo-dump.json') as JsonObject[];
}

/** One message of the wire capture, decoded far enough for these tests. */
export interface WireMessage {
  dir: 'client->broker' | 'broker->client';
  type: number;
  flags: number;
  /** errnum for responses, userid for requests (PROTO aux1). */
  aux1: number;
  matchtag: number;
  topic: string;
  /** The payload text without its NUL, or undefined when the message has none. */
  payload: string | undefined;
}

const FLAG_PAYLOAD = 0x02;

/**
 * Decodes the recorded local-connector messages: 8-byte stream header, then frames (1-byte
 * size, or 0xFF and a 4-byte big-endian size), the last one the 20-byte PROTO frame.
 */
export function wireCapture(): WireMessage[] {
  const text = readFileSync(join(FIXTURES, 'flux-0.88-wire-capture.jsonl'), 'utf8');
  const messages: WireMessage[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { dir: string; hex: string };
    if (entry.dir === 'handshake') continue;
    const bytes = Buffer.from(entry.hex, 'hex');
    const frames: Buffer[] = [];
    let offset = 8;
    while (offset < bytes.length) {
      let size = bytes[offset] ?? 0;
      offset += 1;
      if (size === 0xff) {
        size = bytes.readUInt32BE(offset);
        offset += 4;
      }
      frames.push(bytes.subarray(offset, offset + size));
      offset += size;
    }
    const proto = frames[frames.length - 1] as Buffer;
    const flags = proto[3] ?? 0;
    const body = frames.slice(0, -1);
    // A routed message starts with its route frames and an empty delimiter frame.
    const delimiter = body.findIndex((frame) => frame.length === 0);
    const rest = delimiter >= 0 ? body.slice(delimiter + 1) : body;
    const topic = rest[0]?.toString('utf8') ?? '';
    const payloadFrame = flags & FLAG_PAYLOAD ? rest[1] : undefined;
    messages.push({
      dir: entry.dir as WireMessage['dir'],
      type: proto[2] ?? 0,
      flags,
      aux1: proto.readUInt32BE(12),
      matchtag: proto.readUInt32BE(16),
      topic,
      payload: payloadFrame === undefined ? undefined : payloadFrame.toString('utf8').replace(/\0$/, ''),
    });
  }
  return messages;
}

/** Python's json.dumps() text without its ", " / ": " spacing (no spaces occur inside strings here). */
export function compactPythonJson(text: string): string {
  return text.replace(/, /g, ',').replace(/: /g, ':');
}
