/**
 * The RFC 18 parser against what a flux-core 0.88 broker stored (the answers' eventlog and
 * guest.output strings, parsed line by line by Python when recorded), the lines its watches
 * sent, and a table of malformed input.
 */
import fc from 'fast-check';
import { decodeJsonObjectPayload, MessageType } from '../../src/flux/message';
import { EventlogError, parseEventlog, parseEventlogLine, type EventlogEntry } from '../../src/jobinfo';
import { captureSessions, recordedJobs, type RecordedEntry } from '../support/job-info-fixtures';

/** Python's parse, with our null for "no context". */
const expected = (entries: RecordedEntry[]): EventlogEntry[] => entries.map((entry) => ({ timestamp: entry.timestamp, name: entry.name, context: entry.context ?? null }));

describe('parseEventlog on what Flux stored', () => {
  it.each(recordedJobs.map(([id, job]) => [job.label, id, job] as const))('%s: the main eventlog', (_label, _id, job) => {
    const text = job.lookup_by_key.eventlog.response?.['eventlog'] as string;
    expect(parseEventlog(text)).toEqual(expected(job.eventlog_entries));
  });

  it.each(recordedJobs.filter(([, job]) => job.guest_output_entries !== null).map(([id, job]) => [job.label, id, job] as const))(
    '%s: the output eventlog',
    (_label, _id, job) => {
      const text = job.lookup_by_key['guest.output'].response?.['guest.output'] as string;
      expect(parseEventlog(text)).toEqual(expected(job.guest_output_entries as RecordedEntry[]));
    },
  );

  it('keeps events without data apart from those with: no context is null, not {}', () => {
    const [, echo] = recordedJobs[0] as (typeof recordedJobs)[number];
    const entries = parseEventlog(echo.lookup_by_key.eventlog.response?.['eventlog'] as string);
    expect(entries.map((entry) => [entry.name, entry.context === null])).toEqual([
      ['submit', false],
      ['validate', true],
      ['depend', true],
      ['priority', false],
      ['alloc', false],
      ['start', true],
      ['finish', false],
      ['release', false],
      ['free', true],
      ['clean', true],
    ]);
    expect(entries[0]).toEqual({ timestamp: 1796187849.3070729, name: 'submit', context: { userid: 0, urgency: 16, flags: 0, version: 1 } });
  });

  it('reads the empty eventlog as no entries', () => {
    expect(parseEventlog('')).toEqual([]);
  });
});

describe('parseEventlogLine on what eventlog-watch sent', () => {
  const watched = captureSessions()
    .flat()
    .filter((c) => c.dir === 'broker->client' && c.msg.type === MessageType.RESPONSE && c.msg.topic === 'job-info.eventlog-watch' && c.msg.aux1 === 0 && c.msg.payload !== undefined);

  it('has the recorded watch responses', () => {
    expect(watched.length).toBe(63);
  });

  it.each(watched.map((c) => [c.line, c] as const))('capture line %i: one entry with its newline', (_line, captured) => {
    const event = (decodeJsonObjectPayload(captured.msg.payload as Uint8Array) as { event: string }).event;
    expect(event.endsWith('\n')).toBe(true);
    const entry = parseEventlogLine(event);
    expect(parseEventlog(event)).toEqual([entry]);
  });
});

