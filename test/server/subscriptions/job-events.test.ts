/**
 * Subscription.jobEvents and jobOutput over server-sent events on the embedded instance: a job
 * that runs while watched delivers its stored events, then each new one in order, and the
 * subscription completes when Flux ends the watch (clean); errors come as coded results.
 */
import { EmbeddedInstance } from '../../../src/embedded';
import { encodeJobId } from '../../../src/flux/jobid';
import { createApp, type FluxGraphQLApp } from '../../../src/server/app';
import { ev, job } from '../../embedded/job-builders';
import { subscribeSse } from '../../support/sse';

const T0 = 1796190000;

function setup(): { instance: EmbeddedInstance; app: FluxGraphQLApp } {
  const instance = new EmbeddedInstance({ ownerUserid: 0, now: () => T0 + 100 });
  const app = createApp({ handle: instance.handle(), logging: false });
  return { instance, app };
}

const EVENTS = 'subscription($id: JobID!, $log: JobEventlog) { jobEvents(id: $id, eventlog: $log) { name timestamp context } }';

describe('jobEvents', () => {
  it('sends the stored events, then each new one, and completes at clean', async () => {
    const { instance, app } = setup();
    instance.sink.ingest(job(1000n, 'run', T0, { userid: 1000 }));
    const { response, reader } = await subscribeSse(app, EVENTS, { id: encodeJobId(1000n) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const stored = (await reader.results(6)) as { data: { jobEvents: { name: string } } }[];
    expect(stored.map((r) => r.data.jobEvents.name)).toEqual(['submit', 'validate', 'depend', 'priority', 'alloc', 'start']);
    instance.sink.post(1000n, ev('finish', T0 + 50, { status: 0 }));
    instance.sink.post(1000n, ev('release', T0 + 50.01, { ranks: 'all', final: true }));
    instance.sink.post(1000n, ev('free', T0 + 50.02));
    instance.sink.post(1000n, ev('clean', T0 + 50.03));
    const live = (await reader.results()) as { data: { jobEvents: { name: string; timestamp: number; context: unknown } } }[];
    expect(live.map((r) => r.data.jobEvents)).toEqual([
      { name: 'finish', timestamp: T0 + 50, context: { status: 0 } },
      { name: 'release', timestamp: T0 + 50.01, context: { ranks: 'all', final: true } },
      { name: 'free', timestamp: T0 + 50.02, context: null },
      { name: 'clean', timestamp: T0 + 50.03, context: null },
    ]);
    expect(await reader.next()).toBeUndefined();
  });

  it('an unknown job: one result with JOB_NOT_FOUND, then the end', async () => {
    const { app } = setup();
    const { reader } = await subscribeSse(app, EVENTS, { id: encodeJobId(4242n) });
    const results = (await reader.results()) as { errors: { message: string; extensions: { code: string } }[] }[];
    expect(results).toHaveLength(1);
    expect(results[0]?.errors[0]?.extensions.code).toBe('JOB_NOT_FOUND');
    expect(results[0]?.errors[0]?.message).toContain(encodeJobId(4242n));
  });
});
