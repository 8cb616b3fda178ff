import * as fs from 'node:fs';
import * as path from 'node:path';
import { FluxError } from '../../src/flux/errors';
import type { Json } from '../../src/flux/json';
import { openHandle } from '../../src/flux/connect';
import { buildSshCommand, parseSshTarget, type SshTarget } from '../../src/flux/ssh-connector';
import { serveBroker } from '../../src/embedded/wire/broker';
import { createFakeService } from '../support/fake-service';
import { tmpSocketPath } from '../support/scripted-broker';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function tmpDir(): string {
  const { dir } = tmpSocketPath();
  dirs.push(dir);
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<FluxError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(FluxError);
    return err as FluxError;
  }
  throw new Error('expected the promise to reject');
}

describe('ssh URI parsing (as flux-core splits [user@]host[:port]/path)', () => {
  it.each<[string, SshTarget]>([
    ['host/tmp/sock', { host: 'host', path: 'tmp/sock' }],
    ['alice@node7:2222/run/flux/local', { user: 'alice', host: 'node7', port: 2222, path: 'run/flux/local' }],
    ['alice:secret@node7/x', { user: 'alice', host: 'node7', path: 'x' }],
    ['host//abs/sock', { host: 'host', path: '/abs/sock' }],
    ['host/a@b:c', { host: 'host', path: 'a@b:c' }],
  ])('%s', (rest, target) => {
    expect(parseSshTarget(rest)).toEqual(target);
  });

  it.each([
    ['host', /the socket path is missing/],
    ['host/', /the socket path is empty/],
    ['@host/p', /the user name before "@" is empty/],
    [':pw@host/p', /the user name before "@" is empty/],
    ['host:/p', /port must be a number from 1 to 65535, received ""/],
    ['host:ssh/p', /port must be a number from 1 to 65535, received "ssh"/],
    ['host:70000/p', /received "70000"/],
    [':22/p', /the host name is empty/],
    ['host/p?x=1', /a query \("\?"\) is not allowed/],
    ['host/p#frag', /a fragment \("#"\) is not allowed/],
  ])('rejects %s', (rest, message) => {
    try {
      parseSshTarget(rest);
    } catch (err) {
      expect((err as FluxError).code).toBe('FLUX_URI');
      expect((err as FluxError).message).toMatch(message);
      expect((err as FluxError).message).toMatch(/expected ssh:\/\/\[user@\]host\[:port\]\/path\/to\/socket$/);
      return;
    }
    throw new Error('expected FLUX_URI');
  });
});

