/**
 * RFC 18 eventlogs as text: one compact JSON object per entry, `timestamp`, `name` and (only
 * when there is data) `context`, each line ending in "\n", written byte for byte as flux-core
 * writes them (Jansson, see jansson-dump.ts). Decoding is strict: what it accepts is exactly
 * what encoding can produce the same text from, or a line Flux would accept as an entry.
 */
import type { EventlogEntry } from '../../flux/jobspec';
import { parseJson, type Json, type JsonObject } from '../../flux/json';
import { dumpJansson } from './jansson-dump';

/**
 * Which integral numbers Flux writes as reals in its job documents: every timestamp, R's
 * starttime and expiration (also in a resource-update), and a duration unless it is the 0 that
 * means "none" (`flux submit` without -t writes the integer 0, with -t a real).
 */
export function isFluxReal(key: string, value: number): boolean {
  if (key === 'timestamp' || key === 'starttime' || key === 'expiration') return true;
  return (key === 'duration' || key.endsWith('.duration')) && value !== 0;
}

/** One entry's line, with its trailing newline. */
export function encodeEventlogEntry(entry: EventlogEntry): string {
  const object: JsonObject = entry.context === undefined
    ? { timestamp: entry.timestamp, name: entry.name }
    : { timestamp: entry.timestamp, name: entry.name, context: entry.context };
  return `${dumpJansson(object, { compact: true, isReal: isFluxReal })}\n`;
}

export function encodeEventlog(entries: readonly EventlogEntry[]): string {
  let text = '';
  for (const entry of entries) text += encodeEventlogEntry(entry);
  return text;
}

export class EventlogSyntaxError extends Error {
  override readonly name = 'EventlogSyntaxError';
}

/** One line (without its newline) as an entry; throws EventlogSyntaxError naming what is wrong. */
export function decodeEventlogEntry(line: string): EventlogEntry {
  let value: Json;
  try {
    value = parseJson(line);
  } catch (err) {
    throw new EventlogSyntaxError(`not JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new EventlogSyntaxError('an entry must be a JSON object');
  const { timestamp, name, context } = value;
  if (typeof timestamp !== 'number') throw new EventlogSyntaxError('"timestamp" must be a number');
  if (typeof name !== 'string') throw new EventlogSyntaxError('"name" must be a string');
  if (context === undefined) return { timestamp, name };
  if (context === null || typeof context !== 'object' || Array.isArray(context)) throw new EventlogSyntaxError('"context" must be an object');
  return { timestamp, name, context };
}

/** Every entry of an eventlog; each line must end in "\n", as RFC 18 requires. */
export function decodeEventlog(text: string): EventlogEntry[] {
  const entries: EventlogEntry[] = [];
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    if (end < 0) throw new EventlogSyntaxError(`entry ${entries.length + 1} does not end with a newline`);
    try {
      entries.push(decodeEventlogEntry(text.slice(start, end)));
    } catch (err) {
      if (err instanceof EventlogSyntaxError) throw new EventlogSyntaxError(`entry ${entries.length + 1}: ${err.message}`);
      throw err;
    }
    start = end + 1;
  }
  return entries;
}
