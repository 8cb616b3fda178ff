/**
 * Type tests for JSON values arriving from job documents and eventlogs, with Jansson's notion
 * of integer ("written without a fraction": here a bigint or an integral number) and of a
 * C int (the low 32 bits).
 */
import type { Json, JsonObject } from '../../flux/json';

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function isJsonInteger(value: unknown): value is number | bigint {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
}

/** Jansson's "F": any JSON number. */
export function isJsonNumber(value: unknown): value is number | bigint {
  return typeof value === 'bigint' || (typeof value === 'number' && !Number.isNaN(value));
}

/** The value as a C int reads it (low 32 bits, signed). */
export function toCInt(value: number | bigint): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value | 0;
  return Number(BigInt.asIntN(32, BigInt(value)));
}

/** The value as a 64-bit signed integer (json_int_t), as a number when exact. */
export function toInt64(value: number | bigint): number {
  return Number(BigInt.asIntN(64, BigInt(value)));
}

export function toNumber(value: number | bigint): number {
  return Number(value);
}

/** Own member of an object, or undefined. */
export function member(object: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** A deep copy (documents are copied before in-place updates so callers' objects stay intact). */
export function cloneJson<T extends Json>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => cloneJson(item)) as T;
  if (isJsonObject(value)) {
    const copy: JsonObject = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(copy, key, { value: cloneJson(value[key] as Json), enumerable: true, writable: true, configurable: true });
    }
    return copy as T;
  }
  return value;
}

/**
 * Sets a dotted path ("attributes.system.duration") in `object`, creating missing objects on
 * the way, as flux-core's jpath_set does. Returns false, changing nothing further, when a path
 * component is empty or an existing component is not an object.
 */
export function setPath(object: JsonObject, path: string, value: Json): boolean {
  const parts = path.split('.');
  let target = object;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    if (part === '') return false;
    let next = member(target, part);
    if (next === undefined) {
      next = {};
      Object.defineProperty(target, part, { value: next, enumerable: true, writable: true, configurable: true });
    }
    if (!isJsonObject(next)) return false;
    target = next;
  }
  const last = parts[parts.length - 1] as string;
  if (last === '') return false;
  Object.defineProperty(target, last, { value: cloneJson(value), enumerable: true, writable: true, configurable: true });
  return true;
}
