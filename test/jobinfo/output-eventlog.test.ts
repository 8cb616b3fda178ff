/**
 * The RFC 24 decoder on the output eventlogs a flux-core 0.88 job shell wrote (one per recorded
 * job that started), with what `flux job attach` prints for each written out by hand, then the
 * byte bound, rank selection and malformed logs.
 */
import fc from 'fast-check';
import { parseIdsetRanges } from '../../src/flux/idset';
import { decodeOutputEventlog, OutputEventlogError, parseEventlog, type EventlogEntry } from '../../src/jobinfo';
import { recordedJob, recordedJobs } from '../support/job-info-fixtures';

function outputOf(label: string): EventlogEntry[] {
  const { job } = recordedJob(label);
  return parseEventlog(job.lookup_by_key['guest.output'].response?.['guest.output'] as string);
}

interface Expected {
  stdout: string;
  stderr: string;
  complete: boolean;
  messages: number;
}

const ATTACH: Record<string, Expected> = {
  echo_hello: { stdout: 'hello\n', stderr: '', complete: true, messages: 0 },
  run_out_err: { stdout: 'to-stdout\n', stderr: 'to-stderr\n', complete: true, messages: 0 },
  fail_exit3: { stdout: '', stderr: 'about to fail\n', complete: true, messages: 0 },
  cancel_running: { stdout: '', stderr: '', complete: true, messages: 0 },
  memo_urgency: { stdout: 'memo job\n', stderr: '', complete: true, messages: 0 },
  dep_parent: { stdout: '', stderr: '', complete: true, messages: 0 },
  dep_child: { stdout: 'child\n', stderr: '', complete: true, messages: 0 },
  jobspec_update: { stdout: '', stderr: '', complete: true, messages: 0 },
  resource_update: { stdout: '', stderr: '', complete: true, messages: 0 },
  binary_out: { stdout: '\ufffd\ufffdbin\nok\n', stderr: '', complete: true, messages: 2 },
  two_tasks: { stdout: 'task 1\ntask 0\n', stderr: '', complete: true, messages: 2 },
  redirect: { stdout: '', stderr: '', complete: true, messages: 0 },
  nonfatal: { stdout: 'done\n', stderr: '', complete: true, messages: 2 },
  // The command never started: the shell logged why and no stream ever ended.
  no_such_cmd: { stdout: '', stderr: '', complete: false, messages: 3 },
  fatal: { stdout: '', stderr: '', complete: true, messages: 2 },
  timeout: { stdout: '', stderr: '', complete: true, messages: 0 },
  held_restart: { stdout: 'after restart\n', stderr: '', complete: true, messages: 0 },
  wait_target: { stdout: 'waited\n', stderr: '', complete: true, messages: 0 },
  follow_target: { stdout: 'follow-start\nfollow-end\n', stderr: '', complete: true, messages: 0 },
  journal_running: { stdout: '', stderr: '', complete: true, messages: 0 },
  journal_live: { stdout: 'journal live\n', stderr: '', complete: true, messages: 0 },
  memo_volatile: { stdout: 'journal\n', stderr: '', complete: true, messages: 0 },
};

