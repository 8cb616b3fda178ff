import { constants } from 'os';

/**
 * glibc's strsignal() wording, keyed by signal name so that the numbers come from the
 * platform (os.constants.signals) as they do for Python's signal.strsignal().
 */
const DESCRIPTION_BY_NAME: Readonly<Record<string, string>> = {
  SIGHUP: 'Hangup',
  SIGINT: 'Interrupt',
  SIGQUIT: 'Quit',
  SIGILL: 'Illegal instruction',
  SIGTRAP: 'Trace/breakpoint trap',
  SIGABRT: 'Aborted',
  SIGIOT: 'Aborted',
  SIGBUS: 'Bus error',
  SIGFPE: 'Floating point exception',
  SIGKILL: 'Killed',
  SIGUSR1: 'User defined signal 1',
  SIGSEGV: 'Segmentation fault',
  SIGUSR2: 'User defined signal 2',
  SIGPIPE: 'Broken pipe',
  SIGALRM: 'Alarm clock',
  SIGTERM: 'Terminated',
  SIGSTKFLT: 'Stack fault',
  SIGCHLD: 'Child exited',
  SIGCONT: 'Continued',
  SIGSTOP: 'Stopped (signal)',
  SIGTSTP: 'Stopped',
  SIGTTIN: 'Stopped (tty input)',
  SIGTTOU: 'Stopped (tty output)',
  SIGURG: 'Urgent I/O condition',
  SIGXCPU: 'CPU time limit exceeded',
  SIGXFSZ: 'File size limit exceeded',
  SIGVTALRM: 'Virtual timer expired',
  SIGPROF: 'Profiling timer expired',
  SIGWINCH: 'Window changed',
  SIGIO: 'I/O possible',
  SIGPOLL: 'I/O possible',
  SIGPWR: 'Power failure',
  SIGSYS: 'Bad system call',
  SIGUNUSED: 'Bad system call',
  SIGEMT: 'EMT trap',
  SIGINFO: 'Information request',
  SIGLOST: 'Resource lost',
};

/** Linux real-time signals as glibc numbers them for a threaded program (SIGRTMIN is 34). */
const LINUX_RTMIN = 34;
const LINUX_RTMAX = 64;

let byNumber: Map<number, string> | undefined;

function descriptions(): Map<number, string> {
  if (byNumber === undefined) {
    byNumber = new Map();
    for (const [name, signum] of Object.entries(constants.signals)) {
      const text = DESCRIPTION_BY_NAME[name];
      // Aliases share a number; keep the first, canonical name's text.
      if (text !== undefined && !byNumber.has(signum)) byNumber.set(signum, text);
    }
  }
  return byNumber;
}

/**
 * What strsignal(3) says about a signal number ("Killed", "Terminated", ...), or undefined
 * when the platform has no description for it.
 */
export function signalDescription(signum: number): string | undefined {
  const text = descriptions().get(signum);
  if (text !== undefined) return text;
  if (process.platform === 'linux' && signum >= LINUX_RTMIN && signum <= LINUX_RTMAX) {
    return `Real-time signal ${signum - LINUX_RTMIN}`;
  }
  return undefined;
}
