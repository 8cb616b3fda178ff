/**
 * Hand-written job documents and eventlogs for the embedded job-list tests: a jobspec and R
 * builder, and eventlogs that take a job to each state and result the way job-manager writes
 * them (RFC 21 event names and contexts).
 */
import { readFileSync } from 'node:fs';
import { Role } from '../../src/flux/constants';
import type { EventlogEntry, Jobspec, ResourceSet, ResourceVertex } from '../../src/flux/jobspec';
import type { Json, JsonObject } from '../../src/flux/json';
import { parseJson } from '../../src/flux/json';
import type { JobDocuments } from '../../src/embedded/store/job-documents';
import type { Respond, ServiceRequest, ServiceResponse } from '../../src/embedded/service/service-types';

export interface JobspecOptions {
  command?: string[];
  name?: string;
  queue?: string;
  cwd?: string;
  duration?: number;
  project?: string;
  bank?: string;
  /** Whole nodes requested (node -> slot -> core); omit for slot -> core. */
  nodes?: number;
  exclusive?: boolean;
  slots?: number;
  cores?: number;
  tasksTotal?: number;
  perResource?: { type: string; count?: number };
}

export function jobspec(options: JobspecOptions = {}): Jobspec {
  const slot: ResourceVertex = {
    type: 'slot',
    count: options.slots ?? 1,
    label: 'task',
    with: [{ type: 'core', count: options.cores ?? 1 }],
  };
  const resources: ResourceVertex[] =
    options.nodes === undefined
      ? [slot]
      : [{ type: 'node', count: options.nodes, ...(options.exclusive === undefined ? {} : { exclusive: options.exclusive }), with: [slot] }];
  const system: NonNullable<Jobspec['attributes']['system']> = { duration: options.duration ?? 0 };
  if (options.cwd !== undefined) system.cwd = options.cwd;
  if (options.queue !== undefined) system.queue = options.queue;
  if (options.project !== undefined) system.project = options.project;
  if (options.bank !== undefined) system.bank = options.bank;
  if (options.name !== undefined) system.job = { name: options.name };
  if (options.perResource !== undefined) system.shell = { options: { 'per-resource': options.perResource as unknown as JsonObject } };
  return {
    version: 1,
    resources,
    tasks: [
      {
        command: options.command ?? ['/bin/sleep', '10'],
        slot: 'task',
        count: options.tasksTotal === undefined ? { per_slot: 1 } : { total: options.tasksTotal },
      },
    ],
    attributes: { system },
  };
}

export function resourceSet(ranks: string, cores: string, hosts: string[], expiration?: number): ResourceSet {
  return {
    version: 1,
    execution: {
      R_lite: [{ rank: ranks, children: { core: cores } }],
      nodelist: hosts,
      starttime: 0,
      ...(expiration === undefined ? {} : { expiration }),
    },
  };
}

export function ev(name: string, timestamp: number, context?: JsonObject): EventlogEntry {
  return context === undefined ? { timestamp, name } : { timestamp, name, context };
}

/** Where a job's eventlog stops. */
/** The events that take a job from SCHED to clean, one after another (timestamps are the caller's). */
export const SCHED_TO_CLEAN: ReadonlyArray<readonly [name: string, context: JsonObject | undefined]> = [
  ['alloc', undefined],
  ['start', undefined],
  ['finish', { status: 0 }],
  ['release', { ranks: 'all', final: true }],
  ['free', undefined],
  ['clean', undefined],
];

export type Stage =
  | 'new'
  | 'depend'
  | 'priority'
  | 'sched'
  | 'run'
  | 'cleanup'
  | 'completed'
  | 'failed'
  | 'canceled'
  | 'canceled-running'
  | 'timeout';

export interface JobOptions {
  userid?: number;
  urgency?: number;
  priority?: number;
  spec?: JobspecOptions;
  R?: ResourceSet;
  /** Seconds between consecutive events. */
  step?: number;
  /** Exit status of a job that ran and failed. */
  status?: number;
}

/**
 * A job's documents with its eventlog taken to `stage`, starting at `t0`; events are `step`
 * seconds apart (default 1), so t_submit = t0, t_depend = t0 + 1, and so on.
 */
