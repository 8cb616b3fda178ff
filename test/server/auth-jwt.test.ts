/**
 * --auth jwt: bearer tokens verified with jose against a PEM key or a JWKS file; what a missing,
 * expired, badly signed or nameless token gets (401, WWW-Authenticate, UNAUTHENTICATED), and
 * which claim names the user.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { openEmbeddedInstance, type EmbeddedBackend } from '../../src/server/backend';
import { createApp, type FluxGraphQLApp } from '../../src/server/app';
import { AuthSetupError } from '../../src/server/auth/authenticator';
import { embeddedIdentity } from '../support/embedded-identity';
import type { AuthSettings } from '../../src/server/auth/auth-settings';

let dir: string;
let embedded: EmbeddedBackend;
let signing: KeyLike;
let stranger: KeyLike;
let keyFile: string;
let jwksFile: string;
let user: { name: string; uid: number };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fg-jwt-'));
  embedded = await openEmbeddedInstance({ jobs: 40, seed: 5, live: false, latencyMs: 0, privateMode: true });
  const pair = await generateKeyPair('ES256');
  signing = pair.privateKey;
  stranger = (await generateKeyPair('ES256')).privateKey;
  keyFile = join(dir, 'key.pem');
  writeFileSync(keyFile, await exportSPKI(pair.publicKey));
  jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] }));
  const response = (await embedded.instance.handle().rpc('job-list.list', { max_entries: 1, attrs: ['userid'], constraint: { not: [{ userid: [embedded.instance.ownerUserid] }] } })) as { jobs: { userid: number }[] };
  const uid = (response.jobs[0] as { userid: number }).userid;
  user = { uid, name: embedded.usernameOf(uid) as string };
});

afterAll(async () => {
  await embedded?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function appWith(auth: AuthSettings): Promise<FluxGraphQLApp> {
  const handle = embedded.instance.handle();
  const identity = await embeddedIdentity(embedded, { auth, handle });
  return createApp({ handle, logging: false, identity });
}

function token(claims: Record<string, unknown>, options: { key?: KeyLike; expiresIn?: string | number; kid?: string } = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'ES256', ...(options.kid === undefined ? {} : { kid: options.kid }) }).setIssuedAt();
  if (options.expiresIn !== undefined) jwt.setExpirationTime(options.expiresIn);
  return jwt.sign(options.key ?? signing);
}

async function viewerWith(app: FluxGraphQLApp, authorization: string | undefined): Promise<{ status: number; challenge: string | null; body: { data?: unknown; errors?: { message: string; extensions: { code: string } }[] } }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers['authorization'] = authorization;
  const response = await app.fetch('http://localhost/graphql', { method: 'POST', headers, body: JSON.stringify({ query: '{ viewer { username userid admin } }' }) });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: (await response.json()) as never };
}

const KEY_SETTINGS = (): AuthSettings => ({ mode: 'jwt', keyFile, userClaims: ['preferred_username', 'sub'], issuer: 'https://idp.example.org', audience: 'flux-graphql' });

describe('--auth jwt', () => {
  it('serves the user a valid token names, preferred_username before sub', async () => {
    const app = await appWith(KEY_SETTINGS());
    const good = await token({ preferred_username: user.name, sub: 'opaque-id', iss: 'https://idp.example.org', aud: 'flux-graphql' }, { expiresIn: '5m' });
    expect((await viewerWith(app, `Bearer ${good}`)).body).toEqual({ data: { viewer: { username: user.name, userid: user.uid, admin: false } } });
    const subOnly = await token({ sub: user.name, iss: 'https://idp.example.org', aud: 'flux-graphql' }, { expiresIn: '5m' });
    expect((await viewerWith(app, `Bearer ${subOnly}`)).body).toEqual({ data: { viewer: { username: user.name, userid: user.uid, admin: false } } });
  });

  it('verifies against a JWKS file too', async () => {
    const app = await appWith({ mode: 'jwt', jwksFile, userClaims: ['preferred_username', 'sub'] });
    const good = await token({ preferred_username: user.name }, { expiresIn: '5m', kid: 'k1' });
    expect((await viewerWith(app, `Bearer ${good}`)).status).toBe(200);
  });

  it.each([
    ['no Authorization header', async () => undefined, 'Not authenticated: this server needs a bearer token (Authorization: Bearer <JWT>).', 'Bearer realm="flux-graphql"'],
    ['a Basic header', async () => 'Basic dXNlcjpwdw==', 'Not authenticated: the Authorization header is not "Bearer <JWT>".', 'error="invalid_request"'],
    ['an expired token', async () => `Bearer ${await token({ preferred_username: 'x', iss: 'https://idp.example.org', aud: 'flux-graphql' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 })}`, 'Not authenticated: the bearer token has expired.', 'error="invalid_token"'],
    ['a token signed by another key', async () => `Bearer ${await token({ preferred_username: 'x', iss: 'https://idp.example.org', aud: 'flux-graphql' }, { key: stranger, expiresIn: '5m' })}`, 'Not authenticated: the bearer token is not signed by a trusted key.', 'error="invalid_token"'],
    ['a token without expiry', async () => `Bearer ${await token({ preferred_username: 'x', iss: 'https://idp.example.org', aud: 'flux-graphql' })}`, 'Not authenticated: the bearer token\'s "exp" claim is not accepted (missing).', 'error="invalid_token"'],
    ['a token for another audience', async () => `Bearer ${await token({ preferred_username: 'x', iss: 'https://idp.example.org', aud: 'other' }, { expiresIn: '5m' })}`, 'Not authenticated: the bearer token\'s "aud" claim is not accepted (check_failed).', 'error="invalid_token"'],
    ['a token from another issuer', async () => `Bearer ${await token({ preferred_username: 'x', iss: 'https://evil.example.org', aud: 'flux-graphql' }, { expiresIn: '5m' })}`, 'Not authenticated: the bearer token\'s "iss" claim is not accepted (check_failed).', 'error="invalid_token"'],
    ['a token naming nobody', async () => `Bearer ${await token({ iss: 'https://idp.example.org', aud: 'flux-graphql' }, { expiresIn: '5m' })}`, 'Not authenticated: the bearer token names no user (no "preferred_username" or "sub" claim).', 'error="invalid_token"'],
    ['a token whose name is a number', async () => `Bearer ${await token({ preferred_username: 42, iss: 'https://idp.example.org', aud: 'flux-graphql' }, { expiresIn: '5m' })}`, 'Not authenticated: the bearer token\'s "preferred_username" claim is not a string.', 'error="invalid_token"'],
    ['garbage', async () => 'Bearer not.a.jwt', 'Not authenticated: the bearer token is not valid (ERR_JWS_INVALID).', 'error="invalid_token"'],
    ['an unsigned token', async () => `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"preferred_username":"root"}').toString('base64url')}.`, 'Not authenticated:', 'error="invalid_token"'],
  ])('answers %s with 401, WWW-Authenticate and UNAUTHENTICATED', async (_name, authorization, message, challenge) => {
    const app = await appWith(KEY_SETTINGS());
    const answer = await viewerWith(app, await authorization());
    expect(answer.status).toBe(401);
    expect(answer.challenge).toContain(challenge);
    expect(answer.body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(answer.body.errors?.[0]?.message).toContain(message);
    expect(answer.body.data).toBeUndefined();
  });

  it('refuses to start with a key file that holds no key, or both key sources', async () => {
    const bad = join(dir, 'bad.pem');
    writeFileSync(bad, 'not a key');
    await expect(appWith({ mode: 'jwt', keyFile: bad, userClaims: ['sub'] })).rejects.toThrow(AuthSetupError);
    await expect(appWith({ mode: 'jwt', keyFile: bad, userClaims: ['sub'] })).rejects.toThrow(/holds no PEM public key/);
    await expect(appWith({ mode: 'jwt', jwksFile: keyFile, userClaims: ['sub'] })).rejects.toThrow(/is not JSON/);
    await expect(appWith({ mode: 'jwt', keyFile: join(dir, 'missing.pem'), userClaims: ['sub'] })).rejects.toThrow(/cannot read --jwt-key/);
  });
});
