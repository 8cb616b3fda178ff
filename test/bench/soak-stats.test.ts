import fc from 'fast-check';
import {
  PROBE_PREFIX,
  SOAK_MIX,
  Samples,
  SseParser,
  SoakUsageError,
  formatDelay,
  metricValue,
  mixCounts,
  parseProbeLine,
  parseSoakOptions,
  percentile,
  postTimeOf,
  rpcDelta,
  rpcTotals,
  summarizeDelays,
  tcpExtCounter,
  vmRssBytes,
} from '../../bench/soak-stats';

describe('parseSoakOptions', () => {
  it('defaults to 1,000 subscriptions for 60 s on 300,000 jobs, and --quick to 15 s on 100,000', () => {
    expect(parseSoakOptions([])).toEqual({ subscriptions: 1000, seconds: 60, jobs: 300_000, quick: false, transport: 'both' });
    expect(parseSoakOptions(['--quick'])).toEqual({ subscriptions: 1000, seconds: 15, jobs: 100_000, quick: true, transport: 'both' });
  });

  it('takes values after the option or after "="; --quick keeps the values given', () => {
    expect(parseSoakOptions(['--subscriptions', '250', '--seconds=30', '--jobs', '5000', '--quick', '--transport', 'ws'])).toEqual({
      subscriptions: 250,
      seconds: 30,
      jobs: 5000,
      quick: true,
      transport: 'ws',
    });
    expect(parseSoakOptions(['--max-concurrent-per-user=40']).maxConcurrentPerUser).toBe(40);
    expect(parseSoakOptions(['--profile-server', '/tmp/p']).profileDir).toBe('/tmp/p');
  });

  it.each([
    [['--subscriptions', '0'], '--subscriptions takes an integer from 1 to 20000 (got 0)'],
    [['--seconds', '3601'], '--seconds takes an integer from 1 to 3600 (got 3601)'],
    [['--seconds', '1.5'], '--seconds takes an integer from 1 to 3600 (got "1.5")'],
    [['--jobs'], '--jobs takes an integer from 1000 to 10000000'],
    [['--profile-server', '--quick'], '--profile-server takes a directory for the CPU profile'],
    [['--transport', 'http'], '--transport takes sse, ws or both (got "http")'],
    [['--transport'], '--transport takes sse, ws or both'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseSoakOptions(argv)).toThrow(new SoakUsageError(message));
  });

  it('names an unknown option and shows the usage', () => {
    expect(() => parseSoakOptions(['--subs', '5'])).toThrow(/^unknown option "--subs"\nusage: npm run soak/);
  });

  it('answers --help with the usage, marked as asked for', () => {
    const help = (() => {
      try {
        parseSoakOptions(['--help']);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(help).toBeInstanceOf(SoakUsageError);
    expect((help as SoakUsageError).isHelp).toBe(true);
    expect((help as SoakUsageError).message).toMatch(/^usage: npm run soak -- \[--subscriptions N\]/);
    expect(() => parseSoakOptions(['--nope'])).toThrow(expect.objectContaining({ isHelp: false }));
  });
});

describe('mixCounts', () => {
  it('splits 1,000 subscriptions by the shares of the soak mix', () => {
    expect(mixCounts(SOAK_MIX, 1000)).toEqual([400, 150, 100, 50, 100, 50, 150]);
  });

  it('gives the leftovers to the largest remainders, earlier parts first on a tie', () => {
    expect(mixCounts(SOAK_MIX, 7)).toEqual([3, 1, 1, 0, 1, 0, 1]);
    expect(mixCounts([{ share: 1 }, { share: 1 }, { share: 1 }], 2)).toEqual([1, 1, 0]);
  });

  it('always adds up to the total, each part within one of its exact share', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 20_000 }), (shares, total) => {
        const parts = shares.map((share) => ({ share }));
        const counts = mixCounts(parts, total);
        const sum = shares.reduce((a, b) => a + b, 0);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
        counts.forEach((count, index) => expect(Math.abs(count - ((shares[index] as number) / sum) * total)).toBeLessThan(1));
      }),
    );
  });
});

