/**
 * Checks eventlog entries before the store applies them. flux-core's job-list treats an entry
 * whose context lacks what the event needs as a fatal journal error; the embedded instance
 * refuses such an entry instead, with a message naming the job, the event and the field, and
 * before any of it is applied.
 */
import type { EventlogEntry } from '../../flux/jobspec';
import type { Json, JsonObject } from '../../flux/json';
import { EmbeddedInputError } from './input-error';
import { isJsonInteger, isJsonObject } from './json-value';

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && !Number.isInteger(value)) return `the real ${value}`;
  if (typeof value === 'bigint') return `the integer ${value}`;
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

type Requirement = 'integer' | 'string' | 'present' | 'optional-integer' | 'urgency';

/**
 * What job-list reads from each event's context. Keys are fixed names that no Object.prototype
 * member shares, so plain property reads are safe.
 */
const REQUIREMENTS: ReadonlyMap<string, ReadonlyArray<readonly [string, Requirement]>> = new Map([
  [
    'submit',
    [
      ['urgency', 'integer'],
      ['userid', 'integer'],
      ['version', 'optional-integer'],
    ],
  ],
  ['priority', [['priority', 'integer']]],
  ['finish', [['status', 'integer']]],
  ['urgency', [['urgency', 'urgency']]],
  [
    'exception',
    [
      ['type', 'string'],
      ['severity', 'integer'],
      ['note', 'string'],
    ],
  ],
  ['annotations', [['annotations', 'present']]],
  ['dependency-add', [['description', 'string']]],
  ['dependency-remove', [['description', 'string']]],
]);

/** Events that need a context, whatever is in it. */
const CONTEXT_REQUIRED: ReadonlySet<string> = new Set(['jobspec-update', 'resource-update', 'memo']);

function problemWith(event: string, key: string, requirement: Requirement, context: JsonObject | undefined): string | undefined {
  const value: Json | undefined = context?.[key];
  if (value === undefined) {
    if (requirement === 'optional-integer') return undefined;
    return context === undefined ? `${event} event needs a context with "${key}"` : `${event} context needs "${key}"`;
  }
  switch (requirement) {
    case 'integer':
    case 'optional-integer':
      return isJsonInteger(value) ? undefined : `${event} context "${key}" must be an integer, got ${describe(value)}`;
    case 'urgency':
      if (!isJsonInteger(value)) return `${event} context "${key}" must be an integer, got ${describe(value)}`;
      return Number(value) >= 0 && Number(value) <= 31 ? undefined : `${event} context "${key}" must be 0-31, got ${value}`;
    case 'string':
      return typeof value === 'string' ? undefined : `${event} context "${key}" must be a string, got ${describe(value)}`;
    case 'present':
      return undefined;
  }
}

function entryProblem(entry: EventlogEntry): string | undefined {
  if (!isJsonObject(entry as unknown)) return `must be an object, got ${describe(entry)}`;
  const { timestamp, name, context } = entry as { timestamp: unknown; name: unknown; context: unknown };
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return `"timestamp" must be a finite number, got ${describe(timestamp)}`;
  if (typeof name !== 'string') return `"name" must be a string, got ${describe(name)}`;
  if (context !== undefined && !isJsonObject(context)) return `"context" must be an object, got ${describe(context)}`;
  const ctx = context as JsonObject | undefined;
  const requirements = REQUIREMENTS.get(name);
  if (requirements !== undefined) {
    for (const [key, requirement] of requirements) {
      const problem = problemWith(name, key, requirement, ctx);
      if (problem !== undefined) return problem;
    }
  } else if (CONTEXT_REQUIRED.has(name)) {
    if (ctx === undefined) return `${name} event needs a context`;
  } else if (name.startsWith('dependency-')) {
    // Flux fails on any other dependency-* event as well.
    return `unknown dependency event "${name}" (only dependency-add and dependency-remove exist)`;
  }
  return undefined;
}

/**
 * Throws EmbeddedInputError unless `entry` is a well-formed eventlog entry whose context has
 * what job-list reads for that event name.
 */
export function checkEventlogEntry(id: bigint, entry: EventlogEntry, index?: number): void {
  const problem = entryProblem(entry);
  if (problem === undefined) return;
  throw new EmbeddedInputError(id, `${index === undefined ? 'eventlog entry' : `eventlog entry ${index}`}: ${problem}`);
}
