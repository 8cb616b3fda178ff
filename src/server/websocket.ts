/**
 * The graphql-ws protocol (graphql-transport-ws) over WebSocket on /graphql, next to the HTTP
 * answers of the same server: the HTTP server's 'upgrade' event hands each connection here.
 *
 * Every operation runs through the app's own envelop (yoga's getEnveloped, as yoga's graphql-ws
 * recipe does), so the schema, the context (credentials, live handle), the query and node
 * limits, error masking and the subscription limits are the HTTP ones. What HTTP checks per
 * request is checked here per connection, at the upgrade: the Origin of a browser's page (a
 * WebSocket has no CORS: any site's page may open one to any server, with the user's cookies),
 * then the same authenticator as HTTP, with the upgrade's headers and peer address. A refusal
 * is the HTTP answer a request gets, with its coded JSON body. With --auth jwt a client that
 * cannot set headers (a browser) may instead send `{"Authorization": "Bearer <JWT>"}` as
 * connection_init's payload; a refusal then closes the socket with 4401 or 4403 and the coded
 * reason.
 *
 * Bounds: a ping every keep-alive interval, a peer that does not answer within another is cut
 * off (graphql-ws's own); a client whose unsent data passes --ws-max-buffered-bytes is closed
 * (1008, SUBSCRIBER_TOO_SLOW) and its subscriptions end; messages are bounded as HTTP bodies
 * are. Each operation gets its request log line when it ends.
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { FormattedExecutionResult, OperationResult, SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Viewer } from '../graphql/viewer';
import { ErrorCode } from '../graphql/errors';
import { transportPartsOf, type AppTransportParts, type FluxGraphQLApp } from './app';
import { identify, type IdentityRefusal } from './auth/use-authentication';
import { errorCodesOf, requestLogFields } from './request-log';
import { observationOf, type RequestObservation } from './request-observation';
import { GRAPHQL_PATH } from './server-address';
import { LiveConnection, type LiveConnectionContext } from './subscriptions';

export const ORIGIN_NOT_ALLOWED_CODE = 'ORIGIN_NOT_ALLOWED';

/** Close codes: graphql-ws's for refused credentials, RFC 6455's for a broken policy and a server going away. */
export const WS_CLOSE = {
  UNAUTHORIZED: 4401,
  FORBIDDEN: 4403,
  POLICY_VIOLATION: 1008,
  GOING_AWAY: 1001,
} as const;

/** RFC 6455: a close frame's reason is at most 123 bytes of UTF-8. */
const MAX_CLOSE_REASON_BYTES = 123;

export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= MAX_CLOSE_REASON_BYTES) return text;
  // By code points, so that no character is cut in half.
  const characters = Array.from(text);
  while (Buffer.byteLength(`${characters.join('')}…`) > MAX_CLOSE_REASON_BYTES) characters.pop();
  return `${characters.join('')}…`;
}

/**
 * Whether a page of `origin` may open a WebSocket here: no Origin (not a browser), one of
 * --cors-origin, or the server's own (the host the request was sent to, whatever the scheme a
 * TLS proxy in front adds). "null" (sandboxed frames, file: pages) is nobody's.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, corsOrigins: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (corsOrigins.includes(origin)) return true;
  if (host === undefined) return false;
  try {
    const page = new URL(origin);
    if (page.protocol !== 'http:' && page.protocol !== 'https:') return false;
    return page.host === new URL(`${page.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

interface Refusal {
  status: number;
  code: string;
  message: string;
  challenge?: string;
}

/** An upgrade refused with the HTTP answer a request would get: status, coded JSON, and the challenge of a 401. */
function refuseUpgrade(socket: Duplex, refusal: Refusal): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
  const headers = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(refusal.challenge === undefined ? [] : [`WWW-Authenticate: ${refusal.challenge.replace(/[\r\n]/g, ' ')}`]),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

/** The upgrade request as the authenticator reads any request: its headers, at /graphql. */
function fetchRequestOf(req: IncomingMessage, extra: Record<string, string> = {}): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const one of value) headers.append(name, one);
    else headers.set(name, value);
  }
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return new Request(`http://localhost${GRAPHQL_PATH}`, { headers });
}

/** One operation of a connection, from its subscribe message to its end. */
interface Operation {
  readonly id: string;
  readonly observation: RequestObservation;
  /** Its slot of --max-concurrent-per-user, held until it has its answer (a subscription: its stream). */
  holdsSlot: boolean;
  /** Refused before it ran: its errors are its end. */
  refused: boolean;
}

