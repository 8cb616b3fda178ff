/**
 * A job's main eventlog (RFC 21) as Flux's job manager writes it, composed on demand.
 *
 * A job that came in as documents and events has its eventlog given back exactly: the once-only
 * events from the record and its trail columns, the others from the trail's verbatim entries,
 * each at its position (see store/job-trail.ts).
 *
 * A job loaded from a job-list record (a snapshot) has no trail; its eventlog is derived from
 * the record in RFC 21 order, with the contexts Flux writes, and timestamps the record lacks
 * (start, release, free, a non-fatal exception) drawn between the ones it has, seeded by the
 * job ID.
 */
import { JobState } from '../../flux/constants';
import type { EventlogEntry } from '../../flux/jobspec';
import { parseJson, type JsonObject } from '../../flux/json';
import { isJsonObject } from '../store/json-value';
import { FLAG_EXCEPTION } from '../store/job-table';
import type { JobStore } from '../store/job-store';
import { TRAIL_EVENTS, type TrailEventName } from '../store/job-trail';
import { DetailStream, jobRandom } from './job-random';

function entry(timestamp: number, name: string, context?: JsonObject): EventlogEntry {
  return context === undefined ? { timestamp, name } : { timestamp, name, context };
}

/** The job's main eventlog, oldest entry first. */
export function mainEventlog(store: JobStore, slot: number, owner: number): EventlogEntry[] {
  return (store.jobs.eventCount[slot] as number) > 0 ? recordedEventlog(store, slot) : derivedEventlog(store, slot, owner);
}

function columnEntry(store: JobStore, slot: number, name: TrailEventName): EventlogEntry {
  const t = store.jobs;
  switch (name) {
    case 'submit':
      return entry(t.tSubmit[slot] as number, name, {
        userid: t.userid[slot] as number,
        urgency: t.submitUrgency[slot] as number,
        flags: t.submitFlags[slot] as number,
        version: t.submitVersion[slot] as number,
      });
    case 'validate':
      return entry(t.tDepend[slot] as number, name);
    case 'depend':
      return entry(t.tPriority[slot] as number, name);
    case 'priority':
      return entry(t.tSched[slot] as number, name, { priority: t.firstPriority[slot] as number });
    case 'alloc': {
      const text = t.strings.get(t.allocAnnotations[slot] as number);
      return text === undefined ? entry(t.tRun[slot] as number, name) : entry(t.tRun[slot] as number, name, { annotations: parseJson(text) });
    }
    case 'start':
      return entry(t.tStart[slot] as number, name);
    case 'finish':
      return entry(t.tFinish[slot] as number, name, { status: t.waitstatus[slot] as number });
    case 'release':
      return entry(t.tRelease[slot] as number, name, { ranks: 'all', final: true });
    case 'free':
      return entry(t.tFree[slot] as number, name);
    case 'clean':
      return entry(t.tInactive[slot] as number, name);
  }
}

/** The entries the store received, rebuilt from the record, its columns and the trail. */
function recordedEventlog(store: JobStore, slot: number): EventlogEntry[] {
  const t = store.jobs;
  const count = t.eventCount[slot] as number;
  const bits = t.trailEvents[slot] as number;
  const kept = store.trail.entries(slot);
  const out: EventlogEntry[] = [];
  let column = 0;
  let next = 0;
  for (let position = 0; position < count; position++) {
    const verbatim = kept[next];
    if (verbatim !== undefined && verbatim.position === position) {
      out.push(verbatim.entry);
      next++;
      continue;
    }
    while (column < TRAIL_EVENTS.length && (bits & (1 << column)) === 0) column++;
    const name = TRAIL_EVENTS[column];
    if (name === undefined) break; // cannot happen: every position is a column event or kept
    out.push(columnEntry(store, slot, name));
    column++;
  }
  return out;
}

/** `count` times spread over (from, until), ascending, seeded. */
function between(random: ReturnType<typeof jobRandom>, from: number, until: number, count: number): number[] {
  const times: number[] = [];
  let at = from;
  for (let i = 0; i < count; i++) {
    at += (until - at) * random.between(0.05, 0.4);
    times.push(at);
  }
  return times;
}

