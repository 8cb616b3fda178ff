/** A bare local-connector client for broker tests: sends and receives messages byte for byte. */
import * as net from 'node:net';
import { decodeMessage, encodeMessage, type FluxMessage } from '../../src/flux/message';
import { frameRecord, StreamDecoder } from '../../src/flux/stream-framing';

export interface RawClient {
  handshake: number;
  /** Every record received after the handshake, as raw bytes (header included) and decoded. */
  records: Uint8Array[];
  messages: FluxMessage[];
  send(msg: FluxMessage): void;
  sendRaw(bytes: Uint8Array): void;
  /** Resolves once `count` messages have arrived in total. */
  waitForMessages(count: number): Promise<FluxMessage[]>;
  /** Resolves when the broker closes the connection. */
  closed: Promise<void>;
  close(): Promise<void>;
}

export function connectRaw(path: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path });
    const decoder = new StreamDecoder();
    const records: Uint8Array[] = [];
    const messages: FluxMessage[] = [];
    let waiters: Array<{ count: number; resolve(): void }> = [];
    let handshake: number | null = null;
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      let data: Uint8Array = chunk;
      if (handshake === null) {
        handshake = data[0] as number;
        data = data.subarray(1);
        resolve(client);
      }
      for (const body of decoder.push(data)) {
        records.push(frameRecord(body));
        messages.push(decodeMessage(body));
      }
      waiters = waiters.filter((w) => {
        if (messages.length < w.count) return true;
        w.resolve();
        return false;
      });
    });
    const client: RawClient = {
      get handshake() {
        return handshake as number;
      },
      records,
      messages,
      send: (msg) => socket.write(frameRecord(encodeMessage(msg))),
      sendRaw: (bytes) => socket.write(bytes),
      waitForMessages: (count) =>
        new Promise<FluxMessage[]>((done, fail) => {
          if (messages.length >= count) {
            done(messages.slice(0, count));
            return;
          }
          closed.then(() => fail(new Error(`connection closed after ${messages.length} of ${count} messages`)));
          waiters.push({ count, resolve: () => done(messages.slice(0, count)) });
        }),
      closed,
      close: async () => {
        socket.end();
        socket.destroy();
        await closed;
      },
    };
  });
}
