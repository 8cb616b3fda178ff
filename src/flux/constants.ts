/** Job states (RFC 21) as bit values, exactly as flux-core's job.h defines them. */
export const JobState = {
  NEW: 0x01,
  DEPEND: 0x02,
  PRIORITY: 0x04,
  SCHED: 0x08,
  RUN: 0x10,
  CLEANUP: 0x20,
  INACTIVE: 0x40,
} as const;
export type JobStateName = keyof typeof JobState;

/** Virtual states: masks accepted wherever a state name is parsed. */
export const StateMask = {
  PENDING: 0x0e,
  RUNNING: 0x30,
  ACTIVE: 0x3e,
} as const;

/** Every real state bit, in lifecycle order. */
export const ALL_STATES_MASK = 0x7f;

export const JobResult = {
  COMPLETED: 0x01,
  FAILED: 0x02,
  CANCELED: 0x04,
  TIMEOUT: 0x08,
} as const;
export type JobResultName = keyof typeof JobResult;
export const ALL_RESULTS_MASK = 0x0f;

export type StateMaskName = keyof typeof StateMask;

/** A state, virtual state or result as Flux names it: its bit(s), long name and short name. */
export interface FluxName<N extends string = string> {
  readonly bits: number;
  readonly name: N;
  readonly abbrev: string;
}

/** Short names (flux_job_statetostr / flux_job_resulttostr, format "S"). */
const STATE_ABBREV: Readonly<Record<JobStateName | StateMaskName, string>> = {
  NEW: 'N',
  DEPEND: 'D',
  PRIORITY: 'P',
  SCHED: 'S',
  RUN: 'R',
  CLEANUP: 'C',
  INACTIVE: 'I',
  PENDING: 'PD',
  RUNNING: 'RU',
  ACTIVE: 'A',
};
const RESULT_ABBREV: Readonly<Record<JobResultName, string>> = { COMPLETED: 'CD', FAILED: 'F', CANCELED: 'CA', TIMEOUT: 'TO' };

function namesOf<N extends string>(table: Readonly<Record<N, number>>, abbrev: Readonly<Record<N, string>>): ReadonlyArray<FluxName<N>> {
  return (Object.entries(table) as Array<[N, number]>).map(([name, bits]) => ({ bits, name, abbrev: abbrev[name] }));
}

/** The real states, in lifecycle order. */
export const JOB_STATE_NAMES: ReadonlyArray<FluxName<JobStateName>> = namesOf<JobStateName>(JobState, STATE_ABBREV);
/** The virtual states PENDING, RUNNING, ACTIVE. */
export const STATE_MASK_NAMES: ReadonlyArray<FluxName<StateMaskName>> = namesOf<StateMaskName>(StateMask, STATE_ABBREV);
export const JOB_RESULT_NAMES: ReadonlyArray<FluxName<JobResultName>> = namesOf<JobResultName>(JobResult, RESULT_ABBREV);

/** The name of each real state bit. */
export const JOB_STATE_NAME_BY_BIT: ReadonlyMap<number, JobStateName> = new Map(JOB_STATE_NAMES.map((n) => [n.bits, n.name]));
/** The name of each result bit. */
export const JOB_RESULT_NAME_BY_BIT: ReadonlyMap<number, JobResultName> = new Map(JOB_RESULT_NAMES.map((n) => [n.bits, n.name]));

export const FLUX_USERID_UNKNOWN = 0xffffffff;
export const FLUX_NODEID_ANY = 0xffffffff;
export const FLUX_NODEID_UPSTREAM = 0xfffffffe;
export const FLUX_JOBID_ANY = 0xffffffffffffffffn;
export const FLUX_MATCHTAG_NONE = 0;

export const Urgency = { MIN: 0, HOLD: 0, DEFAULT: 16, MAX: 31, EXPEDITE: 31 } as const;
export const Priority = { MIN: 0, MAX: 4294967295 } as const;

export const Role = { NONE: 0, OWNER: 1, USER: 2, LOCAL: 4, ADMIN: 8, ALL: 0xffffffff } as const;

/** Linux errno values that Flux puts on the wire. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EAGAIN: 11,
  ENOMEM: 12,
  EEXIST: 17,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EFBIG: 27,
  ERANGE: 34,
  ENOSYS: 38,
  ENODATA: 61,
  ETIME: 62,
  EPROTO: 71,
  EOVERFLOW: 75,
  ECONNRESET: 104,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
} as const;
export type ErrnoName = keyof typeof Errno;

const ERRNO_TEXT: Record<number, string> = {
  1: 'Operation not permitted',
  2: 'No such file or directory',
  4: 'Interrupted system call',
  5: 'Input/output error',
  11: 'Resource temporarily unavailable',
  12: 'Cannot allocate memory',
  17: 'File exists',
  20: 'Not a directory',
  21: 'Is a directory',
  22: 'Invalid argument',
  27: 'File too large',
  34: 'Numerical result out of range',
  38: 'Function not implemented',
  61: 'No data available',
  62: 'Timer expired',
  71: 'Protocol error',
  75: 'Value too large for defined data type',
  104: 'Connection reset by peer',
  110: 'Connection timed out',
  111: 'Connection refused',
  113: 'No route to host',
};

/** The symbolic name of an errno ("ENOENT"), or "E<number>" for one we do not know. */
export function errnoName(errnum: number): string {
  for (const [name, value] of Object.entries(Errno)) if (value === errnum) return name;
  return `E${errnum}`;
}

/** strerror(3) text for an errno, as glibc words it. */
export function strerror(errnum: number): string {
  return ERRNO_TEXT[errnum] ?? `Unknown error ${errnum}`;
}
