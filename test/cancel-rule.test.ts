// The cancellation period is one rule (domain/cancel-window.ts) read by the service's machine and
// by the gateway sandbox: to the millisecond, both allow a cancel at 23:59:59.999 of the paid date
// and refuse it at 00:00:00.000, however long ago the payment was created, in Asia/Shanghai and on
// a Los Angeles DST change day (23 hours long).
import { initialTransition, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { lastCancelMoment } from '../domain/cancel-window.js';
import { parseGatewayTime } from '../domain/gateway-time.js';
import { cashierPaymentMachine, entryCodeMachine, type PaymentSnapshot } from '../machines/index.js';
import { OrderStore } from '../sandbox/orders.js';
import { sampleInput } from './machines/events.js';

const amount = { currency: 'CNY', value: 1000 };
const wall = (text: string, timeZone: string) => parseGatewayTime(text, timeZone)!;

/** A CASHIER_PAYMENT created at `createdAt`, paid by a notification saying `paidAt`. */
function servicePaid(createdAt: number, paidAt: number, timeZone: string): PaymentSnapshot {
  const input = { ...sampleInput('CASHIER_PAYMENT'), createdAt, expiresAt: createdAt + 48 * 3_600_000, cancelDeadline: createdAt + 48 * 3_600_000, timeZone };
  let [s] = initialTransition(cashierPaymentMachine, input);
  [s] = transition(cashierPaymentMachine, s, { type: 'PAY_ANSWERED', at: createdAt + 1, outcome: 'ACCEPTED', gatewayTransId: 'g-1', status: 'PENDING', settlement: 'WAITING', payAction: null });
  // The notification arrives a minute late; the period follows the gateway's paidAt, not the arrival.
  [s] = transition(cashierPaymentMachine, s, { type: 'NOTIFIED', at: paidAt + 60_000, notifyId: 'n-1', product: 'CASHIER_PAYMENT', status: 'SUCCESS', gatewayTransId: 'g-1', amount, paidAt });
  expect(s.value).toBe('succeeded');
  return s;
}

/** The sandbox's order created at `createdAt` and paid at `paidAt`; `clock` moves its time. */
function sandboxPaid(createdAt: number, paidAt: number, timeZone: string) {
  const clock = { now: createdAt };
  const orders = new OrderStore(timeZone, () => clock.now, (t) => `https://sandbox/cashier/${t}`);
  const order = orders.create({ product: 'CASHIER_PAYMENT', amount, description: 'tea', notifyUrl: 'https://merchant/notify', expireAt: createdAt + 48 * 3_600_000, cashier: true });
  clock.now = paidAt;
  expect(orders.markPaid(order)).toBe(true);
  return { cancelAt: (at: number) => ((clock.now = at), orders.cancel(order)) };
}

describe.each([
  ['Asia/Shanghai', '2026-12-01', '2026-12-02'],
  ['America/Los_Angeles', '2027-03-13', '2027-03-14'],
])('the cancellation period in %s', (timeZone, day1, day2) => {
  const createdAt = wall(`${day1} 23:59:30`, timeZone);
  const paidAt = wall(`${day2} 00:00:10`, timeZone);
  const lastMoment = wall(`${day2} 23:59:59`, timeZone) + 999;

  it('ends at 23:59:59.999 of the paid date', () => {
    expect(lastCancelMoment(paidAt, timeZone)).toBe(lastMoment);
    expect(servicePaid(createdAt, paidAt, timeZone).context.cancelDeadline).toBe(lastMoment);
  });

  it('the service allows a cancel at its last millisecond and refuses it one later', () => {
    const paid = servicePaid(createdAt, paidAt, timeZone);
    expect(paid.can({ type: 'CANCEL_REQUESTED', at: lastMoment })).toBe(true);
    expect(paid.can({ type: 'CANCEL_REQUESTED', at: lastMoment + 1 })).toBe(false);
  });

  it('the sandbox (the gateway) does the same', () => {
    expect(sandboxPaid(createdAt, paidAt, timeZone).cancelAt(lastMoment)).toEqual({ ok: true });
    expect(sandboxPaid(createdAt, paidAt, timeZone).cancelAt(lastMoment + 1)).toMatchObject({ ok: false, code: 'CANCEL_WINDOW_EXCEED' });
  });
});

describe('which paidAt starts the period', () => {
  const tz = 'Asia/Shanghai';
  const createdAt = wall('2026-12-01 23:59:40', tz);

  it("ENTRY_CODE: the notification's paidAt, though DETAIL confirms it after midnight without one", () => {
    const paidAt = wall('2026-12-01 23:59:50', tz);
    const input = { ...sampleInput('ENTRY_CODE'), createdAt, expiresAt: createdAt, cancelDeadline: createdAt, timeZone: tz };
    let [s] = initialTransition(entryCodeMachine, input);
    [s] = transition(entryCodeMachine, s, { type: 'NOTIFIED', at: createdAt, notifyId: 'n-1', product: 'ENTRY_CODE', status: 'SUCCESS', gatewayTransId: 'g-1', amount, paidAt });
    expect(s.value).toBe('verifyingNotification');
    const confirmedAt = wall('2026-12-02 00:00:10', tz);
    [s] = transition(entryCodeMachine, s, { type: 'DETAIL_ANSWERED', at: confirmedAt, found: true, gatewayTransId: 'g-1', status: 'SUCCESS', settlement: 'PAID', amount, payAction: null });
    expect(s.value).toBe('succeeded');
    expect(s.context.paidAt).toBe(paidAt);
    expect(s.context.cancelDeadline).toBe(lastCancelMoment(paidAt, tz));
    expect(s.can({ type: 'CANCEL_REQUESTED', at: confirmedAt })).toBe(false);
  });

  it.each([
    ['in the future', '2100-01-01 00:00:00'],
    ['long before the payment started', '1970-01-02 00:00:00'],
  ])('a paidAt %s is not used: the arrival time is, and the payment is flagged', (_, text) => {
    const arrived = wall('2026-12-02 00:00:10', tz);
    const paid = servicePaid(createdAt, arrived - 60_000, tz); // the usual path, for comparison
    expect(paid.context.flags).toEqual([]);
    const input = { ...sampleInput('CASHIER_PAYMENT'), createdAt, expiresAt: createdAt + 3_600_000, cancelDeadline: createdAt, timeZone: tz };
    let [s] = initialTransition(cashierPaymentMachine, input);
    [s] = transition(cashierPaymentMachine, s, { type: 'PAY_ANSWERED', at: createdAt + 1, outcome: 'ACCEPTED', gatewayTransId: 'g-1', status: 'PENDING', settlement: 'WAITING', payAction: null });
    [s] = transition(cashierPaymentMachine, s, { type: 'NOTIFIED', at: arrived, notifyId: 'n-1', product: 'CASHIER_PAYMENT', status: 'SUCCESS', gatewayTransId: 'g-1', amount, paidAt: wall(text, tz) });
    expect(s.value).toBe('succeeded');
    expect(s.context.paidAt).toBe(arrived);
    expect(s.context.cancelDeadline).toBe(lastCancelMoment(arrived, tz));
    expect(s.context.flags.map((f) => f.code)).toEqual(['PAID_AT_IMPLAUSIBLE']);
  });
});