describe('output eventlogs a flux-core 0.88 shell wrote', () => {
  const started = recordedJobs.filter(([, job]) => job.guest_output_entries !== null).map(([, job]) => job.label);

  it('covers every recorded job that started', () => {
    expect(started.sort()).toEqual(Object.keys(ATTACH).sort());
  });

  it.each(Object.entries(ATTACH))('%s: what flux job attach prints', (label, expected) => {
    const log = decodeOutputEventlog(outputOf(label));
    expect({ stdout: log.text('stdout'), stderr: log.text('stderr'), complete: log.complete, messages: log.messages.length }).toEqual(expected);
    expect(log.truncated).toBe(false);
    expect(log.streams).toEqual(['stdout', 'stderr']);
    expect([...log.header.encoding]).toEqual([
      ['stdout', 'UTF-8'],
      ['stderr', 'UTF-8'],
    ]);
  });

  it('decodes base64 data to its bytes and counts the events', () => {
    const log = decodeOutputEventlog(outputOf('binary_out'));
    expect(log.base64Events).toBe(1);
    expect(log.totalBytes).toBe(Buffer.from([0xff, 0xfe, ...Buffer.from('bin\nok\n')]).length);
  });

  it('tells the two tasks apart', () => {
    const log = decodeOutputEventlog(outputOf('two_tasks'));
    expect(log.taskRanks).toEqual([0, 1]);
    expect(log.task(0, 'stdout')).toEqual({ text: 'task 0\n', ended: true, redirected: false });
    expect(log.task(1, 'stdout')).toEqual({ text: 'task 1\n', ended: true, redirected: false });
    expect(log.task(1, 'stderr')).toEqual({ text: '', ended: true, redirected: false });
  });

  it('selects ranks', () => {
    const log = decodeOutputEventlog(outputOf('two_tasks'), { ranks: parseIdsetRanges('1') });
    expect(log.text('stdout')).toBe('task 1\n');
    expect(log.taskRanks).toEqual([1]);
    expect(log.complete).toBe(true);
  });

  it('says where redirected output went, and has no text for it', () => {
    const log = decodeOutputEventlog(outputOf('redirect'));
    expect(log.redirects).toEqual([
      { timestamp: expect.any(Number), stream: 'stdout', ranks: '0', path: '/srv/flux-jobinfo/work/redirect-out.txt' },
      { timestamp: expect.any(Number), stream: 'stderr', ranks: '0', path: '/srv/flux-jobinfo/work/redirect-out.txt' },
    ]);
    expect(log.allRedirected('stdout')).toBe(true);
    expect(log.task(0, 'stderr')).toEqual({ text: '', ended: false, redirected: true });
  });

  it("keeps the shell's messages with their level, component and source", () => {
    const log = decodeOutputEventlog(outputOf('no_such_cmd'));
    expect(log.messages[2]).toEqual({
      timestamp: expect.any(Number),
      rank: 0,
      level: 0,
      message: 'task 0 (host vm): start failed: /no/such/program: No such file or directory',
      component: null,
      file: 'shell.c',
      line: 2036,
    });
    expect(log.messages[0]).toMatchObject({ level: 3, component: 'cpu-affinity', file: 'affinity.c', line: 204 });
  });
});

const header = (count = 1): EventlogEntry => ({
  timestamp: 1,
  name: 'header',
  context: { version: 1, encoding: { stdout: 'UTF-8', stderr: 'UTF-8' }, count: { stdout: count, stderr: count }, options: {} },
});
const data = (stream: string, rank: string, text: string): EventlogEntry => ({ timestamp: 2, name: 'data', context: { stream, rank, data: text } });

describe('the byte bound', () => {
  it('keeps at most maxBytes, in eventlog order over both streams, and says it cut', () => {
    const log = decodeOutputEventlog([header(), data('stdout', '0', 'aaaa'), data('stderr', '0', 'bbbb'), data('stdout', '0', 'cccc')], { maxBytes: 6 });
    expect(log.text('stdout')).toBe('aaaa');
    expect(log.text('stderr')).toBe('bb');
    expect(log).toMatchObject({ truncated: true, keptBytes: 6, totalBytes: 12, maxBytes: 6 });
  });

  it('is not cut at exactly maxBytes', () => {
    const log = decodeOutputEventlog([header(), data('stdout', '0', 'aaaa')], { maxBytes: 4 });
    expect(log).toMatchObject({ truncated: false, keptBytes: 4 });
  });

  it('never splits a UTF-8 character', () => {
    const log = decodeOutputEventlog([header(), data('stdout', '0', 'aé€😀')], { maxBytes: 7 });
    // a (1) é (2) € (3) = 6 bytes; the emoji's 4 would pass 7.
    expect(log.text('stdout')).toBe('aé€');
    expect(log.keptBytes).toBe(6);
  });

  it('is 1 MiB by default', () => {
    const line = `${'x'.repeat(1023)}\n`;
    const entries = [header(), ...Array.from({ length: 1100 }, () => data('stdout', '0', line))];
    const log = decodeOutputEventlog(entries);
    expect(log).toMatchObject({ truncated: true, keptBytes: 1024 * 1024, totalBytes: 1100 * 1024, maxBytes: 1024 * 1024 });
    expect(Buffer.byteLength(log.text('stdout'))).toBe(1024 * 1024);
  });

  it('counts only the selected ranks', () => {
    const log = decodeOutputEventlog([header(2), data('stdout', '0', 'zero'), data('stdout', '1', 'one')], { maxBytes: 3, ranks: parseIdsetRanges('1') });
    expect(log.text('stdout')).toBe('one');
    expect(log.truncated).toBe(false);
  });

  it('keeps whole texts when bounded anywhere (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('stdout', 'stderr'), fc.string({ unit: 'grapheme' }))), fc.nat(200), (pieces, maxBytes) => {
        const log = decodeOutputEventlog([header(), ...pieces.map(([stream, text]) => data(stream, '0', text))], { maxBytes });
        const all = pieces.map(([, text]) => text).join('');
        expect(log.keptBytes).toBeLessThanOrEqual(maxBytes);
        expect(log.totalBytes).toBe(Buffer.byteLength(all));
        expect(log.truncated).toBe(log.totalBytes > maxBytes);
        // What is kept of each stream is a prefix of what it wrote, with no replacement characters.
        for (const stream of ['stdout', 'stderr']) {
          const whole = pieces.filter(([s]) => s === stream).map(([, text]) => text).join('');
          expect(whole.startsWith(log.text(stream))).toBe(true);
        }
      }),
    );
  });
});

