/**
 * An embedded Flux instance: a job store fed through a JobSink, the job-list service that
 * answers for it, and FluxHandles connected to that service.
 */
import { Role } from '../flux/constants';
import type { Json } from '../flux/json';
import { EmbeddedHandle, type EmbeddedHandleOptions } from './wire/embedded-handle';
import { BrokerAttributes } from './service/broker-attributes';
import { EventsJournalService } from './service/events-journal-service';
import { JobInfoService } from './service/job-info-service';
import { JobListService } from './service/job-list-service';
import { routeServices } from './service/service-router';
import type { ServiceHandler } from './service/service-types';
import { JobStore } from './store/job-store';
import { JournalGate } from './service/journal-gate';
import type { JobSink } from './store/job-documents';
import type { TimerApi } from './service/stats-watchers';

export interface EmbeddedInstanceOptions {
  /** Configured queues ([queues] table); job-stats lists them even while empty. */
  queues?: readonly string[];
  /** `[job-list] max_comparisons`; default 1,000,000; 0 = unlimited. */
  maxComparisons?: number;
  /** `[access] private-mode`; default false. */
  privateMode?: boolean;
  /** Number of brokers (bounds hostlist/ranks constraints); default 1. */
  instanceSize?: number;
  /** The instance's clock in seconds (Unix time); default the system clock. */
  now?: () => number;
  /** The instance owner's uid: handles act as the owner unless told otherwise. Default 0. */
  ownerUserid?: number;
  /** URI reported by handles, e.g. "embedded:jobs=5000,seed=1". */
  uri?: string;
  /** Timers for batching streamed job-stats updates (tests may pass fakes). */
  timers?: TimerApi;
}

export class EmbeddedInstance {
  readonly store: JobStore;
  readonly service: JobListService;
  /** job-info: each job's eventlog, jobspec, R and guest documents, composed from the store. */
  readonly jobInfo: JobInfoService;
  /** job-manager: the events journal, every job's events as the store applies them. */
  readonly journal: EventsJournalService;
  /** Everything a client of this instance can ask: job-list, job-info, job-manager's journal, and the broker's attr.get. */
  readonly services: ServiceHandler & { readonly names: readonly string[] };
  /** Where workloads deliver jobs and events (held back while job-list is paused). */
  readonly sink: JobSink;
  readonly now: () => number;
  readonly ownerUserid: number;
  readonly uri: string;
  private readonly instanceSize: number;

  constructor(options: EmbeddedInstanceOptions = {}) {
    let service: JobListService | undefined;
    this.store = new JobStore({ queues: options.queues, onStatsChange: () => service?.statsChanged() });
    const gate = new JournalGate(this.store);
    service = new JobListService(this.store, {
      maxComparisons: options.maxComparisons,
      privateMode: options.privateMode,
      instanceSize: options.instanceSize,
      timers: options.timers,
      journal: gate,
    });
    this.service = service;
    this.store.onStateChange = (slot) => service?.jobStateChanged(slot);
    const jobInfo = new JobInfoService(this.store, { owner: options.ownerUserid ?? 0 });
    this.jobInfo = jobInfo;
    const journal = new EventsJournalService(this.store, { owner: options.ownerUserid ?? 0 });
    this.journal = journal;
    this.store.onJobAdded = (slot) => {
      jobInfo.jobAdded(slot);
      journal.jobAdded(slot);
    };
    this.store.onJobEvent = (slot, entry) => {
      jobInfo.jobChanged(slot);
      journal.jobEvent(slot, entry);
    };
    this.store.onTimeAdvanced = () => jobInfo.timeAdvanced();
    this.sink = gate;
    this.now = options.now ?? (() => Date.now() / 1000);
    this.ownerUserid = options.ownerUserid ?? 0;
    this.uri = options.uri ?? 'embedded:';
    this.instanceSize = options.instanceSize ?? 1;
    this.services = this.servicesOwnedBy(this.ownerUserid);
  }

  /**
   * The instance's services for a broker whose instance owner is `owner` (a wire broker stamps
   * its own uid on its clients' requests, so that is who owns the instance it serves).
   */
  servicesOwnedBy(owner: number): ServiceHandler & { readonly names: readonly string[] } {
    return routeServices({
      'job-list': this.service,
      'job-info': this.jobInfo,
      'job-manager': this.journal,
      attr: new BrokerAttributes({ owner, size: this.instanceSize }),
    });
  }

  /**
   * Loads job-list records (as job-list.list returns them with attrs ["all"]) in job-list order,
   * e.g. the jobs of a snapshot. All are checked before any is added.
   */
  loadRecords(records: readonly Json[]): void {
    this.store.ingestRecords(records);
  }

  /** A handle to this instance; by default with the owner's credentials. */
  handle(options: EmbeddedHandleOptions = {}): EmbeddedHandle {
    return new EmbeddedHandle(this.services, {
      uri: this.uri,
      userid: this.ownerUserid,
      rolemask: Role.OWNER,
      ...options,
    });
  }

  /** Stops timers; handles stay usable but streamed job-stats updates end. */
  close(): void {
    this.service.close();
  }
}
