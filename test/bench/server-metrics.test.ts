import { activeRequests, okRpcCount } from '../../bench/server-metrics';

const METRICS = [
  '# HELP flux_graphql_rpcs_total Flux RPCs sent, by topic and outcome',
  '# TYPE flux_graphql_rpcs_total counter',
  'flux_graphql_rpcs_total{topic="job-list.list",outcome="ok"} 12',
  'flux_graphql_rpcs_total{topic="job-list.list-id",outcome="ok"} 909',
  'flux_graphql_rpcs_total{topic="job-list.list-id",outcome="ENOENT"} 3',
  'flux_graphql_rpc_duration_seconds_count{topic="job-list.list-id"} 912',
  '# TYPE flux_graphql_active_requests gauge',
  'flux_graphql_active_requests 3',
].join('\n');

describe('okRpcCount', () => {
  it.each([
    ['job-list.list-id', 909],
    ['job-list.list', 12],
    ['job-list.list-inactive', 0],
  ])('counts the ok RPCs of %s', (topic, count) => {
    expect(okRpcCount(METRICS, topic)).toBe(count);
  });

  it('reads counts prom-client writes in exponent form', () => {
    expect(okRpcCount('flux_graphql_rpcs_total{topic="job-list.list-id",outcome="ok"} 1.5e+6', 'job-list.list-id')).toBe(1_500_000);
  });
});

describe('activeRequests', () => {
  it('reads the gauge of requests in flight', () => {
    expect(activeRequests(METRICS)).toBe(3);
  });

  it('fails when the server does not report it', () => {
    expect(() => activeRequests('flux_graphql_rpcs_total{topic="x",outcome="ok"} 1')).toThrow('no flux_graphql_active_requests');
  });
});
