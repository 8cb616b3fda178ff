/**
 * Flux decodes request payloads with Jansson, which refuses JSON nested deeper than 2048 arrays
 * and objects ("maximum parsing depth reached"), so job-list never sees a deeper constraint: it
 * answers EPROTO. The port measures the depth first, without recursion, so that a constraint
 * nested thousands of levels deep is refused as Flux refuses it instead of overflowing a stack
 * while the payload is being written.
 */
import type { Json } from '../flux/json';

/** Jansson's JSON_PARSER_DEFAULT_DEPTH. */
export const JANSSON_MAX_DEPTH = 2048;

/** Nesting depth of a JSON value (a scalar is 0, `{}` and `[]` are 1), counted up to `limit + 1` at most. */
export function jsonDepth(value: Json | undefined, limit: number = JANSSON_MAX_DEPTH): number {
  let deepest = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (current === null || typeof current !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    for (const child of children) stack.push({ value: child, depth: here });
  }
  return deepest;
}

/**
 * Why Flux would refuse this constraint for its nesting alone, or undefined. The constraint
 * sits one level inside the request payload, so it may be at most 2047 deep.
 */
export function constraintDepthProblem(constraint: Json): string | undefined {
  const allowed = JANSSON_MAX_DEPTH - 1;
  const depth = jsonDepth(constraint, allowed);
  if (depth <= allowed) return undefined;
  return `invalid payload: maximum parsing depth reached (the constraint is nested more than ${allowed} levels deep; Flux's JSON parser refuses a payload nested deeper than ${JANSSON_MAX_DEPTH})`;
}
