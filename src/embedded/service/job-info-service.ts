/**
 * The job-info service of the embedded instance (flux-core job-info: lookup.c, watch.c,
 * guest_watch.c, allow.c): job-info.lookup, job-info.eventlog-watch and its cancel, disconnect
 * and stats-get, with Flux's validation order, errnos, messages and response shapes, over the
 * job documents composed from the store (src/embedded/details).
 *
 * Access: the instance owner reads every job; anyone else only jobs whose submit userid is their
 * own, else EPERM. Whether a job exists is decided first, so anyone can learn that an ID exists.
 */
import { Errno, Role } from '../../flux/constants';
import { JobInfoErrorText, LookupFlag, WatchFlag } from '../../flux/job-info-protocol';
import type { Json, JsonObject } from '../../flux/json';
import { JobDirectory, currentText, keyPath } from '../details/job-directory';
import type { JobStore } from '../store/job-store';
import { decodeRequestPayload, unpackFields } from '../wire/request-payload';
import { EventlogWatches, mayRead } from './eventlog-watches';
import type { Respond, ServiceRequest } from './service-types';

/** job-info builds each looked-up key into a 64-byte buffer: "job.<19 chars>." + key + NUL. */
const MAX_LOOKUP_KEY_BYTES = 64 - 'job.0000.0000.0000.0000.'.length - 1;

/** The error text of a key that has no value, by why (each names the key first, as job-info does). */
const ERRSTR: Readonly<Record<string, (key: string) => string>> = {
  missing: JobInfoErrorText.keyNotFound,
  directory: (key) => `${key}: Is a directory`,
  'not-directory': (key) => `${key}: Not a directory`,
  // Jobs loaded from a snapshot taken with --details (see store/recorded-details.ts).
  cut: (key) => `${key}: not kept in this snapshot (the job's details were over snapshot --max-detail-bytes)`,
  unrecorded: (key) => `${key}: not recorded in this snapshot (snapshot --details takes eventlog, jobspec, R, guest.exec.eventlog and guest.output)`,
};
const ERRNUM: Readonly<Record<string, number>> = {
  missing: Errno.ENOENT,
  directory: Errno.EISDIR,
  'not-directory': Errno.ENOTDIR,
  cut: Errno.EFBIG,
  unrecorded: Errno.ENOENT,
};

export interface JobInfoServiceOptions {
  /** uid of the instance owner: who raised the exceptions derived for jobs loaded from records. */
  owner: number;
}

type Handler = (request: ServiceRequest, respond: Respond) => void;

export class JobInfoService {
  private readonly watches: EventlogWatches;
  private readonly handlers: ReadonlyMap<string, Handler>;
  private readonly owner: number;

  constructor(
    private readonly store: JobStore,
    options: JobInfoServiceOptions,
  ) {
    this.owner = options.owner;
    this.watches = new EventlogWatches(store, options.owner);
    this.handlers = new Map<string, Handler>([
      ['lookup', (req, res) => this.lookup(req, res)],
      ['eventlog-watch', (req, res) => this.watch(req, res)],
      ['eventlog-watch-cancel', (req) => this.cancel(req)],
      ['disconnect', (req) => this.watches.disconnect(req.sender, req)],
      ['stats-get', (_req, res) => this.statsGet(res)],
    ]);
  }

  /** A job became known (ingested or loaded). */
  jobAdded(slot: number): void {
    this.watches.jobAdded(slot);
  }

  /** An event was applied to a known job. */
  jobChanged(slot: number): void {
    this.watches.jobChanged(slot);
  }

  /** The instance's time moved on (running jobs' output grows). */
  timeAdvanced(): void {
    this.watches.timeAdvanced();
  }

  handle(request: ServiceRequest, respond: Respond): void {
    const topic = request.topic;
    const method = topic.startsWith('job-info.') ? topic.slice('job-info.'.length) : undefined;
    const handler = method === undefined ? undefined : this.handlers.get(method);
    if (handler === undefined) {
      respond({ errnum: Errno.ENOSYS, errstr: `Unknown service method '${topic}'` });
      return;
    }
    // stats-get is registered for the owner alone; everything else for any user.
    const allowed = method === 'stats-get' ? Role.OWNER : Role.OWNER | Role.USER;
    if ((request.rolemask & allowed) === 0) {
      if (method === 'disconnect' || method === 'eventlog-watch-cancel') return;
      respond({ errnum: Errno.EPERM, errstr: allowed === Role.OWNER ? 'Request requires owner credentials' : 'Request rejected due to insufficient privilege' });
      return;
    }
    handler(request, respond);
  }

  // ---- job-info.lookup -----------------------------------------------------------------------

