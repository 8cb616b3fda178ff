/**
 * job-info.eventlog-watch streams (flux-core job-info watch.c, guest_watch.c): one response
 * `{"event": "<line with its \n>"}` per eventlog entry, first what is stored, then new entries
 * as they are committed, and the endings Flux gives them:
 *
 * - the main `eventlog`: ENODATA after `clean` (at once for an inactive job);
 * - another main key (R, jobspec, nosuch with WAITCREATE, ...): never on its own;
 * - `guest.*` of an inactive job: the stored log, then ENODATA; of a running job: live from the
 *   job's namespace until the job's end; of a pending job: silent until it starts (ENODATA if it
 *   ends without starting).
 *
 * A cancel from the same sender naming the watch's matchtag ends it with ENODATA; a disconnect
 * drops the sender's watches without a response. Flux drops (never answers) a guest's watch of a
 * main eventlog whose owner job-info has not cached yet; this service answers EPERM instead.
 */
import { Errno, FLUX_USERID_UNKNOWN, Role } from '../../flux/constants';
import { WatchFlag } from '../../flux/job-info-protocol';
import type { JobStore } from '../store/job-store';
import { JobDirectory, keyPath, type KvsLookup } from '../details/job-directory';
import type { Respond } from './service-types';

/** job-info builds the watched key into a 128-byte buffer: "job.<19 chars>." + path. */
const MAX_WATCH_PATH_BYTES = 128 - 'job.0000.0000.0000.0000.'.length - 1;

export interface WatchRequest {
  id: bigint;
  path: string;
  flags: number;
  userid: number;
  rolemask: number;
  sender: string;
  matchtag: number | undefined;
  respond: Respond;
}

/** flux_msg_cred_authorize: the instance owner, or a user reading their own job. */
export function mayRead(credentials: { userid: number; rolemask: number }, jobUserid: number): boolean {
  if ((credentials.rolemask & Role.OWNER) !== 0) return true;
  const userid = credentials.userid >>> 0;
  return (credentials.rolemask & Role.USER) !== 0 && userid !== FLUX_USERID_UNKNOWN && userid === jobUserid;
}

/** Splits text into its newline-terminated lines (a trailing part without one is not an entry yet). */
function linesOf(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
    lines.push(text.slice(start, end + 1));
    start = end + 1;
  }
  return lines;
}

abstract class Watch {
  ended = false;
  protected sent = 0;
  protected sentinelSent = false;
  slot = -1;

  constructor(readonly request: WatchRequest) {}

  abstract readonly guest: boolean;

  /** The job's state changed (or time moved on): send what is new, end if it is over. */
  abstract refresh(dir: JobDirectory): void;

  protected send(line: string): void {
    this.request.respond({ payload: { event: line } });
  }

  protected sentinel(): void {
    if (this.sentinelSent || (this.request.flags & WatchFlag.INITIAL_SENTINEL) === 0) return;
    this.sentinelSent = true;
    this.request.respond({});
  }

  end(errnum: number): void {
    if (this.ended) return;
    this.ended = true;
    this.request.respond({ errnum });
  }

  /** Dropped without a response (disconnect). */
  drop(): void {
    this.ended = true;
  }

  protected errorFor(found: KvsLookup): number {
    switch (found.kind) {
      case 'directory':
        return Errno.EISDIR;
      case 'not-directory':
        return Errno.ENOTDIR;
      case 'cut':
        return Errno.EFBIG;
      default:
        return Errno.ENOENT;
    }
  }
}

/** A watch of a key in the job's main directory. */
class MainWatch extends Watch {
  readonly guest = false;
  private readonly path: string[];
  private readonly mainEventlog: boolean;
  private started = false;

  constructor(request: WatchRequest) {
    super(request);
    this.path = keyPath(request.path);
    this.mainEventlog = request.path === 'eventlog';
  }

  refresh(dir: JobDirectory): void {
    if (this.ended) return;
    const found = dir.lookup(this.path);
    if (found.kind !== 'value') {
      if (found.kind === 'missing' && (this.request.flags & WatchFlag.WAITCREATE) !== 0 && !this.started) return;
      this.end(this.errorFor(found));
      return;
    }
    const lines = linesOf(found.text);
    for (; this.sent < lines.length; this.sent++) {
      const line = lines[this.sent] as string;
      this.send(line);
      if (this.mainEventlog && line.includes('"name":"clean"') && isClean(line)) {
        this.sentinel();
        this.end(Errno.ENODATA);
        return;
      }
    }
    if (!this.started) {
      this.started = true;
      this.sentinel();
    }
  }
}

