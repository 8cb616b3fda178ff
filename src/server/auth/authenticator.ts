/**
 * Telling who sent a request, in each --auth mode: nobody in particular (none), the name a
 * trusted front proxy put in a header (trusted-header), or the user named by a verified bearer
 * token (jwt). What the name may see is Flux's business, not this module's.
 */
import { readFile } from 'node:fs/promises';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthSettings } from './auth-settings';
import { TrustedProxies } from './trusted-proxies';

export type Authentication =
  | { ok: true; username: string }
  /** No user: no name to serve (`none` has none), served as the server's own user. */
  | { ok: true; username: undefined }
  | { ok: false; message: string; challenge?: string };

export interface Authenticator {
  authenticate(request: Request, peerAddress: string | undefined): Promise<Authentication>;
  /**
   * The header that carries a credential the client itself holds (jwt: Authorization), if any.
   * A browser cannot set headers on a WebSocket, so such a client may send it in graphql-ws's
   * connection_init instead (see websocket.ts); a proxy's header (trusted-header) never comes that way.
   */
  readonly clientCredentialHeader?: string;
}

/** The longest user name accepted (Linux allows 32; sites with LDAP names go further). */
const MAX_USERNAME_LENGTH = 256;
/** Asymmetric algorithms only: a public key file or a JWKS of public keys can only verify these. */
const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Clocks of the token issuer and this host may differ a little. */
const CLOCK_TOLERANCE_SECONDS = 30;
const REALM = 'flux-graphql';

export class AuthSetupError extends Error {
  override readonly name = 'AuthSetupError';
}

export async function createAuthenticator(settings: AuthSettings): Promise<Authenticator> {
  switch (settings.mode) {
    case 'none':
      return { authenticate: async () => ({ ok: true, username: undefined }) };
    case 'trusted-header':
      return trustedHeaderAuthenticator(settings.header, new TrustedProxies(settings.trustedProxies));
    case 'jwt':
      return jwtAuthenticator(await verificationKey(settings), settings);
  }
}

/** Control characters, separators and padding never belong to an account name. */
function checkedUsername(name: string, from: string): Authentication {
  if (name.length === 0) return { ok: false, message: `${from} names no user (it is empty)` };
  if (name.length > MAX_USERNAME_LENGTH) return { ok: false, message: `${from} is longer than ${MAX_USERNAME_LENGTH} characters` };
  if (/[\s\x00-\x1f\x7f:,/]/.test(name)) return { ok: false, message: `${from} is not a user name (it contains spaces, control characters, ":", "," or "/")` };
  return { ok: true, username: name };
}

function trustedHeaderAuthenticator(header: string, proxies: TrustedProxies): Authenticator {
  return {
    authenticate: async (request, peerAddress) => {
      if (!proxies.includes(peerAddress)) {
        return { ok: false, message: `requests must come through the authenticating proxy; ${peerAddress ?? 'this address'} is not a trusted proxy` };
      }
      const value = request.headers.get(header);
      if (value === null) return { ok: false, message: `the proxy did not set the ${header} header` };
      return checkedUsername(value, `the ${header} header`);
    },
  };
}

type VerificationKey = KeyObject | JWTVerifyGetKey;

async function verificationKey(settings: Extract<AuthSettings, { mode: 'jwt' }>): Promise<VerificationKey> {
  const { jwksFile, keyFile } = settings;
  if ((jwksFile === undefined) === (keyFile === undefined)) throw new AuthSetupError('--auth jwt needs exactly one of --jwt-jwks FILE and --jwt-key FILE');
  const file = (jwksFile ?? keyFile) as string;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new AuthSetupError(`cannot read ${jwksFile !== undefined ? '--jwt-jwks' : '--jwt-key'} ${file}: ${(error as Error).message}`);
  }
  if (keyFile !== undefined) {
    try {
      return createPublicKey(text);
    } catch (error) {
      throw new AuthSetupError(`--jwt-key ${file} holds no PEM public key or certificate: ${(error as Error).message}`);
    }
  }
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch (error) {
    throw new AuthSetupError(`--jwt-jwks ${file} is not JSON: ${(error as Error).message}`);
  }
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new AuthSetupError(`--jwt-jwks ${file} is not a JSON Web Key Set: it needs a non-empty "keys" array`);
  return createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
}

function bearerChallenge(error?: string, description?: string): string {
  const parts = [`realm="${REALM}"`];
  if (error !== undefined) parts.push(`error="${error}"`);
  if (description !== undefined) parts.push(`error_description="${description.replace(/["\\]/g, "'")}"`);
  return `Bearer ${parts.join(', ')}`;
}

/** Why jose refused a token, in words a client author can act on. */
function tokenRefusal(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the bearer token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the bearer token's "${error.claim}" claim is not accepted (${error.reason})`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the bearer token is not signed by a trusted key';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'the bearer token is signed by a key this server does not know';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'the bearer token is signed with an algorithm this server does not accept';
  if (error instanceof joseErrors.JOSEError) return `the bearer token is not valid (${error.code})`;
  return 'the bearer token is not valid';
}

function userFromClaims(payload: JWTPayload, claims: readonly string[]): Authentication {
  for (const claim of claims) {
    const value = payload[claim];
    if (value === undefined) continue;
    if (typeof value !== 'string') return { ok: false, message: `the bearer token's "${claim}" claim is not a string`, challenge: bearerChallenge('invalid_token') };
    const checked = checkedUsername(value, `the bearer token's "${claim}" claim`);
    return checked.ok ? checked : { ...checked, challenge: bearerChallenge('invalid_token') };
  }
  return { ok: false, message: `the bearer token names no user (no ${claims.map((c) => `"${c}"`).join(' or ')} claim)`, challenge: bearerChallenge('invalid_token') };
}

function jwtAuthenticator(key: VerificationKey, settings: Extract<AuthSettings, { mode: 'jwt' }>): Authenticator {
  const options = {
    algorithms: JWT_ALGORITHMS,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    // A token without an expiry would be good forever.
    requiredClaims: ['exp'],
    ...(settings.issuer === undefined ? {} : { issuer: settings.issuer }),
    ...(settings.audience === undefined ? {} : { audience: settings.audience }),
  };
  return {
    clientCredentialHeader: 'authorization',
    authenticate: async (request) => {
      const header = request.headers.get('authorization');
      if (header === null) return { ok: false, message: 'this server needs a bearer token (Authorization: Bearer <JWT>)', challenge: bearerChallenge() };
      const match = /^Bearer[ ]+([A-Za-z0-9_\-.~+/]+=*)[ ]*$/i.exec(header);
      if (match === null) return { ok: false, message: 'the Authorization header is not "Bearer <JWT>"', challenge: bearerChallenge('invalid_request', 'expected Bearer <JWT>') };
      try {
        const verified = typeof key === 'function' ? await jwtVerify(match[1] as string, key, options) : await jwtVerify(match[1] as string, key, options);
        return userFromClaims(verified.payload, settings.userClaims);
      } catch (error) {
        const message = tokenRefusal(error);
        return { ok: false, message, challenge: bearerChallenge('invalid_token', message) };
      }
    },
  };
}