describe('SseParser', () => {
  const STREAM =
    ':\n\n' +
    'event: next\ndata: {"data":{"jobChanges":{"event":"submit"}}}\n\n' +
    ':\n\n' +
    'event: next\ndata: {"a":\ndata: 1}\n\n' +
    'event: complete\ndata:\n\n';
  const MESSAGES = [
    { event: 'next', data: '{"data":{"jobChanges":{"event":"submit"}}}' },
    { event: 'next', data: '{"a":\n1}' },
    { event: 'complete', data: '' },
  ];

  it('returns each event once its blank line arrives and counts the keep-alive comments', () => {
    const parser = new SseParser();
    expect(parser.push(STREAM)).toEqual(MESSAGES);
    expect(parser.comments).toBe(2);
    expect(parser.pending).toBe('');
  });

  it('gives the same events however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 12 }), (cuts) => {
        const at = [0, ...[...cuts].sort((a, b) => a - b), STREAM.length];
        const parser = new SseParser();
        const messages = at.slice(1).flatMap((end, index) => parser.push(STREAM.slice(at[index], end)));
        expect(messages).toEqual(MESSAGES);
        expect(parser.comments).toBe(2);
      }),
    );
  });

  it('reads CRLF line ends, a field without a space, and keeps an unfinished event for later', () => {
    const parser = new SseParser();
    expect(parser.push('event:next\r\ndata:{}\r\n\r\nevent: next\ndata: {"b"')).toEqual([{ event: 'next', data: '{}' }]);
    expect(parser.pending).toBe('event: next\ndata: {"b"');
    expect(parser.push(':2}\n\n')).toEqual([{ event: 'next', data: '{"b":2}' }]);
  });

  it('ignores blocks with no event or data field', () => {
    expect(new SseParser().push('id: 3\nretry: 10\n\n')).toEqual([]);
  });
});

describe('parseProbeLine', () => {
  const held = { journalStreams: 1, eventlogWatchers: 150, guestWatchers: 0, listIdWaits: 2, statsWatchers: 0 };

  it('reads a step line of the probe', () => {
    const line = `${PROBE_PREFIX}${JSON.stringify({ step: 1796305280.533, stepMs: 2.3, posted: 42, submitted: 3, annotations: 5, busyAfterPreviousMs: 120, held })}`;
    expect(parseProbeLine(line)).toEqual({ step: 1796305280.533, stepMs: 2.3, posted: 42, submitted: 3, annotations: 5, busyAfterPreviousMs: 120, held });
    expect(parseProbeLine(`${PROBE_PREFIX}{"step":1,"stepMs":0,"posted":0,"submitted":0,"annotations":0}`)).toEqual({ step: 1, stepMs: 0, posted: 0, submitted: 0, annotations: 0 });
  });

  it.each([
    ['flux-graphql: backend embedded:jobs=3000,seed=1,live'],
    [`${PROBE_PREFIX}{"step":1,"stepMs":0,"posted":0`],
    [`${PROBE_PREFIX}{"step":"1","stepMs":0,"posted":0,"submitted":0,"annotations":0}`],
    [`${PROBE_PREFIX}{"step":1,"stepMs":0,"posted":0,"submitted":0}`],
    [`${PROBE_PREFIX}{"step":1,"stepMs":0,"posted":0,"submitted":0,"annotations":0,"busyAfterPreviousMs":"1"}`],
    [`${PROBE_PREFIX}{"step":1,"stepMs":0,"posted":0,"submitted":0,"annotations":0,"held":{"journalStreams":1}}`],
    [`${PROBE_PREFIX}null`],
  ])('is undefined for %s', (line) => {
    expect(parseProbeLine(line)).toBeUndefined();
  });
});

describe('postTimeOf', () => {
  const steps = [100, 101, 102.5];

  it('is the first step at or after the event: the one that posted it', () => {
    expect(postTimeOf(steps, 100.2)).toBe(101);
    expect(postTimeOf(steps, 101)).toBe(101);
    expect(postTimeOf(steps, 99)).toBe(100);
    expect(postTimeOf(steps, 102.4999)).toBe(102.5);
  });

  it('is undefined past the last step and for no steps', () => {
    expect(postTimeOf(steps, 102.6)).toBeUndefined();
    expect(postTimeOf([], 1)).toBeUndefined();
  });
});

describe('vmRssBytes', () => {
  it('reads VmRSS of /proc/PID/status in bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1234 kB\nVmHWM:\t  500000 kB\nVmRSS:\t  432972 kB\nRssAnon:\t 400000 kB\n';
    expect(vmRssBytes(status)).toBe(432972 * 1024);
  });

  it('is undefined without a VmRSS line (a zombie has none)', () => {
    expect(vmRssBytes('Name:\tnode\nState:\tZ (zombie)\n')).toBeUndefined();
  });
});

describe('percentile and summarizeDelays', () => {
  const hundred = Array.from({ length: 100 }, (_v, index) => index + 1);

  it('takes the nearest rank', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
  });

  it('is undefined for no values and refuses a percentile outside 0-100', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile(hundred, 101)).toThrow('a percentile is from 0 to 100 (got 101)');
    expect(() => percentile(hundred, Number.NaN)).toThrow(RangeError);
  });

  it('sorts numerically, not as text', () => {
    expect(summarizeDelays([900, 80, 1000, 7])).toEqual({ count: 4, medianMs: 80, p99Ms: 1000, maxMs: 1000 });
    expect(summarizeDelays([])).toEqual({ count: 0, medianMs: undefined, p99Ms: undefined, maxMs: undefined });
  });
});

