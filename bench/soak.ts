/**
 * `npm run soak [-- --subscriptions N] [-- --seconds S] [-- --jobs J] [-- --transport sse|ws|both] [-- --quick]`
 * (issue 12): N GraphQL subscriptions open at once on the embedded live instance for S seconds,
 * over server-sent events (POST /graphql, Accept: text/event-stream; one HTTP connection each)
 * and graphql-ws over WebSocket (the same path; five subscriptions a socket, as a page's). Reports
 * the events delivered, the delay from each event to its client, the server's RSS before, during
 * and after, every error or end, whether every subscription was still alive at the end, and
 * whether the server let go of everything once the clients had gone.
 *
 * The server is `flux-graphql serve` on the embedded instance with its live workload, started
 * as a site would (bench/cli-server.ts), plus bench/soak-probe.ts, which reports when the
 * workload posted each batch of events and what the instance holds for subscribers. The live
 * workload steps once a second and posts the events due by then, each with its own (earlier)
 * timestamp, so the delay from an event's timestamp includes up to a second of that batching;
 * the delay from the step that posted it does not.
 *
 * Not part of `npm test`: it runs for minutes and measures the machine as much as the code.
 */
import { Agent } from 'node:http';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cpus, loadavg, totalmem } from 'node:os';
import { startCliServer, type CliServer } from './cli-server';
import { HttpGraphQLClient } from './http-client';
import { table, note } from './measure';
import { processCpuMs } from './process-cpu';
import { fetchMetrics } from './server-metrics';
import { SseSubscription, WsConnection, WsSubscription, observed as emptyObserved, type Observed, type SoakSubscription, type SubscriptionState, type TimedEvents, type Transport } from './soak-clients';
import {
  SOAK_MIX,
  SoakUsageError,
  Samples,
  formatCount,
  formatDelay,
  formatMiB,
  metricValue,
  mixCounts,
  parseHeapLine,
  parseProbeLine,
  parseSoakOptions,
  postTimeOf,
  rpcDelta,
  rpcTotals,
  summarizeDelays,
  tcpExtCounter,
  vmRssBytes,
  type HeapLine,
  type HeldResources,
  type MixPart,
  type ProbeLine,
  type SoakOptions,
  type SubscriptionKind,
} from './soak-stats';

const PROBE = resolve(__dirname, 'soak-probe.ts');
/** Jobs asked for when picking running jobs to watch. */
const RUNNING_JOBS_ASKED = 300;
/** Subscriptions on one WebSocket: a page's few (the server allows 50, --max-subscriptions-per-connection). */
const SUBSCRIPTIONS_PER_SOCKET = 5;
/** How long the server may take to let go of everything once the clients have gone. */
const RELEASE_TIMEOUT_MS = 20_000;
/** Events posted this close to the end are left out of the "every subscriber got the same" check (still in flight). */
const END_MARGIN_S = 3;
const RUNNING_QUERY = `query SoakRunning { jobs(filters: [RUNNING], first: ${RUNNING_JOBS_ASKED}) { nodes { id username } } }`;

interface RunningJob {
  id: string;
  username: string;
}

async function runningJobs(client: HttpGraphQLClient): Promise<RunningJob[]> {
  const data = await client.data<{ jobs: { nodes: RunningJob[] } }>(RUNNING_QUERY);
  return data.jobs.nodes;
}

/**
 * The running jobs the jobEvents subscriptions watch, spread over them (more subscriptions than
 * jobs watch some jobs twice); jobs seen to finish are not handed out again, and the list is
 * asked for again when it runs low or is 2 s old, in the background.
 */
class RunningJobPool {
  private readonly done = new Set<string>();
  private readonly watchers = new Map<string, number>();
  private refreshing: Promise<void> | undefined;
  private refreshedAt = Date.now();

  constructor(
    private jobs: readonly RunningJob[],
    private readonly fetchJobs: () => Promise<RunningJob[]>,
  ) {}

  /** The unfinished job with the fewest watchers (undefined when none is left). */
  pick(): RunningJob | undefined {
    let best: RunningJob | undefined;
    for (const job of this.jobs) {
      if (this.done.has(job.id)) continue;
      if (best === undefined || (this.watchers.get(job.id) ?? 0) < (this.watchers.get(best.id) ?? 0)) best = job;
    }
    if (best !== undefined) this.watchers.set(best.id, (this.watchers.get(best.id) ?? 0) + 1);
    return best;
  }

  finished(id: string): void {
    this.done.add(id);
    this.watchers.delete(id);
    if (Date.now() - this.refreshedAt > 2000 || this.jobs.every((job) => this.done.has(job.id))) void this.refresh();
  }

  /** A job to watch, waiting for the server's list when every job known has finished. */
  async next(): Promise<RunningJob | undefined> {
    const job = this.pick();
    if (job !== undefined) return job;
    await this.refresh();
    return this.pick();
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.fetchJobs().then(
      (jobs) => {
        this.jobs = jobs;
        this.refreshedAt = Date.now();
        this.refreshing = undefined;
      },
      () => {
        this.refreshing = undefined;
      },
    );
    return this.refreshing;
  }
}

