/**
 * The Flux documents a job is made of, as the embedded instance keeps them:
 * jobspec (RFC 14, version 1), the resource set R (RFC 20, version 1) and
 * eventlog entries (RFC 18/21). Types only; job-list derives its fields from these.
 */
import type { JsonObject } from './json';

export interface ResourceVertex {
  type: string; // "node" | "slot" | "core" | "gpu" | ...
  count: number;
  exclusive?: boolean;
  label?: string;
  with?: ResourceVertex[];
}

export interface JobspecTask {
  command: string[];
  slot: string;
  count: { per_slot?: number; total?: number };
}

export interface Jobspec {
  version: 1;
  resources: ResourceVertex[];
  tasks: JobspecTask[];
  attributes: {
    system?: {
      duration?: number;
      cwd?: string;
      queue?: string;
      project?: string;
      bank?: string;
      job?: { name?: string };
      shell?: { options?: JsonObject };
      [key: string]: unknown;
    };
    user?: JsonObject;
  };
}

export interface ResourceSetEntry {
  /** An RFC 22 idset of broker ranks, e.g. "0-3". */
  rank: string;
  /** Per-rank resources, e.g. { core: "0-7", gpu: "0-1" }. */
  children: Record<string, string>;
}

export interface ResourceSet {
  version: 1;
  execution: {
    R_lite: ResourceSetEntry[];
    /** RFC 29 hostlists, one host per rank in rank order once expanded. */
    nodelist: string[];
    starttime?: number;
    /** Unix time the allocation expires; 0 or absent for none. */
    expiration?: number;
    /** Task slots allocated (sched-simple writes it). */
    nslots?: number;
  };
}

/** One eventlog entry: a timestamp (seconds), a name and an optional context. */
export interface EventlogEntry {
  timestamp: number;
  name: string;
  context?: JsonObject;
}
