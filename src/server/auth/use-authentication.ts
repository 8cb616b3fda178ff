/**
 * Authenticates every GraphQL request before it is parsed, and turns the authenticated name
 * into the Viewer the request is served for: a uid from the system's user database, and
 * whether the server's own credentials serve them (admins and the instance owner). Refusals are
 * answered here, as GraphQL errors with a code: 401 UNAUTHENTICATED for no or bad credentials,
 * 403 FORBIDDEN for a user the system does not know.
 */
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../../graphql/viewer';
import { observationOf } from '../request-observation';
import type { Authenticator } from './authenticator';

export interface IdentityOptions {
  authenticator: Authenticator;
  /** Who the server's own connection acts as: the viewer when nobody authenticates. */
  serverUser: { username: string; userid: number };
  /** Users served with the server's own credentials. */
  admins: ReadonlySet<string>;
  /** Keep non-admins to their own jobs in the server too (--own-jobs-only). */
  ownJobsOnly: boolean;
  /** The uid of an account name, as the system (or an embedded instance) knows it. */
  uidOf(name: string): Promise<number | undefined>;
}

export type IdentityRefusal = { status: 401 | 403; code: 'UNAUTHENTICATED' | 'FORBIDDEN'; message: string; challenge?: string };

/** The peer's address, as the node adapter hands it to yoga (absent for in-process fetches). */
export function peerAddressOf(serverContext: unknown): string | undefined {
  const req = (serverContext as { req?: { socket?: { remoteAddress?: unknown } } } | undefined)?.req;
  const address = req?.socket?.remoteAddress;
  return typeof address === 'string' ? address : undefined;
}

/**
 * The GraphiQL page holds no data, so a browser may load it before it has a token to send.
 * yoga answers such a request with the page, never with a result, as long as GraphiQL is on.
 */
function isGraphiQLPage(request: Request): boolean {
  return request.method === 'GET' && (request.headers.get('accept') ?? '').includes('text/html');
}

export async function identify(options: IdentityOptions, request: Request, peerAddress: string | undefined): Promise<Viewer | IdentityRefusal> {
  const authentication = await options.authenticator.authenticate(request, peerAddress);
  if (!authentication.ok) {
    return { status: 401, code: 'UNAUTHENTICATED', message: `Not authenticated: ${authentication.message}.`, ...(authentication.challenge === undefined ? {} : { challenge: authentication.challenge }) };
  }
  const username = authentication.username;
  if (username === undefined) return { ...options.serverUser, admin: true };
  const userid = await options.uidOf(username);
  if (userid === undefined) {
    return { status: 403, code: 'FORBIDDEN', message: `User "${username}" is not known to this system's user database, so the server cannot ask Flux for their jobs.` };
  }
  return { username, userid, admin: userid === options.serverUser.userid || options.admins.has(username) };
}

function refusalResponse(refusal: IdentityRefusal, fetchAPI: { Response: typeof Response }): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (refusal.challenge !== undefined) headers['www-authenticate'] = refusal.challenge;
  const body = { errors: [{ message: refusal.message, extensions: { code: refusal.code } }] };
  return new fetchAPI.Response(JSON.stringify(body), { status: refusal.status, headers });
}

/** Needs the observation that useMetrics begins for GraphQL requests, so it must come after it. */
export function useAuthentication(options: IdentityOptions, graphqlPath: string, graphiql: boolean): Plugin {
  return {
    async onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (url.pathname !== graphqlPath || (graphiql && isGraphiQLPage(request))) return;
      const identity = await identify(options, request, peerAddressOf(serverContext));
      if ('status' in identity) {
        observationOf(request).errorCodes.add(identity.code);
        endResponse(refusalResponse(identity, fetchAPI));
        return;
      }
      observationOf(request).viewer = identity;
    },
  };
}
