/**
 * The soak's pure parts (bench/soak.ts): its options, the mix of subscriptions, reading
 * server-sent events as they arrive, the probe's lines, the step that posted an event, VmRSS,
 * and percentiles. Nothing here opens a socket or reads a clock.
 */

export interface SoakOptions {
  /** Subscriptions open at once. */
  subscriptions: number;
  /** How long they stay open, in seconds. */
  seconds: number;
  /** Jobs of the embedded workload's history; its live submission rate follows from it (jobs / 3 days). */
  jobs: number;
  quick: boolean;
  /** Where the server child writes a CPU profile when it exits (--profile-server DIR). */
  profileDir?: string;
  /** The server's --max-concurrent-per-user (default: the subscriptions and 100 more, so that opening them all at once is not refused). */
  maxConcurrentPerUser?: number;
  /** Server-sent events, graphql-ws over WebSocket, or both (every other subscription of each kind). */
  transport: SoakTransports;
}

export type SoakTransports = 'sse' | 'ws' | 'both';

export const SOAK_USAGE =
  'usage: npm run soak -- [--subscriptions N] [--seconds S] [--jobs J] [--transport sse|ws|both] [--quick]\n' +
  '  --subscriptions N  subscriptions open at once (default 1000, at most 20000)\n' +
  '  --seconds S        how long they stay open (default 60, at most 3600; --quick: 15)\n' +
  '  --jobs J           jobs in the embedded history, which sets the live rate (default 300000; --quick: 100000)\n' +
  '  --transport T      sse, ws (graphql-ws, 5 subscriptions a socket) or both, every other one (default both)\n' +
  '  --quick            a short run: 15 s, 100,000 jobs (the other options still apply)\n' +
  '  --profile-server D write a CPU profile of the server process into directory D\n' +
  '  --max-concurrent-per-user M  the server\'s limit (default N + 100, so that no opening burst can be refused; 32 is the server\'s own)';

export class SoakUsageError extends Error {
  override readonly name = 'SoakUsageError';
  readonly code = 'SOAK_USAGE';

  /** True for --help: the usage was asked for, not a mistake. */
  get isHelp(): boolean {
    return this.message === SOAK_USAGE;
  }
}

function integerOption(name: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new SoakUsageError(`${name} takes an integer from ${min} to ${max}${text === undefined ? '' : ` (got "${text}")`}`);
  const value = Number(text);
  if (value < min || value > max) throw new SoakUsageError(`${name} takes an integer from ${min} to ${max} (got ${text})`);
  return value;
}

/** The options of `npm run soak -- ARGS`; anything else is a SoakUsageError naming it. */
export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  const quick = argv.includes('--quick');
  const options: SoakOptions = { subscriptions: 1000, seconds: quick ? 15 : 60, jobs: quick ? 100_000 : 300_000, quick, transport: 'both' };
  for (let at = 0; at < argv.length; at++) {
    const arg = argv[at] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++at];
    switch (name) {
      case '--quick':
        break;
      case '--subscriptions':
        options.subscriptions = integerOption(name, value(), 1, 20_000);
        break;
      case '--seconds':
        options.seconds = integerOption(name, value(), 1, 3600);
        break;
      case '--jobs':
        options.jobs = integerOption(name, value(), 1000, 10_000_000);
        break;
      case '--transport': {
        const transport = value();
        if (transport !== 'sse' && transport !== 'ws' && transport !== 'both') throw new SoakUsageError(`--transport takes sse, ws or both${transport === undefined ? '' : ` (got "${transport}")`}`);
        options.transport = transport;
        break;
      }
      case '--max-concurrent-per-user':
        options.maxConcurrentPerUser = integerOption(name, value(), 1, 9_999_999);
        break;
      case '--profile-server': {
        const dir = value();
        if (dir === undefined || dir === '' || dir.startsWith('--')) throw new SoakUsageError('--profile-server takes a directory for the CPU profile');
        options.profileDir = dir;
        break;
      }
      case '--help':
      case '-h':
        throw new SoakUsageError(SOAK_USAGE);
      default:
        throw new SoakUsageError(`unknown option "${arg}"\n${SOAK_USAGE}`);
    }
  }
  return options;
}