describe('Samples', () => {
  it('keeps every value added, past its first allocation, in order', () => {
    const samples = new Samples();
    for (let value = 0; value < 5000; value++) samples.add(5000 - value);
    expect(samples.count).toBe(5000);
    expect(samples.toArray()[0]).toBe(5000);
    expect(samples.toArray()[4999]).toBe(1);
    expect(samples.summary()).toEqual({ count: 5000, medianMs: 2500, p99Ms: 4950, maxMs: 5000 });
    // summary() sorts a copy: the order stays as added.
    expect(samples.toArray()[0]).toBe(5000);
  });
});

describe('formatDelay', () => {
  it.each([
    [undefined, '-'],
    [0.42, '0.4 ms'],
    [12.6, '13 ms'],
    [999, '999 ms'],
    [1250, '1.25 s'],
  ])('%s ms is %s', (ms, text) => {
    expect(formatDelay(ms)).toBe(text);
  });
});

describe('rpcTotals and rpcDelta', () => {
  const before = [
    '# HELP flux_graphql_rpc_duration_seconds Time from request to last response of Flux RPCs, by topic',
    'flux_graphql_rpc_duration_seconds_bucket{le="0.0005",topic="job-list.list"} 3',
    'flux_graphql_rpc_duration_seconds_sum{topic="job-list.list"} 0.5',
    'flux_graphql_rpc_duration_seconds_count{topic="job-list.list"} 10',
    'flux_graphql_rpc_duration_seconds_sum{topic="job-list.list-id"} 1e-3',
    'flux_graphql_rpc_duration_seconds_count{topic="job-list.list-id"} 2',
    'flux_graphql_rpcs_total{topic="job-list.list",outcome="ok"} 10',
  ].join('\n');
  const after = before
    .replace('_sum{topic="job-list.list"} 0.5', '_sum{topic="job-list.list"} 2.5')
    .replace('_count{topic="job-list.list"} 10', '_count{topic="job-list.list"} 50')
    .concat('\nflux_graphql_rpc_duration_seconds_sum{topic="job-info.eventlog-watch"} 30\nflux_graphql_rpc_duration_seconds_count{topic="job-info.eventlog-watch"} 4');

  it('reads the summed latency and count of each topic', () => {
    expect(rpcTotals(before)).toEqual(
      new Map([
        ['job-list.list', { count: 10, seconds: 0.5 }],
        ['job-list.list-id', { count: 2, seconds: 0.001 }],
      ]),
    );
  });

  it('gives what was added between two scrapes, leaving out topics that did not move', () => {
    expect(rpcDelta(rpcTotals(before), rpcTotals(after))).toEqual(
      new Map([
        ['job-list.list', { count: 40, seconds: 2 }],
        ['job-info.eventlog-watch', { count: 4, seconds: 30 }],
      ]),
    );
  });
});

describe('tcpExtCounter', () => {
  const netstat =
    'TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops\n' +
    'TcpExt: 0 0 17 19\n' +
    'IpExt: InNoRoutes ListenOverflows\n' +
    'IpExt: 3 99\n';

  it('reads a counter of the TcpExt group, not a same-named one of another group', () => {
    expect(tcpExtCounter(netstat, 'ListenOverflows')).toBe(17);
    expect(tcpExtCounter(netstat, 'ListenDrops')).toBe(19);
  });

  it('is undefined for a counter the kernel does not have, or without a TcpExt group', () => {
    expect(tcpExtCounter(netstat, 'NoSuchCounter')).toBeUndefined();
    expect(tcpExtCounter('IpExt: InNoRoutes\nIpExt: 3\n', 'InNoRoutes')).toBeUndefined();
  });
});

describe('metricValue', () => {
  const text = [
    '# HELP flux_graphql_open_subscriptions Subscriptions being served, by transport',
    '# TYPE flux_graphql_open_subscriptions gauge',
    'flux_graphql_open_subscriptions{transport="sse"} 500',
    'flux_graphql_open_subscriptions{transport="ws"} 499',
    'flux_graphql_active_requests 3',
    'flux_graphql_active_requests_total 9',
    'nodejs_heap_size_used_bytes 1.5e+8',
    'flux_graphql_rpcs_total{topic="job-list.list",outcome="ok"} 7',
  ].join('\n');

  it('finds a sample by its name and exact labels, in any order', () => {
    expect(metricValue(text, 'flux_graphql_open_subscriptions', { transport: 'sse' })).toBe(500);
    expect(metricValue(text, 'flux_graphql_open_subscriptions', { transport: 'ws' })).toBe(499);
    expect(metricValue(text, 'flux_graphql_rpcs_total', { outcome: 'ok', topic: 'job-list.list' })).toBe(7);
  });

  it('does not take a longer name or other labels for the one asked', () => {
    expect(metricValue(text, 'flux_graphql_active_requests')).toBe(3);
    expect(metricValue(text, 'nodejs_heap_size_used_bytes')).toBe(1.5e8);
    expect(metricValue(text, 'flux_graphql_open_subscriptions')).toBeUndefined();
    expect(metricValue(text, 'flux_graphql_open_subscriptions', { transport: 'tcp' })).toBeUndefined();
  });
});
