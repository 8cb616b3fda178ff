/**
 * The job-list service of the embedded instance: answers job-list.* requests the way
 * flux-core's job-list module does (list.c, stats.c, job-list.c), with the same validation
 * order, errnos, error strings and response shapes.
 */
import { Errno, FLUX_USERID_UNKNOWN, JobState, Role } from '../../flux/constants';
import type { Json, JsonObject } from '../../flux/json';
import { JobListErrno } from '../../flux/job-list-errnos';
import { ComparisonBudget, compileConstraint, ConstraintError, type CompiledConstraint } from '../constraint/compile';
import { EmbeddedInputError } from '../store/input-error';
import { AttributePlan, JOB_ATTRIBUTES } from './attribute-projection';
import type { JobStore } from '../store/job-store';
import { ListIdWaits } from './list-id-waits';
import { listJobs } from './list-query';
import { decodeRequestPayload, unpackFields, type FieldValue, type RequestPayload } from '../wire/request-payload';
import type { Respond, ServiceRequest } from './service-types';
import { StatsWatchers, type TimerApi, NODE_TIMERS, STATS_BATCH_DELAY_MS } from './stats-watchers';

export const DEFAULT_MAX_COMPARISONS = 1_000_000;
/** Flux lets hostlist and ranks constraints name max(instance size, this) hosts or ranks. */
const MIN_CONSTRAINT_SET_LIMIT = 1024;
/** list-id may wait for any state but NEW. */
const WAITABLE_STATES = 0x7e;

export interface JobListServiceOptions {
  /** `[job-list] max_comparisons`: per-request comparison budget; 0 = unlimited. Default 1,000,000. */
  maxComparisons?: number;
  /** `[access] private-mode`: callers without OWNER/ADMIN role see only their own jobs. */
  privateMode?: boolean;
  /** Number of brokers; bounds hostlist/ranks constraints at max(size, 1024). Default 1. */
  instanceSize?: number;
  /** Timer functions for batching streamed job-stats updates (tests replace them). */
  timers?: TimerApi;
  statsBatchDelayMs?: number;
  /** job-state-pause / job-state-unpause: hold and replay journal updates. */
  journal?: { pause(): void; unpause(): void };
}

type Handler = (request: ServiceRequest, respond: Respond) => void;

function error(respond: Respond, errnum: number, errstr?: string): void {
  respond(errstr === undefined ? { errnum } : { errnum, errstr });
}

export class JobListService {
  /** Both may change on job-list.config-reload. */
  private maxComparisonsLimit: number;
  private privateModeOn: boolean;
  private constraintSetLimit: number;
  private readonly waits: ListIdWaits;
  private readonly watchers: StatsWatchers;
  private readonly handlers: ReadonlyMap<string, Handler>;

  constructor(
    private readonly store: JobStore,
    private readonly options: JobListServiceOptions = {},
  ) {
    const maxComparisons = options.maxComparisons ?? DEFAULT_MAX_COMPARISONS;
    if (!Number.isInteger(maxComparisons) || maxComparisons < 0) {
      throw new RangeError(`maxComparisons must be an integer >= 0 (0 = unlimited), got ${maxComparisons}`);
    }
    this.maxComparisonsLimit = maxComparisons;
    this.privateModeOn = options.privateMode ?? false;
    this.constraintSetLimit = Math.max(options.instanceSize ?? 1, MIN_CONSTRAINT_SET_LIMIT);
    this.waits = new ListIdWaits(store);
    this.watchers = new StatsWatchers(() => store.stats.toJson(), options.timers ?? NODE_TIMERS, options.statsBatchDelayMs ?? STATS_BATCH_DELAY_MS);
    this.handlers = new Map<string, Handler>([
      ['list', (req, res) => this.list(req, res)],
      ['list-id', (req, res) => this.listId(req, res)],
      ['list-attrs', (_req, res) => res({ payload: { attrs: [...JOB_ATTRIBUTES, 'all'] } })],
      ['job-stats', (req, res) => this.jobStats(req, res)],
      ['stats-get', (req, res) => this.statsGet(req, res)],
      ['disconnect', (req) => this.watchers.disconnect(req.sender)],
      ['job-state-pause', (_req, res) => this.journalControl('pause', res)],
      ['job-state-unpause', (_req, res) => this.journalControl('unpause', res)],
      ['config-reload', (req, res) => this.configReload(req, res)],
    ]);
  }

