import type { Json } from '../flux/json';

/** JSON for the response: integers beyond 2^53 (which JSON.parse would round) become decimal strings. */
export function toResponseJson(value: Json): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (Array.isArray(value)) return value.map(toResponseJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toResponseJson(item)]));
  }
  return value;
}
