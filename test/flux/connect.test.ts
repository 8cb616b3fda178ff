import * as fs from 'node:fs';
import { DEFAULT_FLUX_URI, openHandle, parseFluxUri, resolveFluxUri } from '../../src/flux/connect';
import { FluxError } from '../../src/flux/errors';
import { serveBroker } from '../../src/embedded/wire/broker';
import { createFakeService } from '../support/fake-service';
import { tmpSocketPath } from '../support/scripted-broker';

function uriError(fn: () => unknown): FluxError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FluxError);
    expect((err as FluxError).code).toBe('FLUX_URI');
    return err as FluxError;
  }
  throw new Error('expected a FLUX_URI error');
}

describe('resolveFluxUri (flux_open precedence)', () => {
  it('prefers an explicit URI, then FLUX_URI, then the system instance', () => {
    expect(resolveFluxUri('local:///a', { FLUX_URI: 'local:///b' })).toBe('local:///a');
    expect(resolveFluxUri(undefined, { FLUX_URI: 'local:///b' })).toBe('local:///b');
    expect(resolveFluxUri(undefined, {})).toBe('local:///run/flux/local');
    expect(resolveFluxUri('', { FLUX_URI: '' })).toBe(DEFAULT_FLUX_URI);
  });
});

describe('parseFluxUri', () => {
  it('takes the local path after "://" and drops trailing blanks, as flux_open does', () => {
    expect(parseFluxUri('local:///run/flux/local')).toEqual({ scheme: 'local', path: '/run/flux/local' });
    expect(parseFluxUri('local:///tmp/x/local \t')).toEqual({ scheme: 'local', path: '/tmp/x/local' });
  });

  it('parses ssh URIs', () => {
    expect(parseFluxUri('ssh://bob@login1:2222/run/flux/local')).toEqual({
      scheme: 'ssh',
      target: { user: 'bob', host: 'login1', port: 2222, path: 'run/flux/local' },
    });
  });

  it.each([
    ['foo:///x', 'unsupported Flux URI scheme "foo" in "foo:///x": expected local://PATH or ssh://[user@]host[:port]/PATH'],
    ['shmem://x', 'unsupported Flux URI scheme "shmem" in "shmem://x": expected local://PATH or ssh://[user@]host[:port]/PATH'],
    ['localhost', '"localhost" is not a Flux URI: expected local://PATH or ssh://[user@]host[:port]/PATH'],
    ['', 'no Flux URI given: expected local://PATH or ssh://[user@]host[:port]/PATH'],
    ['local://', 'the local:// URI names no socket path'],
    [
      '..',
      '".." names an enclosing instance by path, which needs the parent-uri attribute of a running instance; pass its local:// or ssh:// URI instead',
    ],
  ])('rejects %j', (uri, message) => {
    expect(uriError(() => parseFluxUri(uri)).message).toBe(message);
  });

  it('rejects a socket path longer than sun_path allows', () => {
    const long = `/tmp/${'d'.repeat(110)}`;
    expect(uriError(() => parseFluxUri(`local://${long}`)).message).toBe(`socket path ${long} is 115 bytes long; Unix sockets allow at most 107`);
  });
});

describe('openHandle', () => {
  it('connects to a local:// URI', async () => {
    const { dir, path } = tmpSocketPath();
    const broker = await serveBroker(createFakeService(), { path, serviceNames: ['test'], log: () => undefined });
    const handle = await openHandle(`local://${path}`);
    try {
      expect(handle.uri).toBe(`local://${path}`);
      expect(await handle.rpc('test.echo', { hi: 1 })).toMatchObject({ echo: { hi: 1 } });
    } finally {
      await handle.close();
      await broker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown scheme with FLUX_URI before connecting anywhere', async () => {
    await expect(openHandle('tcp://host:1234')).rejects.toMatchObject({ code: 'FLUX_URI' });
  });
});
