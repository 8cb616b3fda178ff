/**
 * JobOutput: a job's standard output and error as its output eventlog (RFC 24, the KVS key
 * guest.output) holds them, read as `flux job attach` reads them, with what the log says
 * about encoding, redirection and the shell's own messages, and the server's byte bound.
 */
import type { JobOutputLog, OutputRedirect, ShellLogMessage } from '../../jobinfo';
import { builder } from '../builder';

/** A task of a JobOutput: the log and the task's rank. */
interface TaskOutput {
  log: JobOutputLog;
  rank: number;
}

/** A stream the output log's header announces. */
interface OutputStream {
  name: string;
  encoding: string;
  tasks: number;
}

const STDOUT = 'stdout';
const STDERR = 'stderr';

const JobTaskOutputRef = builder.objectRef<TaskOutput>('JobTaskOutput').implement({
  description: 'What one task of the job wrote (bounded with the rest of the output: see JobOutput.truncated).',
  fields: (t) => ({
    rank: t.int({ description: 'The task rank (0 to the task count - 1).', resolve: (task) => task.rank }),
    stdout: t.string({
      nullable: true,
      description: "The task's standard output, in the order it was written; null when it went to a file (see JobOutput.redirects).",
      resolve: (task) => (task.log.isRedirected(STDOUT, task.rank) ? null : task.log.task(task.rank, STDOUT).text),
    }),
    stderr: t.string({
      nullable: true,
      description: "The task's standard error; null when it went to a file.",
      resolve: (task) => (task.log.isRedirected(STDERR, task.rank) ? null : task.log.task(task.rank, STDERR).text),
    }),
    stdoutEnded: t.boolean({
      description: "Whether the shell recorded the end of the task's standard output (false while it runs, or if the task never started).",
      resolve: (task) => task.log.task(task.rank, STDOUT).ended,
    }),
    stderrEnded: t.boolean({
      description: "Whether the shell recorded the end of the task's standard error.",
      resolve: (task) => task.log.task(task.rank, STDERR).ended,
    }),
  }),
});

const JobOutputStreamRef = builder.objectRef<OutputStream>('JobOutputStream').implement({
  description: "A stream the output log's header announces, with its default encoding and how many tasks write it.",
  fields: (t) => ({
    name: t.string({ description: '"stdout" or "stderr".', resolve: (stream) => stream.name }),
    encoding: t.string({
      description:
        'The encoding the shell writes the stream\'s data in ("UTF-8"). Data that is not valid UTF-8 comes in events of their own ' +
        'encoded "base64" (see base64Events); the text here has those bytes decoded as UTF-8, invalid sequences as U+FFFD.',
      resolve: (stream) => stream.encoding,
    }),
    tasks: t.int({ description: 'How many tasks write the stream (the header\'s count).', resolve: (stream) => stream.tasks }),
  }),
});

const JobOutputRedirectRef = builder.objectRef<OutputRedirect>('JobOutputRedirect').implement({
  description: 'A stream the job shell sent away from the log (`flux submit --output/--error`): no text of it is here.',
  fields: (t) => ({
    stream: t.string({ description: '"stdout" or "stderr".', resolve: (redirect) => redirect.stream }),
    ranks: t.string({ description: 'The task ranks redirected, as the log names them (an RFC 22 idset such as "0" or "[0-1]").', resolve: (redirect) => redirect.ranks }),
    path: t.string({ nullable: true, description: 'The file the stream went to; null when the log names none.', resolve: (redirect) => redirect.path }),
    timestamp: t.float({ description: 'When the shell recorded the redirection (Unix seconds).', resolve: (redirect) => redirect.timestamp }),
  }),
});