function isClean(line: string): boolean {
  try {
    return (JSON.parse(line) as { name?: unknown }).name === 'clean';
  } catch {
    return false;
  }
}

/** A watch of guest.<path>: the job's namespace while it runs, the main directory once released. */
class GuestWatch extends Watch {
  readonly guest = true;
  private readonly path: string[];
  private phase: 'waiting-start' | 'namespace' = 'waiting-start';

  constructor(request: WatchRequest) {
    super(request);
    this.path = ['guest', ...keyPath(request.path.slice('guest.'.length))];
  }

  /** True while its output can grow with time alone (the job runs). */
  get live(): boolean {
    return !this.ended && this.phase === 'namespace';
  }

  /** First look at the job, as guest_watch.c does with a lookup of its eventlog. */
  begin(dir: JobDirectory): void {
    if (dir.released()) {
      this.streamStored(dir);
      return;
    }
    if (dir.started()) {
      this.phase = 'namespace';
      this.refresh(dir);
      return;
    }
    this.refresh(dir);
  }

  refresh(dir: JobDirectory): void {
    if (this.ended) return;
    if (this.phase === 'waiting-start') {
      if (dir.started()) this.phase = 'namespace';
      else {
        if (dir.inactive()) this.end(Errno.ENODATA);
        return;
      }
    }
    const complete = dir.guestComplete();
    const found = dir.lookup(this.path);
    if (found.kind !== 'value') {
      const waiting = found.kind === 'missing' && (this.request.flags & WatchFlag.WAITCREATE) !== 0 && this.sent === 0;
      if (waiting && !complete) return;
      this.end(this.errorFor(found));
      return;
    }
    const lines = linesOf(found.text);
    for (; this.sent < lines.length; this.sent++) this.send(lines[this.sent] as string);
    this.sentinel();
    // The namespace is gone once the job has ended; what it held has all been sent.
    if (complete) this.end(Errno.ENODATA);
  }

  /** The job is done: stream its guest log from the main directory, then ENODATA. */
  private streamStored(dir: JobDirectory): void {
    const found = dir.lookup(this.path);
    if (found.kind !== 'value') {
      this.end(this.errorFor(found));
      return;
    }
    for (const line of linesOf(found.text)) this.send(line);
    this.sentinel();
    this.end(Errno.ENODATA);
  }
}

/** Every open watch, by job, by waiting ID and by sender. */
export class EventlogWatches {
  private readonly byJob = new Map<number, Set<Watch>>();
  private readonly byId = new Map<bigint, Set<MainWatch>>();
  private readonly bySender = new Map<string, Set<Watch>>();

  constructor(
    private readonly store: JobStore,
    private readonly owner: number,
  ) {}

  get counts(): { watchers: number; guestWatchers: number } {
    let watchers = 0;
    let guestWatchers = 0;
    for (const watches of this.bySender.values()) for (const watch of watches) if (watch.guest) guestWatchers++;
    else watchers++;
    return { watchers, guestWatchers };
  }

  /** Opens a watch; the request's fields have been checked. */
  open(request: WatchRequest): void {
    const owner = (request.rolemask & Role.OWNER) !== 0;
    const slot = this.store.lookup(request.id);
    if (request.path.startsWith('guest.')) {
      if (slot < 0) return request.respond({ errnum: Errno.ENOENT });
      const dir = this.directory(slot);
      if (!mayRead(request, dir.userid)) return request.respond({ errnum: Errno.EPERM });
      const watch = new GuestWatch(request);
      this.track(watch, slot);
      watch.begin(dir);
      this.settle(watch);
      return;
    }
    const tooLong = Buffer.byteLength(request.path, 'utf8') > MAX_WATCH_PATH_BYTES;
    const checkFirst = !owner && request.path !== 'eventlog';
    if (tooLong && !checkFirst) return request.respond({ errnum: Errno.EOVERFLOW });
    if (slot < 0) {
      // Only the main eventlog waits for its job to appear.
      if (checkFirst || (request.flags & WatchFlag.WAITCREATE) === 0) return request.respond({ errnum: Errno.ENOENT });
      const watch = new MainWatch(request);
      this.trackWaiting(watch);
      return;
    }
    const dir = this.directory(slot);
    if (!mayRead(request, dir.userid)) return request.respond({ errnum: Errno.EPERM });
    if (tooLong) return request.respond({ errnum: Errno.EOVERFLOW });
    const watch = new MainWatch(request);
    this.track(watch, slot);
    watch.refresh(dir);
    this.settle(watch);
  }

