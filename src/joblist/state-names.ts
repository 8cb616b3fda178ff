import { JOB_RESULT_NAMES, JOB_STATE_NAMES, STATE_MASK_NAMES } from '../flux/constants';

/**
 * How a state or result number is written: L long upper (the default), l long lower,
 * S short upper, s short lower — the format letters of flux_job_statetostr().
 */
export type NameFormat = 'L' | 'l' | 'S' | 's';

/** [long upper, short upper]; the lower forms are these in lower case. */
type NamePair = readonly [string, string];

const STATE_NAMES: ReadonlyMap<number, NamePair> = new Map<number, NamePair>(
  [...JOB_STATE_NAMES, ...STATE_MASK_NAMES].map((n) => [n.bits, [n.name, n.abbrev]]),
);

const RESULT_NAMES: ReadonlyMap<number, NamePair> = new Map<number, NamePair>(JOB_RESULT_NAMES.map((n) => [n.bits, [n.name, n.abbrev]]));

/** Flux prints numbers it has no name for this way rather than failing. */
const UNKNOWN: NamePair = ['(unknown)', '?'];

function pick(pair: NamePair, format: NameFormat): string {
  switch (format) {
    case 'S':
      return pair[1];
    case 's':
      return pair[1].toLowerCase();
    case 'l':
      return pair[0].toLowerCase();
    default:
      return pair[0];
  }
}

/** The name of a state bit or virtual state mask; "(unknown)" / "?" for any other number. */
export function stateToString(state: number, format: NameFormat = 'L'): string {
  return pick(STATE_NAMES.get(state) ?? UNKNOWN, format);
}

/** The name of a result bit; "(unknown)" / "?" for any other number. */
export function resultToString(result: number, format: NameFormat = 'L'): string {
  return pick(RESULT_NAMES.get(result) ?? UNKNOWN, format);
}
