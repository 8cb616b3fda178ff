/**
 * The command line's snapshot pieces: `snapshot`, and `--snapshot FILE` on serve and broker,
 * with the settings they hand on and the combinations they refuse.
 */
import { runCli, type BrokerSettings, type CommandActions, type ServeSettings } from '../../src/server/cli';
import type { SnapshotCommandOptions } from '../../src/server/snapshot-command';

interface Recorded {
  serve: ServeSettings[];
  broker: BrokerSettings[];
  snapshot: SnapshotCommandOptions[];
}

function recordingActions(): CommandActions & { calls: Recorded } {
  const calls: Recorded = { serve: [], broker: [], snapshot: [] };
  return {
    calls,
    serve: async (settings) => void calls.serve.push(settings),
    broker: async (settings) => void calls.broker.push(settings),
    snapshot: async (settings) => void calls.snapshot.push(settings),
  };
}

let savedFluxUri: string | undefined;
let stderrSpy: jest.SpyInstance;
beforeEach(() => {
  savedFluxUri = process.env.FLUX_URI;
  delete process.env.FLUX_URI;
  // commander prints usage errors; keep the test output clean and inspectable.
  stderrSpy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  if (savedFluxUri === undefined) delete process.env.FLUX_URI;
  else process.env.FLUX_URI = savedFluxUri;
  stderrSpy.mockRestore();
});

function printed(): string {
  return stderrSpy.mock.calls.map(([text]) => String(text)).join('');
}

describe('flux-graphql snapshot', () => {
  it('defaults to the system instance and standard output', async () => {
    const actions = recordingActions();
    expect(await runCli(['snapshot'], actions)).toBe(0);
    expect(actions.calls.snapshot).toEqual([{ fluxUri: 'local:///run/flux/local' }]);
  });

  it('takes the instance from FLUX_URI, and --flux-uri over it', async () => {
    process.env.FLUX_URI = 'local:///tmp/flux-env/local';
    const actions = recordingActions();
    await runCli(['snapshot', '--output', 'jobs.json'], actions);
    await runCli(['snapshot', '--flux-uri', 'ssh://login1/run/flux/local', '--output', 'b.json'], actions);
    expect(actions.calls.snapshot).toEqual([
      { fluxUri: 'local:///tmp/flux-env/local', output: 'jobs.json' },
      { fluxUri: 'ssh://login1/run/flux/local', output: 'b.json' },
    ]);
  });

  it('refuses a URI that is not one', async () => {
    const actions = recordingActions();
    expect(await runCli(['snapshot', '--flux-uri', '/run/flux/local'], actions)).toBe(2);
    expect(printed()).toContain('The Flux URI must look like local:///run/flux/local');
    expect(actions.calls.snapshot).toEqual([]);
  });
});

describe('serve --snapshot', () => {
  it('serves the file frozen by default, even with FLUX_URI set', async () => {
    process.env.FLUX_URI = 'local:///tmp/flux-env/local';
    const actions = recordingActions();
    expect(await runCli(['serve', '--snapshot', 'jobs.json', '--port', '0'], actions)).toBe(0);
    const [settings] = actions.calls.serve;
    expect(settings?.snapshot).toEqual({ path: 'jobs.json', live: false });
    expect(settings?.fluxUri).toBeUndefined();
  });

  it('lets the clock run with --live', async () => {
    const actions = recordingActions();
    await runCli(['serve', '--snapshot', 'jobs.json', '--live'], actions);
    await runCli(['serve', '--snapshot', 'jobs.json', '--no-live'], actions);
    expect(actions.calls.serve.map((s) => s.snapshot)).toEqual([
      { path: 'jobs.json', live: true },
      { path: 'jobs.json', live: false },
    ]);
  });

  it.each([
    [['--jobs', '10'], '--jobs applies to a generated workload, not to --snapshot'],
    [['--seed', '3', '--jobs', '5'], '--jobs, --seed apply to a generated workload, not to --snapshot'],
    [['--flux-uri', 'local:///x'], '--snapshot cannot be combined with --flux-uri: give one source of jobs'],
    [['--embedded'], '--snapshot cannot be combined with --embedded: give one source of jobs'],
  ])('refuses --snapshot with %p', async (extra, message) => {
    const actions = recordingActions();
    expect(await runCli(['serve', '--snapshot', 'jobs.json', ...extra], actions)).toBe(2);
    expect(printed()).toContain(message);
    expect(actions.calls.serve).toEqual([]);
  });

  it('leaves settings without a snapshot as they were', async () => {
    const actions = recordingActions();
    await runCli(['serve'], actions);
    expect(actions.calls.serve[0]).not.toHaveProperty('snapshot');
  });
});

describe('broker --snapshot', () => {
  it('hands the file and clock mode to the broker', async () => {
    const actions = recordingActions();
    await runCli(['broker', '--listen', '/tmp/x.sock', '--snapshot', 'jobs.json'], actions);
    await runCli(['broker', '--listen', '/tmp/x.sock', '--snapshot', 'jobs.json', '--live'], actions);
    expect(actions.calls.broker.map((s) => [s.listen, s.snapshot])).toEqual([
      ['/tmp/x.sock', { path: 'jobs.json', live: false }],
      ['/tmp/x.sock', { path: 'jobs.json', live: true }],
    ]);
  });

  it('refuses workload options with a snapshot', async () => {
    const actions = recordingActions();
    expect(await runCli(['broker', '--listen', '/tmp/x.sock', '--snapshot', 'jobs.json', '--jobs', '9'], actions)).toBe(2);
    expect(printed()).toContain('--jobs applies to a generated workload, not to --snapshot');
  });
});