/** An eventlog consistent with a job-list record that came without one. */
function derivedEventlog(store: JobStore, slot: number, owner: number): EventlogEntry[] {
  const t = store.jobs;
  const r = jobRandom(t.id(slot), DetailStream.EVENTLOG);
  const state = t.state[slot] as number;
  const inactive = state === JobState.INACTIVE;
  const tSubmit = t.tSubmit[slot] as number;
  const tDepend = t.tDepend[slot] as number;
  const tRun = t.tRun[slot] as number;
  const tCleanup = t.tCleanup[slot] as number;
  const tInactive = t.tInactive[slot] as number;
  const userid = t.userid[slot] as number;
  const out: EventlogEntry[] = [];
  const version = t.submitVersion[slot] as number;
  out.push(entry(tSubmit, 'submit', { userid, urgency: t.urgency[slot] as number, flags: 0, version: version > 0 ? version : 1 }));

  // dependency-add is posted before validate; the record keeps only those still outstanding.
  const deps = store.dependencies(slot) ?? [];
  const validateBy = tDepend > 0 ? tDepend : store.horizon;
  between(r, tSubmit, validateBy, deps.length).forEach((at, i) => out.push(entry(at, 'dependency-add', { description: deps[i] as string })));
  if (tDepend > 0) out.push(entry(tDepend, 'validate'));
  if ((t.tPriority[slot] as number) > 0) out.push(entry(t.tPriority[slot] as number, 'depend'));
  if ((t.tSched[slot] as number) > 0) out.push(entry(t.tSched[slot] as number, 'priority', { priority: t.priority[slot] as number }));

  const annotations = store.annotations(slot);
  // User annotations come from memos; one memo posted while the job waited carries them all.
  const user = isJsonObject(annotations) && isJsonObject(annotations.user) ? annotations.user : undefined;
  const tSched = t.tSched[slot] as number;
  if (user !== undefined && tSched > 0) {
    const [memoAt] = between(r, tSched, tRun > 0 ? tRun : store.horizon, 1);
    out.push(entry(memoAt as number, 'memo', structuredClone(user)));
  }
  if (tRun > 0) out.push(annotations === undefined ? entry(tRun, 'alloc') : entry(tRun, 'alloc', { annotations }));
  // The run ends at the fatal exception (t_cleanup), or is still going at the horizon.
  const runEnd = tCleanup > 0 ? tCleanup : store.horizon;
  const [startAt] = tRun > 0 ? between(r, tRun, Math.min(runEnd, tRun + 0.05), 1) : [];
  if (startAt !== undefined && startAt <= store.horizon) out.push(entry(startAt, 'start'));

  const exceptional: EventlogEntry[] = [];
  if (t.hasFlag(slot, FLAG_EXCEPTION)) {
    const severity = t.exceptionSeverity[slot] as number;
    const type = t.str(t.exceptionType, slot) ?? '';
    const context: JsonObject = {
      type,
      severity,
      note: t.str(t.exceptionNote, slot) ?? '',
      // Users cancel their own jobs; the instance raises the rest.
      userid: type === 'cancel' ? userid : owner,
    };
    const [raisedAt] = severity === 0 && tCleanup > 0 ? [tCleanup] : between(r, startAt ?? tSubmit, runEnd, 1);
    exceptional.push(entry(raisedAt as number, 'exception', context));
  }
  const waitstatus = t.waitstatus[slot] as number;
  let finishAt: number | undefined;
  if (waitstatus >= 0 && tCleanup > 0) {
    const fatal = t.hasFlag(slot, FLAG_EXCEPTION) && t.exceptionSeverity[slot] === 0;
    finishAt = fatal ? (between(r, tCleanup, inactive ? tInactive : store.horizon, 1)[0] as number) : tCleanup;
    exceptional.push(entry(finishAt, 'finish', { status: waitstatus }));
  }
  exceptional.sort((a, b) => a.timestamp - b.timestamp);
  out.push(...exceptional);
  if (inactive && tRun > 0) {
    const [releaseAt, freeAt] = between(r, finishAt ?? tCleanup, tInactive, 2);
    out.push(entry(releaseAt as number, 'release', { ranks: 'all', final: true }));
    out.push(entry(freeAt as number, 'free'));
  }
  if (inactive) out.push(entry(tInactive, 'clean'));
  return out;
}
