/**
 * A job's R as the scheduler stored it at alloc: the one its record implies (see
 * store/implied-resource-set.ts), or the one given with the alloc when that was another.
 */
import type { Json, JsonObject } from '../../flux/json';
import { impliedResourceSet } from '../store/implied-resource-set';
import { isJsonObject } from '../store/json-value';
import type { JobStore } from '../store/job-store';

/** The R a job was allocated (before any resource-update), or undefined before alloc. */
export function resourceSetDocument(store: JobStore, slot: number): JsonObject | undefined {
  const kept = store.trail.resourceSet(slot);
  if (kept !== undefined) return structuredClone(kept);
  const t = store.jobs;
  const annotations = (t.eventCount[slot] as number) > 0 ? (t.allocAnnotations[slot] as number) : (t.annotations[slot] as number);
  return impliedResourceSet(t, slot, annotations, store.trail.baseExpiration(slot) ?? (t.expiration[slot] as number));
}

/** Applies resource-update contexts in order, as job-info's CURRENT flag does: only expiration. */
export function applyResourceUpdates(R: Json, updates: readonly JsonObject[]): Json {
  if (!isJsonObject(R) || !isJsonObject(R.execution)) return R;
  for (const update of updates) if (Object.hasOwn(update, 'expiration')) R.execution.expiration = update.expiration as Json;
  return R;
}