  /**
   * The number of brokers became known after construction (a snapshot streamed in reveals it
   * job by job): hostlist/ranks constraints are bounded by max(size, 1024) from now on.
   */
  setInstanceSize(size: number): void {
    this.constraintSetLimit = Math.max(size, MIN_CONSTRAINT_SET_LIMIT);
  }

  get maxComparisons(): number {
    return this.maxComparisonsLimit;
  }

  get privateMode(): boolean {
    return this.privateModeOn;
  }

  /** The store tells the service about every state change (list-id waits end there). */
  jobStateChanged(slot: number): void {
    this.waits.stateChanged(slot);
  }

  /** The job-stats counters changed (streamed job-stats callers get an update soon). */
  statsChanged(): void {
    this.watchers.changed();
  }

  /** Stops the batching timer and forgets streaming callers. */
  close(): void {
    this.watchers.close();
  }

  handle(request: ServiceRequest, respond: Respond): void {
    const topic = request.topic;
    const dot = topic.indexOf('.');
    const service = dot < 0 ? topic : topic.slice(0, dot);
    if (service !== 'job-list') {
      error(respond, Errno.ENOSYS, `No service matching ${topic} is registered`);
      return;
    }
    const handler = this.handlers.get(topic.slice(dot + 1));
    if (dot < 0 || handler === undefined) {
      error(respond, Errno.ENOSYS, `Unknown service method '${topic}'`);
      return;
    }
    // Every method is open to USER and OWNER callers, except config-reload (OWNER only).
    const allowed = topic === 'job-list.config-reload' ? Role.OWNER : Role.OWNER | Role.USER;
    if ((request.rolemask & allowed) === 0) {
      // disconnect requests are sent without expecting a response
      if (topic === 'job-list.disconnect') return;
      error(respond, Errno.EPERM, allowed === Role.OWNER ? 'Request requires owner credentials' : 'Request rejected due to insufficient privilege');
      return;
    }
    handler(request, respond);
  }

  /** Private mode applies to this caller (neither OWNER nor ADMIN). */
  private restricted(request: ServiceRequest): boolean {
    return this.privateMode && (request.rolemask & (Role.OWNER | Role.ADMIN)) === 0;
  }

  private canSee(request: ServiceRequest, slot: number): boolean {
    if (!this.restricted(request) || request.userid === FLUX_USERID_UNKNOWN) return true;
    return this.store.jobs.userid[slot] === request.userid >>> 0;
  }

  // ---- job-list.list -------------------------------------------------------------------------

  private list(request: ServiceRequest, respond: Respond): void {
    const invalid = (message: string): void => error(respond, JobListErrno.INVALID_PAYLOAD, `invalid payload: ${message}`);
    const decoded = decodeRequestPayload(request.payload);
    if (!decoded.ok) return invalid(decoded.message);
    const payload = decoded.payload;
    const fields = unpackFields(payload, [
      { key: 'max_entries', kind: 'int' },
      { key: 'attrs', kind: 'any' },
      { key: 'since', kind: 'number', optional: true },
      { key: 'constraint', kind: 'any', optional: true },
    ]);
    if (!fields.ok) return invalid(fields.message);
    let maxEntries = fields.values.get('max_entries') as number;
    let since = (fields.values.get('since') as number | undefined) ?? 0;
    const attrs = fields.values.get('attrs') as Json;
    let constraint: Json | undefined = fields.values.has('constraint') ? payload.realsKeptReal(payload.object, 'constraint') : undefined;
    if (constraint === undefined) {
      const legacy = legacyConstraint(payload);
      if (legacy !== undefined) {
        maxEntries = legacy.maxEntries;
        since = legacy.since;
        constraint = legacy.constraint;
      }
    }
    if (maxEntries < 0) return invalid('max_entries < 0 not allowed');
    if (since < 0) return invalid('since < 0.0 not allowed');
    if (!Array.isArray(attrs)) return invalid('attrs must be an array');
    if (this.restricted(request)) {
      const own: JsonObject = { userid: [request.userid >>> 0] };
      constraint = constraint === undefined ? own : { and: [constraint, own] };
    }
    let compiled: CompiledConstraint;
    try {
      compiled = compileConstraint(constraint, { maxHosts: this.constraintSetLimit, maxRanks: this.constraintSetLimit });
    } catch (err) {
      if (err instanceof ConstraintError) return invalid(`constraint object invalid: ${err.message}`);
      throw err;
    }
    const outcome = listJobs(this.store, {
      maxEntries,
      since,
      constraint: compiled,
      constraintJson: constraint,
      attributes: AttributePlan.fromRequest(this.store, attrs),
      budget: new ComparisonBudget(this.maxComparisons),
    });
    if (!outcome.ok) return error(respond, outcome.errnum, outcome.message);
    if (!request.streaming) {
      respond({ payload: { jobs: outcome.jobs } });
      return;
    }
    outcome.jobs.forEach((job, i) => respond({ payload: i === 0 ? { jobs: [job], version: 1 } : { jobs: [job] } }));
    error(respond, Errno.ENODATA);
  }

