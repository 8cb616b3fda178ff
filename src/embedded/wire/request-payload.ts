/**
 * A request payload as flux-core's services read it: the frame must be a NUL-terminated JSON
 * object, and fields are pulled out in order with Jansson's type rules ("i" integer, "F" real or
 * integer, "s" string, "o" anything), failing with Jansson's texts.
 */
import { stringifyJson, type Json, type JsonObject } from '../../flux/json';
import type { ServiceRequest } from '../service/service-types';
import { parseJanssonText, topLevelScalarError, type RealMarks } from './jansson-text';

export type JsonTypeName = 'object' | 'array' | 'string' | 'integer' | 'real' | 'true' | 'false' | 'null';

/** A decoded payload object, remembering which numbers were written as reals. */
export class RequestPayload {
  constructor(
    readonly object: JsonObject,
    /** Present for payloads decoded from text; in-process payloads have JS numbers only. */
    private readonly reals?: RealMarks,
  ) {}

  /** Jansson's type name for container[key], or undefined when there is no such member. */
  typeOf(container: JsonObject | Json[], key: string | number): JsonTypeName | undefined {
    const value = Array.isArray(container) ? container[key as number] : Object.hasOwn(container, key) ? container[key as string] : undefined;
    if (value === undefined) return undefined;
    if (value === null) return 'null';
    switch (typeof value) {
      case 'boolean':
        return value ? 'true' : 'false';
      case 'string':
        return 'string';
      case 'bigint':
        return 'integer';
      case 'number':
        if (this.reals?.get(container)?.has(key) === true) return 'real';
        return Number.isInteger(value) ? 'integer' : 'real';
      default:
        return Array.isArray(value) ? 'array' : 'object';
    }
  }

  /**
   * A copy of `value` (found at container[key]) in which every number written as a real is
   * non-integral. The constraint compiler tells integers from reals by integrality; a real's
   * value never matters there, because every operator that takes numbers refuses reals.
   */
  realsKeptReal(container: JsonObject | Json[], key: string | number): Json {
    const value = Array.isArray(container) ? container[key as number] : container[key as string];
    if (value === undefined) return null;
    if (this.reals === undefined) return value;
    return this.copyWithReals(value, this.typeOf(container, key) === 'real');
  }

  private copyWithReals(value: Json, isReal: boolean): Json {
    if (typeof value === 'number') return isReal && Number.isInteger(value) ? value + 0.5 : value;
    if (Array.isArray(value)) return value.map((item, i) => this.copyWithReals(item, this.typeOf(value, i) === 'real'));
    if (value !== null && typeof value === 'object') {
      const copy: JsonObject = {};
      for (const key of Object.keys(value)) {
        Object.defineProperty(copy, key, {
          value: this.copyWithReals(value[key] as Json, this.typeOf(value, key) === 'real'),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return copy;
    }
    return value;
  }
}

export type PayloadDecodeResult = { ok: true; payload: RequestPayload } | { ok: false; message: string };

const PROTOCOL_ERROR_TEXT = 'Protocol error';

/**
 * The payload as a JSON object, or the message Flux puts after "invalid payload: " when it is
 * not one (no payload, no trailing NUL, not JSON, not an object).
 */
export function decodeRequestPayload(payload: ServiceRequest['payload']): PayloadDecodeResult {
  switch (payload.kind) {
    case 'none':
      return { ok: false, message: 'message does not have a string payload' };
    case 'raw': {
      const bytes = payload.bytes;
      if (bytes.length === 0 || bytes[bytes.length - 1] !== 0) {
        return { ok: false, message: `flux_msg_get_string: ${PROTOCOL_ERROR_TEXT}` };
      }
      // The text ends at the first NUL, as a C string does.
      const parsed = parseJanssonText(bytes.subarray(0, bytes.indexOf(0)));
      if (!parsed.ok) return parsed;
      if (Array.isArray(parsed.value)) return { ok: false, message: 'payload is not a JSON object' };
      return { ok: true, payload: new RequestPayload(parsed.value, parsed.reals) };
    }
    case 'json': {
      const value = payload.value;
      if (Array.isArray(value)) return { ok: false, message: 'payload is not a JSON object' };
      if (value === null || typeof value !== 'object') return { ok: false, message: topLevelScalarError(stringifyJson(value)) };
      return { ok: true, payload: new RequestPayload(value) };
    }
  }
}

/**
 * How a field is read: 'int' is Jansson "i" (a C int: the low 32 bits), 'int64' is "I",
 * 'number' is "F" (real or integer), 'string' is "s", 'boolean' is "b" (true or false),
 * 'any' is "o".
 */
export type FieldKind = 'int' | 'int64' | 'number' | 'string' | 'boolean' | 'any';

export interface FieldSpec {
  readonly key: string;
  readonly kind: FieldKind;
  readonly optional?: boolean;
}

export type FieldValue = number | bigint | string | Json;
export type UnpackResult = { ok: true; values: Map<string, FieldValue> } | { ok: false; message: string };

function toBigInt(value: number | bigint): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}

/**
 * Reads fields in order, stopping at the first problem with Jansson's message. A key whose
 * value is JSON null counts as present (and then has the wrong type).
 */
export function unpackFields(payload: RequestPayload, fields: readonly FieldSpec[]): UnpackResult {
  const object = payload.object;
  const values = new Map<string, FieldValue>();
  for (const field of fields) {
    const type = payload.typeOf(object, field.key);
    if (type === undefined) {
      if (field.optional === true) continue;
      return { ok: false, message: `Object item not found: ${field.key}` };
    }
    const value = object[field.key] as Json;
    switch (field.kind) {
      case 'int':
      case 'int64': {
        if (type !== 'integer') return { ok: false, message: `Expected integer, got ${type}` };
        const wide = toBigInt(value as number | bigint);
        values.set(field.key, field.kind === 'int' ? Number(BigInt.asIntN(32, wide)) : BigInt.asIntN(64, wide));
        break;
      }
      case 'number':
        if (type !== 'integer' && type !== 'real') return { ok: false, message: `Expected real or integer, got ${type}` };
        values.set(field.key, Number(value as number | bigint));
        break;
      case 'string':
        if (type !== 'string') return { ok: false, message: `Expected string, got ${type}` };
        values.set(field.key, value);
        break;
      case 'boolean':
        if (type !== 'true' && type !== 'false') return { ok: false, message: `Expected true or false, got ${type}` };
        values.set(field.key, value);
        break;
      case 'any':
        values.set(field.key, value);
        break;
    }
  }
  return { ok: true, values };
}
