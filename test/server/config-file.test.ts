/**
 * serve --config FILE: options from TOML under their long names; the command line and the
 * environment win; bad files, unknown keys and bad values are refused with exit code 2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CommandActions, type ServeSettings } from '../../src/server/cli';

const dir = mkdtempSync(join(tmpdir(), 'fg-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function configFile(text: string): string {
  const path = join(dir, `config-${count++}.toml`);
  writeFileSync(path, text);
  return path;
}

function recording(): CommandActions & { serves: ServeSettings[] } {
  const serves: ServeSettings[] = [];
  return { serves, serve: async (settings) => void serves.push(settings), broker: async () => undefined };
}

let stderr: jest.SpyInstance;
let savedFluxUri: string | undefined;
beforeEach(() => {
  savedFluxUri = process.env['FLUX_URI'];
  delete process.env['FLUX_URI'];
  stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  stderr.mockRestore();
  if (savedFluxUri === undefined) delete process.env['FLUX_URI'];
  else process.env['FLUX_URI'] = savedFluxUri;
});
const errorText = (): string => stderr.mock.calls.map(([text]) => String(text)).join('');

describe('serve --config', () => {
  it('takes every kind of option from the file', async () => {
    const file = configFile(
      ['port = 4100', 'host = "0.0.0.0"', 'jobs = 200', 'live = false', 'max-page-size = 300', 'cors-origin = ["https://a.example.org", "https://b.example.org"]', 'request-log = false', 'shutdown-grace = 3', 'max-output-bytes = 65536', 'max-subscriptions-per-user = 10', 'keepalive = 30'].join('\n'),
    );
    const actions = recording();
    expect(await runCli(['serve', '--config', file], actions)).toBe(0);
    expect(actions.serves[0]).toMatchObject({
      port: 4100,
      host: '0.0.0.0',
      embedded: { jobs: 200, live: false, seed: 1, latencyMs: 0 },
      maxPageSize: 300,
      corsOrigins: ['https://a.example.org', 'https://b.example.org'],
      requestLog: false,
      shutdownGraceSeconds: 3,
      maxOutputBytes: 65536,
      maxSubscriptionsPerUser: 10,
      keepAliveSeconds: 30,
    });
  });

  it('lets the command line and the environment win over the file', async () => {
    const file = configFile('port = 4100\nflux-uri = "local:///from/file"\n');
    process.env['FLUX_URI'] = 'local:///from/env';
    const actions = recording();
    expect(await runCli(['serve', '--config', file, '--port', '4200'], actions)).toBe(0);
    expect(actions.serves[0]).toMatchObject({ port: 4200, fluxUri: 'local:///from/env' });
  });

  it.each([
    ['a missing file', null, /cannot read the config file .*: ENOENT/],
    ['broken TOML', 'port = = 3', /is not valid TOML/],
    ['an unknown key', 'prot = 4000', /"prot" is not an option of flux-graphql serve/],
    ['a bad value', 'port = 70000', /"port": The port must be an integer from 0 to 65535\./],
    ['a list for a single value', 'port = [1, 2]', /"port" takes one value, not a list/],
    ['a string for a switch', 'live = "no"', /"live" must be true or false/],
  ])('refuses %s with exit code 2 and a sentence', async (_what, text, message) => {
    const file = text === null ? join(dir, 'absent.toml') : configFile(text);
    const actions = recording();
    expect(await runCli(['serve', '--config', file], actions)).toBe(2);
    expect(actions.serves).toEqual([]);
    expect(errorText()).toMatch(message);
  });
});

describe("the README's site configuration", () => {
  it('is a config file serve takes as it is, with the access settings it describes', async () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = /```toml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const actions = recording();
    expect(await runCli(['serve', '--config', configFile(block as string)], actions)).toBe(0);
    expect(errorText()).toBe('');
    const settings = actions.serves[0] as ServeSettings;
    expect(settings.access).toEqual({ auth: { mode: 'trusted-header', header: 'X-Remote-User', trustedProxies: ['127.0.0.1'] }, admins: ['ops'], ownJobsOnly: false });
    expect(settings.maxConcurrentPerUser).toBe(16);
    expect(settings.workers).toBe(2);
    expect([settings.host, settings.port]).toEqual(['127.0.0.1', 4000]);
  });
});
