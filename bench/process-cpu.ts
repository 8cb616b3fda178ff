/**
 * CPU time a process has used, from Linux's /proc/PID/stat, so that a load run can say where
 * each request's CPU went: the server, the broker, or the client (all on the same cores).
 */
import { readFileSync } from 'node:fs';

/** /proc reports times in USER_HZ ticks, which Linux fixes at 100 a second for user space. */
const TICKS_PER_SECOND = 100;

/**
 * User plus system time, in ms, from the text of /proc/PID/stat. The command name (field 2)
 * may hold spaces and parentheses, so the fields are counted from the last ')'.
 */
export function cpuMsOfStat(stat: string): number {
  const end = stat.lastIndexOf(')');
  if (end < 0) throw new Error('not a /proc/PID/stat line: no command name');
  // After the name: state (field 3), ... utime is field 14 and stime field 15.
  const fields = stat.slice(end + 2).trim().split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('not a /proc/PID/stat line: no utime and stime');
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** CPU ms used so far by process `pid`, or undefined where there is no /proc (not Linux). */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return cpuMsOfStat(stat);
}
