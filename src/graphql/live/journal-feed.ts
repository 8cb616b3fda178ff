/**
 * One job-manager.events-journal stream for the whole server, fanned out to every jobChanges
 * subscriber: opened with the server's own connection when the first one arrives, cancelled
 * when the last one goes. The journal gives event names, not states, so the state each event
 * leaves a job in is derived here (RFC 21) from the job's backlog and the events since.
 *
 * The journal is the instance owner's alone. When the server's connection is not the owner's,
 * Flux refuses it (EPERM) and the feed says so once for the server's lifetime: jobChanges then
 * polls job-list instead (see polled-changes.ts).
 */
import { FluxRpcError } from '../../flux/errors';
import { Errno, JobState } from '../../flux/constants';
import type { FluxHandle } from '../../flux/handle';
import { stateAfterEvent, watchJournal, type EventlogEntry } from '../../jobinfo';

/** One live event of the journal, and the state it leaves the job in when it moves it. */
export interface JournalNotice {
  readonly id: bigint;
  readonly entry: EventlogEntry;
  /** The job's state after the event (JobState bit), when the event changed it. */
  readonly enteredState: number | undefined;
}

export interface JournalListener {
  notice(notice: JournalNotice): void;
  /** The stream ended under the listener (the connection was lost, Flux failed it). */
  failed(error: unknown): void;
}

/** What opening the feed came to: listening, or the server may not read the journal. */
export type JournalAccess = 'journal' | 'not-owner';

export class JournalFeed {
  private readonly listeners = new Set<JournalListener>();
  private running: { stop: () => void; ready: Promise<JournalAccess> } | undefined;
  private notOwner = false;
  /** Active jobs' states, from the backlog on and kept by each event; inactive jobs are dropped. */
  private readonly states = new Map<bigint, number>();

  constructor(private readonly handle: FluxHandle) {}

  /** How many subscribers listen (for tests and metrics). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Whether a journal stream is open now. */
  get isOpen(): boolean {
    return this.running !== undefined;
  }

  /**
   * Adds a listener once the journal's backlog is through (so it gets every event after it
   * subscribed), or answers 'not-owner' and adds nothing. Rejects when the journal cannot be
   * opened for another reason. The listener's removal is the function returned with it.
   */
  async listen(listener: JournalListener): Promise<{ access: JournalAccess; stop: () => void }> {
    if (this.notOwner) return { access: 'not-owner', stop: () => undefined };
    this.listeners.add(listener);
    const stop = (): void => this.remove(listener);
    try {
      const access = await (this.running ??= this.open()).ready;
      if (access === 'not-owner') this.listeners.delete(listener);
      return { access, stop };
    } catch (error) {
      this.listeners.delete(listener);
      throw error;
    }
  }

  private remove(listener: JournalListener): void {
    if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
    this.running?.stop();
    this.running = undefined;
  }

  private open(): { stop: () => void; ready: Promise<JournalAccess> } {
    let stopped = false;
    let settle!: { resolve: (access: JournalAccess) => void; reject: (error: unknown) => void };
    const ready = new Promise<JournalAccess>((resolve, reject) => (settle = { resolve, reject }));
    ready.catch(() => undefined);
    let sentinelSeen = false;
    // The scheduler's annotations updates are journal-only (not in the eventlog) and change no state.
    const iterator = watchJournal(this.handle, { deny: ['annotations'] }, { timeoutMs: 0 })[Symbol.asyncIterator]();
    const run = { stop: () => undefined as void, ready };
    run.stop = () => {
      stopped = true;
      void iterator.return?.()?.catch(() => undefined);
    };
    this.states.clear();
    void (async () => {
      try {
        for (;;) {
          const next = await iterator.next();
          if (stopped) return;
          if (next.done === true) throw new Error('job-manager.events-journal ended although it was not cancelled');
          const item = next.value;
          if (item.kind === 'backlog') {
            const state = item.events.reduce<number | undefined>((current, entry) => stateAfterEvent(current, entry), undefined);
            if (state !== undefined && state !== JobState.INACTIVE) this.states.set(item.id, state);
          } else if (item.kind === 'sentinel') {
            sentinelSeen = true;
            settle.resolve('journal');
          } else {
            this.deliver(item.id, item.entry);
          }
        }
      } catch (error) {
        if (stopped) return;
        if (this.running === run) this.running = undefined;
        if (!sentinelSeen) {
          if (error instanceof FluxRpcError && error.errno === Errno.EPERM) {
            this.notOwner = true;
            settle.resolve('not-owner');
          } else {
            settle.reject(error);
          }
          return;
        }
        const listeners = [...this.listeners];
        this.listeners.clear();
        for (const listener of listeners) listener.failed(error);
      }
    })();
    return run;
  }

  private deliver(id: bigint, entry: EventlogEntry): void {
    const before = this.states.get(id);
    const after = stateAfterEvent(before, entry);
    if (after === JobState.INACTIVE) this.states.delete(id);
    else this.states.set(id, after);
    const notice: JournalNotice = { id, entry, enteredState: after !== before ? after : undefined };
    for (const listener of [...this.listeners]) listener.notice(notice);
  }
}
