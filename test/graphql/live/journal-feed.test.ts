/**
 * JournalFeed: one events-journal stream shared by every listener, the state each event enters
 * derived from the backlog, "not the owner" remembered, failures passed on, and the stream
 * cancelled when the last listener goes. Against a scripted handle whose journal responses the
 * test sends one by one.
 */
import { Errno, JobState } from '../../../src/flux/constants';
import { FluxError, FluxRpcError } from '../../../src/flux/errors';
import type { FluxHandle } from '../../../src/flux/handle';
import type { Json } from '../../../src/flux/json';
import { ResponseStream } from '../../../src/flux/response-stream';
import { JournalFeed, type JournalListener, type JournalNotice } from '../../../src/graphql/live/journal-feed';

class ScriptedJournal implements FluxHandle {
  readonly uri = 'scripted:';
  opened = 0;
  released = 0;
  stream: ResponseStream | undefined;

  rpc(): Promise<Json | undefined> {
    return Promise.reject(new Error('no single RPCs here'));
  }

  rpcStream(topic: string): AsyncIterable<Json | undefined> {
    expect(topic).toBe('job-manager.events-journal');
    return {
      [Symbol.asyncIterator]: () => {
        this.opened++;
        this.stream = new ResponseStream(() => this.released++);
        return this.stream;
      },
    };
  }

  send(value: Json): void {
    (this.stream as ResponseStream).push(value);
  }

  async close(): Promise<void> {}
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

function recorder(): JournalListener & { notices: JournalNotice[]; failures: unknown[] } {
  const notices: JournalNotice[] = [];
  const failures: unknown[] = [];
  return { notices, failures, notice: (n) => notices.push(n), failed: (e) => failures.push(e) };
}

const event = (id: number, name: string, timestamp: number, context?: Record<string, Json>): Json => ({ id, events: [{ timestamp, name, ...(context === undefined ? {} : { context }) }] });

describe('JournalFeed', () => {
  it('listens once the backlog is through, and tells the state each event enters', async () => {
    const handle = new ScriptedJournal();
    const feed = new JournalFeed(handle);
    const listener = recorder();
    const listening = feed.listen(listener);
    await settle();
    handle.send({ id: 5, events: [{ timestamp: 1, name: 'submit', context: { userid: 1, urgency: 16, flags: 0, version: 1 } }, { timestamp: 2, name: 'validate' }, { timestamp: 3, name: 'depend' }, { timestamp: 4, name: 'priority', context: { priority: 16 } }] });
    handle.send({ id: -1, events: [] });
    const { access } = await listening;
    expect(access).toBe('journal');
    handle.send(event(5, 'alloc', 5));
    handle.send(event(5, 'memo', 6, { x: 1 }));
    handle.send(event(5, 'exception', 7, { type: 'cancel', severity: 0, note: '', userid: 1 }));
    handle.send(event(5, 'finish', 8, { status: 0 }));
    handle.send(event(5, 'clean', 9));
    await settle();
    expect(listener.notices.map((n) => [n.id, n.entry.name, n.enteredState])).toEqual([
      [5n, 'alloc', JobState.RUN],
      [5n, 'memo', undefined],
      [5n, 'exception', JobState.CLEANUP],
      [5n, 'finish', undefined],
      [5n, 'clean', JobState.INACTIVE],
    ]);
  });

  it('shares one stream among listeners and cancels it after the last one leaves', async () => {
    const handle = new ScriptedJournal();
    const feed = new JournalFeed(handle);
    const first = feed.listen(recorder());
    await settle();
    handle.send({ id: -1, events: [] });
    const a = await first;
    const b = await feed.listen(recorder());
    expect(handle.opened).toBe(1);
    expect(feed.listenerCount).toBe(2);
    a.stop();
    expect(handle.released).toBe(0);
    b.stop();
    expect(handle.released).toBe(1);
    expect(feed.isOpen).toBe(false);
    // A new listener opens a new stream (with a new backlog).
    const again = feed.listen(recorder());
    await settle();
    expect(handle.opened).toBe(2);
    handle.send({ id: -1, events: [] });
    (await again).stop();
  });

  it('EPERM before the sentinel: "not-owner", remembered without asking Flux again', async () => {
    const handle = new ScriptedJournal();
    const feed = new JournalFeed(handle);
    const listening = feed.listen(recorder());
    await settle();
    (handle.stream as ResponseStream).finish(new FluxRpcError('job-manager.events-journal', Errno.EPERM, 'Request requires owner credentials'));
    expect((await listening).access).toBe('not-owner');
    expect((await feed.listen(recorder())).access).toBe('not-owner');
    expect(handle.opened).toBe(1);
    expect(feed.listenerCount).toBe(0);
  });

  it('another failure before the sentinel rejects the listen; after it, each listener is told', async () => {
    const handle = new ScriptedJournal();
    const feed = new JournalFeed(handle);
    const refused = feed.listen(recorder());
    await settle();
    (handle.stream as ResponseStream).finish(new FluxError('FLUX_DISCONNECTED', 'connection lost'));
    await expect(refused).rejects.toThrow('connection lost');

    const listener = recorder();
    const listening = feed.listen(listener);
    await settle();
    handle.send({ id: -1, events: [] });
    await listening;
    (handle.stream as ResponseStream).finish(new FluxError('FLUX_DISCONNECTED', 'connection lost again'));
    await settle();
    expect(listener.failures.map((e) => (e as Error).message)).toEqual(['connection lost again']);
    expect(feed.listenerCount).toBe(0);
    expect(feed.isOpen).toBe(false);
  });
});