/** What one subscription of the mix asks for. */
export type SubscriptionKind =
  | { readonly field: 'jobChanges'; readonly filter: 'none' | 'running' | 'queue' | 'user' }
  | { readonly field: 'jobStats'; readonly filter: 'none' | 'queue' }
  | { readonly field: 'jobEvents' };

export interface MixPart {
  readonly kind: SubscriptionKind;
  /** How the output names it, e.g. "jobChanges(filters: [RUNNING])". */
  readonly label: string;
  readonly share: number;
}

/**
 * What a site's pages would hold open: mostly job lists kept current (all jobs, the running
 * ones, one queue, one user's), some dashboards' counters, and some people watching a job run.
 */
export const SOAK_MIX: readonly MixPart[] = [
  { kind: { field: 'jobChanges', filter: 'none' }, label: 'jobChanges (no filter)', share: 0.4 },
  { kind: { field: 'jobChanges', filter: 'running' }, label: 'jobChanges(filters: [RUNNING])', share: 0.15 },
  { kind: { field: 'jobChanges', filter: 'queue' }, label: 'jobChanges(queue: ["debug"])', share: 0.1 },
  { kind: { field: 'jobChanges', filter: 'user' }, label: 'jobChanges(user: one busy user)', share: 0.05 },
  { kind: { field: 'jobStats', filter: 'none' }, label: 'jobStats(interval: 1)', share: 0.1 },
  { kind: { field: 'jobStats', filter: 'queue' }, label: 'jobStats(interval: 1, queue: ["gpu"])', share: 0.05 },
  { kind: { field: 'jobEvents' }, label: 'jobEvents(id: a running job)', share: 0.15 },
];

/**
 * How many of `total` subscriptions each part gets: the shares' floors, then one more for the
 * parts with the largest remainders (earlier parts first on a tie), so the counts add up to
 * `total` exactly.
 */
export function mixCounts(parts: readonly { share: number }[], total: number): number[] {
  const sum = parts.reduce((acc, part) => acc + part.share, 0);
  const exact = parts.map((part) => (part.share / sum) * total);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((acc, count) => acc + count, 0);
  const byRemainder = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left === 0) break;
    counts[index] = (counts[index] as number) + 1;
    left--;
  }
  return counts;
}

export interface SseMessage {
  readonly event: string;
  /** The data lines joined with "\n" ('' when there were none). */
  readonly data: string;
}

/**
 * Server-sent events read chunk by chunk as they arrive (an event may span chunks). `:` lines
 * are comments, which yoga sends as keep-alives; they are counted, not returned.
 */
export class SseParser {
  private buffered = '';
  comments = 0;

  /** The messages that `chunk` completes, in order. */
  push(chunk: string): SseMessage[] {
    this.buffered += chunk.includes('\r') ? chunk.replace(/\r\n?/g, '\n') : chunk;
    const messages: SseMessage[] = [];
    for (let end = this.buffered.indexOf('\n\n'); end >= 0; end = this.buffered.indexOf('\n\n')) {
      const block = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 2);
      const message = this.parse(block);
      if (message !== undefined) messages.push(message);
    }
    return messages;
  }

  /** Text received that no blank line has ended yet. */
  get pending(): string {
    return this.buffered;
  }

  private parse(block: string): SseMessage | undefined {
    let event = 'message';
    const data: string[] = [];
    let fields = 0;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else continue;
      fields++;
    }
    return fields === 0 ? undefined : { event, data: data.join('\n') };
  }
}

export const PROBE_PREFIX = 'soak-probe ';

/** What the embedded instance holds for subscribers (see soak-probe.ts); -1 where a stats-get answer lacked the count. */
export interface HeldResources {
  journalStreams: number;
  eventlogWatchers: number;
  guestWatchers: number;
  listIdWaits: number;
  statsWatchers: number;
}