interface Connection {
  /** The upgrade's request id (the client's X-Request-Id when sane): in each of its operations' log lines. */
  readonly id: string;
  readonly upgrade: IncomingMessage;
  readonly peerAddress: string | undefined;
  /** Who it is served for; undefined without authentication, and until connection_init brings a credential. */
  viewer: Viewer | undefined;
  /** Why the upgrade did not authenticate, when connection_init may still bring the credential. */
  awaitingCredential: IdentityRefusal | undefined;
  readonly live: LiveConnection;
  readonly operations: Map<string, Operation>;
  /** Since when more than --ws-max-buffered-bytes wait to be sent, the socket not drained since (ms). */
  overBoundSince: number | undefined;
}

type Enveloped = ReturnType<FluxGraphQLApp['getEnveloped']>;

/** What a client is sent of an error: yoga's internals (extensions.http, unexpected) left out, as over HTTP. */
function clientError(error: GraphQLError): GraphQLFormattedError {
  const formatted = error.toJSON();
  if (formatted.extensions === undefined) return formatted;
  const { http: _http, unexpected: _unexpected, ...extensions } = formatted.extensions;
  const { extensions: _all, ...rest } = formatted;
  return Object.keys(extensions).length === 0 ? rest : { ...rest, extensions };
}

function clientResult(result: ExecutionResult): FormattedExecutionResult {
  const { errors, extensions, ...rest } = result;
  const { http: _http, ...kept } = (extensions ?? {}) as Record<string, unknown>;
  return {
    ...rest,
    ...(errors === undefined ? {} : { errors: errors.map(clientError) }),
    ...(Object.keys(kept).length === 0 ? {} : { extensions: kept }),
  };
}

