import { benchConfig, benchConfigFrom, serverNodeFlags } from '../../bench/bench-config';

describe('benchConfigFrom', () => {
  it('is the full run by default and the quick one with --quick', () => {
    expect(benchConfigFrom(['node', 'x.ts'])).toEqual(benchConfig(false));
    expect(benchConfigFrom(['node', 'x.ts', '--quick'])).toEqual(benchConfig(true));
  });

  it('takes a directory for server profiles', () => {
    const config = benchConfigFrom(['--quick', '--profile-server', '/tmp/profiles']);
    expect(config.serverProfileDir).toBe('/tmp/profiles');
    expect(serverNodeFlags(config, 'page')).toEqual(['--cpu-prof', '--cpu-prof-dir', '/tmp/profiles/page']);
  });

  it.each([[['--profile-server']], [['--profile-server', '--quick']]])('refuses %j without a directory', (argv) => {
    expect(() => benchConfigFrom(argv)).toThrow('--profile-server takes a directory for the CPU profiles');
  });

  it('adds no node flags without --profile-server', () => {
    expect(serverNodeFlags(benchConfig(true), 'page')).toEqual([]);
  });

  it('gives the quick run smaller sizes and shorter loads', () => {
    const quick = benchConfig(true);
    const full = benchConfig(false);
    expect(quick.wireInactiveJobs).toBeLessThan(full.wireInactiveJobs);
    expect(quick.loadSeconds * quick.loadRounds).toBeLessThan(full.loadSeconds * full.loadRounds);
    expect(quick.pairPlan.runs).toBeLessThan(full.pairPlan.runs);
  });
});
