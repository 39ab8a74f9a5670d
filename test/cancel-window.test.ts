// The cancellation period follows the payment date (domain/cancel-window.ts), on the time-skipping
// server at its boundaries, in Asia/Shanghai and in a zone whose second day is its DST change day:
// created 23:59:30 and paid 00:00:10 the next day, a payment can be cancelled until 23:59:59.999
// of that day and not a millisecond later; paid on day 2 after being created on day 1, it can be
// cancelled on day 2; a payment still pending can be cancelled (closed) on any day until it ends.
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { formatGatewayTime, isoWithOffset, offsetMinutes, parseGatewayTime } from '../domain/gateway-time.js';
import { cancelUpdate, stateQuery } from '../workflows/messages.js';
import { scriptedGateway } from './support/scripted-gateway.js';

const gateway = scriptedGateway();
const DAY = 24 * 3_600_000;

/** The instant of a gateway-time wall clock "yyyy-mm-dd hh:mm:ss" (+ ms) in `timeZone`. */
const wall = (date: string, time: string, timeZone: string, ms = 0) => parseGatewayTime(`${date} ${time}`, timeZone)! + ms;
const dateOf = (at: number, timeZone: string) => formatGatewayTime(at, timeZone).slice(0, 10);
const nextDate = (date: string, timeZone: string) => dateOf(wall(date, '12:00:00', timeZone) + DAY, timeZone);

/** Day 1 and day 2 of a suite: in a DST zone, day 2 is the next day the clocks change. */
async function days(timeZone: string, dstDay: boolean) {
  let day2 = nextDate(dateOf(await gateway.now(), timeZone), timeZone);
  // Skip past today so day 1 starts in the future, wherever the clock is.
  day2 = nextDate(day2, timeZone);
  if (dstDay) {
    for (let i = 0; wall(nextDate(day2, timeZone), '00:00:00', timeZone) - wall(day2, '00:00:00', timeZone) === DAY; i++) {
      if (i > 400) throw new Error(`${timeZone} has no DST change within a year`);
      day2 = nextDate(day2, timeZone);
    }
  }
  const day1 = dateOf(wall(day2, '00:00:00', timeZone) - 1, timeZone);
  return { day1, day2, day3: nextDate(day2, timeZone) };
}

const cancel = (handle: WorkflowHandle) => handle.executeUpdate(cancelUpdate, { args: [{ requestedBy: 'test' }] });

describe.each([
  ['Asia/Shanghai', false],
  ['America/Los_Angeles', true],
] as const)('cancellation period in %s (day 2 a DST change day: %s)', (timeZone, dstDay) => {
  it('created 23:59:30, paid 00:00:10: cancel at 00:00:20 and at 23:59:59.999 accepted, at 00:00:00 the day after refused with nothing sent upstream', async () => {
    const { day1, day2, day3 } = await days(timeZone, dstDay);
    if (dstDay) expect(offsetMinutes(wall(day2, '00:00:00', timeZone), timeZone)).not.toBe(offsetMinutes(wall(day3, '00:00:00', timeZone), timeZone));
    await gateway.skipTo(wall(day1, '23:59:30', timeZone));
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => gateway.start('CASHIER_PAYMENT', timeZone, { expiresInMs: 2 * 3_600_000 })));
    const created = await gateway.until(a.handle.workflowId, 'PENDING');
    expect(created).toMatchObject({ status: 'PENDING', allowed: { cancel: true }, cancelDeadline: created.expiresAt });

    await gateway.skipTo(wall(day2, '00:00:10', timeZone));
    for (const p of [a, b, c]) {
      await gateway.notifyPaid(p.handle.workflowId, p.merchantTransId);
      const paid = await gateway.until(p.handle.workflowId, 'SUCCEEDED');
      // The period now runs to the end of the paid date, not the created one.
      expect(paid.cancelDeadline).toBe(isoWithOffset(wall(day2, '23:59:59', timeZone), timeZone));
      expect(paid.allowed.cancel).toBe(true);
    }

    await gateway.skipTo(wall(day2, '00:00:20', timeZone));
    expect(await cancel(a.handle)).toMatchObject({ status: 'CANCELLED' });
    expect(gateway.cancels).toContain(a.merchantTransId);

    // The last millisecond: the server's clock runs on in real time while the update travels, so
    // aim a little before it and check the cancel was applied within the period's final 200 ms.
    await gateway.skipTo(wall(day2, '23:59:59', timeZone, 800));
    expect((await b.handle.query(stateQuery)).allowed.cancel).toBe(true);
    const lastMoment = await cancel(b.handle);
    expect(lastMoment.status).toBe('CANCELLED');
    expect(Date.parse(lastMoment.updatedAt)).toBeGreaterThanOrEqual(wall(day2, '23:59:59', timeZone, 800));
    expect(Date.parse(lastMoment.updatedAt)).toBeLessThanOrEqual(wall(day2, '23:59:59', timeZone, 999));
    expect(gateway.cancels).toContain(b.merchantTransId);

    await gateway.skipTo(wall(day3, '00:00:00', timeZone));
    // The period's end is a durable timer: once it fires the view says so.
    await gateway.until(c.handle.workflowId, (v) => !v.allowed.cancel);
    await expect(cancel(c.handle)).rejects.toMatchObject({ cause: { type: 'CANCEL_WINDOW_CLOSED' } });
    expect((await c.handle.query(stateQuery)).status).toBe('SUCCEEDED');
    expect(gateway.cancels).not.toContain(c.merchantTransId);
  });

  it('created on day 1, paid on day 2 at 15:00 (found by DETAIL): cancel on day 2 at 20:00 accepted', async () => {
    const { day1, day2 } = await days(timeZone, dstDay);
    await gateway.skipTo(wall(day1, '10:00:00', timeZone));
    const p = await gateway.start('CASHIER_PAYMENT', timeZone, { expiresInMs: 48 * 3_600_000 });
    await gateway.skipTo(wall(day2, '15:00:00', timeZone));
    // Paid now, but nobody tells the service: the next DETAIL poll (at most an hour away) finds it.
    Object.assign(gateway.order(p.merchantTransId), { status: 'SUCCESS', paidAt: await gateway.now() });
    await gateway.skipTo(wall(day2, '16:00:01', timeZone));
    const paid = await gateway.until(p.handle.workflowId, 'SUCCEEDED');
    expect(paid.cancelDeadline).toBe(isoWithOffset(wall(day2, '23:59:59', timeZone), timeZone));

    await gateway.skipTo(wall(day2, '20:00:00', timeZone));
    expect(await cancel(p.handle)).toMatchObject({ status: 'CANCELLED' });
    expect(gateway.cancels).toContain(p.merchantTransId);
  });

  it('a payment still pending, created on day 1, is closed on day 2', async () => {
    const { day1, day2 } = await days(timeZone, dstDay);
    await gateway.skipTo(wall(day1, '23:00:00', timeZone));
    const p = await gateway.start('CASHIER_PAYMENT', timeZone, { expiresInMs: 40 * 3_600_000 });
    await gateway.skipTo(wall(day2, '12:00:00', timeZone));
    const pending = await p.handle.query(stateQuery);
    expect(pending).toMatchObject({ status: 'PENDING', allowed: { cancel: true } });
    expect(pending.cancelDeadline).toBe(pending.expiresAt);
    expect(await cancel(p.handle)).toMatchObject({ status: 'CANCELLED' });
    expect(gateway.cancels).toContain(p.merchantTransId);
    expect(gateway.order(p.merchantTransId).status).toBe('CLOSED');
  });
});