function unexpectedError(): GraphQLError {
  return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/** A credential connection_init's payload carries under `header` (any case), or why it is not one. */
function credentialIn(params: Readonly<Record<string, unknown>> | undefined, header: string): string | undefined | { invalid: string } {
  if (params === undefined) return undefined;
  for (const [key, value] of Object.entries(params)) {
    if (key.toLowerCase() !== header) continue;
    if (typeof value !== 'string' || /[\r\n]/.test(value)) return { invalid: `connection_init's "${key}" must be a string on one line` };
    return value;
  }
  return undefined;
}

export interface WebSocketTransport {
  /** Refuses new connections, closes the open ones (1001), and cuts those still open after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

export function serveGraphQLOverWebSocket(server: Server, app: FluxGraphQLApp): WebSocketTransport {
  const parts: AppTransportParts = transportPartsOf(app);
  const { identity, metrics, requestLogger, keepAliveMs, maxSocketBufferedBytes, concurrency } = parts;
  const wss = new WebSocketServer({ noServer: true, maxPayload: parts.maxMessageBytes });
  const connections = new WeakMap<WebSocket, Connection>();
  const executions = new WeakMap<object, { enveloped: Enveloped; operation: Operation; connection: Connection }>();
  let closing = false;

  const logOperation = (connection: Connection, operation: Operation): void => {
    if (requestLogger === undefined) return;
    const { durationMs, rpcs, errorCodes, ...who } = requestLogFields(operation.observation);
    requestLogger.info({ ...who, transport: 'ws', connection: connection.id, durationMs, rpcs, results: operation.observation.results ?? 0, errorCodes }, 'request');
  };

  const releaseSlot = (connection: Connection, operation: Operation): void => {
    if (!operation.holdsSlot) return;
    operation.holdsSlot = false;
    concurrency.leave((connection.viewer ?? parts.anonymous).username);
  };

  const finish = (connection: Connection, operation: Operation): void => {
    if (connection.operations.get(operation.id) !== operation) return;
    connection.operations.delete(operation.id);
    releaseSlot(connection, operation);
    logOperation(connection, operation);
  };

  const noteResult = (operation: Operation | undefined, errors: readonly GraphQLError[] | undefined, counted: boolean): void => {
    const codes = errorCodesOf({ errors: errors ?? [] });
    metrics.countErrors(codes);
    if (operation === undefined) return;
    if (counted) operation.observation.results = (operation.observation.results ?? 0) + 1;
    for (const code of codes) operation.observation.errorCodes.add(code);
  };

  /**
   * A client that reads nothing while the server has more and more to send it: cut off before
   * memory grows. A burst of large results may pass the bound for a moment even to a client
   * that reads; one that stays past it for a keep-alive interval, its socket never drained
   * meanwhile, is not reading.
   */
  const checkBuffer = (socket: WebSocket, connection: Connection): void => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount <= maxSocketBufferedBytes) {
      connection.overBoundSince = undefined;
      return;
    }
    const now = Date.now();
    if (connection.overBoundSince === undefined) {
      connection.overBoundSince = now;
      setTimeout(() => checkBuffer(socket, connection), keepAliveMs).unref();
      return;
    }
    if (now - connection.overBoundSince < keepAliveMs) return;
    metrics.countErrors([ErrorCode.SUBSCRIBER_TOO_SLOW]);
    socket.close(WS_CLOSE.POLICY_VIOLATION, closeReason(`${ErrorCode.SUBSCRIBER_TOO_SLOW}: more than ${maxSocketBufferedBytes} bytes left unread (--ws-max-buffered-bytes)`));
    connection.live.endAll();
    // It may never read the close frame either.
    setTimeout(() => socket.terminate(), keepAliveMs).unref();
  };

  const connectionOf = (socket: WebSocket): Connection => {
    const connection = connections.get(socket);
    if (connection === undefined) throw new Error('a WebSocket that did not come through the upgrade check');
    return connection;
  };

  const refuseCredential = (socket: WebSocket, refusal: Refusal): false => {
    metrics.countErrors([refusal.code]);
    socket.close(refusal.status === 403 ? WS_CLOSE.FORBIDDEN : WS_CLOSE.UNAUTHORIZED, closeReason(`${refusal.code}: ${refusal.message}`));
    return false;
  };

  type Answer = Awaited<OperationResult>;
  const run = async (args: ExecutionArgs, step: (enveloped: Enveloped) => unknown): Promise<Answer> => {
    const execution = executions.get(args.contextValue as object);
    if (execution === undefined) throw new Error('an operation that did not come through onSubscribe');
    try {
      return (await step(execution.enveloped)) as Answer;
    } finally {
      releaseSlot(execution.connection, execution.operation);
    }
  };

  useServer<Record<string, unknown> | undefined, Record<PropertyKey, never>>(
    {
      // No internal error's text in a close reason.
      isProd: true,
      execute: (args) => run(args, (enveloped) => enveloped.execute(args)),
      subscribe: (args) => run(args, (enveloped) => enveloped.subscribe(args)),
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const connection = connectionOf(socket);
        const awaiting = connection.awaitingCredential;
        if (awaiting === undefined || identity === undefined) return true;
        const header = identity.authenticator.clientCredentialHeader as string;
        const credential = credentialIn(ctx.connectionParams, header);
        if (credential === undefined) return refuseCredential(socket, awaiting);
        if (typeof credential !== 'string') return refuseCredential(socket, { status: 401, code: 'UNAUTHENTICATED', message: `Not authenticated: ${credential.invalid}.` });
        const identified = await identify(identity, fetchRequestOf(connection.upgrade, { [header]: credential }), connection.peerAddress);
        if ('status' in identified) return refuseCredential(socket, identified);
        connection.viewer = identified;
        connection.awaitingCredential = undefined;
        return true;
      },
      onSubscribe: async (ctx, id, payload: SubscribePayload) => {
        const connection = connectionOf(ctx.extra.socket);
        const request = new Request(`http://localhost${GRAPHQL_PATH}`, { method: 'POST' });
        const observation = observationOf(request);
        if (identity !== undefined) observation.viewer = connection.viewer;
        const operation: Operation = { id, observation, holdsSlot: false, refused: false };
        connection.operations.set(id, operation);
        const refuse = (errors: readonly GraphQLError[]): readonly GraphQLError[] => {
          operation.refused = true;
          return errors;
        };
        try {
          const initial: LiveConnectionContext & { request: Request; params: SubscribePayload } = { request, params: payload, liveConnection: connection.live };
          const enveloped = app.getEnveloped(initial as unknown as Parameters<FluxGraphQLApp['getEnveloped']>[0]);
          let document;
          try {
            document = enveloped.parse(payload.query);
          } catch (error) {
            return refuse([error instanceof GraphQLError ? error : unexpectedError()]);
          }
          const invalid = enveloped.validate(enveloped.schema, document);
          if (invalid.length > 0) return refuse(invalid);
          const contextValue = (await enveloped.contextFactory()) as object;
          if (identity !== undefined) {
            const username = (connection.viewer ?? parts.anonymous).username;
            if (!concurrency.enter(username)) return refuse([concurrency.refusal(username)]);
            operation.holdsSlot = true;
          }
          executions.set(contextValue, { enveloped, operation, connection });
          return {
            schema: enveloped.schema,
            document,
            operationName: payload.operationName ?? null,
            variableValues: payload.variables ?? null,
            contextValue,
          };
        } catch (error) {
          releaseSlot(connection, operation);
          return refuse([error instanceof GraphQLError ? error : unexpectedError()]);
        }
      },
      onNext: (ctx, id, _payload, _args, result) => {
        const socket = ctx.extra.socket;
        const connection = connectionOf(socket);
        noteResult(connection.operations.get(id), result.errors, true);
        // Once graphql-ws has handed this result to the socket (it sends it when this returns).
        setImmediate(() => checkBuffer(socket, connection));
        return clientResult(result);
      },
      onError: (ctx, id, _payload, errors) => {
        const connection = connectionOf(ctx.extra.socket);
        const operation = connection.operations.get(id);
        noteResult(operation, errors, false);
        if (operation?.refused === true) finish(connection, operation);
        return errors.map(clientError);
      },
      onComplete: (ctx, id) => {
        const connection = connectionOf(ctx.extra.socket);
        const operation = connection.operations.get(id);
        if (operation !== undefined) finish(connection, operation);
      },
    },
    wss,
    keepAliveMs,
  );

  wss.on('connection', (socket: WebSocket) => {
    const connection = connectionOf(socket);
    metrics.webSocketOpened();
    socket.once('close', () => {
      metrics.webSocketClosed();
      connection.live.endAll();
      for (const operation of [...connection.operations.values()]) finish(connection, operation);
    });
  });

  const admit = async (req: IncomingMessage): Promise<{ connection: Connection } | { refusal: Refusal }> => {
    const upgradeRequest = fetchRequestOf(req);
    const id = observationOf(upgradeRequest).id;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== GRAPHQL_PATH) return { refusal: { status: 404, code: 'NOT_FOUND', message: `WebSocket connections are served at ${GRAPHQL_PATH}.` } };
    if (closing) return { refusal: { status: 503, code: 'SHUTTING_DOWN', message: 'The server is shutting down; connect again in a moment.' } };
    const origin = req.headers.origin;
    if (!originAllowed(origin, req.headers.host, parts.corsOrigins)) {
      return {
        refusal: {
          status: 403,
          code: ORIGIN_NOT_ALLOWED_CODE,
          message: `A page of ${JSON.stringify(origin?.slice(0, 200))} may not open a WebSocket to this server: only its own pages and those of the origins named by --cors-origin may (cross-site WebSocket hijacking).`,
        },
      };
    }
    const peerAddress = req.socket.remoteAddress;
    const connection: Connection = { id, upgrade: req, peerAddress, viewer: undefined, awaitingCredential: undefined, live: new LiveConnection('ws'), operations: new Map(), overBoundSince: undefined };
    if (identity === undefined) return { connection };
    const identified = await identify(identity, upgradeRequest, peerAddress);
    if (!('status' in identified)) {
      connection.viewer = identified;
      return { connection };
    }
    const header = identity.authenticator.clientCredentialHeader;
    if (identified.status === 401 && header !== undefined && !upgradeRequest.headers.has(header)) {
      connection.awaitingCredential = identified;
      return { connection };
    }
    return { refusal: identified };
  };

  const logRefusal = (req: IncomingMessage, refusal: Refusal): void => {
    metrics.countErrors([refusal.code]);
    if (requestLogger === undefined) return;
    const observation = observationOf(fetchRequestOf(req));
    observation.errorCodes.add(refusal.code);
    const { durationMs, rpcs, errorCodes, ...who } = requestLogFields(observation);
    requestLogger.info({ ...who, status: refusal.status, transport: 'ws', durationMs, rpcs, errorCodes }, 'request');
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // A peer that goes in the middle of the handshake: nothing to answer.
    const ignore = (): void => undefined;
    socket.on('error', ignore);
    admit(req).then(
      (admitted) => {
        if (socket.destroyed) return;
        if ('refusal' in admitted) {
          logRefusal(req, admitted.refusal);
          refuseUpgrade(socket, admitted.refusal);
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          socket.off('error', ignore);
          // Everything the server had for the client has gone out to the system: it reads.
          socket.on('drain', () => (admitted.connection.overBoundSince = undefined));
          connections.set(ws, admitted.connection);
          wss.emit('connection', ws, req);
        });
      },
      () => refuseUpgrade(socket, { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' }),
    );
  };
  server.on('upgrade', onUpgrade);

  return {
    close: (graceMs) => {
      closing = true;
      server.off('upgrade', onUpgrade);
      const open = [...wss.clients].filter((socket) => socket.readyState !== socket.CLOSED);
      return new Promise<void>((resolve) => {
        let left = open.length;
        if (left === 0) resolve();
        const cut = setTimeout(() => {
          for (const socket of open) socket.terminate();
          resolve();
        }, graceMs);
        cut.unref();
        for (const socket of open) {
          socket.once('close', () => {
            if (--left > 0) return;
            clearTimeout(cut);
            resolve();
          });
          socket.close(WS_CLOSE.GOING_AWAY, 'the server is shutting down');
        }
      });
    },
  };
}
