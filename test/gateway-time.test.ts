// Wall-clock arithmetic in the gateway time zone: parse/format round trips, invalid dates, a DST
// zone, and the end of the local day.
import { describe, expect, it } from 'vitest';
import {
  endOfGatewayDay,
  formatGatewayTime,
  isoWithOffset,
  isTimezone,
  localDateKey,
  localDateTime,
  offsetMinutes,
  parseGatewayTime,
} from '../domain/gateway-time.js';

const SH = 'Asia/Shanghai';
const NY = 'America/New_York';

describe('gateway time', () => {
  it('round-trips a wall time in Asia/Shanghai (UTC+8)', () => {
    const ms = parseGatewayTime('2026-11-26 18:00:00', SH);
    expect(ms).toBe(Date.UTC(2026, 10, 26, 10, 0, 0));
    expect(formatGatewayTime(ms!, SH)).toBe('2026-11-26 18:00:00');
    expect(isoWithOffset(ms!, SH)).toBe('2026-11-26T18:00:00+08:00');
    expect(offsetMinutes(ms!, SH)).toBe(480);
    expect(localDateKey(ms!, SH)).toBe('20261126');
    expect(localDateTime(ms!, SH)).toEqual({ year: 2026, month: 11, day: 26, hour: 18, minute: 0, second: 0 });
    // The local date rolls over before the UTC one does.
    expect(formatGatewayTime(Date.UTC(2026, 10, 26, 16, 30, 0), SH)).toBe('2026-11-27 00:30:00');
  });

  it('rejects a date that does not exist and text that is not the format', () => {
    expect(parseGatewayTime('2026-02-30 12:00:00', SH)).toBeNull();
    expect(parseGatewayTime('2026-02-29 12:00:00', SH)).toBeNull(); // 2026 is not a leap year
    expect(parseGatewayTime('2026-01-01 24:00:00', SH)).toBeNull();
    expect(parseGatewayTime('2026-01-01T12:00:00', SH)).toBeNull();
    expect(parseGatewayTime('2026-1-1 12:00:00', SH)).toBeNull();
  });

  it('follows the DST change in America/New_York on 2026-03-08', () => {
    const before = parseGatewayTime('2026-03-08 01:30:00', NY)!;
    const after = parseGatewayTime('2026-03-08 03:30:00', NY)!;
    expect(before).toBe(Date.UTC(2026, 2, 8, 6, 30, 0)); // EST, UTC-5
    expect(after).toBe(Date.UTC(2026, 2, 8, 7, 30, 0)); // EDT, UTC-4
    expect(after - before).toBe(3600_000); // two wall-clock hours, one real hour
    expect(offsetMinutes(before, NY)).toBe(-300);
    expect(offsetMinutes(after, NY)).toBe(-240);
    expect(isoWithOffset(before, NY)).toBe('2026-03-08T01:30:00-05:00');
    expect(isoWithOffset(after, NY)).toBe('2026-03-08T03:30:00-04:00');
    for (const ms of [before, after]) expect(parseGatewayTime(formatGatewayTime(ms, NY), NY)).toBe(ms);
    // 02:30 does not exist that day: it parses, but does not read back as itself.
    const gap = parseGatewayTime('2026-03-08 02:30:00', NY)!;
    expect(formatGatewayTime(gap, NY)).not.toBe('2026-03-08 02:30:00');
  });

  it('ends the gateway day at 23:59:59 local time', () => {
    const noon = parseGatewayTime('2026-11-26 12:00:00', SH)!;
    expect(formatGatewayTime(endOfGatewayDay(noon, SH), SH)).toBe('2026-11-26 23:59:59');
    expect(endOfGatewayDay(noon, SH)).toBe(Date.UTC(2026, 10, 26, 15, 59, 59));
    // Just past local midnight belongs to the next day, though it is still the 26th in UTC.
    const afterMidnight = parseGatewayTime('2026-11-27 00:00:00', SH)!;
    expect(formatGatewayTime(endOfGatewayDay(afterMidnight, SH), SH)).toBe('2026-11-27 23:59:59');
    // On the 23-hour DST day the end of day is still 23:59:59 local, in EDT.
    const dstDay = parseGatewayTime('2026-03-08 00:30:00', NY)!;
    expect(isoWithOffset(endOfGatewayDay(dstDay, NY), NY)).toBe('2026-03-08T23:59:59-04:00');
    // Where the clocks go back at midnight the last hour comes twice: the day ends at the second 23:59:59.
    const santiago = 'America/Santiago';
    const repeated = parseGatewayTime('2026-04-04 12:00:00', santiago)!;
    expect(isoWithOffset(endOfGatewayDay(repeated, santiago), santiago)).toBe('2026-04-04T23:59:59-04:00');
    expect(formatGatewayTime(endOfGatewayDay(repeated, santiago) + 1000, santiago)).toBe('2026-04-05 00:00:00');
  });

  it('knows IANA time zones', () => {
    expect(isTimezone(SH)).toBe(true);
    expect(isTimezone('UTC')).toBe(true);
    expect(isTimezone('Mars/Olympus_Mons')).toBe(false);
    expect(() => offsetMinutes(0, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
