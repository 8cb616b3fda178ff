/**
 * Job annotations as job-list keeps them: replaced wholesale by `annotations` events, and
 * deep-merged under "user" by `memo` events, after which null values and objects left empty
 * are dropped everywhere (flux-core job_state.c memo_update with jpath_update/jpath_clear_null).
 */
import { stringifyJson, type Json, type JsonObject } from '../../flux/json';
import { cloneJson, isJsonObject } from './json-value';

function setMember(object: JsonObject, key: string, value: Json): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Merges `update` into `target`: nested objects merge, every other value replaces. */
function mergeInto(target: JsonObject, update: JsonObject): void {
  for (const key of Object.keys(update)) {
    const value = update[key] as Json;
    if (isJsonObject(value)) {
      let existing = Object.hasOwn(target, key) ? target[key] : undefined;
      if (!isJsonObject(existing)) {
        existing = {};
        setMember(target, key, existing);
      }
      mergeInto(existing, value);
    } else {
      setMember(target, key, cloneJson(value));
    }
  }
}

/** Deletes null members and objects that end up empty, at every depth of nested objects. */
function clearNulls(object: JsonObject): void {
  for (const key of Object.keys(object)) {
    const value = object[key] as Json;
    if (isJsonObject(value)) {
      clearNulls(value);
      if (Object.keys(value).length === 0) delete object[key];
    } else if (value === null) {
      delete object[key];
    }
  }
}

/**
 * The annotations after a memo event with context `memo`; undefined when nothing is left.
 * `current` is not modified.
 */
export function applyMemo(current: JsonObject | undefined, memo: JsonObject): JsonObject | undefined {
  const annotations: JsonObject = current === undefined ? {} : cloneJson(current);
  const user = Object.hasOwn(annotations, 'user') ? annotations.user : undefined;
  if (isJsonObject(user)) mergeInto(user, memo);
  else setMember(annotations, 'user', cloneJson(memo));
  clearNulls(annotations);
  return Object.keys(annotations).length === 0 ? undefined : annotations;
}

const NO_REAL_KEYS: ReadonlySet<string> = new Set();

/**
 * Annotations as stored text. Stored without real/integer typing (JavaScript numbers carry
 * none); bigints survive. JSON.stringify is the fast path for the common bigint-free case.
 */
export function annotationsText(value: Json): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (err instanceof TypeError) return stringifyJson(value, NO_REAL_KEYS);
    throw err;
  }
}
