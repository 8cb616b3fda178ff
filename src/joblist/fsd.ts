import { formatFixed, formatGeneral } from './c-number-format';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Flux Standard Duration text for a number of seconds, as flux-core's Python `fsd()` writes
 * it: "0s" below a millisecond, "1.500s" below ten seconds, then four significant digits
 * with the largest fitting unit ("59.9s", "10.02m", "1.667h", "116.9d"); "inf" for infinity.
 */
export function formatFsd(seconds: number): string {
  if (seconds === Infinity || seconds === -Infinity) return 'inf';
  if (seconds < 1.0e-3) return '0s';
  if (seconds < 10.0) return `${formatFixed(seconds, 3)}s`;
  if (seconds < MINUTE) return `${formatGeneral(seconds, 4)}s`;
  if (seconds < HOUR) return `${formatGeneral(seconds / MINUTE, 4)}m`;
  if (seconds < DAY) return `${formatGeneral(seconds / HOUR, 4)}h`;
  // NaN falls through every comparison to here, as in Flux ("nand").
  return `${formatGeneral(seconds / DAY, 4)}d`;
}