/** The user with the most running jobs: whose own list the user-filtered subscriptions keep. */
function busiestUser(jobs: readonly RunningJob[]): string {
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(job.username, (counts.get(job.username) ?? 0) + 1);
  let best = 'all';
  let most = 0;
  for (const [user, count] of counts) if (count > most) [best, most] = [user, count];
  return best;
}

function variablesFor(kind: SubscriptionKind, user: string, job: RunningJob | undefined): Record<string, unknown> {
  switch (kind.field) {
    case 'jobChanges':
      return kind.filter === 'running' ? { filters: ['RUNNING'] } : kind.filter === 'queue' ? { queue: ['debug'] } : kind.filter === 'user' ? { user } : {};
    case 'jobStats':
      return kind.filter === 'queue' ? { queue: ['gpu'] } : {};
    case 'jobEvents':
      if (job === undefined) throw new Error('no running job to watch: the workload has none running');
      return { id: job.id };
  }
}

/** Which transport the n-th subscription of a kind uses. */
function transportOf(options: SoakOptions, indexInPart: number): Transport {
  if (options.transport !== 'both') return options.transport;
  return indexInPart % 2 === 0 ? 'sse' : 'ws';
}

function rssOf(pid: number): number | undefined {
  try {
    return vmRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A TcpExt counter of the machine (/proc/net/netstat), undefined where there is none. */
function tcpCounter(name: string): number | undefined {
  try {
    return tcpExtCounter(readFileSync('/proc/net/netstat', 'utf8'), name);
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** The probe's lines as they come: each step's time, what the instance holds, and heap reports. */
class ProbeLog {
  readonly lines: ProbeLine[] = [];
  /** When the last step line arrived here, ms. */
  lastAt = 0;
  private readonly heapWaiters: Array<(line: HeapLine) => void> = [];

  constructor(private readonly pid: () => number | undefined) {}

  take(line: string): void {
    const heap = parseHeapLine(line);
    if (heap !== undefined) {
      this.heapWaiters.shift()?.(heap);
      return;
    }
    const parsed = parseProbeLine(line);
    if (parsed === undefined) {
      if (!line.startsWith('flux-graphql: backend ') && !line.includes('shutting down')) process.stderr.write(`serve: ${line}\n`);
      return;
    }
    this.lines.push(parsed);
    this.lastAt = Date.now();
  }

  get held(): HeldResources | undefined {
    return this.lines[this.lines.length - 1]?.held;
  }

  /** Resolves after `count` more steps. */
  async steps(count: number, timeoutMs = 30_000): Promise<void> {
    const target = this.lines.length + count;
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length < target) {
      if (Date.now() > deadline) throw new Error(`the server's live workload did not step within ${timeoutMs} ms (is soak-probe loaded?)`);
      await sleep(50);
    }
  }

  /** The server's memory after a full collection, which the probe makes on SIGUSR2 (it waits for the server's event loop). */
  heapAfterCollection(timeoutMs = 60_000): Promise<HeapLine | undefined> {
    const pid = this.pid();
    if (pid === undefined) return Promise.resolve(undefined);
    return new Promise((done) => {
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.heapWaiters.push((line) => {
        clearTimeout(timer);
        done(line);
      });
      process.kill(pid, 'SIGUSR2');
    });
  }
}

interface Sample {
  at: number;
  rss: number | undefined;
  cpuMs: number | undefined;
}

function heldText(held: HeldResources | undefined): string {
  if (held === undefined) return '-';
  return `journal streams ${held.journalStreams}, eventlog watchers ${held.eventlogWatchers} (guest ${held.guestWatchers}), list-id waits ${held.listIdWaits}, stats watchers ${held.statsWatchers}`;
}

function isReleased(held: HeldResources | undefined): boolean {
  return held !== undefined && held.journalStreams === 0 && held.eventlogWatchers === 0 && held.guestWatchers === 0 && held.listIdWaits === 0 && held.statsWatchers === 0;
}

function collectedText(line: HeapLine | undefined): string {
  if (line === undefined) return '-';
  return `${formatMiB(line.heapUsed)} / ${formatMiB(line.rss)}${line.collected ? '' : ' (no gc)'}`;
}

interface PhaseDelays {
  fromEvent: Samples;
  fromPost: Samples;
}

/**
 * Delays of one field's events, from their timestamps and from the step that posted them,
 * apart for the events posted while the subscriptions were still being opened and after;
 * jobEvents' replay of what was stored before the subscription is left out.
 */
function delaysOf(events: TimedEvents, steps: readonly number[], allOpenAt: number): { opening: PhaseDelays; open: PhaseDelays; replayed: number } {
  const opening = { fromEvent: new Samples(), fromPost: new Samples() };
  const open = { fromEvent: new Samples(), fromPost: new Samples() };
  let replayed = 0;
  const received = events.receivedAt.toArray();
  const stamps = events.timestamp.toArray();
  const subscribed = events.subscribedAt.toArray();
  for (let index = 0; index < received.length; index++) {
    const timestamp = stamps[index] as number;
    const postedAt = postTimeOf(steps, timestamp);
    const postedMs = (postedAt ?? timestamp) * 1000;
    // Posted before its subscription was asked for: part of the stored eventlog it replays first.
    if (postedMs <= (subscribed[index] as number)) {
      replayed++;
      continue;
    }
    const phase = postedMs <= allOpenAt ? opening : open;
    phase.fromEvent.add((received[index] as number) - timestamp * 1000);
    if (postedAt !== undefined) phase.fromPost.add((received[index] as number) - postedAt * 1000);
  }
  return { opening, open, replayed };
}

function merged(...groups: readonly Samples[]): Samples {
  const all = new Samples();
  for (const group of groups) for (const value of group.toArray()) all.add(value);
  return all;
}

/** median / p99 / max of some delays. */
function spreadText(samples: Samples | readonly number[]): string {
  const summary = samples instanceof Samples ? samples.summary() : summarizeDelays([...samples]);
  return `${formatDelay(summary.medianMs)} / ${formatDelay(summary.p99Ms)} / ${formatDelay(summary.maxMs)}`;
}

function delayCells(samples: Samples): string[] {
  const summary = samples.summary();
  return [formatDelay(summary.medianMs), formatDelay(summary.p99Ms), formatDelay(summary.maxMs)];
}

function transportsText(options: SoakOptions): string {
  switch (options.transport) {
    case 'sse':
      return 'server-sent events (each subscription its own HTTP connection)';
    case 'ws':
      return `graphql-ws over WebSocket (${SUBSCRIPTIONS_PER_SOCKET} subscriptions a socket)`;
    case 'both':
      return `server-sent events (each its own HTTP connection) and graphql-ws over WebSocket (${SUBSCRIPTIONS_PER_SOCKET} a socket), every other subscription of each kind`;
  }
}

async function main(): Promise<void> {
  let options: SoakOptions;
  try {
    options = parseSoakOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof SoakUsageError) {
      (error.isHelp ? process.stdout : process.stderr).write(`${error.message}\n`);
      process.exit(error.isHelp ? 0 : 2);
    }
    throw error;
  }
  const cpuList = cpus();
  const load = (): string => loadavg().map((value) => value.toFixed(2)).join(', ');
  // What would refuse the soak's own subscriptions: the number per user (default 100), and
  // requests in flight per user while they are all being opened at once (default 32).
  const maxSubscriptions = options.subscriptions + 100;
  const maxConcurrent = options.maxConcurrentPerUser ?? options.subscriptions + 100;
  const serverArgs = ['--jobs', String(options.jobs), '--max-subscriptions-per-user', String(maxSubscriptions), '--max-concurrent-per-user', String(maxConcurrent)];
  process.stdout.write(
    `# flux-graphql soak (issue 12)${options.quick ? ', quick' : ''}\n\n` +
      `${new Date().toISOString()}; Node ${process.version}; ${cpuList.length} cores (${cpuList[0]?.model ?? 'unknown CPU'}); ` +
      `${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; load average ${load()}\n\n` +
      `${formatCount(options.subscriptions)} subscriptions for ${options.seconds} s over ${transportsText(options)}, on ` +
      `\`flux-graphql serve ${serverArgs.join(' ')}\` (embedded instance, live workload: ${(options.jobs / (3 * 86400)).toFixed(2)} submissions/s on average, ` +
      `in bursts: job arrays). The two limits are raised so that they refuse none of the soak's own subscriptions.\n\n`,
  );

  let serverPid: number | undefined;
  const probe = new ProbeLog(() => serverPid);
  const server: CliServer = await startCliServer(serverArgs, {
    imports: [PROBE],
    // --expose-gc only lets the probe collect garbage when the soak asks (SIGUSR2), between phases.
    nodeFlags: ['--expose-gc', ...(options.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', resolve(options.profileDir)])],
    onLine: (line) => probe.take(line),
    startTimeoutMs: 300_000,
  });
  serverPid = server.pid;
  /** The subscription each slot holds now. */
  const subscriptions: SoakSubscription[] = [];
  /** Every subscription opened, replacements included. */
  const everyone: SoakSubscription[] = [];
  const sockets: WsConnection[] = [];
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const closeAll = (): void => {
    for (const subscription of subscriptions) subscription.close();
    for (const socket of sockets) socket.close();
    agent.destroy();
  };
  try {
    // The first step catches up with the time start-up took; the soak starts after it.
    await probe.steps(2);
    const client = new HttpGraphQLClient(server.url);
    const metricsAtStart = await fetchMetrics(server.url);
    const rssAtStart = rssOf(server.pid);
    const heldAtStart = probe.held;
    const collectedAtStart = await probe.heapAfterCollection();
    const running = await runningJobs(client);
    const user = busiestUser(running);
    const counts = mixCounts(SOAK_MIX, options.subscriptions);
    const seen: Observed = emptyObserved();
    const url = new URL(server.url);
    const wsUrl = server.url.replace(/^http:/, 'ws:');
    let startedAt = Date.now();
    let closing = false;
    const pool = new RunningJobPool(running, () => runningJobs(client));

    const create = (slot: number, part: MixPart, transport: Transport, job: RunningJob | undefined, socket: WsConnection | undefined): SoakSubscription => {
      const variables = variablesFor(part.kind, user, job);
      const subscription =
        transport === 'sse'
          ? new SseSubscription(slot, part, variables, seen, reopen, startedAt, url, agent)
          : new WsSubscription(slot, part, variables, seen, reopen, startedAt, socket as WsConnection);
      subscriptions[slot] = subscription;
      everyone.push(subscription);
      return subscription;
    };
    // A jobEvents subscription completes when its job is clean; a site's page would then show
    // another job, so its slot watches another running job at once, on the same transport (and
    // WebSocket): the pool asks the server again for running jobs in the background.
    function reopen(done: SoakSubscription): void {
      if (closing) return;
      pool.finished(String(done.variables['id']));
      void (async () => {
        const job = await pool.next();
        if (closing || job === undefined) return;
        create(done.slot, done.part, done.transport, job, done instanceof WsSubscription ? done.connection : undefined).open();
      })();
    }

    // The slots: each kind's subscriptions alternate between the transports; the WebSocket ones
    // are dealt out to sockets kind by kind, so that each socket carries a mix, as a page does.
    const planned: { slot: number; part: MixPart; transport: Transport; job: RunningJob | undefined }[] = [];
    let slot = 0;
    SOAK_MIX.forEach((part, index) => {
      for (let n = 0; n < (counts[index] as number); n++) planned.push({ slot: slot++, part, transport: transportOf(options, n), job: part.kind.field === 'jobEvents' ? pool.pick() : undefined });
    });
    const wsPlanned = planned.filter((plan) => plan.transport === 'ws');
    const byKind = SOAK_MIX.map((part) => wsPlanned.filter((plan) => plan.part === part));
    const dealt: typeof wsPlanned = [];
    for (let round = 0; dealt.length < wsPlanned.length; round++) for (const group of byKind) if (group[round] !== undefined) dealt.push(group[round] as (typeof wsPlanned)[number]);
    const socketOf = new Map<number, WsConnection>();

    // All at once.
    const overflowsBefore = tcpCounter('ListenOverflows');
    const cpuAtStart = processCpuMs(server.pid);
    const clientCpuAtStart = process.cpuUsage();
    startedAt = Date.now();
    dealt.forEach((plan, index) => {
      if (index % SUBSCRIPTIONS_PER_SOCKET === 0) sockets.push(new WsConnection(wsUrl));
      socketOf.set(plan.slot, sockets[sockets.length - 1] as WsConnection);
    });
    for (const plan of planned) create(plan.slot, plan.part, plan.transport, plan.job, socketOf.get(plan.slot)).open();
    const initial = [...subscriptions];
    const answered = await Promise.all(initial.map((subscription) => subscription.ready));
    const allOpenAt = Date.now();
    const overflowsWhileOpening = (tcpCounter('ListenOverflows') ?? 0) - (overflowsBefore ?? 0);
    const refusedAtOpen = answered.filter((ok) => !ok).length;
    const rssSubscribed = rssOf(server.pid);
    // Also resets the server's event-loop delay histogram, so the next scrape covers the soak alone.
    const metricsDuring = await fetchMetrics(server.url);

    // Held open for the soak, sampled once a second.
    const samples: Sample[] = [{ at: allOpenAt, rss: rssSubscribed, cpuMs: processCpuMs(server.pid) }];
    const endAt = allOpenAt + options.seconds * 1000;
    let nextReport = allOpenAt + 10_000;
    while (Date.now() < endAt) {
      await sleep(Math.min(1000, Math.max(0, endAt - Date.now())));
      samples.push({ at: Date.now(), rss: rssOf(server.pid), cpuMs: processCpuMs(server.pid) });
      if (Date.now() >= nextReport) {
        const alive = subscriptions.filter((subscription) => subscription.state === 'open').length;
        process.stderr.write(
          `soak: ${Math.round((Date.now() - allOpenAt) / 1000)} s, ${alive} open, ${formatCount(everyone.reduce((sum, subscription) => sum + subscription.results, 0))} results, server RSS ${formatMiB(samples[samples.length - 1]?.rss)}\n`,
        );
        nextReport += 10_000;
      }
    }
    const closeAt = Date.now();
    const rssAtEnd = rssOf(server.pid);
    const metricsAtEnd = await fetchMetrics(server.url);
    const cpuAtEnd = processCpuMs(server.pid);
    const clientCpu = process.cpuUsage(clientCpuAtStart);
    const heldAtEnd = probe.held;
    // No more replacements from here: the slots are as the end found them.
    closing = true;
    const stateAtEnd = new Map<SoakSubscription, SubscriptionState>(everyone.map((subscription) => [subscription, subscription.state]));
    const initialSet = new Set(initial);
    const aliveAtEnd = new Set(subscriptions.filter((subscription) => stateAtEnd.get(subscription) === 'open'));
    // A jobEvents slot whose job has just finished may be waiting for, or opening, its next job.
    const isBetweenJobs = (subscription: SoakSubscription): boolean => {
      const state = stateAtEnd.get(subscription);
      return state === 'completed' || (state === 'opening' && !initialSet.has(subscription));
    };
    const beingReplaced = subscriptions.filter(isBetweenJobs).length;
    const notAlive = subscriptions.filter((subscription) => !aliveAtEnd.has(subscription) && !isBetweenJobs(subscription));
    // With every subscription still open: what they hold once the garbage is gone.
    const collectedAtEnd = await probe.heapAfterCollection();

    // Every client goes at once; then the server must let go of what it held for them.
    const closedAt = Date.now();
    closeAll();
    let releasedAfterMs: number | undefined;
    const releaseDeadline = Date.now() + RELEASE_TIMEOUT_MS;
    const stepsBeforeRelease = probe.lines.length;
    while (Date.now() < releaseDeadline) {
      // A report from a step after the clients went, not one written before.
      if (probe.lines.length > stepsBeforeRelease && isReleased(probe.held)) {
        releasedAfterMs = probe.lastAt - closedAt;
        break;
      }
      await sleep(100);
    }
    const heldAfterClose = probe.held;
    await sleep(2000);
    const metricsAfter = await fetchMetrics(server.url);
    const rssAfterClose = rssOf(server.pid);
    const collectedAfterClose = await probe.heapAfterCollection();
    client.close();

    // ---- Report ----------------------------------------------------------------------------
    const steps = probe.lines.map((line) => line.step);
    const changes = { sse: delaysOf(seen.changes.sse, steps, allOpenAt), ws: delaysOf(seen.changes.ws, steps, allOpenAt) };
    const events = { sse: delaysOf(seen.events.sse, steps, allOpenAt), ws: delaysOf(seen.events.ws, steps, allOpenAt) };
    const transports: Transport[] = options.transport === 'both' ? ['sse', 'ws'] : [options.transport];

    // Subscribers with the same filters should all have been sent the same events: compare
    // how many each got of those posted while every one of them was listening.
    const firstStep = steps.find((step) => step * 1000 > allOpenAt + 1000);
    const lastStep = [...steps].reverse().find((step) => step * 1000 <= closeAt - END_MARGIN_S * 1000);
    const windowed = (subscription: SoakSubscription): number => {
      if (firstStep === undefined || lastStep === undefined) return 0;
      let count = 0;
      for (const timestamp of subscription.timestamps) {
        const postedAt = postTimeOf(steps, timestamp);
        if (postedAt !== undefined && postedAt > firstStep && postedAt <= lastStep) count++;
      }
      return count;
    };
    const inWindow = probe.lines.filter((line) => firstStep !== undefined && lastStep !== undefined && line.step > firstStep && line.step <= lastStep);
    const postedInWindow = inWindow.reduce((sum, line) => sum + line.posted + line.submitted, 0);
    const annotationsInWindow = inWindow.reduce((sum, line) => sum + line.annotations, 0);
    const expectedUnfiltered = postedInWindow - annotationsInWindow;

    const rows = SOAK_MIX.map((part) => {
      const ever = everyone.filter((subscription) => subscription.part === part);
      const results = ever.reduce((sum, subscription) => sum + subscription.results, 0);
      const slots = subscriptions.filter((subscription) => subscription.part === part);
      const alive = slots.filter((subscription) => aliveAtEnd.has(subscription)).length;
      const betweenJobs = slots.filter(isBetweenJobs).length;
      const completed = ever.filter((subscription) => stateAtEnd.get(subscription) === 'completed').length;
      const failed = ever.filter((subscription) => stateAtEnd.get(subscription) === 'failed').length;
      const answeredIn = initial.filter((subscription) => subscription.part === part).map((subscription) => (subscription.openedAt ?? allOpenAt) - subscription.sentAt);
      const summary = summarizeDelays(answeredIn);
      const windowCounts = part.kind.field === 'jobChanges' ? slots.filter((subscription) => initialSet.has(subscription)).map(windowed) : [];
      const same =
        windowCounts.length === 0 ? '-' : Math.min(...windowCounts) === Math.max(...windowCounts) ? `all ${Math.min(...windowCounts)}` : `${Math.min(...windowCounts)}-${Math.max(...windowCounts)}`;
      const everyEvent = part.kind.field === 'jobChanges' && part.kind.filter === 'none';
      if (everyEvent) {
        const missing = windowCounts.filter((count) => count !== expectedUnfiltered).length;
        if (missing > 0) seen.problems.set(`${part.label}: ${missing} subscribers did not get exactly the ${expectedUnfiltered} events posted in the window`, missing);
      }
      const split = transports.map((transport) => slots.filter((subscription) => subscription.transport === transport).length).join(' + ');
      return [
        part.label,
        split,
        `${formatDelay(summary.medianMs)} / ${formatDelay(summary.maxMs)}`,
        formatCount(results),
        (results / slots.length / ((closeAt - startedAt) / 1000)).toFixed(1),
        everyEvent ? `${same} (of ${expectedUnfiltered})` : same,
        completed,
        failed,
        `${alive}/${slots.length}${betweenJobs > 0 ? ` (+${betweenJobs} reopening on another job)` : ''}`,
      ];
    });
    table(
      'Subscriptions (the mix)',
      ['subscription', `open at once (${transports.join(' + ')})`, 'answered in: median / max', 'results delivered', 'results/s each', 'events in the window, per subscriber', 'completed (job clean)', 'failed', 'alive at end'],
      rows,
    );
    note(
      `The window: events posted by the steps after every subscription was open (+1 s) up to ${END_MARGIN_S} s before the end; ` +
        `the workload posted ${formatCount(postedInWindow)} events in it (submits included), ${formatCount(annotationsInWindow)} of them annotations, which jobChanges does not ask the journal for: ` +
        `every unfiltered jobChanges subscriber should get the other ${formatCount(expectedUnfiltered)}, over either transport. ` +
        `jobEvents subscriptions complete when their job is clean; the slot then watches another running job (counted in "completed", not failed). ` +
        `jobChanges(user:) follows "${user}", the user with the most running jobs at the start. ` +
        'Answered: an SSE subscription when its response headers came, a WebSocket one when its socket\'s connection_ack came (graphql-ws acknowledges no single subscription).',
    );

    const delayRows: (string | number)[][] = [];
    for (const [field, by] of [
      ['jobChanges', changes],
      ['jobEvents', events],
    ] as const) {
      for (const transport of transports) {
        const open = by[transport].open;
        delayRows.push([`${field} over ${transport}, all open`, formatCount(open.fromEvent.count), ...delayCells(open.fromEvent), ...delayCells(open.fromPost)]);
      }
      const opening = { fromEvent: merged(...transports.map((transport) => by[transport].opening.fromEvent)), fromPost: merged(...transports.map((transport) => by[transport].opening.fromPost)) };
      delayRows.push([`${field}, posted while opening`, formatCount(opening.fromEvent.count), ...delayCells(opening.fromEvent), ...delayCells(opening.fromPost)]);
    }
    table('Delay from event to client', ['events', 'delivered', 'from the event timestamp: median', 'p99', 'max', 'from the post (workload step): median', 'p99', 'max'], delayRows);
    const replayed = events.sse.replayed + events.ws.replayed;
    note(
      'The embedded workload posts events in 1 s steps, each event with its own timestamp (up to a step earlier), so "from the event timestamp" ' +
        'includes up to 1 s of the workload\'s own batching (more when a step runs late). "From the post" is measured from the step that posted the event ' +
        '(reported by bench/soak-probe.ts in the server process): the server\'s part, journal to job-list read to the client. Client and server share the ' +
        `machine's clock. "While opening": posted before the last of the ${formatCount(options.subscriptions)} had its answer (${formatDelay(allOpenAt - startedAt)} ` +
        `after the first was asked for). jobEvents leave out the ${formatCount(replayed)} events stored before their subscription (each starts with a replay of ` +
        `the job's eventlog). jobStats sent ${formatCount(seen.statsUpdates)} updates (no timestamps, so no delay).`,
    );

    const heapOf = (text: string): number | undefined => metricValue(text, 'nodejs_heap_size_used_bytes');
    const rssDuring = samples.map((sample) => sample.rss).filter((rss): rss is number => rss !== undefined);
    table(
      'Server memory (VmRSS of the serve process)',
      ['when', 'RSS', 'JS heap used (/metrics)', 'after a full GC: heap used / RSS', 'what the instance holds for subscribers (probe)'],
      [
        ['start, before subscribing', formatMiB(rssAtStart), formatMiB(heapOf(metricsAtStart)), collectedText(collectedAtStart), heldText(heldAtStart)],
        [`all ${options.subscriptions} subscribed`, formatMiB(rssSubscribed), formatMiB(heapOf(metricsDuring)), '', ''],
        ['most during the soak', formatMiB(Math.max(...rssDuring)), '', '', ''],
        ['end of the soak, before closing', formatMiB(rssAtEnd), formatMiB(heapOf(metricsAtEnd)), collectedText(collectedAtEnd), heldText(heldAtEnd)],
        ['2 s after the clients closed', formatMiB(rssAfterClose), formatMiB(heapOf(metricsAfter)), collectedText(collectedAfterClose), heldText(heldAfterClose)],
      ],
    );

    const windowSeconds = Math.max(1, Math.ceil(options.seconds / 6));
    const timeline: (string | number)[][] = [];
    const allChanges = transports.map((transport) => ({ received: seen.changes[transport].receivedAt.toArray(), stamps: seen.changes[transport].timestamp.toArray() }));
    for (let from = 0; from < options.seconds; from += windowSeconds) {
      const to = Math.min(options.seconds, from + windowSeconds);
      const fromMs = allOpenAt + from * 1000;
      const toMs = allOpenAt + to * 1000;
      const within = samples.filter((sample) => sample.at >= fromMs && sample.at <= toMs);
      const first = within[0];
      const last = within[within.length - 1];
      let delivered = 0;
      for (let second = Math.floor((fromMs - startedAt) / 1000); second < Math.floor((toMs - startedAt) / 1000); second++) delivered += seen.perSecond[second] ?? 0;
      const windowDelays = new Samples();
      for (const { received, stamps } of allChanges) {
        for (let index = 0; index < received.length; index++) {
          const at = received[index] as number;
          if (at < fromMs || at >= toMs) continue;
          const postedAt = postTimeOf(steps, stamps[index] as number);
          if (postedAt !== undefined) windowDelays.add(at - postedAt * 1000);
        }
      }
      const summary = windowDelays.summary();
      const posted = probe.lines.filter((line) => line.step * 1000 > fromMs && line.step * 1000 <= toMs).reduce((sum, line) => sum + line.posted + line.submitted, 0);
      const cpu = first?.cpuMs !== undefined && last?.cpuMs !== undefined && last.at > first.at ? `${(((last.cpuMs - first.cpuMs) / (last.at - first.at)) * 100).toFixed(0)}%` : '-';
      timeline.push([`${from}-${to} s`, formatCount(posted), formatCount(delivered), formatDelay(summary.medianMs), formatDelay(summary.p99Ms), formatMiB(last?.rss), cpu]);
    }
    table('Over time (after all were open)', ['window', 'events posted by the workload', 'results delivered', 'jobChanges from post: median', 'p99', 'server RSS at its end', 'server CPU (of one core)'], timeline);

    const soakSeconds = (closeAt - allOpenAt) / 1000;
    const rpcs = [...rpcDelta(rpcTotals(metricsDuring), rpcTotals(metricsAtEnd))].sort((a, b) => b[1].seconds - a[1].seconds);
    table(
      'Flux RPCs the server sent while all were open (/metrics)',
      ['topic', 'RPCs', 'per second', 'mean latency', 'summed latency'],
      rpcs.map(([topic, total]) => [topic, formatCount(total.count), (total.count / soakSeconds).toFixed(1), formatDelay((total.seconds / total.count) * 1000), formatDelay(total.seconds * 1000)]),
    );
    note(
      'A streaming RPC (job-info.eventlog-watch) is counted when it ends, with its whole life as its latency. The journal stream is read on the server\'s own ' +
        'connection, which /metrics does not observe. job-list.list here is mostly the match of filtered jobChanges: one listing per event and filter set. ' +
        'The embedded instance answers in the server\'s own process, so these latencies include waiting for its event loop.',
    );

    const problems = [...seen.problems.entries()].sort((a, b) => b[1] - a[1]);
    table('Errors and ends', ['what', 'count'], problems.length === 0 ? [['none', 0]] : problems.map(([what, count]) => [what, count]));

    const openMs = initial.map((subscription) => (subscription.openedAt ?? allOpenAt) - subscription.sentAt);
    const sseInitial = initial.filter((subscription) => subscription.transport === 'sse');
    const connectMs = sseInitial.map((subscription) => (subscription.connectedAt ?? allOpenAt) - subscription.sentAt);
    const answerMs = sseInitial.map((subscription) => (subscription.openedAt ?? allOpenAt) - (subscription.connectedAt ?? subscription.sentAt));
    const acknowledgedMs = sockets.map((socket) => (socket.connectedAt ?? allOpenAt) - startedAt);
    const openGauge = (text: string): string => transports.map((transport) => `${metricValue(text, 'flux_graphql_open_subscriptions', { transport }) ?? '-'} ${transport}`).join(' + ');
    const biggestStep = probe.lines
      .filter((line) => line.step * 1000 > allOpenAt && line.step * 1000 <= closeAt)
      .reduce<ProbeLine | undefined>((best, line) => (best === undefined || line.posted + line.submitted > best.posted + best.submitted ? line : best), undefined);
    const watchesEnded = (rpcTotals(metricsAfter).get('job-info.eventlog-watch')?.count ?? 0) - (rpcTotals(metricsAtStart).get('job-info.eventlog-watch')?.count ?? 0);
    const lagP99 = metricValue(metricsAtEnd, 'nodejs_eventloop_lag_p99_seconds');
    const lagMax = metricValue(metricsAtEnd, 'nodejs_eventloop_lag_max_seconds');
    const busy = new Samples();
    for (const line of probe.lines) if (line.step * 1000 > allOpenAt && line.step * 1000 <= closeAt + 1000 && line.busyAfterPreviousMs !== undefined) busy.add(line.busyAfterPreviousMs);
    const pings = sockets.reduce((sum, socket) => sum + socket.pings, 0);
    const comments = everyone.reduce((sum, subscription) => sum + subscription.keepAlives, 0);
    const percent = (ms: number): string => `${((ms / (closeAt - startedAt)) * 100).toFixed(0)}%`;
    table(
      'Opening, the server under it, releasing',
      ['what', 'value'],
      [
        ['time to open all (first asked to last answered)', formatDelay(allOpenAt - startedAt)],
        ['time to answer one: median / p99 / max', spreadText(openMs)],
        ...(sseInitial.length > 0
          ? [
              ['SSE: to connect (TCP): median / p99 / max', spreadText(connectMs)],
              ['SSE: from connected to answered: median / p99 / max', spreadText(answerMs)],
            ]
          : []),
        ...(sockets.length > 0 ? [[`WebSocket: ${sockets.length} sockets, connection_ack after: median / p99 / max`, spreadText(acknowledgedMs)]] : []),
        ['listen queue overflows while opening (/proc/net/netstat, the whole machine)', overflowsWhileOpening],
        ['refused or failed while opening', refusedAtOpen],
        ['/metrics flux_graphql_open_subscriptions: start / all open / end / after closing', `${openGauge(metricsAtStart)} / ${openGauge(metricsDuring)} / ${openGauge(metricsAtEnd)} / ${openGauge(metricsAfter)}`],
        ['/metrics flux_graphql_active_requests with all open', metricValue(metricsDuring, 'flux_graphql_active_requests') ?? '-'],
        [
          '/metrics nodejs_active_handles: start / all open / after closing',
          `${metricValue(metricsAtStart, 'nodejs_active_handles_total') ?? '-'} / ${metricValue(metricsDuring, 'nodejs_active_handles_total') ?? '-'} / ${metricValue(metricsAfter, 'nodejs_active_handles_total') ?? '-'}`,
        ],
        ['job-info.eventlog-watch streams ended (/metrics) / jobEvents subscriptions opened', `${watchesEnded} / ${everyone.filter((subscription) => subscription.kind.field === 'jobEvents').length}`],
        ['released after the clients closed (probe: journal streams, watchers, waits all 0)', releasedAfterMs === undefined ? `NO, after ${RELEASE_TIMEOUT_MS / 1000} s: ${heldText(heldAfterClose)}` : `yes, by the step ${formatDelay(releasedAfterMs)} after`],
        ['server CPU during the soak (of one core)', cpuAtStart !== undefined && cpuAtEnd !== undefined ? percent(cpuAtEnd - cpuAtStart) : '-'],
        ["this client's CPU (of one core)", percent((clientCpu.user + clientCpu.system) / 1000)],
        ['server event-loop delay during the soak (/metrics, 10 ms resolution): p99 / max', `${formatDelay(lagP99 === undefined ? undefined : lagP99 * 1000)} / ${formatDelay(lagMax === undefined ? undefined : lagMax * 1000)}`],
        ['server event loop busy after a step (probe): median / p99 / max', spreadText(busy)],
        ['most results delivered in one second (all subscriptions)', formatCount(Math.max(0, ...seen.perSecond.filter((count) => count !== undefined)))],
        ['longest workload step', formatDelay(Math.max(...probe.lines.map((line) => line.stepMs)))],
        [
          'most events one step posted while all were open',
          biggestStep === undefined ? '-' : `${formatCount(biggestStep.posted + biggestStep.submitted)} (${formatCount(biggestStep.submitted)} new jobs), ${((biggestStep.step * 1000 - allOpenAt) / 1000).toFixed(0)} s in`,
        ],
        ['keep-alives received: SSE comments / WebSocket pings', `${formatCount(comments)} / ${formatCount(pings)}`],
      ],
    );

    const delivered = everyone.reduce((sum, subscription) => sum + subscription.results, 0);
    const problemCount = problems.reduce((sum, [, count]) => sum + count, 0);
    const changesOpen = (which: 'fromEvent' | 'fromPost'): Samples => merged(...transports.map((transport) => changes[transport].open[which]));
    const fromEvent = changesOpen('fromEvent').summary();
    const fromPost = changesOpen('fromPost').summary();
    process.stdout.write(
      `soak: ${options.subscriptions} subscriptions (${transports.join('+')}) for ${options.seconds} s: ${formatCount(delivered)} results delivered; ` +
        `jobChanges delay (all open) median ${formatDelay(fromEvent.medianMs)}, p99 ${formatDelay(fromEvent.p99Ms)} from the event ` +
        `(${formatDelay(fromPost.medianMs)}, ${formatDelay(fromPost.p99Ms)} from its post); ` +
        `server RSS ${formatMiB(rssAtStart)} -> ${formatMiB(rssSubscribed)} -> ${formatMiB(rssAtEnd)} (${formatMiB(rssAfterClose)} after closing); ` +
        `${problemCount} errors/ends; ${aliveAtEnd.size}/${subscriptions.length} alive at the end${beingReplaced > 0 ? ` (+${beingReplaced} jobEvents reopening on another job)` : ''}; ` +
        `${releasedAfterMs === undefined ? 'NOT released' : 'everything released'}; load average ${load()}\n`,
    );
    if (notAlive.length > 0 || problemCount > 0 || releasedAfterMs === undefined) process.exitCode = 1;
  } finally {
    closeAll();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