export function job(id: bigint, stage: Stage, t0: number, options: JobOptions = {}): JobDocuments {
  const step = options.step ?? 1;
  let t = t0;
  const next = (): number => (t += step);
  const log: EventlogEntry[] = [ev('submit', t0, { userid: options.userid ?? 1000, urgency: options.urgency ?? 16, flags: 0, version: 1 })];
  const R = options.R ?? resourceSet('0', '0', ['node0']);
  const push = (name: string, context?: JsonObject): void => {
    log.push(ev(name, next(), context));
  };
  const done = (): JobDocuments => ({ id, jobspec: jobspec(options.spec), R, eventlog: log });
  if (stage === 'new') return done();
  push('validate');
  if (stage === 'depend') {
    log.push(ev('dependency-add', t, { description: 'after-finish=f1' }));
    return done();
  }
  push('depend');
  if (stage === 'priority') return done();
  push('priority', { priority: options.priority ?? options.urgency ?? 16 });
  if (stage === 'sched') return done();
  if (stage === 'canceled') {
    push('exception', { type: 'cancel', severity: 0, note: '', userid: 1000 });
    push('clean');
    return done();
  }
  push('alloc', { annotations: { sched: { resource_summary: 'rank0/core0' } } });
  log.push(ev('annotations', t, { annotations: { sched: { resource_summary: 'rank0/core0' } } }));
  push('start');
  if (stage === 'run') return done();
  if (stage === 'canceled-running') {
    push('exception', { type: 'cancel', severity: 0, note: '', userid: 1000 });
    push('finish', { status: 36608 });
  } else if (stage === 'timeout') {
    push('exception', { type: 'timeout', severity: 0, note: 'resource allocation expired' });
    push('finish', { status: 36352 });
  } else {
    push('finish', { status: stage === 'failed' ? (options.status ?? 256) : 0 });
  }
  push('release', { ranks: 'all', final: true });
  if (stage === 'cleanup') return done();
  push('free');
  push('clean');
  return done();
}

/** A request as the broker would pass it, with owner credentials unless told otherwise. */
export function request(topic: string, payload?: Json, options: Partial<Omit<ServiceRequest, 'topic' | 'payload'>> = {}): ServiceRequest {
  return {
    topic,
    payload: payload === undefined ? { kind: 'none' } : { kind: 'json', value: payload },
    streaming: options.streaming ?? false,
    userid: options.userid ?? 1000,
    rolemask: options.rolemask ?? Role.OWNER,
    sender: options.sender ?? 'client-1',
  };
}

/** A request whose payload is raw frame bytes (text plus NUL unless `nul` is false). */
export function rawRequest(topic: string, text: string, options: { nul?: boolean; streaming?: boolean } = {}): ServiceRequest {
  const body = new TextEncoder().encode(text);
  const bytes = options.nul === false ? body : Uint8Array.from([...body, 0]);
  return { ...request(topic, undefined, { streaming: options.streaming }), payload: { kind: 'raw', bytes } };
}

/** Collects every response the service sends for one request. */
export function call(service: { handle(request: ServiceRequest, respond: Respond): void }, req: ServiceRequest): ServiceResponse[] {
  const responses: ServiceResponse[] = [];
  service.handle(req, (response) => responses.push(response));
  return responses;
}

/** The single response of a request, asserting there is exactly one. */
export function callOnce(service: { handle(request: ServiceRequest, respond: Respond): void }, req: ServiceRequest): ServiceResponse {
  const responses = call(service, req);
  if (responses.length !== 1) throw new Error(`expected one response, got ${responses.length}: ${JSON.stringify(responses)}`);
  return responses[0] as ServiceResponse;
}

/** Job IDs of a non-streaming list response, as bigint. */
export function listedIds(response: ServiceResponse): bigint[] {
  const jobs = (response.payload as { jobs: Array<{ id: number | bigint }> }).jobs;
  return jobs.map((j) => BigInt(j.id));
}

export function readFixture(path: string): Json {
  return parseJson(readFileSync(path, 'utf8'));
}
