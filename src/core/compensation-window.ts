/**
 * Start of the multi-device compensation window: 00:00 of the day
 * `days - 1` days before today, in `timeZone` (docs/architecture.md "Delivery rules").
 */
export function compensationWindowStart(now: number, days: number, timeZone: string): number {
  const key = `${timeZone}|${days}`;
  const known = windows.get(key);
  // The start moves only at local midnight: computed once per day and zone, not per connect.
  if (known && known.from <= now && now < known.until) return known.start;
  const today = localDate(now, timeZone);
  const first = new Date(Date.UTC(today.year, today.month - 1, today.day - (days - 1)));
  const start = zonedMidnight(first.getUTCFullYear(), first.getUTCMonth() + 1, first.getUTCDate(), timeZone);
  const tomorrow = new Date(Date.UTC(today.year, today.month - 1, today.day + 1));
  windows.set(key, {
    start,
    from: zonedMidnight(today.year, today.month, today.day, timeZone),
    until: zonedMidnight(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth() + 1, tomorrow.getUTCDate(), timeZone),
  });
  return start;
}

/** The window start of each zone and length, for the local day [from, until) it holds in. */
const windows = new Map<string, { start: number; from: number; until: number }>();

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock fields of `instant` in `timeZone` (also read by the hourly history export). */
export function localDate(instant: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return parts as unknown as LocalTime;
}

/** Offset of `timeZone` from UTC at `instant`, in ms (positive east of Greenwich). */
function offsetAt(instant: number, timeZone: string): number {
  const t = localDate(instant, timeZone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

/** The instant of local midnight starting the given date (or the first instant of it, across a DST jump). */
function zonedMidnight(year: number, month: number, day: number, timeZone: string): number {
  const naive = Date.UTC(year, month - 1, day);
  let guess = naive - offsetAt(naive, timeZone);
  // A second pass settles dates whose offset differs between the naive guess and the answer.
  guess = naive - offsetAt(guess, timeZone);
  return guess;
}