  // ---- job-list.list-id ----------------------------------------------------------------------

  private listId(request: ServiceRequest, respond: Respond): void {
    const invalid = (message: string): void => error(respond, JobListErrno.INVALID_PAYLOAD, `invalid payload: ${message}`);
    const decoded = decodeRequestPayload(request.payload);
    if (!decoded.ok) return invalid(decoded.message);
    const fields = unpackFields(decoded.payload, [
      { key: 'id', kind: 'int64' },
      { key: 'attrs', kind: 'any' },
      { key: 'state', kind: 'int', optional: true },
    ]);
    if (!fields.ok) return invalid(fields.message);
    const attrs = fields.values.get('attrs') as Json;
    const states = (fields.values.get('state') as number | undefined) ?? 0;
    if (!Array.isArray(attrs)) return invalid('attrs must be an array');
    if (states !== 0 && (states & ~WAITABLE_STATES) !== 0) return invalid('invalid state specified');

    const id = BigInt.asUintN(64, fields.values.get('id') as bigint);
    const slot = this.store.lookup(id);
    if (slot < 0) return error(respond, JobListErrno.UNKNOWN_JOB);
    // Decided at once, Flux sends an empty error string here; after a wait, none.
    if (!this.canSee(request, slot)) return error(respond, JobListErrno.UNKNOWN_JOB, '');

    const answer = (at: number, afterWait: boolean): void => {
      if (!this.canSee(request, at)) return error(respond, JobListErrno.UNKNOWN_JOB, afterWait ? undefined : '');
      const plan = AttributePlan.fromRequest(this.store, attrs);
      if (plan.error !== undefined) return error(respond, plan.error.errnum, plan.error.message);
      respond({ payload: { job: plan.build(at) } });
    };
    const jobs = this.store.jobs;
    const state = jobs.state[slot] as number;
    const waiting = state !== JobState.INACTIVE && (state === JobState.NEW || (states !== 0 && ((jobs.statesMask[slot] as number) & states) === 0));
    if (waiting) this.waits.add(id, { states, answer: (at) => answer(at, true) });
    else answer(slot, false);
  }

  // ---- stats ---------------------------------------------------------------------------------

  private jobStats(request: ServiceRequest, respond: Respond): void {
    if (this.restricted(request)) return error(respond, Errno.EPERM);
    if (request.streaming) this.watchers.add(request.sender, respond);
    respond({ payload: this.store.stats.toJson() });
  }

  private statsGet(request: ServiceRequest, respond: Respond): void {
    if (this.restricted(request)) return error(respond, Errno.EPERM);
    const lists = this.store.lists;
    respond({
      payload: {
        jobs: { pending: lists.pending.size, running: lists.running.size, inactive: lists.inactive.size },
        idsync: { lookups: 0, waits: this.waits.jobCount },
        stats_watchers: this.watchers.count,
      },
    });
  }

