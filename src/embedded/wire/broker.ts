/**
 * Serves an in-process service over Flux's local connector protocol, so that
 * Flux's own tools (and our local:// connector) can talk to the embedded
 * instance as they would to a broker: the handshake byte on accept, stream
 * records, RFC 3 messages, responses flagged as a broker flags them, and a
 * `<service>.disconnect` request when a client goes away.
 *
 * What a real broker does that this one cannot: Node has no SO_PEERCRED, so
 * peers are not authenticated; every client gets the broker's credentials.
 * The socket is therefore created readable and writable by its owner only.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { Errno, FLUX_USERID_UNKNOWN, Role } from '../../flux/constants';
import { FluxError } from '../../flux/errors';
import { type Json, stringifyJson } from '../../flux/json';
import { MAX_SOCKET_PATH_BYTES } from '../../flux/local-connector';
import {
  decodeMessage,
  describeMessage,
  encodeMessage,
  encodeStringPayload,
  type FluxMessage,
  MessageFlag,
  MessageType,
} from '../../flux/message';
import { DEFAULT_MAX_MESSAGE_SIZE, formatBytes, StreamDecoder, streamHeader } from '../../flux/stream-framing';
import { type Respond, type ServiceHandler, type ServiceRequest, type ServiceResponse, serviceOf } from '../service/service-types';

export interface BrokerOptions {
  /** Filesystem path of the Unix socket; a stale socket file there is replaced. */
  path: string;
  /** Credentials stamped on requests and responses; default the process uid. */
  userid?: number;
  /** Default OWNER|LOCAL (5), as the local connector gives the instance owner. */
  rolemask?: number;
  /** Services the wrapped service implements (topic prefix before the first "."). Default ["job-list"]. */
  serviceNames?: readonly string[];
  /** Largest message accepted from a client. Default 256 MiB. */
  maxMessageSize?: number;
  /** A client whose unread responses exceed this many bytes is disconnected. Default 256 MiB. */
  maxClientBacklogBytes?: number;
  /** Where log lines go; default stderr. */
  log?: (line: string) => void;
}

export interface RunningBroker {
  readonly path: string;
  /** Stops accepting, disconnects every client (sending their disconnect requests) and removes the socket. */
  close(): Promise<void>;
}

const DEFAULT_SERVICE_NAMES = ['job-list'];

interface Client {
  id: string;
  socket: net.Socket;
  decoder: StreamDecoder;
  closed: boolean;
  /** Disconnect topics to send when the client goes, with the credentials of the request that armed each. */
  armed: Map<string, { userid: number; rolemask: number }>;
}

function defaultUserid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0;
}

function isUint32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

