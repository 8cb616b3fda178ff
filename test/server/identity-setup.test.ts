/**
 * What the server checks at start-up before it serves anyone: no anonymous service beyond
 * loopback unless asked for, and, for an identity mode, a connection that is the instance owner
 * (read from the broker attribute security.owner), since Flux keeps other users' credentials
 * only in an owner's messages.
 */
import { EmbeddedInstance } from '../../src/embedded';
import { Role } from '../../src/flux/constants';
import { instanceOwner } from '../../src/flux/broker-attributes';
import { FluxRpcError } from '../../src/flux/errors';
import { isLoopback, setUpIdentity, type IdentitySetupInput } from '../../src/server/auth/identity-setup';
import { createApp } from '../../src/server/app';

const instance = new EmbeddedInstance({ ownerUserid: 500 });
afterAll(() => instance.close());

function input(overrides: Partial<IdentitySetupInput>): IdentitySetupInput {
  return {
    access: { auth: { mode: 'trusted-header', header: 'X-Remote-User', trustedProxies: ['127.0.0.1'] }, admins: [], ownJobsOnly: false },
    host: '127.0.0.1',
    allowAnonymous: false,
    handle: instance.handle(),
    serverUser: { userid: 500, username: 'flux' },
    userDatabase: { nameOf: () => undefined, uidOf: (name) => (name === 'alice' ? 1001 : undefined) },
    warn: () => undefined,
    ...overrides,
  };
}

describe('security.owner', () => {
  it('is answered by attr.get as flux-core does, with ENOENT for an unknown attribute', async () => {
    const handle = instance.handle();
    expect(await handle.rpc('attr.get', { name: 'security.owner' })).toEqual({ value: '500', flags: 1 });
    expect(await instanceOwner(handle)).toBe(500);
    await expect(handle.rpc('attr.get', { name: 'no-such-attribute' })).rejects.toMatchObject({ errno: 2 });
    await expect(handle.rpc('attr.get', {})).rejects.toMatchObject({ errno: 71 });
    await expect(handle.rpc('attr.set', { name: 'x' })).rejects.toBeInstanceOf(FluxRpcError);
  });
});

describe('setUpIdentity', () => {
  it('accepts an identity mode when the server connects as the instance owner', async () => {
    const identity = await setUpIdentity(input({}));
    expect(identity.serverUser).toEqual({ userid: 500, username: 'flux' });
    expect(await identity.uidOf('alice')).toBe(1001);
  });

  it('refuses an identity mode when the server is not the instance owner, and says why', async () => {
    const notOwner = instance.handle({ userid: 1001, rolemask: Role.USER });
    await expect(setUpIdentity(input({ handle: notOwner, serverUser: { userid: 1001, username: 'alice' } }))).rejects.toThrow(
      '--auth trusted-header needs the server to connect as the instance owner (uid 500, broker attribute security.owner), but it connects as uid 1001 (alice)',
    );
  });

  it('refuses an identity mode over a connection whose user it cannot tell (ssh://)', async () => {
    await expect(setUpIdentity(input({ serverUser: undefined }))).rejects.toThrow(/over ssh:\/\/ it cannot tell/);
  });

  it('refuses --auth none beyond loopback unless --allow-anonymous, and then warns', async () => {
    const none = { auth: { mode: 'none' as const }, admins: [], ownJobsOnly: false };
    await expect(setUpIdentity(input({ access: none, host: '0.0.0.0' }))).rejects.toThrow('refusing to listen on 0.0.0.0 with --auth none');
    const warnings: string[] = [];
    await setUpIdentity(input({ access: none, host: '0.0.0.0', allowAnonymous: true, warn: (line) => warnings.push(line) }));
    expect(warnings).toEqual(['flux-graphql: warning: --auth none on 0.0.0.0: every client is served as flux, without authentication (--allow-anonymous)']);
    const quiet: string[] = [];
    await setUpIdentity(input({ access: none, host: '127.0.0.1', warn: (line) => quiet.push(line) }));
    expect(quiet).toEqual([]);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['login1.example.org', false],
  ])('counts %s as loopback: %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });
});

describe('--max-concurrent-per-user', () => {
  it('answers 429 TOO_MANY_REQUESTS beyond the limit for one user, and serves again once one finished', async () => {
    const slow = new EmbeddedInstance({ ownerUserid: 500 });
    const app = createApp({ handle: slow.handle({ latencyMs: 150 }), logging: false, maxConcurrentPerUser: 2, identity: await setUpIdentity(input({ handle: slow.handle() })) });
    const ask = (user: string): Promise<Response> =>
      Promise.resolve(app.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-remote-user': user }, body: '{"query":"{ jobAttributes }"}' }, { req: { socket: { remoteAddress: '127.0.0.1' } } }));
    const answers = await Promise.all([ask('alice'), ask('alice'), ask('alice')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 429]);
    const refused = answers.find((a) => a.status === 429) as Response;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { errors: { extensions: { code: string; limit: number } }[] }).errors[0]?.extensions).toEqual({ code: 'TOO_MANY_REQUESTS', limit: 2 });
    expect((await ask('alice')).status).toBe(200);
    slow.close();
  });

  it.each([
    ['server', 'Too many requests in flight for user "alice": at most 1 at once (--max-concurrent-per-user); retry when one has finished.'],
    ['worker', 'Too many requests in flight for user "alice": at most 1 at once in this worker process (--max-concurrent-per-user); retry when one has finished.'],
  ] as const)('says whom the limit counts when it counts per %s', async (concurrencyScope, message) => {
    const slow = new EmbeddedInstance({ ownerUserid: 500 });
    const app = createApp({ handle: slow.handle({ latencyMs: 150 }), logging: false, maxConcurrentPerUser: 1, concurrencyScope, identity: await setUpIdentity(input({ handle: slow.handle() })) });
    const ask = (): Promise<Response> =>
      Promise.resolve(app.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-remote-user': 'alice' }, body: '{"query":"{ jobAttributes }"}' }, { req: { socket: { remoteAddress: '127.0.0.1' } } }));
    const answers = await Promise.all([ask(), ask()]);
    const refused = answers.find((a) => a.status === 429) as Response;
    expect(((await refused.json()) as { errors: { message: string }[] }).errors[0]?.message).toBe(message);
    slow.close();
  });
});
