/** The WebSocket upgrade's Origin check and the bound on a close frame's reason. */
import fc from 'fast-check';
import { closeReason, originAllowed } from '../../src/server/websocket';

describe('originAllowed', () => {
  it.each([
    [undefined, '127.0.0.1:4000', [], true],
    ['http://127.0.0.1:4000', '127.0.0.1:4000', [], true],
    ['https://jobs.example.org', 'jobs.example.org', [], true],
    ['https://jobs.example.org', 'jobs.example.org:443', [], true],
    ['http://JOBS.example.org', 'jobs.example.org', [], true],
    ['https://dash.example.org', 'jobs.example.org', ['https://dash.example.org'], true],
    ['https://evil.example.com', 'jobs.example.org', ['https://dash.example.org'], false],
    ['http://127.0.0.1:4001', '127.0.0.1:4000', [], false],
    ['null', '127.0.0.1:4000', [], false],
    ['file:///tmp/page.html', '127.0.0.1:4000', [], false],
    ['http://127.0.0.1:4000', undefined, [], false],
    ['not a url', '127.0.0.1:4000', [], false],
  ] as const)('Origin %p to Host %p with --cors-origin %p: %p', (origin, host, cors, allowed) => {
    expect(originAllowed(origin, host, cors)).toBe(allowed);
  });
});

describe('closeReason', () => {
  it('keeps a short reason and cuts a long one to 123 bytes of UTF-8, ending in an ellipsis', () => {
    expect(closeReason('FORBIDDEN: no')).toBe('FORBIDDEN: no');
    const long = closeReason(`FORBIDDEN: ${'é'.repeat(100)}`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(123);
    expect(long.endsWith('é…')).toBe(true);
  });

  it('is always at most 123 bytes and a prefix of the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        const reason = closeReason(text);
        expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
        expect(text.startsWith(reason.endsWith('…') && reason !== text ? reason.slice(0, -1) : reason)).toBe(true);
      }),
    );
  });
});