  /** job-info.eventlog-watch-cancel: ends the sender's watch with that matchtag (never answered). */
  cancel(sender: string, matchtag: number, credentials: { userid: number; rolemask: number }): void {
    for (const watch of this.bySender.get(sender) ?? []) {
      if (watch.request.matchtag !== matchtag || !mayRead(credentials, watch.request.userid >>> 0)) continue;
      watch.end(Errno.ENODATA);
      this.untrack(watch);
      return;
    }
  }

  /** The sender is gone: its watches are dropped without a response. */
  disconnect(sender: string, credentials: { userid: number; rolemask: number }): void {
    for (const watch of [...(this.bySender.get(sender) ?? [])]) {
      if (!mayRead(credentials, watch.request.userid >>> 0)) continue;
      watch.drop();
      this.untrack(watch);
    }
  }

  /** A job became known: watches waiting for its eventlog start. */
  jobAdded(slot: number): void {
    if (this.byId.size === 0) return;
    const id = this.store.jobs.id(slot);
    const waiting = this.byId.get(id);
    if (waiting === undefined) return;
    this.byId.delete(id);
    const dir = this.directory(slot);
    for (const watch of waiting) {
      this.bySender.get(watch.request.sender)?.delete(watch);
      if (!mayRead(watch.request, dir.userid)) {
        watch.end(Errno.EPERM);
        continue;
      }
      this.track(watch, slot);
      watch.refresh(dir);
      this.settle(watch);
    }
  }

  /** An event was applied to a job. */
  jobChanged(slot: number): void {
    const watches = this.byJob.get(slot);
    if (watches === undefined) return;
    const dir = this.directory(slot);
    // Guest watches first: a job's namespace is gone, and its watches ended, before the job
    // manager posts finish, so a client watching both sees the guest stream end first.
    for (const watch of [...watches].sort((a, b) => Number(b.guest) - Number(a.guest))) {
      // The watched job was purged and its slot went to another job: its keys are gone.
      if (watch.request.id !== dir.id) watch.end(Errno.ENOENT);
      else watch.refresh(dir);
      this.settle(watch);
    }
  }

  /** Time moved on: running jobs' guest logs may have grown. */
  timeAdvanced(): void {
    for (const [slot, watches] of [...this.byJob]) {
      let dir: JobDirectory | undefined;
      for (const watch of [...watches]) {
        if (!(watch instanceof GuestWatch) || !watch.live) continue;
        dir ??= this.directory(slot);
        watch.refresh(dir);
        this.settle(watch);
      }
    }
  }

  private directory(slot: number): JobDirectory {
    return new JobDirectory(this.store, slot, this.owner);
  }

  private track(watch: Watch, slot: number): void {
    watch.slot = slot;
    let watches = this.byJob.get(slot);
    if (watches === undefined) this.byJob.set(slot, (watches = new Set()));
    watches.add(watch);
    this.addSender(watch);
  }

  private trackWaiting(watch: MainWatch): void {
    let watches = this.byId.get(watch.request.id);
    if (watches === undefined) this.byId.set(watch.request.id, (watches = new Set()));
    watches.add(watch);
    this.addSender(watch);
  }

  private addSender(watch: Watch): void {
    let watches = this.bySender.get(watch.request.sender);
    if (watches === undefined) this.bySender.set(watch.request.sender, (watches = new Set()));
    watches.add(watch);
  }

  /** Forgets a watch that has ended. */
  private settle(watch: Watch): void {
    if (watch.ended) this.untrack(watch);
  }

  private untrack(watch: Watch): void {
    const byJob = this.byJob.get(watch.slot);
    if (byJob !== undefined) {
      byJob.delete(watch);
      if (byJob.size === 0) this.byJob.delete(watch.slot);
    }
    const waiting = this.byId.get(watch.request.id);
    if (waiting !== undefined && watch instanceof MainWatch) {
      waiting.delete(watch);
      if (waiting.size === 0) this.byId.delete(watch.request.id);
    }
    const bySender = this.bySender.get(watch.request.sender);
    if (bySender !== undefined) {
      bySender.delete(watch);
      if (bySender.size === 0) this.bySender.delete(watch.request.sender);
    }
  }
}