  private lookup(request: ServiceRequest, respond: Respond): void {
    const proto = (errstr?: string): void => respond(errstr === undefined ? { errnum: Errno.EPROTO } : { errnum: Errno.EPROTO, errstr });
    const decoded = decodeRequestPayload(request.payload);
    if (!decoded.ok) return proto();
    const fields = unpackFields(decoded.payload, [
      { key: 'id', kind: 'int64' },
      { key: 'keys', kind: 'any' },
      { key: 'flags', kind: 'int' },
    ]);
    if (!fields.ok) return proto();
    const flags = fields.values.get('flags') as number;
    if ((flags & ~(LookupFlag.JSON_DECODE | LookupFlag.CURRENT)) !== 0) return proto('lookup request rejected with invalid flag');
    const keys = fields.values.get('keys') as Json;
    if (!Array.isArray(keys) || !keys.every((key): key is string => typeof key === 'string')) return proto();
    if (keys.some((key) => Buffer.byteLength(key, 'utf8') > MAX_LOOKUP_KEY_BYTES)) {
      return respond({ errnum: Errno.EOVERFLOW, errstr: 'error sending KVS lookup request(s): Value too large for defined data type' });
    }
    const id = BigInt.asUintN(64, fields.values.get('id') as bigint);
    const slot = this.store.lookup(id);
    if (slot < 0) return respond({ errnum: Errno.ENOENT, errstr: JobInfoErrorText.UNKNOWN_JOB });
    const dir = new JobDirectory(this.store, slot, this.owner);
    if (!mayRead(request, dir.userid)) return respond({ errnum: Errno.EPERM, errstr: JobInfoErrorText.NOT_OWNER });

    const answer: JsonObject = { id: this.store.jobs.idJson(slot) };
    for (const key of keys) {
      if (Object.hasOwn(answer, key) && key !== 'id') continue; // a key asked for twice is looked up once
      const found = dir.lookup(keyPath(key));
      if (found.kind !== 'value') return respond({ errnum: ERRNUM[found.kind] as number, errstr: (ERRSTR[found.kind] as (key: string) => string)(key) });
      const document = key === 'jobspec' || key === 'R';
      if (!document) {
        answer[key] = found.text;
        continue;
      }
      const current = (flags & LookupFlag.CURRENT) !== 0;
      if ((flags & LookupFlag.JSON_DECODE) !== 0) {
        answer[key] = (current ? dir.current(key) : key === 'R' ? dir.R() : dir.jobspec()) ?? null;
      } else {
        answer[key] = current ? currentText(dir.current(key) ?? null) : found.text;
      }
    }
    respond({ payload: answer });
  }

  // ---- job-info.eventlog-watch ---------------------------------------------------------------

  private watch(request: ServiceRequest, respond: Respond): void {
    const decoded = decodeRequestPayload(request.payload);
    if (!decoded.ok) return respond({ errnum: Errno.EPROTO });
    const fields = unpackFields(decoded.payload, [
      { key: 'id', kind: 'int64' },
      { key: 'path', kind: 'string' },
      { key: 'flags', kind: 'int' },
    ]);
    if (!fields.ok) return respond({ errnum: Errno.EPROTO });
    const flags = fields.values.get('flags') as number;
    if ((flags & ~(WatchFlag.WAITCREATE | WatchFlag.INITIAL_SENTINEL)) !== 0) {
      return respond({ errnum: Errno.EPROTO, errstr: 'eventlog-watch request rejected with invalid flag' });
    }
    if (!request.streaming) return respond({ errnum: Errno.EPROTO, errstr: 'eventlog-watch request rejected without streaming RPC flag' });
    this.watches.open({
      id: BigInt.asUintN(64, fields.values.get('id') as bigint),
      path: fields.values.get('path') as string,
      flags,
      userid: request.userid,
      rolemask: request.rolemask,
      sender: request.sender,
      matchtag: request.matchtag,
      respond,
    });
  }

  /** {"matchtag": N} from the watch's sender; anything else is ignored, and nothing is answered. */
  private cancel(request: ServiceRequest): void {
    const decoded = decodeRequestPayload(request.payload);
    if (!decoded.ok) return;
    const fields = unpackFields(decoded.payload, [{ key: 'matchtag', kind: 'int' }]);
    if (!fields.ok) return;
    this.watches.cancel(request.sender, (fields.values.get('matchtag') as number) >>> 0, request);
  }

  private statsGet(respond: Respond): void {
    const { watchers, guestWatchers } = this.watches.counts;
    respond({ payload: { lookups: 0, watchers, guest_watchers: guestWatchers, update_lookups: 0, update_watchers: 0 } });
  }
}
