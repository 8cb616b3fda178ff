/**
 * flux-graphql serve / broker on the command line: the settings each option becomes, the
 * defaults, and the refusals (a sentence and exit code 2).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type BrokerSettings, type CommandActions, type ServeSettings } from '../../src/server/cli';

function recordingActions(): CommandActions & { serves: ServeSettings[]; brokers: BrokerSettings[] } {
  const serves: ServeSettings[] = [];
  const brokers: BrokerSettings[] = [];
  return {
    serves,
    brokers,
    serve: async (settings) => void serves.push(settings),
    broker: async (settings) => void brokers.push(settings),
  };
}

let savedFluxUri: string | undefined;
let stderr: jest.SpyInstance;
let stdout: jest.SpyInstance;

beforeEach(() => {
  savedFluxUri = process.env['FLUX_URI'];
  delete process.env['FLUX_URI'];
  stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => {
  if (savedFluxUri === undefined) delete process.env['FLUX_URI'];
  else process.env['FLUX_URI'] = savedFluxUri;
  stderr.mockRestore();
  stdout.mockRestore();
});

function errorText(): string {
  return stderr.mock.calls.map(([text]) => String(text)).join('');
}

const DEFAULT_EMBEDDED = { jobs: 3000, seed: 1, live: true, latencyMs: 0 };

describe('flux-graphql serve', () => {
  it('defaults to 127.0.0.1:4000 and an embedded instance of 3000 live jobs, seed 1', async () => {
    const actions = recordingActions();
    expect(await runCli(['serve'], actions)).toBe(0);
    expect(actions.serves).toEqual([
      {
        port: 4000, host: '127.0.0.1', embedded: DEFAULT_EMBEDDED, maxPageSize: 1000, defaultPageSize: 50, shutdownGraceSeconds: 10, maxBodyBytes: 1048576, maxNodes: 10000, maxOutputBytes: 1048576, requestLog: true, requestTimeoutSeconds: 60,
        access: { auth: { mode: 'none' }, admins: [], ownJobsOnly: false }, maxConcurrentPerUser: 32, workers: 1,
        maxSubscriptionsPerUser: 100, maxSubscriptionsPerConnection: 50, keepAliveSeconds: 12, wsMaxBufferedBytes: 4194304,
      },
    ]);
  });

  it('takes every option', async () => {
    const actions = recordingActions();
    const argv = ['serve', '--port', '4100', '--host', '0.0.0.0', '--jobs', '5000', '--seed', '7', '--no-live', '--latency', '2.5', '--max-page-size', '200', '--default-page-size', '25', '--shutdown-grace', '2.5', '--max-body-bytes', '65536', '--max-nodes', '500', '--max-output-bytes', '4096', '--request-timeout', '5', '--no-request-log', '--cors-origin', 'https://dash.example.org', '--workers', '4',
      '--max-subscriptions-per-user', '20', '--max-subscriptions-per-connection', '5', '--keepalive', '2.5', '--ws-max-buffered-bytes', '65536'];
    expect(await runCli(argv, actions)).toBe(0);
    expect(actions.serves).toEqual([
      {
        port: 4100, host: '0.0.0.0', embedded: { jobs: 5000, seed: 7, live: false, latencyMs: 2.5 }, maxPageSize: 200, defaultPageSize: 25,
        shutdownGraceSeconds: 2.5, maxBodyBytes: 65536, maxNodes: 500, maxOutputBytes: 4096, requestLog: false, requestTimeoutSeconds: 5, corsOrigins: ['https://dash.example.org'],
        access: { auth: { mode: 'none' }, admins: [], ownJobsOnly: false }, maxConcurrentPerUser: 32, workers: 4,
        maxSubscriptionsPerUser: 20, maxSubscriptionsPerConnection: 5, keepAliveSeconds: 2.5, wsMaxBufferedBytes: 65536,
      },
    ]);
  });

  it('serves a real instance from --flux-uri or FLUX_URI, and the embedded one with --embedded', async () => {
    const actions = recordingActions();
    await runCli(['serve', '--flux-uri', 'local:///run/flux/local'], actions);
    process.env['FLUX_URI'] = 'ssh://login1/run/flux/local';
    await runCli(['serve'], actions);
    await runCli(['serve', '--embedded', '--jobs', '10'], actions);
    expect(actions.serves.map((settings) => settings.fluxUri)).toEqual(['local:///run/flux/local', 'ssh://login1/run/flux/local', undefined]);
    expect(actions.serves[2]?.embedded.jobs).toBe(10);
  });

  it.each([
    [['serve', '--port', 'http'], 'The port must be an integer from 0 to 65535.'],
    [['serve', '--port', '70000'], 'The port must be an integer from 0 to 65535.'],
    [['serve', '--jobs', '-5'], 'The number of jobs must be an integer from 0 to 10000000.'],
    [['serve', '--jobs', '1.5'], 'The number of jobs must be an integer from 0 to 10000000.'],
    [['serve', '--seed', 'abc'], 'The seed must be an integer from 0 to 4294967295.'],
    [['serve', '--latency', 'slow'], 'The latency must be a number of milliseconds from 0 to 60000.'],
    [['serve', '--max-page-size', '0'], 'The page size must be an integer from 1 to 100000.'],
    [['serve', '--request-timeout', '0'], 'The request timeout must be a number of seconds above 0, at most 3600.'],
    [['serve', '--shutdown-grace', '-1'], 'The shutdown grace must be a number of seconds from 0 to 3600.'],
    [['serve', '--max-nodes', '0'], 'The node limit must be an integer from 1 to 10000000.'],
    [['serve', '--max-body-bytes', '10'], 'The body size limit must be an integer from 1024 to 1073741824.'],
    [['serve', '--max-output-bytes', '-1'], 'The output bound must be an integer from 0 to 1073741824.'],
    [['serve', '--max-output-bytes', '1MiB'], 'The output bound must be an integer from 0 to 1073741824.'],
    [['serve', '--workers', '0'], 'The number of workers must be an integer from 1 to 256.'],
    [['serve', '--max-subscriptions-per-user', '0'], 'The number of subscriptions per user must be an integer from 1 to 1000000.'],
    [['serve', '--max-subscriptions-per-connection', 'many'], 'The number of subscriptions per connection must be an integer from 1 to 1000000.'],
    [['serve', '--keepalive', '0'], 'The keep-alive interval must be a number of seconds above 0, at most 3600.'],
    [['serve', '--ws-max-buffered-bytes', '100'], 'The WebSocket buffer bound must be an integer from 1024 to 1073741824.'],
    [['serve', '--workers', 'auto'], 'The number of workers must be an integer from 1 to 256.'],
    [['serve', '--flux-uri', '/run/flux/local'], 'The Flux URI must look like local:///run/flux/local or ssh://host/path.'],
    [['serve', '--default-page-size', '500', '--max-page-size', '100'], '--default-page-size (500) must not exceed --max-page-size (100).'],
    [['serve', '--flux-uri', 'local:///x', '--jobs', '10'], '--jobs applies to the embedded instance only, but --flux-uri was given'],
    [['serve', '--frobnicate'], "unknown option '--frobnicate'"],
    [['broker'], "required option '--listen <path>' not specified"],
    [['launch'], "unknown command 'launch'"],
  ])('refuses %p with exit code 2', async (argv, message) => {
    const actions = recordingActions();
    expect(await runCli(argv, actions)).toBe(2);
    expect(errorText()).toContain(message);
    expect(actions.serves).toEqual([]);
    expect(actions.brokers).toEqual([]);
  });

  it('refuses embedded options when FLUX_URI names an instance, and says how to override', async () => {
    process.env['FLUX_URI'] = 'local:///run/flux/local';
    expect(await runCli(['serve', '--seed', '3'], recordingActions())).toBe(2);
    expect(errorText()).toContain('--seed applies to the embedded instance only, but FLUX_URI is set in the environment; pass --embedded');
  });

  it('documents every option in --help', async () => {
    expect(await runCli(['serve', '--help'], recordingActions())).toBe(0);
    const help = stdout.mock.calls.map(([text]) => String(text)).join('');
    for (const option of ['--port', '--host', '--flux-uri', '--embedded', '--jobs', '--seed', '--live', '--no-live', '--latency', '--max-page-size', '--default-page-size', '--max-subscriptions-per-user', '--max-subscriptions-per-connection', '--keepalive', '--ws-max-buffered-bytes']) {
      expect(help).toContain(option);
    }
    expect(help).toContain('env: FLUX_URI');
  });
});

describe('flux-graphql broker', () => {
  it('takes a socket path and the embedded options', async () => {
    const actions = recordingActions();
    expect(await runCli(['broker', '--listen', '/tmp/fg.sock', '--jobs', '20', '--no-live'], actions)).toBe(0);
    expect(actions.brokers).toEqual([{ listen: '/tmp/fg.sock', embedded: { ...DEFAULT_EMBEDDED, jobs: 20, live: false } }]);
  });
});

describe('flux-graphql --version', () => {
  it('prints the version of package.json and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(await runCli(['--version'], recordingActions())).toBe(0);
    expect(stdout.mock.calls.map(([text]) => String(text)).join('')).toBe(`${version}\n`);
  });
});
