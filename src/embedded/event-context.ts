/**
 * Checks eventlog entries before the store applies them. flux-core's job-list treats an entry
 * whose context lacks what the event needs as a fatal journal error; the embedded instance
 * refuses such an entry instead, with a message naming the job, the event and the field, and
 * before any of it is applied.
 */
import type { EventlogEntry } from '../flux/jobspec';
import type { Json, JsonObject } from '../flux/json';
import { EmbeddedInputError } from './input-error';
import { isJsonInteger, isJsonObject, member } from './json-value';

function describe(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && !Number.isInteger(value)) return `the real ${value}`;
  return `${typeof value === 'bigint' ? 'the integer' : `the ${typeof value}`} ${JSON.stringify(typeof value === 'bigint' ? value.toString() : value)}`;
}

/** The dependency-* suffixes Flux understands; any other one is an error there too. */
const DEPENDENCY_EVENTS: ReadonlySet<string> = new Set(['dependency-add', 'dependency-remove']);

/**
 * Throws EmbeddedInputError unless `entry` is a well-formed eventlog entry whose context has
 * what job-list reads for that event name.
 */
export function checkEventlogEntry(id: bigint, entry: EventlogEntry, index?: number): void {
  const where = index === undefined ? 'eventlog entry' : `eventlog entry ${index}`;
  const fail = (problem: string): never => {
    throw new EmbeddedInputError(id, `${where}: ${problem}`);
  };
  if (!isJsonObject(entry as unknown)) fail(`must be an object, got ${describe(entry as unknown as Json)}`);
  const { timestamp, name, context } = entry as { timestamp: unknown; name: unknown; context: unknown };
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) fail(`"timestamp" must be a finite number, got ${describe(timestamp as Json)}`);
  if (typeof name !== 'string') fail(`"name" must be a string, got ${describe(name as Json)}`);
  if (context !== undefined && !isJsonObject(context)) fail(`"context" must be an object, got ${describe(context as Json)}`);
  const event = name as string;
  const ctx = context as JsonObject | undefined;
  const need = (key: string, kind: 'integer' | 'string' | 'present'): Json => {
    if (ctx === undefined) return fail(`${event} event needs a context with "${key}"`);
    const value = member(ctx, key);
    if (value === undefined) return fail(`${event} context needs "${key}"`);
    if (kind === 'integer' && !isJsonInteger(value)) fail(`${event} context "${key}" must be an integer, got ${describe(value)}`);
    if (kind === 'string' && typeof value !== 'string') fail(`${event} context "${key}" must be a string, got ${describe(value)}`);
    return value;
  };
  const optionalInteger = (key: string): void => {
    const value = ctx === undefined ? undefined : member(ctx, key);
    if (value !== undefined && !isJsonInteger(value)) fail(`${event} context "${key}" must be an integer, got ${describe(value)}`);
  };

  switch (event) {
    case 'submit':
      need('urgency', 'integer');
      need('userid', 'integer');
      optionalInteger('version');
      break;
    case 'priority':
      need('priority', 'integer');
      break;
    case 'finish':
      need('status', 'integer');
      break;
    case 'urgency': {
      const urgency = Number(need('urgency', 'integer'));
      if (urgency < 0 || urgency > 31) fail(`urgency context "urgency" must be 0-31, got ${urgency}`);
      break;
    }
    case 'exception':
      need('type', 'string');
      need('severity', 'integer');
      need('note', 'string');
      break;
    case 'annotations':
      need('annotations', 'present');
      break;
    case 'jobspec-update':
    case 'resource-update':
    case 'memo':
      if (ctx === undefined) fail(`${event} event needs a context`);
      break;
    default:
      if (event.startsWith('dependency-')) {
        if (!DEPENDENCY_EVENTS.has(event)) fail(`unknown dependency event "${event}" (only dependency-add and dependency-remove exist)`);
        need('description', 'string');
      }
      break;
  }
}