describe('ranks an event names', () => {
  it('reads "all" and idsets, and gives the data to each rank named', () => {
    const log = decodeOutputEventlog([header(3), data('stdout', 'all', 'same\n'), data('stdout', '[1-2]', 'pair\n')]);
    expect(log.text('stdout')).toBe('same\npair\n');
    expect(log.task(0, 'stdout').text).toBe('same\n');
    expect(log.task(2, 'stdout').text).toBe('same\npair\n');
  });
});

describe('malformed output eventlogs', () => {
  const ok = header();
  it.each([
    ['an empty log', [], 'OUTPUT_NO_HEADER'],
    ['data before the header', [data('stdout', '0', 'x')], 'OUTPUT_NO_HEADER'],
    ['a second header', [ok, ok], 'OUTPUT_DUPLICATE_HEADER'],
    ['a version 2 header', [{ ...ok, context: { ...ok.context, version: 2 } }], 'OUTPUT_BAD_HEADER'],
    ['a header without counts', [{ ...ok, context: { version: 1, encoding: { stdout: 'UTF-8' } } }], 'OUTPUT_BAD_HEADER'],
    ['data without a rank', [ok, { timestamp: 2, name: 'data', context: { stream: 'stdout', data: 'x' } }], 'OUTPUT_BAD_DATA'],
    ['data that is a number', [ok, { timestamp: 2, name: 'data', context: { stream: 'stdout', rank: '0', data: 5 } }], 'OUTPUT_BAD_DATA'],
    ['neither data nor eof', [ok, { timestamp: 2, name: 'data', context: { stream: 'stdout', rank: '0' } }], 'OUTPUT_BAD_DATA'],
    ['a stream the header lacks', [ok, data('stdin', '0', 'x')], 'OUTPUT_UNKNOWN_STREAM'],
    ['a rank past the task count', [ok, data('stdout', '1', 'x')], 'OUTPUT_BAD_RANK'],
    ['a rank that is no idset', [ok, data('stdout', 'zero', 'x')], 'OUTPUT_BAD_RANK'],
    ['bad base64', [ok, { timestamp: 2, name: 'data', context: { stream: 'stdout', rank: '0', data: '//5?', encoding: 'base64' } }], 'OUTPUT_BAD_BASE64'],
    ['a redirect without a stream', [ok, { timestamp: 2, name: 'redirect', context: { rank: '0', path: '/x' } }], 'OUTPUT_BAD_REDIRECT'],
    ['a log without a level', [ok, { timestamp: 2, name: 'log', context: { message: 'x' } }], 'OUTPUT_BAD_LOG'],
  ] as [string, EventlogEntry[], string][])('%s: %s', (_what, entries, code) => {
    let caught: unknown;
    try {
      decodeOutputEventlog(entries);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OutputEventlogError);
    expect(caught).toMatchObject({ code });
  });

  it('skips events it does not know, as attach does', () => {
    expect(decodeOutputEventlog([header(), { timestamp: 2, name: 'future-event', context: null }, data('stdout', '0', 'x')]).text('stdout')).toBe('x');
  });
});
