// Wall-clock arithmetic in the gateway's time zone: expireAt is written as local "yyyy-mm-dd hh:mm:ss",
// gatewayTransIds carry the local date, and the cancellation window ends at 23:59:59 local time.

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, f);
  }
  return f;
}

export function isTimezone(timezone: string): boolean {
  try {
    formatter(timezone);
    return true;
  } catch {
    return false;
  }
}

export function localDateTime(epochMs: number, timezone: string): LocalDateTime {
  const parts = Object.fromEntries(formatter(timezone).formatToParts(new Date(epochMs)).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

const asUtc = (t: LocalDateTime) => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);

/** Offset of the zone from UTC at this instant, in ms (local minus UTC). */
function offsetAt(epochMs: number, timezone: string): number {
  return asUtc(localDateTime(epochMs, timezone)) - Math.floor(epochMs / 1000) * 1000;
}

const sameLocal = (a: LocalDateTime, b: LocalDateTime) =>
  a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;

/** The instant a local wall-clock time denotes, or null when it does not exist (Feb 30, a DST gap). */
export function zonedToEpoch(local: LocalDateTime, timezone: string): number | null {
  const guess = asUtc(local);
  let epoch = guess - offsetAt(guess, timezone);
  const second = offsetAt(epoch, timezone);
  if (guess - second !== epoch) epoch = guess - second;
  return sameLocal(localDateTime(epoch, timezone), local) ? epoch : null;
}

const GATEWAY_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Parses the seed's "yyyy-mm-dd hh:mm:ss" in the gateway's zone; null when malformed or no such time. */
export function parseGatewayTime(text: string, timezone: string): number | null {
  const m = GATEWAY_TIME.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return zonedToEpoch({ year, month, day, hour, minute, second }, timezone);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function formatGatewayTime(epochMs: number, timezone: string): string {
  const t = localDateTime(epochMs, timezone);
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}

/** "yyyymmdd" of the local date, the prefix of gatewayTransIds. */
export function localDateKey(epochMs: number, timezone: string): string {
  const t = localDateTime(epochMs, timezone);
  return `${pad(t.year, 4)}${pad(t.month)}${pad(t.day)}`;
}

/** The last instant a payment made at paidAt may be cancelled: 23:59:59.999 local time of that date. */
export function cancelDeadline(paidAt: number, timezone: string): number {
  const t = localDateTime(paidAt, timezone);
  const endOfDay = zonedToEpoch({ ...t, hour: 23, minute: 59, second: 59 }, timezone);
  // A DST gap never falls on 23:59:59 in practice; fall back to 24h after the payment if it ever does.
  return endOfDay === null ? paidAt + 24 * 3600_000 : endOfDay + 999;
}