describe('ssh command line (ssh.c build_ssh_command)', () => {
  const target: SshTarget = { host: 'node7', path: 'tmp/flux-abc/local' };

  it('runs flux relay under env with a PATH of rundir/bin, /bin and /usr/bin', () => {
    expect(buildSshCommand(target, {})).toEqual(['ssh', 'node7', 'env', 'PATH=/tmp/flux-abc/bin:/bin:/usr/bin', 'flux', 'relay', '/tmp/flux-abc/local']);
  });

  it('adds -p and user@ when the URI has them', () => {
    expect(buildSshCommand({ user: 'alice', host: 'node7', port: 2222, path: 'run/flux/local' }, {})).toEqual([
      'ssh',
      '-p',
      '2222',
      'alice@node7',
      'env',
      'PATH=/run/flux/bin:/bin:/usr/bin',
      'flux',
      'relay',
      '/run/flux/local',
    ]);
  });

  it('puts the directory of the local flux command on the remote PATH', () => {
    const withFlux = tmpDir();
    const notExecutable = tmpDir();
    fs.writeFileSync(path.join(withFlux, 'flux'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(notExecutable, 'flux'), 'not a program', { mode: 0o644 });
    expect(buildSshCommand(target, { PATH: `/nonexistent::${notExecutable}:${withFlux}` })[3]).toBe(
      `PATH=/tmp/flux-abc/bin:${withFlux}:/bin:/usr/bin`,
    );
  });

  it('forwards LD_LIBRARY_PATH after PATH', () => {
    expect(buildSshCommand(target, { LD_LIBRARY_PATH: '/opt/lib' })).toEqual([
      'ssh',
      'node7',
      'env',
      'PATH=/tmp/flux-abc/bin:/bin:/usr/bin',
      'LD_LIBRARY_PATH=/opt/lib',
      'flux',
      'relay',
      '/tmp/flux-abc/local',
    ]);
  });

  it('FLUX_SSH_RCMD replaces the remote flux and drops env/PATH', () => {
    expect(buildSshCommand(target, { FLUX_SSH_RCMD: '/opt/flux/bin/flux' })).toEqual([
      'ssh',
      'node7',
      '/opt/flux/bin/flux',
      'relay',
      '/tmp/flux-abc/local',
    ]);
    expect(buildSshCommand(target, { FLUX_SSH_RCMD: '/opt/flux/bin/flux', LD_LIBRARY_PATH: '/opt/lib' })).toEqual([
      'ssh',
      'node7',
      'env',
      'LD_LIBRARY_PATH=/opt/lib',
      '/opt/flux/bin/flux',
      'relay',
      '/tmp/flux-abc/local',
    ]);
  });

  it('FLUX_SSH chooses the remote shell program', () => {
    expect(buildSshCommand(target, { FLUX_SSH: '/usr/bin/rsh' })[0]).toBe('/usr/bin/rsh');
  });

  it('keeps flux-core quirks for odd paths: a relative socket gets "/.", a doubled slash stays', () => {
    expect(buildSshCommand({ host: 'h', path: 'local' }, {}).slice(3)).toEqual(['PATH=/./bin:/bin:/usr/bin', 'flux', 'relay', '/local']);
    expect(buildSshCommand({ host: 'h', path: '/abs/sock' }, {}).slice(3)).toEqual(['PATH=/abs/bin:/bin:/usr/bin', 'flux', 'relay', '//abs/sock']);
  });
});

describe('ssh connector end to end, with a stand-in for ssh + flux relay', () => {
  let fakeSsh: string;
  beforeAll(() => {
    const dir = tmpDir();
    fakeSsh = path.join(dir, 'fake-ssh');
    const relay = path.join(__dirname, '..', 'support', 'fake-ssh-relay.js');
    fs.writeFileSync(fakeSsh, `#!/bin/sh\nexec "${process.execPath}" "${relay}" "$@"\n`, { mode: 0o755 });
  });

  function sshUri(socketPath: string, authority = 'alice@fakehost:2200'): string {
    return `ssh://${authority}${socketPath}`;
  }

  it('runs RPCs and streams through the relay, with ssh arguments built from the URI', async () => {
    const { dir, path: socketPath } = tmpSocketPath();
    dirs.push(dir);
    const argvFile = path.join(dir, 'argv.json');
    const service = createFakeService();
    const broker = await serveBroker(service, { path: socketPath, serviceNames: ['test'], log: () => undefined });
    const handle = await openHandle(sshUri(socketPath), {
      env: { PATH: process.env.PATH, FLUX_SSH: fakeSsh, FLUX_SSH_RCMD: 'flux', FAKE_SSH_ARGV_FILE: argvFile },
    });
    try {
      expect(handle.uri).toBe(sshUri(socketPath));
      expect(await handle.rpc('test.echo', { via: 'ssh' })).toMatchObject({ echo: { via: 'ssh' } });
      const streamed: Array<Json | undefined> = [];
      for await (const value of handle.rpcStream('test.count', { n: 3 })) streamed.push(value);
      expect(streamed).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
      expect(JSON.parse(fs.readFileSync(argvFile, 'utf8'))).toEqual(['-p', '2200', 'alice@fakehost', 'flux', 'relay', socketPath]);
    } finally {
      await handle.close();
    }
    // Closing the handle ends ssh, so the broker sees the client leave.
    for (let i = 0; i < 500 && !service.requests.some((r) => r.topic === 'test.disconnect'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(service.requests.filter((r) => r.topic === 'test.disconnect')).toHaveLength(1);
    await broker.close();
  });

  it('reports what the remote side printed when flux relay cannot reach the broker', async () => {
    const { dir, path: socketPath } = tmpSocketPath();
    dirs.push(dir);
    const err = await rejection(openHandle(sshUri(socketPath, 'fakehost'), { env: { FLUX_SSH: fakeSsh, FLUX_SSH_RCMD: 'flux' } }));
    expect(err.code).toBe('FLUX_CONNECT');
    expect(err.message).toBe(
      `cannot connect to Flux at ssh://fakehost${socketPath}: the connection closed before the handshake byte arrived: Connection reset by peer (ECONNRESET)\n` +
        `fake-host: local://${socketPath}: No such file or directory`,
    );
  });

  it('explains a handshake spoiled by shell start-up output', async () => {
    const { dir, path: socketPath } = tmpSocketPath();
    dirs.push(dir);
    const broker = await serveBroker(createFakeService(), { path: socketPath, serviceNames: ['test'], log: () => undefined });
    try {
      const err = await rejection(
        openHandle(sshUri(socketPath, 'fakehost'), { env: { FLUX_SSH: fakeSsh, FLUX_SSH_RCMD: 'flux', FAKE_SSH_NOISE: 'Welcome!\n' } }),
      );
      expect(err.code).toBe('FLUX_CONNECT');
      expect(err.message).toBe(
        `cannot connect to Flux at ssh://fakehost${socketPath}: expected the handshake byte 00, received 0x57\n` +
          'Unable to establish clean ssh connection.\nHint: Check that shell init files do not write to stdout when non-interactive.',
      );
    } finally {
      await broker.close();
    }
  });

  it('says which ssh program could not be started', async () => {
    const err = await rejection(openHandle('ssh://fakehost/tmp/sock', { env: { FLUX_SSH: '/nonexistent/ssh' } }));
    expect(err.code).toBe('FLUX_CONNECT');
    expect(err.message).toBe(
      'cannot connect to Flux at ssh://fakehost/tmp/sock: ssh-connector: /nonexistent/ssh: No such file or directory\nHint: set FLUX_SSH in environment to override',
    );
  });

  it('fails in-flight RPCs when the remote side goes away and starts a new ssh for later RPCs', async () => {
    const { dir, path: socketPath } = tmpSocketPath();
    dirs.push(dir);
    const service = createFakeService();
    let broker = await serveBroker(service, { path: socketPath, serviceNames: ['test'], log: () => undefined });
    const handle = await openHandle(sshUri(socketPath, 'fakehost'), { env: { FLUX_SSH: fakeSsh, FLUX_SSH_RCMD: 'flux' } });
    try {
      const pending = rejection(handle.rpc('test.hang', {}));
      for (let i = 0; i < 500 && service.held.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      await broker.close();
      const err = await pending;
      expect(err.code).toBe('FLUX_DISCONNECTED');
      expect(err.message).toMatch(new RegExp(`^Flux instance at ssh://fakehost${socketPath} is unavailable: the connection was closed`));
      broker = await serveBroker(service, { path: socketPath, serviceNames: ['test'], log: () => undefined });
      expect(await handle.rpc('test.echo', { again: 1 })).toMatchObject({ echo: { again: 1 } });
    } finally {
      await handle.close();
      await broker.close();
    }
  });
});
