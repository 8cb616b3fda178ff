import { keepServingOnUnhandledRejections } from '../../src/server/unhandled-rejections';

describe('keepServingOnUnhandledRejections', () => {
  it('logs a rejection nobody handled, with its message, and leaves the process running', () => {
    const logged: { detail: Record<string, unknown>; message: string }[] = [];
    const stop = keepServingOnUnhandledRejections({ error: ((detail: Record<string, unknown>, message: string) => logged.push({ detail, message })) as never });
    try {
      const reason = new Error('list item failed');
      process.emit('unhandledRejection', reason, Promise.resolve());
      process.emit('unhandledRejection', 'a plain reason', Promise.resolve());
    } finally {
      stop();
    }
    expect(logged.map(({ detail, message }) => [detail['error'], message])).toEqual([
      ['list item failed', 'unhandled promise rejection; the server keeps serving'],
      ['a plain reason', 'unhandled promise rejection; the server keeps serving'],
    ]);
    expect(typeof logged[0]?.detail['stack']).toBe('string');
  });

  it('stops listening when told to', () => {
    const before = process.listenerCount('unhandledRejection');
    const stop = keepServingOnUnhandledRejections({ error: (() => undefined) as never });
    expect(process.listenerCount('unhandledRejection')).toBe(before + 1);
    stop();
    expect(process.listenerCount('unhandledRejection')).toBe(before);
  });
});
