/**
 * A broker stand-in for connector tests: accepts Unix-socket clients, sends a
 * chosen handshake byte and hands each decoded message to a script that may
 * answer with messages or raw bytes.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeMessage, encodeMessage, type FluxMessage, MessageFlag, MessageType } from '../../src/flux/message';
import { frameRecord, StreamDecoder } from '../../src/flux/stream-framing';
import { encodeJsonPayload, encodeStringPayload } from '../../src/flux/message';
import type { Json } from '../../src/flux/json';

export interface ScriptedPeer {
  socket: net.Socket;
  send(msg: FluxMessage): void;
  sendRaw(bytes: Uint8Array): void;
}

export interface ScriptedBroker {
  path: string;
  received: FluxMessage[];
  peers: Set<net.Socket>;
  close(): Promise<void>;
}

export function tmpSocketPath(name = 'sock'): { dir: string; path: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fgq-'));
  return { dir, path: path.join(dir, name) };
}

/** A response to `request` as a broker would derive it. */
export function responseTo(request: FluxMessage, answer: { json?: Json; errnum?: number; errstr?: string }): FluxMessage {
  const payload =
    answer.json !== undefined ? encodeJsonPayload(answer.json) : answer.errstr !== undefined ? encodeStringPayload(answer.errstr) : undefined;
  let flags = (request.flags & ~MessageFlag.PAYLOAD) | MessageFlag.ROUTE;
  if (payload !== undefined) flags |= MessageFlag.PAYLOAD;
  const msg: FluxMessage = {
    type: MessageType.RESPONSE,
    flags,
    userid: 1000,
    rolemask: 5,
    aux1: answer.errnum ?? 0,
    aux2: request.aux2,
    routes: request.routes,
    topic: request.topic,
  };
  if (payload !== undefined) msg.payload = payload;
  return msg;
}

export async function startScriptedBroker(
  socketPath: string,
  script: (msg: FluxMessage, peer: ScriptedPeer) => void,
  options: { handshakeByte?: number | null; pauseReading?: boolean } = {},
): Promise<ScriptedBroker> {
  const received: FluxMessage[] = [];
  const peers = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    peers.add(socket);
    socket.on('close', () => peers.delete(socket));
    socket.on('error', () => undefined);
    const handshake = options.handshakeByte === undefined ? 0 : options.handshakeByte;
    if (handshake === null) {
      socket.end();
      return;
    }
    socket.write(Uint8Array.of(handshake));
    if (handshake !== 0) {
      socket.end();
      return;
    }
    if (options.pauseReading) {
      socket.pause();
      return;
    }
    const decoder = new StreamDecoder();
    const peer: ScriptedPeer = {
      socket,
      send: (msg) => socket.write(frameRecord(encodeMessage(msg))),
      sendRaw: (bytes) => socket.write(bytes),
    };
    socket.on('data', (chunk: Buffer) => {
      for (const body of decoder.push(chunk)) {
        const msg = decodeMessage(body);
        received.push(msg);
        script(msg, peer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    path: socketPath,
    received,
    peers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of peers) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
