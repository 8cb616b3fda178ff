/**
 * JSON text written ahead of the response (a page of jobs, by the lean executor's writer) and the
 * stringifier that splices it in. The text is exactly what JSON.stringify would write for the
 * value it stands for, so the response is the same bytes either way.
 */

/** A value of the result already written as JSON text. */
export class RawJson {
  constructor(readonly text: string) {}

  /** For whoever stringifies the result some other way (graphql-ws, an SSE stream): the value itself. */
  toJSON(): unknown {
    return JSON.parse(this.text) as unknown;
  }
}

function isPlainContainer(value: object): boolean {
  if (Array.isArray(value)) return true;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || prototype === Object.prototype;
}

/**
 * What JSON.stringify writes for the value, with each RawJson's text in its place. Only plain
 * objects and arrays without a toJSON are walked here; every other value is JSON.stringify's.
 */
function write(value: unknown): string | undefined {
  if (value instanceof RawJson) return value.text;
  if (typeof value !== 'object' || value === null || typeof (value as { toJSON?: unknown }).toJSON === 'function' || !isPlainContainer(value)) {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    // JSON.stringify writes null for an item it cannot write.
    return `[${value.map((item: unknown) => write(item) ?? 'null').join(',')}]`;
  }
  const members: string[] = [];
  for (const key of Object.keys(value)) {
    const text = write((value as Record<string, unknown>)[key]);
    if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(',')}}`;
}

/** The response's text, for a result holding RawJson values (yoga calls a result's own `stringify`). */
export function stringifyWithRawJson(result: unknown): string {
  return write(result) ?? 'null';
}