const JobShellMessageRef = builder.objectRef<ShellLogMessage>('JobShellMessage').implement({
  description:
    "A message of the job shell itself, logged in the output eventlog (not the tasks' output): e.g. \"start failed\" for a command " +
    'that does not exist, affinity warnings. `flux job attach` prints them on standard error.',
  fields: (t) => ({
    timestamp: t.float({ description: 'When it was logged (Unix seconds).', resolve: (message) => message.timestamp }),
    rank: t.int({ nullable: true, description: 'The shell rank that logged it; null when unknown.', resolve: (message) => message.rank }),
    level: t.int({
      description: 'RFC 5424 severity: 0 emergency, 1 alert, 2 critical (the shell treats 0-2 as fatal), 3 error, 4 warning, 5 notice, 6 info, 7 debug.',
      resolve: (message) => message.level,
    }),
    message: t.string({ description: 'The text.', resolve: (message) => message.message }),
    component: t.string({ nullable: true, description: 'The shell component or plugin, e.g. "cpu-affinity"; null when not given.', resolve: (message) => message.component }),
    file: t.string({ nullable: true, description: 'The shell source file; null when not given.', resolve: (message) => message.file }),
    line: t.int({ nullable: true, description: 'The source line; null when not given.', resolve: (message) => message.line }),
  }),
});

export const JobOutputRef = builder.objectRef<JobOutputLog>('JobOutput').implement({
  description:
    "A job's output as its output eventlog (RFC 24) holds it, read as `flux job attach` reads it: each piece once, in the order the " +
    'shell logged it (stdout and stderr are not merged in time order). At most `maxBytes` bytes of output are kept per job ' +
    '(the server\'s --max-output-bytes, 1 MiB by default), counted over stdout and stderr together in log order; the rest is ' +
    'dropped and `truncated` says so. stdout, stderr and the tasks\' pieces are all views of the kept part.',
  fields: (t) => ({
    stdout: t.string({
      nullable: true,
      description:
        'Everything the selected tasks wrote to standard output, in log order; null when every one of them had it go to a file ' +
        '(see redirects). A task\'s piece appears once even when the shell logged it for several ranks at once.',
      resolve: (log) => (log.allRedirected(STDOUT) ? null : log.text(STDOUT)),
    }),
    stderr: t.string({
      nullable: true,
      description: 'Everything the selected tasks wrote to standard error, in log order; null when it went to a file for every one of them.',
      resolve: (log) => (log.allRedirected(STDERR) ? null : log.text(STDERR)),
    }),
    tasks: t.field({
      type: [JobTaskOutputRef],
      description: 'The output of each selected task (all of them unless `output(ranks:)` names some), in rank order.',
      resolve: (log) => log.taskRanks.map((rank) => ({ log, rank })),
    }),
    streams: t.field({
      type: [JobOutputStreamRef],
      description: "The streams the log's header announces, with their encoding and task count.",
      resolve: (log) => log.streams.map((name) => ({ name, encoding: log.header.encoding.get(name) ?? '', tasks: log.header.count.get(name) ?? 0 })),
    }),
    redirects: t.field({
      type: [JobOutputRedirectRef],
      description: 'Where redirected streams went (`flux submit --output FILE`), in log order; empty when nothing was redirected.',
      resolve: (log) => log.redirects,
    }),
    messages: t.field({
      type: [JobShellMessageRef],
      description: "The job shell's own messages, in log order (all shell ranks, whatever `ranks` selects).",
      resolve: (log) => log.messages,
    }),
    complete: t.boolean({
      description:
        "Whether every selected task's stdout and stderr has ended (or was redirected): false while the job runs, and for a task " +
        'that never started (its shell logged why in messages).',
      resolve: (log) => log.complete,
    }),
    truncated: t.boolean({
      description: 'True when output was dropped because the job wrote more than maxBytes (of the selected tasks); the texts then end early.',
      resolve: (log) => log.truncated,
    }),
    bytes: t.field({ type: 'SafeInt', description: 'Bytes of output the selected tasks wrote, kept or not.', resolve: (log) => log.totalBytes }),
    keptBytes: t.field({ type: 'SafeInt', description: 'Bytes of output kept (at most maxBytes).', resolve: (log) => log.keptBytes }),
    maxBytes: t.field({ type: 'SafeInt', description: 'The bound applied: the server\'s --max-output-bytes.', resolve: (log) => log.maxBytes }),
    base64Events: t.int({
      description: 'How many pieces the shell logged base64-encoded because they were not valid UTF-8 (their bytes are in the text as UTF-8, invalid sequences as U+FFFD).',
      resolve: (log) => log.base64Events,
    }),
  }),
});