  /**
   * job-list.config-reload: the payload is the instance configuration. Applied in Flux's
   * order: [queues] names (job-stats), [job-list] max_comparisons, [access] private-mode;
   * a bad value fails the request, leaving the parts before it applied.
   */
  private configReload(request: ServiceRequest, respond: Respond): void {
    const decoded = decodeRequestPayload(request.payload);
    if (!decoded.ok) return error(respond, Errno.EPROTO);
    const payload = decoded.payload;
    const config = payload.object;
    const queues = config.queues;
    if (queues !== null && typeof queues === 'object' && !Array.isArray(queues)) this.store.stats.addConfiguredQueues(Object.keys(queues));

    const section = (name: string, key: string, expected: 'integer' | 'boolean', context: string): { value?: Json; problem?: string } => {
      const table = Object.hasOwn(config, name) ? config[name] : undefined;
      if (table === undefined) return {};
      if (table === null || typeof table !== 'object' || Array.isArray(table)) return { problem: `${context}: Expected object, got ${payload.typeOf(config, name)}` };
      const type = payload.typeOf(table, key);
      if (type === undefined) return {};
      if (expected === 'integer' && type !== 'integer') return { problem: `${context}: Expected integer, got ${type}` };
      if (expected === 'boolean' && type !== 'true' && type !== 'false') return { problem: `${context}: Expected true or false, got ${type}` };
      return { value: table[key] as Json };
    };
    const limit = section('job-list', 'max_comparisons', 'integer', 'error reading config for job-list');
    if (limit.problem !== undefined) return error(respond, Errno.EINVAL, limit.problem);
    if (limit.value !== undefined) {
      const value = Number(limit.value);
      if (value < 0) return error(respond, Errno.EINVAL, 'job-list.max_comparisons must be >= 0');
      this.maxComparisonsLimit = value;
    } else {
      this.maxComparisonsLimit = DEFAULT_MAX_COMPARISONS;
    }
    const privateMode = section('access', 'private-mode', 'boolean', 'error reading [access] config');
    if (privateMode.problem !== undefined) return error(respond, Errno.EINVAL, privateMode.problem);
    this.privateModeOn = privateMode.value === true;
    respond({});
  }

  private journalControl(action: 'pause' | 'unpause', respond: Respond): void {
    try {
      this.options.journal?.[action]();
    } catch (err) {
      // A held update that cannot be applied fails the unpause, as a bad journal entry does in Flux.
      if (err instanceof EmbeddedInputError) return error(respond, Errno.EPROTO);
      throw err;
    }
    respond({});
  }
}

/**
 * The old request format (no "constraint"): max_entries, attrs, userid, states and results are
 * required, since, name and queue optional; they become an equivalent constraint. Returns
 * undefined when the payload is not in that format (then nothing constrains the listing).
 */
function legacyConstraint(payload: RequestPayload): { maxEntries: number; since: number; constraint: JsonObject } | undefined {
  const fields = unpackFields(payload, [
    { key: 'max_entries', kind: 'int' },
    { key: 'attrs', kind: 'any' },
    { key: 'userid', kind: 'int' },
    { key: 'states', kind: 'int' },
    { key: 'results', kind: 'int' },
    { key: 'since', kind: 'number', optional: true },
    { key: 'name', kind: 'string', optional: true },
    { key: 'queue', kind: 'string', optional: true },
  ]);
  if (!fields.ok) return undefined;
  const get = (key: string): FieldValue | undefined => fields.values.get(key);
  const parts: JsonObject[] = [];
  const userid = get('userid') as number;
  if (userid >>> 0 !== FLUX_USERID_UNKNOWN) parts.push({ userid: [userid] });
  if (get('name') !== undefined) parts.push({ name: [get('name') as string] });
  if (get('queue') !== undefined) parts.push({ queue: [get('queue') as string] });
  if (get('states') !== 0) parts.push({ states: [get('states') as number] });
  if (get('results') !== 0) parts.push({ results: [get('results') as number] });
  return { maxEntries: get('max_entries') as number, since: (get('since') as number | undefined) ?? 0, constraint: { and: parts } };
}
