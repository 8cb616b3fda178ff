import { FluxError } from '../flux/errors';
import type { Json, JsonObject } from '../flux/json';

/** One job object as job-list returns it, with `id` always a bigint. */
export type JobRecord = { id: bigint } & { [attr: string]: Json };

export function isJsonObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that a job object from job-list has an integer `id` and turns that id into a
 * bigint in place (handles deliver ids below 2^53 as numbers). Throws FLUX_PROTOCOL otherwise.
 */
export function toJobRecord(value: Json | undefined, topic: string): JobRecord {
  if (!isJsonObject(value)) {
    throw new FluxError('FLUX_PROTOCOL', `${topic}: expected a job object, got ${describe(value)}`);
  }
  const id = value.id;
  if (typeof id === 'number' && Number.isInteger(id) && id >= 0) {
    value.id = BigInt(id);
  } else if (typeof id !== 'bigint' || id < 0n) {
    throw new FluxError('FLUX_PROTOCOL', `${topic}: job object without an integer id (got ${describe(id)})`);
  }
  return value as JobRecord;
}

export function describe(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'bigint') return `the integer ${value}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
