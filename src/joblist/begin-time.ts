/**
 * Flux shows a `begin-time=<unix time>` dependency as the local wall-clock time it waits for:
 * "begin@14:30" today, "begin@Jan05-14:30" on another day, with ":SS" when the seconds are
 * not zero (flux-core's DependencyList).
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const PREFIX = 'begin-time=';
/** Python's datetime covers years 1..9999; Flux fails outside that, we leave the text alone. */
const MIN_TIMESTAMP = -62135596800;
const MAX_TIMESTAMP = 253402300799;
/** The number syntax Python's float() reads (no hex, no "Infinity"). */
const DECIMAL_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

interface WallClock {
  year: number;
  month: number; // 0-11
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Wall-clock fields of a whole-second Unix time, in `timeZone` or the process's zone. */
function wallClock(seconds: number, timeZone: string | undefined): WallClock {
  const date = new Date(seconds * 1000);
  if (timeZone === undefined) {
    return {
      year: date.getFullYear(),
      month: date.getMonth(),
      day: date.getDate(),
      hour: date.getHours(),
      minute: date.getMinutes(),
      second: date.getSeconds(),
    };
  }
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(date)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 0,
    month: (fields.month ?? 1) - 1,
    day: fields.day ?? 0,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

/** Whole seconds of a timestamp after rounding to microseconds, as datetime.fromtimestamp() does. */
function wholeSeconds(timestamp: number): number {
  const seconds = Math.floor(timestamp);
  const micros = Math.round((timestamp - seconds) * 1e6);
  return micros >= 1e6 ? seconds + 1 : seconds;
}

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * The display form of a begin-time, or undefined when `timestamp` is not a time Flux could
 * show (Flux's own code raises there; we keep the dependency text as it came).
 */
export function formatBeginTime(timestamp: number, nowSeconds: number, timeZone?: string): string | undefined {
  if (!Number.isFinite(timestamp) || timestamp < MIN_TIMESTAMP || timestamp > MAX_TIMESTAMP) return undefined;
  const when = wallClock(wholeSeconds(timestamp), timeZone);
  const today = wallClock(Math.floor(nowSeconds), timeZone);
  const time = `${twoDigits(when.hour)}:${twoDigits(when.minute)}`;
  const sameDay = when.year === today.year && when.month === today.month && when.day === today.day;
  let text = sameDay ? `begin@${time}` : `begin@${MONTHS[when.month] ?? ''}${twoDigits(when.day)}-${time}`;
  if (when.second > 0) text += `:${twoDigits(when.second)}`;
  return text;
}

/** One dependency description as Flux displays it; anything but a readable begin-time is unchanged. */
export function displayDependency(description: string, nowSeconds: number, timeZone?: string): string {
  if (!description.startsWith(PREFIX)) return description;
  const text = description.slice(PREFIX.length).trim();
  if (!DECIMAL_NUMBER.test(text)) return description;
  return formatBeginTime(Number(text), nowSeconds, timeZone) ?? description;
}
