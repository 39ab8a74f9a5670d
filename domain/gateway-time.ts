// Wall-clock arithmetic in the gateway's time zone (expireAt strings, the local date in
// gatewayTransIds, the same-day cancel deadline). Pure functions over epoch milliseconds, shared by
// the API, the gateway sandbox and the machines: they read no clock. In workflow code (the
// machines) they depend on the zone rules of the Node release (its ICU data): a worker upgrade
// that changed a zone's past rules could read an old payment's cancellation period differently.

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const GATEWAY_FORMAT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

// Building an Intl.DateTimeFormat is costly; keep one per time zone. An unknown zone throws a
// RangeError here and is never cached.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is a time zone Intl knows (an IANA name such as Asia/Shanghai, or UTC). */
export function isTimezone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of instant `ms` in `timeZone` (month 1-12). */
export function localDateTime(ms: number, timeZone: string): LocalDateTime {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const get = (t: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === t)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** Offset of `timeZone` from UTC at instant `ms`, in minutes (e.g. +480 for Asia/Shanghai). */
export function offsetMinutes(ms: number, timeZone: string): number {
  const t = localDateTime(ms, timeZone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** Parses "yyyy-mm-dd hh:mm:ss" as a wall time in `timeZone`; null when the text or date is invalid. */
export function parseGatewayTime(text: string, timeZone: string): number | null {
  const m = GATEWAY_FORMAT.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const naive = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(naive);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return null;
  }
  // Two passes settle the offset across a DST change. A wall time inside a DST gap (which does not
  // exist locally) still yields an instant; callers that need a real local time compare
  // formatGatewayTime(result) with the text.
  let ms = naive - offsetMinutes(naive, timeZone) * 60_000;
  ms = naive - offsetMinutes(ms, timeZone) * 60_000;
  return ms;
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** "yyyy-mm-dd hh:mm:ss" wall time of instant `ms` in `timeZone`. */
export function formatGatewayTime(ms: number, timeZone: string): string {
  const local = new Date(ms + offsetMinutes(ms, timeZone) * 60_000);
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
}

/** "yyyymmdd" of the local date of instant `ms` in `timeZone` (the prefix of gatewayTransIds). */
export function localDateKey(ms: number, timeZone: string): string {
  return formatGatewayTime(ms, timeZone).slice(0, 10).replaceAll('-', '');
}

/** ISO-8601 with the zone's offset, e.g. 2026-11-26T18:00:00+08:00. */
export function isoWithOffset(ms: number, timeZone: string): string {
  const off = offsetMinutes(ms, timeZone);
  const sign = off < 0 ? '-' : '+';
  return `${formatGatewayTime(ms, timeZone).replace(' ', 'T')}${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

/** The last 23:59:59 of the calendar day that contains `ms` in `timeZone`: the last second to cancel. */
export function endOfGatewayDay(ms: number, timeZone: string): number {
  const day = formatGatewayTime(ms, timeZone).slice(0, 10);
  let end = parseGatewayTime(`${day} 23:59:59`, timeZone);
  if (end === null) throw new RangeError(`${day} is not a date this service can name in ${timeZone}`);
  // Where the clocks go back at midnight (America/Santiago in April) the day's last hour comes
  // twice: its end is the second 23:59:59.
  while (formatGatewayTime(end + 3_600_000, timeZone).slice(0, 10) === day) end += 3_600_000;
  return end;
}