/** One line of the server child's probe: a step of the live workload. */
export interface ProbeLine {
  /** The time stepped to (Unix seconds): when this step's events were posted. */
  step: number;
  /** How long the step took, ms. */
  stepMs: number;
  /** Events posted to jobs already there in this step. */
  posted: number;
  /** Jobs submitted in this step (each with its submit event). */
  submitted: number;
  /** Of the posted events, the scheduler's annotations updates (journal-only: jobChanges does not ask for them). */
  annotations: number;
  /** How long the server's event loop stayed busy after the step before this one, ms (its subscribers' reads and sends). */
  busyAfterPreviousMs?: number;
  held?: HeldResources;
}

function isHeld(value: unknown): value is HeldResources {
  if (value === null || typeof value !== 'object') return false;
  const held = value as Record<string, unknown>;
  return ['journalStreams', 'eventlogWatchers', 'guestWatchers', 'listIdWaits', 'statsWatchers'].every((key) => typeof held[key] === 'number');
}

/** The probe line in `line`, or undefined for any other line (or a damaged one). */
export function parseProbeLine(line: string): ProbeLine | undefined {
  if (!line.startsWith(PROBE_PREFIX)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line.slice(PROBE_PREFIX.length));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { step, stepMs, posted, submitted, annotations, held, busyAfterPreviousMs } = value as Record<string, unknown>;
  if (typeof step !== 'number' || typeof stepMs !== 'number' || typeof posted !== 'number' || typeof submitted !== 'number' || typeof annotations !== 'number') return undefined;
  if (held !== undefined && !isHeld(held)) return undefined;
  if (busyAfterPreviousMs !== undefined && typeof busyAfterPreviousMs !== 'number') return undefined;
  return {
    step,
    stepMs,
    posted,
    submitted,
    annotations,
    ...(busyAfterPreviousMs === undefined ? {} : { busyAfterPreviousMs }),
    ...(held === undefined ? {} : { held }),
  };
}

export const HEAP_PREFIX = 'soak-probe-heap ';

/** The server's memory right after a full collection (the probe's answer to SIGUSR2). */
export interface HeapLine {
  /** False when the child had no --expose-gc: the figures are then before any collection. */
  collected: boolean;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

/** The heap line in `line`, or undefined for any other line. */
export function parseHeapLine(line: string): HeapLine | undefined {
  if (!line.startsWith(HEAP_PREFIX)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line.slice(HEAP_PREFIX.length));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { collected, heapUsed, external, arrayBuffers, rss } = value as Record<string, unknown>;
  if (typeof collected !== 'boolean' || typeof heapUsed !== 'number' || typeof external !== 'number' || typeof arrayBuffers !== 'number' || typeof rss !== 'number') return undefined;
  return { collected, heapUsed, external, arrayBuffers, rss };
}

/**
 * The time of the step that posted an event of time `timestamp`: the first step at or after
 * it (a step posts every event up to the time it steps to). `steps` ascending; undefined when
 * no step listed reaches that far.
 */
export function postTimeOf(steps: readonly number[], timestamp: number): number | undefined {
  let low = 0;
  let high = steps.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((steps[mid] as number) < timestamp) low = mid + 1;
    else high = mid;
  }
  return steps[low];
}

/** VmRSS of a /proc/PID/status text, in bytes (undefined when it has none: a zombie). */
export function vmRssBytes(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match === null ? undefined : Number(match[1]) * 1024;
}

/**
 * One TcpExt counter from the text of /proc/net/netstat, where each group is a line of names
 * and a line of values (e.g. ListenOverflows: connections the listen queue had no room for).
 */