describe('malformed eventlogs', () => {
  it.each([
    ['{"timestamp":1,"name":"a"}', 'EVENTLOG_UNTERMINATED', 1],
    ['{"timestamp":1,"name":"a"}\n{"timestamp":2,"name":"b"}', 'EVENTLOG_UNTERMINATED', 2],
    ['{"timestamp":1,"name":"a"}\n\n', 'EVENTLOG_EMPTY_LINE', 2],
    ['\n', 'EVENTLOG_EMPTY_LINE', 1],
    ['{"timestamp":1,"name":"a"\n', 'EVENTLOG_INVALID_JSON', 1],
    ['[1,2]\n', 'EVENTLOG_NOT_AN_OBJECT', 1],
    ['"submit"\n', 'EVENTLOG_NOT_AN_OBJECT', 1],
    ['{"name":"a"}\n', 'EVENTLOG_BAD_TIMESTAMP', 1],
    ['{"timestamp":"1.5","name":"a"}\n', 'EVENTLOG_BAD_TIMESTAMP', 1],
    ['{"timestamp":1}\n', 'EVENTLOG_BAD_NAME', 1],
    ['{"timestamp":1,"name":7}\n', 'EVENTLOG_BAD_NAME', 1],
    ['{"timestamp":1,"name":"a","context":null}\n', 'EVENTLOG_BAD_CONTEXT', 1],
    ['{"timestamp":1,"name":"a","context":[1]}\n', 'EVENTLOG_BAD_CONTEXT', 1],
    ['{"timestamp":1,"name":"a","context":"x"}\n', 'EVENTLOG_BAD_CONTEXT', 1],
  ])('%j fails with %s on line %i', (text, code, line) => {
    const error = catchError(() => parseEventlog(text));
    expect(error).toBeInstanceOf(EventlogError);
    expect(error).toMatchObject({ code, line });
    expect((error as Error).message).toMatch(new RegExp(`^eventlog line ${line}: `));
  });

  it.each([
    ['{"timestamp":1,"name":"a"}', 'EVENTLOG_UNTERMINATED'],
    ['{"timestamp":1,"name":"a"}\n{"timestamp":2,"name":"b"}\n', 'EVENTLOG_NOT_ONE_LINE'],
    ['\n', 'EVENTLOG_EMPTY_LINE'],
  ])('a watched entry %j fails with %s', (text, code) => {
    expect(catchError(() => parseEventlogLine(text))).toMatchObject({ code });
  });

  it('accepts what Flux accepts: extra keys, integer timestamps, an empty name, NUL in strings', () => {
    expect(parseEventlog('{"timestamp":5,"name":"","extra":true,"context":{"s":"a\\u0000b"}}\n')).toEqual([{ timestamp: 5, name: '', context: { s: 'a\u0000b' } }]);
  });

  it('keeps 64-bit integers of a context exact', () => {
    expect(parseEventlog('{"timestamp":1.5,"name":"x","context":{"id":18446744073709551615}}\n')[0]?.context).toEqual({ id: 18446744073709551615n });
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('properties', () => {
  const context = fc.option(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null))), { nil: null });
  const entry = fc.record({ timestamp: fc.double({ noNaN: true, noDefaultInfinity: true }), name: fc.string(), context });
  const encode = (e: EventlogEntry): string => `${JSON.stringify(e.context === null ? { timestamp: e.timestamp, name: e.name } : e)}\n`;

  it('parses back what an RFC 18 writer writes', () => {
    fc.assert(
      fc.property(fc.array(entry), (entries) => {
        const parsed = parseEventlog(entries.map(encode).join(''));
        // -0 is written as 0 in JSON.
        expect(parsed).toEqual(entries.map((e) => ({ ...e, timestamp: e.timestamp === 0 ? 0 : e.timestamp })));
      }),
    );
  });

  it('fails on any text only with an EventlogError', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseEventlog(text);
        } catch (error) {
          expect(error).toBeInstanceOf(EventlogError);
        }
      }),
    );
  });

  it('fails only with an EventlogError when a valid eventlog is cut anywhere', () => {
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1 }), fc.nat(), (entries, at) => {
        const text = entries.map(encode).join('');
        const cut = text.slice(0, at % text.length);
        try {
          const parsed = parseEventlog(cut);
          expect(cut === '' || cut.endsWith('\n')).toBe(true);
          expect(parsed.length).toBeLessThan(entries.length);
        } catch (error) {
          expect(error).toBeInstanceOf(EventlogError);
        }
      }),
    );
  });
});