/** Removes a socket file no broker listens on; refuses to touch a live socket or a non-socket. */
async function clearStaleSocket(path: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) {
    throw new FluxError('FLUX_CONNECT', `cannot listen on ${path}: the path exists and is not a socket`);
  }
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.createConnection({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new FluxError('FLUX_CONNECT', `cannot listen on ${path}: another process is accepting connections there`);
  fs.unlinkSync(path);
}

/** The disconnect topic for a request topic: its last component replaced (librouter/disconnect.c). */
function disconnectTopicOf(topic: string): string {
  const dot = topic.lastIndexOf('.');
  return dot === -1 ? 'disconnect' : `${topic.slice(0, dot)}.disconnect`;
}

export async function serveBroker(service: ServiceHandler, options: BrokerOptions): Promise<RunningBroker> {
  const path = options.path;
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new FluxError('FLUX_URI', `socket path ${path} is ${Buffer.byteLength(path)} bytes long; Unix sockets allow at most ${MAX_SOCKET_PATH_BYTES}`);
  }
  const userid = options.userid ?? defaultUserid();
  const rolemask = options.rolemask ?? Role.OWNER | Role.LOCAL;
  if (!isUint32(userid) || !isUint32(rolemask)) throw new RangeError('userid and rolemask must be unsigned 32-bit integers');
  const serviceNames = new Set(options.serviceNames ?? DEFAULT_SERVICE_NAMES);
  const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  const maxBacklog = options.maxClientBacklogBytes ?? DEFAULT_MAX_MESSAGE_SIZE;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clients = new Set<Client>();

  await clearStaleSocket(path);

  const sendResponse = (client: Client, response: FluxMessage): void => {
    if (client.closed) return;
    const body = encodeMessage(response);
    const socket = client.socket;
    if (socket.writableLength + body.length > maxBacklog) {
      dropClient(client, `client is not reading its responses (${formatBytes(socket.writableLength)} queued)`);
      return;
    }
    socket.cork();
    socket.write(streamHeader(body.length));
    socket.write(body);
    socket.uncork();
  };

  /** A response derived from the request as flux_response_derive does: same flags (payload aside), routes, topic, matchtag. */
  const respondTo = (client: Client, request: FluxMessage, response: ServiceResponse): void => {
    let errnum = response.errnum ?? 0;
    let payload: Uint8Array | undefined;
    try {
      if (!isUint32(errnum)) throw new FluxError('FLUX_PROTOCOL', `errnum must be an unsigned 32-bit integer, received ${String(errnum)}`);
      if (errnum === 0) {
        if (response.payload !== undefined) payload = encodeStringPayload(stringifyJson(response.payload as Json));
      } else if (response.errstr !== undefined) {
        payload = encodeStringPayload(response.errstr);
      }
    } catch (err) {
      log(`broker: cannot encode the response to ${describeMessage(request)} from client ${client.id}: ${(err as Error).message}`);
      errnum = Errno.EPROTO;
      payload = encodeStringPayload(`broker could not encode the service's response: ${(err as Error).message}`);
    }
    let flags = (request.flags & ~MessageFlag.PAYLOAD) | MessageFlag.ROUTE;
    if (payload !== undefined) flags |= MessageFlag.PAYLOAD;
    sendResponse(client, {
      type: MessageType.RESPONSE,
      flags,
      userid,
      rolemask,
      aux1: errnum,
      aux2: request.aux2,
      routes: request.routes,
      topic: request.topic,
      payload,
    });
  };

  const handleRequest = (client: Client, request: FluxMessage): void => {
    const topic = request.topic as string;
    // Credentials as librouter's auth_init_message sets them: an owner's
    // connection may present its own, anyone else gets the connection's.
    let reqUserid = userid;
    let reqRolemask = rolemask;
    if (rolemask & Role.OWNER) {
      if (request.userid !== FLUX_USERID_UNKNOWN) reqUserid = request.userid;
      if (request.rolemask !== Role.NONE) reqRolemask = request.rolemask;
    }
    const noResponse = (request.flags & MessageFlag.NORESPONSE) !== 0;
    const name = serviceOf(topic);
    if (!serviceNames.has(name)) {
      if (!noResponse) {
        respondTo(client, request, { errnum: Errno.ENOSYS, errstr: `No service matching ${topic} is registered` });
      }
      return;
    }
    const disconnectTopic = disconnectTopicOf(topic);
    if (!noResponse && !client.armed.has(disconnectTopic)) client.armed.set(disconnectTopic, { userid: reqUserid, rolemask: reqRolemask });
    const req: ServiceRequest = {
      topic,
      payload: request.payload !== undefined ? { kind: 'raw', bytes: request.payload } : { kind: 'none' },
      streaming: (request.flags & MessageFlag.STREAMING) !== 0,
      userid: reqUserid,
      rolemask: reqRolemask,
      sender: client.id,
      matchtag: request.aux2,
    };
    const respond: Respond = (response) => {
      if (noResponse) return;
      respondTo(client, request, response);
    };
    try {
      service.handle(req, respond);
    } catch (err) {
      log(`broker: the service failed on ${describeMessage(request)} from client ${client.id}: ${(err as Error).stack ?? String(err)}`);
      if (!noResponse) respondTo(client, request, { errnum: Errno.EPROTO, errstr: `internal error: ${(err as Error).message}` });
    }
  };

  const receive = (client: Client, chunk: Buffer): void => {
    let messages: FluxMessage[];
    try {
      messages = client.decoder.push(chunk).map(decodeMessage);
    } catch (err) {
      dropClient(client, `malformed message: ${(err as Error).message}`);
      return;
    }
    for (const msg of messages) {
      if (client.closed) return;
      // Only requests with a topic reach services; flux-core's router drops
      // topic-less messages, and clients have no business sending responses.
      if (msg.type !== MessageType.REQUEST || msg.topic === undefined) continue;
      handleRequest(client, msg);
    }
  };

  const disconnected = (client: Client): void => {
    if (client.closed) return;
    client.closed = true;
    clients.delete(client);
    for (const [topic, creds] of client.armed) {
      if (!serviceNames.has(serviceOf(topic))) continue;
      try {
        service.handle(
          { topic, payload: { kind: 'none' }, streaming: false, userid: creds.userid, rolemask: creds.rolemask, sender: client.id },
          () => undefined,
        );
      } catch (err) {
        log(`broker: the service failed on ${topic} for client ${client.id}: ${(err as Error).message}`);
      }
    }
  };

  function dropClient(client: Client, reason: string): void {
    if (client.closed) return;
    log(`broker: closing client ${client.id}: ${reason}`);
    client.socket.destroy();
    disconnected(client);
  }

  const server = net.createServer((socket) => {
    const client: Client = {
      id: randomUUID(),
      socket,
      decoder: new StreamDecoder(maxMessageSize),
      closed: false,
      armed: new Map(),
    };
    clients.add(client);
    socket.on('data', (chunk: Buffer) => receive(client, chunk));
    socket.on('error', () => undefined); // 'close' follows; a reset client is not news
    socket.on('close', () => disconnected(client));
    socket.write(Uint8Array.of(0));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  fs.chmodSync(path, 0o600);
  server.on('error', (err) => log(`broker: ${err.message}`));

  let closing: Promise<void> | null = null;
  return {
    path,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const client of [...clients]) {
          client.socket.destroy();
          disconnected(client);
        }
      });
      return closing;
    },
  };
}