export function tcpExtCounter(netstat: string, name: string): number | undefined {
  const lines = netstat.split('\n');
  for (let at = 0; at + 1 < lines.length; at++) {
    const names = (lines[at] as string).trim().split(/\s+/);
    const values = (lines[at + 1] as string).trim().split(/\s+/);
    if (names[0] !== 'TcpExt:' || values[0] !== 'TcpExt:') continue;
    const index = names.indexOf(name);
    return index > 0 && values[index] !== undefined ? Number(values[index]) : undefined;
  }
  return undefined;
}

/** The `p`-th percentile (0-100) of ascending `sorted` values, by nearest rank; undefined for none. */
export function percentile(sorted: ArrayLike<number>, p: number): number | undefined {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`a percentile is from 0 to 100 (got ${p})`);
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export interface DelaySummary {
  count: number;
  medianMs: number | undefined;
  p99Ms: number | undefined;
  maxMs: number | undefined;
}

/** Median, p99 and max of some delays (which it sorts in place). */
export function summarizeDelays(delays: Float64Array | number[]): DelaySummary {
  const sorted = delays instanceof Float64Array ? delays.sort() : Float64Array.from(delays).sort();
  return { count: sorted.length, medianMs: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.length === 0 ? undefined : sorted[sorted.length - 1] };
}

/** Numbers that grow without reallocating for every one (a soak collects a million delays). */
export class Samples {
  private values = new Float64Array(1024);
  private size = 0;

  add(value: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = value;
  }

  get count(): number {
    return this.size;
  }

  /** The numbers so far, in the order added (a copy). */
  toArray(): Float64Array {
    return this.values.slice(0, this.size);
  }

  summary(): DelaySummary {
    return summarizeDelays(this.values.slice(0, this.size));
  }
}

export interface RpcTotal {
  count: number;
  seconds: number;
}

const RPC_DURATION_LINE = /^flux_graphql_rpc_duration_seconds_(sum|count)\{topic="([^"]*)"\} (\S+)$/;

/** Flux RPCs the server sent, by topic, with their summed latency, from its /metrics text. */
export function rpcTotals(metricsText: string): Map<string, RpcTotal> {
  const totals = new Map<string, RpcTotal>();
  for (const line of metricsText.split('\n')) {
    const match = RPC_DURATION_LINE.exec(line);
    if (match === null) continue;
    const topic = match[2] as string;
    const total = totals.get(topic) ?? { count: 0, seconds: 0 };
    if (match[1] === 'sum') total.seconds = Number(match[3]);
    else total.count = Number(match[3]);
    totals.set(topic, total);
  }
  return totals;
}

/** What `after` adds to `before`, topic by topic (topics with no new RPCs left out). */
export function rpcDelta(before: ReadonlyMap<string, RpcTotal>, after: ReadonlyMap<string, RpcTotal>): Map<string, RpcTotal> {
  const delta = new Map<string, RpcTotal>();
  for (const [topic, total] of after) {
    const earlier = before.get(topic) ?? { count: 0, seconds: 0 };
    if (total.count > earlier.count) delta.set(topic, { count: total.count - earlier.count, seconds: total.seconds - earlier.seconds });
  }
  return delta;
}

/** A sample's value from Prometheus text: `name` with exactly these labels (none by default); undefined when absent. */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const wanted = Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    let labelText = '';
    let valueText: string;
    if (rest.startsWith('{')) {
      const end = rest.indexOf('}');
      if (end < 0) continue;
      labelText = rest
        .slice(1, end)
        .split(',')
        .filter((part) => part !== '')
        .sort()
        .join(',');
      valueText = rest.slice(end + 1);
    } else if (rest.startsWith(' ')) {
      valueText = rest;
    } else {
      continue;
    }
    if (labelText !== wanted) continue;
    const value = Number(valueText.trim().split(/\s+/)[0]);
    if (Number.isFinite(value)) return value;
  }
  return undefined;
}

/** "12.3 ms", "1.25 s", or "-" for nothing measured. */
export function formatDelay(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (Math.abs(ms) >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (Math.abs(ms) >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** "1,234,567" */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** "412 MiB" */
export function formatMiB(bytes: number | undefined): string {
  return bytes === undefined ? '-' : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
