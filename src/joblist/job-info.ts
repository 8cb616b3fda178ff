import { JobResult, StateMask } from '../flux/constants';
import { encodeJobId } from '../flux/jobid';
import type { Json, JsonObject } from '../flux/json';
import { displayDependency } from './begin-time';
import { formatFsd } from './fsd';
import { isJsonObject, type JobRecord } from './job-record';
import { signalDescription } from './signal-description';
import { resultToString, stateToString, type NameFormat } from './state-names';
import { systemUserDatabase } from './user-database';

/** Things a JobInfo reads from its surroundings; inject them in tests. */
export interface JobInfoOptions {
  /** Current Unix time in seconds (default: the system clock). */
  now?: () => number;
  /** Password-database name of a uid, or undefined when it has none (default: /etc/passwd, cached). */
  usernameOf?: (uid: number) => string | undefined;
  /** IANA zone for begin-time dependencies (default: the process's local zone, as Flux does). */
  timeZone?: string;
  /** Show ssh:// job URIs in their local:// form, like Flux with FLUX_URI_RESOLVE_LOCAL set. */
  uriResolveLocal?: boolean;
}

/** The exception fields of a finished job; each is undefined when job-list did not send it. */
export interface JobException {
  occurred: boolean | undefined;
  severity: number | undefined;
  type: string | undefined;
  note: string | undefined;
}

/**
 * Flux's JobInfo attribute names that fluxField() answers. `state_emoji`, `result_emoji` and
 * `status_emoji` are left out on purpose: they depend on the terminal's encoding.
 */
export type FluxJobInfoField =
  | 'id'
  | 'userid'
  | 'username'
  | 'urgency'
  | 'priority'
  | 'state'
  | 'state_id'
  | 'state_single'
  | 'result'
  | 'result_id'
  | 'result_abbrev'
  | 'status'
  | 'status_abbrev'
  | 'name'
  | 'cwd'
  | 'queue'
  | 'project'
  | 'bank'
  | 'ntasks'
  | 'ncores'
  | 'nnodes'
  | 'duration'
  | 'expiration'
  | 'ranks'
  | 'nodelist'
  | 'success'
  | 'waitstatus'
  | 'returncode'
  | 'exception'
  | 'annotations'
  | 'sched'
  | 'user'
  | 'dependencies'
  | 't_submit'
  | 't_depend'
  | 't_priority'
  | 't_sched'
  | 't_run'
  | 't_cleanup'
  | 't_inactive'
  | 't_remaining'
  | 'runtime'
  | 'contextual_info'
  | 'contextual_time'
  | 'inactive_reason'
  | 'uri';

/** Flux's stand-ins for attributes job-list did not send (JobInfo.defaults), in to_dict() order. */
const FLUX_DEFAULTS: ReadonlyArray<readonly [string, Json]> = [
  ['t_depend', 0.0],
  ['t_priority', 0.0],
  ['t_sched', 0.0],
  ['t_run', 0.0],
  ['t_cleanup', 0.0],
  ['t_inactive', 0.0],
  ['duration', 0.0],
  ['expiration', 0.0],
  ['name', ''],
  ['cwd', ''],
  ['queue', ''],
  ['project', ''],
  ['bank', ''],
  ['ntasks', ''],
  ['ncores', ''],
  ['nnodes', ''],
  ['priority', ''],
  ['ranks', ''],
  ['nodelist', ''],
  ['success', ''],
  ['result', ''],
  ['waitstatus', ''],
];
const DEFAULT_VALUE: ReadonlyMap<string, Json> = new Map(FLUX_DEFAULTS);

/** The keys to_dict() adds after the defaults, in order ("result" is already placed). */
const DICT_PROPERTIES: readonly FluxJobInfoField[] = [
  'id',
  't_submit',
  't_remaining',
  'state',
  'result',
  'username',
  'userid',
  'urgency',
  'runtime',
  'status',
  'returncode',
  'dependencies',
];

const PENDING_STATE_NAMES: ReadonlySet<string> = new Set(['PRIORITY', 'DEPEND', 'SCHED']);

const defaultNow = (): number => Date.now() / 1000;
const defaultUsernameOf = (uid: number): string | undefined => systemUserDatabase().nameOf(uid);
const DEFAULT_OPTIONS: JobInfoOptions = {};

