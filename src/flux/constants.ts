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
  EINVAL: 22,
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
  22: 'Invalid argument',
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
