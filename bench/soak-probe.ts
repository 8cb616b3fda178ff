/**
 * Loaded into the soak's server child (`node --import tsx --import bench/soak-probe.ts
 * src/server/cli.ts serve ...`), which otherwise runs as the command line runs it. It changes
 * nothing the server does; it reports two things the server has no way to tell a client:
 *
 * - when the live workload posted events: each step's time (the clock it stepped to, which is
 *   when its events were posted, their own timestamps being up to a step earlier), so the soak
 *   can measure delays from the post rather than from the event's planned time;
 * - what the embedded instance still holds for subscribers: job-info watchers and job-list's
 *   waits and stats watchers (their stats-get RPCs, as `flux module stats` would ask), and the
 *   open job-manager journal streams, so the soak can check they are released after it.
 *
 * It also measures how long the event loop stays busy after each step (the subscribers' share
 * of the step's events is read and sent from microtasks, since the embedded instance answers RPCs
 * in microtasks), and on SIGUSR2 collects garbage (the child runs with --expose-gc) and reports
 * the heap, so the soak can tell memory still held from garbage not yet collected.
 *
 * One line per step on standard output: `soak-probe {json}` (see ProbeLine in soak-stats.ts),
 * and one `soak-probe-heap {json}` per SIGUSR2 (HeapLine).
 */
import { EmbeddedInstance } from '../src/embedded';
import type { ServiceRequest } from '../src/embedded';
import { Role } from '../src/flux/constants';
import type { Json, JsonObject } from '../src/flux/json';
import { LiveWorkload } from '../src/embedded/workload/live';
import { HEAP_PREFIX, PROBE_PREFIX, type HeapLine, type ProbeLine } from './soak-stats';

let instance: EmbeddedInstance | undefined;
/** Annotations events posted since the last step line: jobChanges' journal leaves them out. */
let annotationsPosted = 0;
/** How long the loop stayed busy after the last step, reported with the next one. */
let busyAfterLastStepMs: number | undefined;

const originalHandle = EmbeddedInstance.prototype.handle;
EmbeddedInstance.prototype.handle = function handle(this: EmbeddedInstance, ...args: Parameters<EmbeddedInstance['handle']>) {
  if (instance === undefined) {
    instance = this;
    const sink = this.sink;
    const post = sink.post.bind(sink);
    // The live workload calls its sink's post for every event; counted here by name, then passed on.
    sink.post = (...postArgs: Parameters<typeof sink.post>) => {
      if (postArgs[1].name === 'annotations') annotationsPosted++;
      post(...postArgs);
    };
  }
  return originalHandle.apply(this, args);
};

/** One stats-get answer of the instance's own services, as the owner asks it. */
function statsGet(target: EmbeddedInstance, topic: string): JsonObject {
  let answer: JsonObject = {};
  const request: ServiceRequest = { topic, payload: { kind: 'json', value: {} }, streaming: false, userid: target.ownerUserid, rolemask: Role.OWNER, sender: 'soak-probe' };
  // The embedded services answer stats-get at once, before handle() returns.
  target.services.handle(request, (response) => {
    if (response.payload !== undefined && typeof response.payload === 'object' && response.payload !== null && !Array.isArray(response.payload)) answer = response.payload;
  });
  return answer;
}

function numberAt(object: JsonObject, ...path: string[]): number {
  let value: Json | undefined = object;
  for (const key of path) value = value !== null && typeof value === 'object' && !Array.isArray(value) ? value[key] : undefined;
  return typeof value === 'number' ? value : -1;
}

const originalStep = LiveWorkload.prototype.step;
LiveWorkload.prototype.step = function step(this: LiveWorkload, now: number): void {
  const before = this.stats;
  const startedAt = performance.now();
  originalStep.call(this, now);
  const after = this.stats;
  const endedAt = performance.now();
  const line: ProbeLine = { step: now, stepMs: endedAt - startedAt, posted: after.posted - before.posted, submitted: after.submitted - before.submitted, annotations: annotationsPosted };
  annotationsPosted = 0;
  if (busyAfterLastStepMs !== undefined) line.busyAfterPreviousMs = busyAfterLastStepMs;
  // Runs once the microtasks the step set off (and any other task before it) are done.
  setImmediate(() => (busyAfterLastStepMs = performance.now() - endedAt));
  if (instance !== undefined) {
    const jobInfo = statsGet(instance, 'job-info.stats-get');
    const jobList = statsGet(instance, 'job-list.stats-get');
    line.held = {
      journalStreams: instance.journal.openStreams,
      eventlogWatchers: numberAt(jobInfo, 'watchers'),
      guestWatchers: numberAt(jobInfo, 'guest_watchers'),
      listIdWaits: numberAt(jobList, 'idsync', 'waits'),
      statsWatchers: numberAt(jobList, 'stats_watchers'),
    };
  }
  process.stdout.write(`${PROBE_PREFIX}${JSON.stringify(line)}\n`);
};

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: the first pass can leave objects that only a second one frees (weak refs, finalizers).
  gc?.();
  gc?.();
  const memory = process.memoryUsage();
  const line: HeapLine = { collected: gc !== undefined, heapUsed: memory.heapUsed, external: memory.external, arrayBuffers: memory.arrayBuffers, rss: memory.rss };
  process.stdout.write(`${HEAP_PREFIX}${JSON.stringify(line)}\n`);
});