/** Python truthiness for JSON values. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === 0n || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Python's `value == 0` (true for 0, 0.0 and False). */
function equalsZero(value: unknown): boolean {
  return value === 0 || value === 0n || value === false;
}

/** Python's isinstance(value, int), bool included. */
function asInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/** A number Python could do arithmetic with, or undefined. */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/** str() of a value inside an f-string, for the values job-list sends. */
function pyStr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const URI_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*):(\/\/[^/?#]*)?([^?#]*)/;

/**
 * One job from job-list, with Flux's derived fields (flux.job.info.JobInfo).
 *
 * Construction only stores the record: every field is derived when read, so wrapping
 * thousands of records costs next to nothing. `runtime` and `dependencies` are worked out on
 * first read and then kept (as Flux does for runtime); `tRemaining` is recomputed on every read.
 *
 * Two views of the same data:
 * - the camelCase getters are typed and return `undefined` where Flux would show a stand-in
 *   ("" or 0.0) for something job-list did not send or the job does not have; each getter
 *   says when that is;
 * - `toDict()` and `fluxField()` give exactly Flux's values, stand-ins included.
 */
export class JobInfo {
  private runtimeMemo: number | undefined = undefined;
  private dependenciesMemo: string[] | undefined = undefined;
  private jobidMemo: string | undefined = undefined;

  constructor(
    /** The job object as job-list sent it (id normalised to bigint). */
    readonly record: JobRecord,
    private readonly options: JobInfoOptions = DEFAULT_OPTIONS,
  ) {}

  // ---- identity and ownership ----------------------------------------------------------

  get id(): bigint {
    return this.record.id;
  }

  /** The ID in F58 ("ƒ..."), as Flux prints it. */
  get jobid(): string {
    // Asked by several fields of a job (id, exception, messages): encoded once.
    return (this.jobidMemo ??= encodeJobId(this.record.id, 'f58'));
  }

  /** Undefined when `userid` was not requested. */
  get userid(): number | undefined {
    return asInteger(this.record.userid);
  }

  /** Password-database name of `userid`, else the uid in decimal; undefined without a userid. */
  get username(): string | undefined {
    const value = this.fluxField('username');
    return typeof value === 'string' ? value : undefined;
  }

  /** Undefined when not requested. */
  get urgency(): number | undefined {
    return asInteger(this.record.urgency);
  }

  /** Undefined until the job has a priority (DEPEND/PRIORITY jobs), or when not requested. */
  get priority(): number | undefined {
    return asInteger(this.record.priority);
  }

  // ---- state, result, status ----------------------------------------------------------

  /** The state bit; undefined when `state` was not requested. */
  get stateId(): number | undefined {
    return asInteger(this.record.state);
  }

  /** Long upper state name ("SCHED"); undefined when `state` was not requested. */
  get state(): string | undefined {
    return this.definedString('state');
  }

  /** One-letter state ("S"); undefined when `state` was not requested. */
  get stateSingle(): string | undefined {
    return this.definedString('state_single');
  }

  /** The result bit; undefined while the job is active or when not requested. */
  get resultId(): number | undefined {
    return asInteger(this.record.result);
  }

  /** "COMPLETED", "FAILED", "CANCELED", "TIMEOUT"; undefined when there is no result (Flux: ""). */
  get result(): string | undefined {
    return this.nonEmptyString('result');
  }

  /** "CD", "F", "CA", "TO"; undefined when there is no result (Flux: ""). */
  get resultAbbrev(): string | undefined {
    return this.nonEmptyString('result_abbrev');
  }

  /** The state name while active, the result name once inactive; undefined when Flux has neither. */
  get status(): string | undefined {
    return this.nonEmptyString('status');
  }

  /** Short form of `status` ("R", "CD"); undefined when Flux has neither. */
  get statusAbbrev(): string | undefined {
    return this.nonEmptyString('status_abbrev');
  }

  // ---- attributes job-list sends as they are --------------------------------------------

  /** Undefined when job-list did not send it. */
  get name(): string | undefined {
    return this.recordString('name');
  }

  /** Undefined when job-list did not send it. */
  get cwd(): string | undefined {
    return this.recordString('cwd');
  }

  /** Undefined when the job has no queue or it was not requested. */
  get queue(): string | undefined {
    return this.recordString('queue');
  }

  /** Undefined when the job has no project or it was not requested. */
  get project(): string | undefined {
    return this.recordString('project');
  }

  /** Undefined when the job has no bank or it was not requested. */
  get bank(): string | undefined {
    return this.recordString('bank');
  }

  /** Undefined when job-list could not work it out or it was not requested. */
  get ntasks(): number | undefined {
    return asInteger(this.record.ntasks);
  }

  /** Undefined when job-list could not work it out or it was not requested. */
  get ncores(): number | undefined {
    return asInteger(this.record.ncores);
  }

  /** Undefined until the node count is known (often only once the job runs). */
  get nnodes(): number | undefined {
    return asInteger(this.record.nnodes);
  }

  /** Requested time limit in seconds, 0 for none; undefined when not sent (Flux: 0.0). */
  get duration(): number | undefined {
    return asNumber(this.record.duration);
  }

  /** Unix time the allocation expires; undefined when not sent or 0 (no expiration). */
  get expiration(): number | undefined {
    return this.positiveNumber('expiration');
  }

  /** RFC 22 idset of the ranks used; undefined until the job has run. */
  get ranks(): string | undefined {
    return this.recordString('ranks');
  }

  /** RFC 29 hostlist of the nodes used; undefined until the job has run. */
  get nodelist(): string | undefined {
    return this.recordString('nodelist');
  }

  /** Undefined while the job is active. */
  get success(): boolean | undefined {
    const value = this.record.success;
    return typeof value === 'boolean' ? value : undefined;
  }

  /** wait(2) status of the job shell; undefined until the job has finished running. */
  get waitstatus(): number | undefined {
    return asInteger(this.record.waitstatus);
  }

  /**
   * Highest task exit code, or minus the signal number, or -128 for a job canceled before it
   * ran, or 1 for one that failed before it ran; undefined while active (Flux: "").
   */
  get returncode(): number | undefined {
    const value = this.fluxReturncode();
    return typeof value === 'number' ? value : undefined;
  }

  /** The job's most severe exception; every member is undefined while the job is active. */
  get exception(): JobException {
    const record = this.record;
    const occurred = record.exception_occurred;
    const severity = record.exception_severity;
    const type = record.exception_type;
    const note = record.exception_note;
    return {
      occurred: typeof occurred === 'boolean' ? occurred : undefined,
      severity: asInteger(severity),
      type: typeof type === 'string' ? type : undefined,
      note: typeof note === 'string' ? note : undefined,
    };
  }

  /** RFC 27 annotations; `{}` when there are none. */
  get annotations(): JsonObject {
    const value = this.record.annotations;
    return isJsonObject(value) ? value : {};
  }

  /** annotations.sched, or undefined. */
  get sched(): Json | undefined {
    return this.annotations.sched;
  }

  /** annotations.user, or undefined. */
  get user(): Json | undefined {
    return this.annotations.user;
  }

  /**
   * Dependency descriptions as Flux displays them: a `begin-time=<t>` entry becomes
   * "begin@HH:MM[:SS]" (or "begin@MonDD-HH:MM[:SS]" on another day). `[]` when there are none.
   */
  get dependencies(): string[] {
    if (this.dependenciesMemo === undefined) {
      const raw = this.record.dependencies;
      const list = Array.isArray(raw) ? raw : [];
      const now = this.now();
      const timeZone = this.options.timeZone;
      this.dependenciesMemo = list.map((entry) =>
        typeof entry === 'string' ? displayDependency(entry, now, timeZone) : pyStr(entry),
      );
    }
    return this.dependenciesMemo.slice();
  }

  // ---- timestamps and durations ---------------------------------------------------------

  /** Undefined when not requested. */
  get tSubmit(): number | undefined {
    return this.positiveNumber('t_submit');
  }

  /** Undefined until the job entered that state (or when not requested); likewise below. */
  get tDepend(): number | undefined {
    return this.positiveNumber('t_depend');
  }

  get tPriority(): number | undefined {
    return this.positiveNumber('t_priority');
  }

  get tSched(): number | undefined {
    return this.positiveNumber('t_sched');
  }

  get tRun(): number | undefined {
    return this.positiveNumber('t_run');
  }

  get tCleanup(): number | undefined {
    return this.positiveNumber('t_cleanup');
  }

  get tInactive(): number | undefined {
    return this.positiveNumber('t_inactive');
  }

  /**
   * Seconds from RUN to CLEANUP, or until now while still running (fixed at first read, as in
   * Flux); undefined for a job that never ran (Flux: 0.0).
   */
  get runtime(): number | undefined {
    return this.tRun === undefined ? undefined : this.fluxRuntime();
  }

  /**
   * Seconds left before a running job's allocation expires, floored at 0, recomputed on every
   * read; undefined unless the status is RUN and the job has an expiration (Flux: 0.0).
   */
  get tRemaining(): number | undefined {
    if (this.status !== 'RUN' || this.expiration === undefined) return undefined;
    return this.fluxRemainingTime();
  }

  // ---- what `flux jobs` shows in its INFO, TIME and reason columns ----------------------

  /**
   * "priority-wait", "depends:<list>", "eta:<fsd>", "held", "priority-hold", or the nodelist;
   * undefined when Flux shows nothing ("") or `state` was not requested.
   */
  get contextualInfo(): string | undefined {
    return this.nonEmptyString('contextual_info');
  }

  /** `duration` while pending, else `runtime` (each undefined as described there). */
  get contextualTime(): number | undefined {
    const state = this.state;
    if (state === undefined) return undefined;
    return PENDING_STATE_NAMES.has(state) ? this.duration : this.runtime;
  }

  /**
   * Why an inactive job ended: "Canceled[: note]", "Exception: type=<t>[ note=<n>]", a signal
   * description ("Killed"), "command not found", "Timeout", "Exit <code>", ...; undefined for
   * active jobs (Flux: "") or when `state` was not requested.
   */
  get inactiveReason(): string | undefined {
    return this.nonEmptyString('inactive_reason');
  }

  /** annotations.user.uri of a job that is itself a Flux instance, else undefined. */
  get uri(): string | undefined {
    return this.fluxUri();
  }

  // ---- Flux's own values ----------------------------------------------------------------

  /** Any attribute of the raw record (e.g. "exception_type"), undefined when absent. */
  get(attr: string): Json | undefined {
    return Object.prototype.hasOwnProperty.call(this.record, attr) ? this.record[attr] : undefined;
  }

  /**
   * The value Flux's JobInfo has for `field`, with its "" and 0.0 stand-ins; undefined where
   * Flux raises AttributeError (e.g. `state` when it was not requested).
   */
  fluxField(field: FluxJobInfoField): unknown {
    switch (field) {
      case 'id':
        return this.record.id;
      case 'state_id':
        return this.record.state;
      case 'result_id':
        return this.fluxResultId();
      case 'state':
        return this.stateName('L');
      case 'state_single':
        return this.stateName('S');
      case 'result':
        return this.resultName('L');
      case 'result_abbrev':
        return this.resultName('S');
      case 'status':
        return this.statusName('L');
      case 'status_abbrev':
        return this.statusName('S');
      case 'username': {
        const uid = this.record.userid;
        if (uid === undefined) return undefined;
        const numeric = asInteger(uid);
        const lookup = this.options.usernameOf ?? defaultUsernameOf;
        return (numeric !== undefined ? lookup(numeric) : undefined) ?? pyStr(uid);
      }
      case 'returncode':
        return this.fluxReturncode();
      case 'exception':
        return {
          occurred: this.recordOr('exception_occurred', ''),
          severity: this.recordOr('exception_severity', ''),
          type: this.recordOr('exception_type', ''),
          note: this.recordOr('exception_note', ''),
        };
      case 'annotations':
        return this.annotations;
      case 'sched':
      case 'user':
        return this.annotations[field] ?? '';
      case 'dependencies':
        return this.dependencies;
      case 't_remaining':
        return this.fluxRemainingTime();
      case 'runtime':
        return this.fluxRuntime();
      case 'contextual_info':
        return this.fluxContextualInfo();
      case 'contextual_time': {
        const state = this.stateName('L');
        if (state === undefined) return undefined;
        return PENDING_STATE_NAMES.has(state) ? this.fluxDefaulted('duration') : this.fluxRuntime();
      }
      case 'inactive_reason':
        return this.fluxInactiveReason();
      case 'uri':
        return this.fluxUri() ?? null;
      default:
        return this.fluxDefaulted(field);
    }
  }

  /**
   * Flux's JobInfo.to_dict(): the same keys in the same order with the same values. With
   * `filtered` (the default) "" values, zero `t_*`/`runtime`/`expiration`, an exception that
   * did not occur (kept as `{occurred: false}`) and the copy of the URI under
   * annotations.user are left out. The record itself is never modified.
   */
  toDict(filtered = true): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const [key] of FLUX_DEFAULTS) {
      const value = key === 'result' ? this.resultName('L') : this.fluxDefaulted(key);
      if (value !== undefined && value !== null) result[key] = value;
    }
    for (const key of DICT_PROPERTIES) {
      const value = this.fluxField(key);
      if (value !== undefined && value !== null) result[key] = value;
    }
    result.jobid = this.jobid;
    result.annotations = this.annotations;
    result.exception = this.fluxField('exception');
    const uri = this.fluxUri();
    if (uri !== undefined) result.uri = uri;
    if (!filtered) return result;

    for (const key of Object.keys(result)) {
      const value = result[key];
      const zeroMeansUnset = key.startsWith('t_') || key === 'runtime' || key === 'expiration';
      if (value === '' || (zeroMeansUnset && equalsZero(value))) delete result[key];
      if (key === 'exception' && !truthy((value as { occurred: unknown }).occurred)) {
        result.exception = { occurred: false };
      }
    }
    if (uri !== undefined) result.annotations = withoutUserUri(this.annotations);
    return result;
  }

  // ---- Flux's derivations -----------------------------------------------------------------

  private now(): number {
    return (this.options.now ?? defaultNow)();
  }

  private recordOr(key: string, fallback: Json): Json {
    const value = this.record[key];
    return value === undefined ? fallback : value;
  }

  /** A record value with JobInfo.defaults applied; undefined for an absent key without default. */
  private fluxDefaulted(key: string): Json | undefined {
    const value = Object.prototype.hasOwnProperty.call(this.record, key) ? this.record[key] : undefined;
    return value === undefined ? DEFAULT_VALUE.get(key) : value;
  }

  private fluxResultId(): Json {
    return this.recordOr('result', '');
  }

  private stateName(format: NameFormat): string | undefined {
    const state = this.record.state;
    if (state === undefined) return undefined;
    return stateToString(asInteger(state) ?? Number.NaN, format);
  }

  private resultName(format: NameFormat): string {
    const result = this.fluxResultId();
    if (result === '') return '';
    return resultToString(asInteger(result) ?? Number.NaN, format);
  }

  private statusName(format: NameFormat): string | undefined {
    const state = this.record.state;
    if (state === undefined) return undefined;
    const bits = asInteger(state) ?? 0;
    if (bits & StateMask.PENDING || bits & StateMask.RUNNING) return stateToString(bits, format);
    return this.resultName(format);
  }

  private fluxReturncode(): number | '' {
    const status = asInteger(this.recordOr('waitstatus', ''));
    if (status === undefined) {
      const result = this.fluxResultId();
      if (result === JobResult.CANCELED) return -128;
      // A fatal exception before the job started: Flux reports a generic 1.
      if (result === JobResult.FAILED) return 1;
      return '';
    }
    const low = status & 0x7f;
    if (low !== 0 && low !== 0x7f) return -low;
    if (low === 0) return (status >> 8) & 0xff;
    return '';
  }

  private fluxRuntime(): number {
    if (this.runtimeMemo === undefined) {
      const tCleanup = asNumber(this.fluxDefaulted('t_cleanup')) ?? 0;
      const tRun = asNumber(this.fluxDefaulted('t_run')) ?? 0;
      if (tCleanup > 0 && tRun > 0) this.runtimeMemo = tCleanup - tRun;
      else if (tRun > 0) this.runtimeMemo = this.now() - tRun;
      else this.runtimeMemo = 0.0;
    }
    return this.runtimeMemo;
  }

  private fluxRemainingTime(): number {
    if (this.statusName('L') !== 'RUN') return 0.0;
    const expiration = asNumber(this.fluxDefaulted('expiration')) ?? 0;
    const left = expiration - this.now();
    return left < 0 ? 0.0 : left;
  }

  private fluxContextualInfo(): string | undefined {
    const state = this.stateName('L');
    if (state === undefined) return undefined;
    if (state === 'PRIORITY') return 'priority-wait';
    if (state === 'DEPEND') return `depends:${this.dependencies.join(',')}`;
    if (state === 'SCHED') {
      const sched = this.annotations.sched;
      if (sched !== undefined && !isJsonObject(sched)) {
        // Flux fails reading t_estimate from a non-object sched annotation.
        return undefined;
      }
      const estimate = sched === undefined ? undefined : asNumber(sched.t_estimate);
      if (estimate !== undefined) {
        const eta = estimate - this.now();
        return eta < 0 ? 'eta:now' : `eta:${formatFsd(eta)}`;
      }
      const urgency = this.record.urgency;
      if (urgency === undefined) return undefined;
      if (equalsZero(urgency)) return 'held';
      if (equalsZero(this.fluxDefaulted('priority'))) return 'priority-hold';
      return '';
    }
    return pyStr(this.fluxDefaulted('nodelist'));
  }

  private fluxInactiveReason(): string | undefined {
    const state = this.stateName('L');
    if (state === undefined) return undefined;
    if (state !== 'INACTIVE') return '';
    const result = this.resultName('L');
    const occurred = truthy(this.record.exception_occurred);
    const type = this.recordOr('exception_type', '');
    const note = this.recordOr('exception_note', '');
    if (result === 'CANCELED') {
      return occurred && type === 'cancel' && truthy(note) ? `Canceled: ${pyStr(note)}` : 'Canceled';
    }
    if (result === 'FAILED') {
      // An "exec" exception is explained better by the return code (e.g. "command not found").
      if (occurred && type !== 'exec' && equalsZero(this.record.exception_severity)) {
        return `Exception: type=${pyStr(type)}${truthy(note) ? ` note=${pyStr(note)}` : ''}`;
      }
      const code = this.fluxReturncode();
      // Flux raises TypeError comparing "" with 128 (a stopped-style waitstatus); we say "Exit ".
      if (code === '') return 'Exit ';
      if (code > 128) {
        const signum = code - 128;
        return signalDescription(signum) ?? `Signaled ${signum}`;
      }
      if (code === 126) return 'Command invoked cannot execute';
      if (code === 127) return 'command not found';
      if (code === 128) return 'Invalid argument to exit';
      return `Exit ${code}`;
    }
    if (result === 'TIMEOUT') return 'Timeout';
    return `Exit ${this.fluxReturncode()}`;
  }

  private fluxUri(): string | undefined {
    const user = this.annotations.user;
    if (!isJsonObject(user)) return undefined;
    const uri = user.uri;
    if (typeof uri !== 'string' || uri === '') return undefined;
    if (!(this.options.uriResolveLocal ?? envResolvesLocal())) return uri;
    const parts = URI_PARTS.exec(uri);
    if (parts === null || parts[1] !== 'ssh') return uri;
    return `local://${(parts[3] ?? '').replace(/\/+/g, '/')}`;
  }

  // ---- typed-view helpers -----------------------------------------------------------------

  private definedString(field: FluxJobInfoField): string | undefined {
    const value = this.fluxField(field);
    return typeof value === 'string' ? value : undefined;
  }

  private nonEmptyString(field: FluxJobInfoField): string | undefined {
    const value = this.fluxField(field);
    return typeof value === 'string' && value !== '' ? value : undefined;
  }

  private recordString(key: string): string | undefined {
    const value = this.record[key];
    return typeof value === 'string' ? value : undefined;
  }

  private positiveNumber(key: string): number | undefined {
    const value = asNumber(this.record[key]);
    return value !== undefined && value !== 0 ? value : undefined;
  }
}

function envResolvesLocal(): boolean {
  const value = process.env.FLUX_URI_RESOLVE_LOCAL;
  return value !== undefined && value !== '';
}

/** annotations without user.uri (and without `user` if that empties it), copying what changes. */
function withoutUserUri(annotations: JsonObject): JsonObject {
  const user = annotations.user;
  if (!isJsonObject(user)) return annotations;
  const { uri: _uri, ...rest } = user;
  const copy: JsonObject = { ...annotations, user: rest };
  if (Object.keys(rest).length === 0) delete copy.user;
  return copy;
}
