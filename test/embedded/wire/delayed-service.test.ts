import { withLatency } from '../../../src/embedded/wire/latency';
import type { ServiceHandler } from '../../../src/embedded/service/service-types';
import type { ServiceRequest, ServiceResponse } from '../../../src/embedded/service/service-types';

function request(topic: string): ServiceRequest {
  return { topic, payload: { kind: 'none' }, streaming: false, userid: 0, rolemask: 5, sender: 'client-1' };
}

describe('withLatency', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const echo: ServiceHandler = { handle: (req, respond) => respond({ payload: { topic: req.topic } }) };

  it('delivers each request after the latency, in arrival order', () => {
    const answers: ServiceResponse[] = [];
    const slow = withLatency(echo, 250);
    slow.handle(request('job-list.list-attrs'), (r) => answers.push(r));
    slow.handle(request('job-list.disconnect'), (r) => answers.push(r));
    jest.advanceTimersByTime(249);
    expect(answers).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(answers).toEqual([{ payload: { topic: 'job-list.list-attrs' } }, { payload: { topic: 'job-list.disconnect' } }]);
  });

  it('is the service itself without latency', () => {
    expect(withLatency(echo, 0)).toBe(echo);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a latency of %p', (latency) => {
    expect(() => withLatency(echo, latency)).toThrow(/latency must be a number of milliseconds >= 0/);
  });
});
