// The CASHIER_PAYMENT machine on its own: pure transitions, no servers.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { cashierPaymentMachine, statusOf, type PaymentEvent, type PaymentInput } from '../../machines/index.js';
import { MAX_PAY_ATTEMPTS } from '../../machines/shared.js';

const T0 = Date.UTC(2026, 10, 26, 2, 0, 0);
const input: PaymentInput = {
  paymentId: 'alipay-cn:m-1',
  merchantTransId: 'm-1',
  product: 'CASHIER_PAYMENT',
  amount: { currency: 'CNY', value: 1000 },
  createdAt: T0,
  expiresAt: T0 + 30 * 60_000,
  cancelDeadline: T0 + 12 * 3600_000,
  pollInitialMs: 10_000,
  pollMaxMs: 300_000,
  maxPolls: null,
};
const qr = { type: 'QRCODE' as const, redirectUrl: 'https://sandbox/cashier/t' };
const amount = input.amount;
const ev = {
  payPending: { type: 'PAY_ANSWERED', at: T0 + 1, outcome: 'ACCEPTED', gatewayTransId: 'g-1', status: 'PENDING', settlement: 'WAITING', payAction: qr },
  payRejected: { type: 'PAY_ANSWERED', at: T0 + 1, outcome: 'REJECTED', code: 'PARAM_ILLEGAL', message: 'bad' },
  payUnknown: { type: 'PAY_ANSWERED', at: T0 + 1, outcome: 'UNKNOWN', reason: 'timeout' },
  payUnreachable: { type: 'PAY_ANSWERED', at: T0 + 1, outcome: 'UNREACHABLE', message: 'ECONNREFUSED' },
  detailPending: { type: 'DETAIL_ANSWERED', at: T0 + 2, found: true, gatewayTransId: 'g-1', status: 'PENDING', settlement: 'WAITING', amount, payAction: qr },
  detailSuccess: { type: 'DETAIL_ANSWERED', at: T0 + 2, found: true, gatewayTransId: 'g-1', status: 'SUCCESS', settlement: 'PAID', amount, payAction: qr },
  detailFail: { type: 'DETAIL_ANSWERED', at: T0 + 2, found: true, gatewayTransId: 'g-1', status: 'FAIL', settlement: 'FAILED', amount, payAction: qr },
  detailClosed: { type: 'DETAIL_ANSWERED', at: T0 + 2, found: true, gatewayTransId: 'g-1', status: 'CLOSED', settlement: 'CLOSED', amount, payAction: qr },
  detailCancelled: { type: 'DETAIL_ANSWERED', at: T0 + 2, found: true, gatewayTransId: 'g-1', status: 'CANCELLED', settlement: 'REVERSED', amount, payAction: qr },
  detailNotFound: { type: 'DETAIL_ANSWERED', at: T0 + 2, found: false },
  notifiedSuccess: { type: 'NOTIFIED', at: T0 + 3, notifyId: 'n-1', status: 'SUCCESS', gatewayTransId: 'g-1', amount },
  notifiedFail: { type: 'NOTIFIED', at: T0 + 3, notifyId: 'n-2', status: 'FAIL', gatewayTransId: 'g-1', amount },
  notifiedWrongAmount: { type: 'NOTIFIED', at: T0 + 3, notifyId: 'n-3', status: 'SUCCESS', gatewayTransId: 'g-1', amount: { currency: 'CNY', value: 1 } },
  pollDue: { type: 'POLL_DUE', at: T0 + 10_000 },
  expiryDue: { type: 'EXPIRY_DUE', at: T0 + 30 * 60_000 },
  cancelOk: { type: 'CANCEL_ANSWERED', at: T0 + 4, ok: true, status: 'CLOSED' },
  cancelRefused: { type: 'CANCEL_ANSWERED', at: T0 + 4, ok: false, code: 'ORDER_STATUS_INVALID', message: 'paid' },
  cancelRequested: { type: 'CANCEL_REQUESTED', at: T0 + 5 },
  cancelTooLate: { type: 'CANCEL_REQUESTED', at: T0 + 12 * 3600_000 + 1 },
  refund600: { type: 'REFUND_REQUESTED', at: T0 + 6, refundId: 'r-1', amount: { currency: 'CNY', value: 600 }, reason: null },
  refund500: { type: 'REFUND_REQUESTED', at: T0 + 6, refundId: 'r-2', amount: { currency: 'CNY', value: 500 }, reason: null },
  refund400: { type: 'REFUND_REQUESTED', at: T0 + 6, refundId: 'r-3', amount: { currency: 'CNY', value: 400 }, reason: null },
  refund1Failed: { type: 'REFUND_ANSWERED', at: T0 + 7, refundId: 'r-1', status: 'FAIL', gatewayRefundId: 'gr-1' },
  refund1Succeeded: { type: 'REFUND_ANSWERED', at: T0 + 7, refundId: 'r-1', status: 'SUCCESS', gatewayRefundId: 'gr-1' },
} satisfies Record<string, PaymentEvent>;

function run(...events: PaymentEvent[]) {
  let [snapshot, actions] = initialTransition(cashierPaymentMachine, input);
  const effects: string[] = actions.map((a) => a.type);
  for (const e of events) {
    [snapshot, actions] = transition(cashierPaymentMachine, snapshot, e);
    effects.push(...actions.map((a) => (a.type === 'publish' ? `publish:${(a.params as { type: string }).type}` : a.type)));
  }
  return { snapshot, effects, state: snapshot.value, status: statusOf(snapshot) };
}

describe('CASHIER_PAYMENT machine', () => {
  it('starts by calling PAY in CREATED', () => {
    const r = run();
    expect(r).toMatchObject({ state: 'creating', status: 'CREATED', effects: ['callPay'] });
  });

  it('pays by notification: creating → awaitingShopper → succeeded, publishing each step', () => {
    const r = run(ev.payPending, ev.notifiedSuccess);
    expect(r.state).toBe('succeeded');
    expect(r.effects).toEqual(['callPay', 'publish:payment.pending', 'publish:payment.succeeded']);
    expect(r.snapshot.context).toMatchObject({ gatewayTransId: 'g-1', payAction: qr, paidAt: T0 + 3 });
  });

  it('polls DETAIL on a capped exponential backoff and finds the result', () => {
    const pending = run(ev.payPending);
    expect(pending.snapshot.context.nextPollAt).toBe(T0 + 1 + 10_000);
    const polled = run(ev.payPending, ev.pollDue);
    expect(polled.effects.at(-1)).toBe('callDetail');
    expect(polled.snapshot.context.nextPollAt).toBe(T0 + 10_000 + 20_000);
    let r = run(ev.payPending, ...Array.from({ length: 12 }, () => ev.pollDue));
    expect(r.snapshot.context.nextPollAt! - ev.pollDue.at).toBe(input.pollMaxMs);
    r = run(ev.payPending, ev.pollDue, ev.detailPending, ev.pollDue, ev.detailSuccess);
    expect(r.status).toBe('SUCCEEDED');
  });

  it('fails when the shopper declines, by notification or DETAIL', () => {
    expect(run(ev.payPending, ev.notifiedFail).status).toBe('FAILED');
    expect(run(ev.payPending, ev.pollDue, ev.detailFail).status).toBe('FAILED');
  });

  it('fails at once when the gateway rejects PAY, and as UPSTREAM_UNAVAILABLE when unreachable', () => {
    expect(run(ev.payRejected).snapshot.context.failure).toEqual({ code: 'PARAM_ILLEGAL', message: 'bad' });
    expect(run(ev.payUnreachable).snapshot.context.failure?.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('reconciles an unknown PAY by DETAIL and never sends a second PAY while an order exists', () => {
    const r = run(ev.payUnknown, ev.detailPending, ev.notifiedSuccess);
    expect(r.effects).toEqual(['callPay', 'callDetail', 'publish:payment.pending', 'publish:payment.succeeded']);
    expect(run(ev.payUnknown).status).toBe('PENDING');
    expect(run(ev.payUnknown, ev.detailSuccess).status).toBe('SUCCEEDED');
  });

  it('sends PAY again only when DETAIL shows no order, at most MAX_PAY_ATTEMPTS times', () => {
    const again = run(ev.payUnknown, ev.detailNotFound);
    expect(again.state).toBe('creating');
    expect(again.effects.filter((e) => e === 'callPay')).toHaveLength(2);
    const attempts = Array.from({ length: MAX_PAY_ATTEMPTS }, () => [ev.payUnknown, ev.detailNotFound]).flat();
    const gaveUp = run(...attempts);
    expect(gaveUp.status).toBe('FAILED');
    expect(gaveUp.snapshot.context.failure?.code).toBe('ORDER_NOT_CREATED');
  });

  it('expires: a last DETAIL, then closes the order upstream', () => {
    const r = run(ev.payPending, ev.expiryDue, ev.detailPending, ev.cancelOk);
    expect(r.status).toBe('EXPIRED');
    expect(r.effects).toEqual(['callPay', 'publish:payment.pending', 'callDetail', 'callCancel', 'publish:payment.expired']);
    expect(run(ev.payPending, ev.expiryDue, ev.detailClosed).status).toBe('EXPIRED');
    expect(run(ev.payPending, ev.expiryDue, ev.detailSuccess).status).toBe('SUCCEEDED');
  });

  it('asks DETAIL again when the close is refused because the order changed meanwhile', () => {
    const r = run(ev.payPending, ev.expiryDue, ev.detailPending, ev.cancelRefused, ev.detailSuccess);
    expect(r.status).toBe('SUCCEEDED');
  });

  it('ignores duplicates, late answers and notifications for another amount', () => {
    const paid = run(ev.payPending, ev.notifiedSuccess);
    const [again, actions] = transition(cashierPaymentMachine, paid.snapshot, ev.notifiedSuccess);
    expect(again).toBe(paid.snapshot);
    expect(actions).toEqual([]);
    expect(transition(cashierPaymentMachine, paid.snapshot, ev.notifiedFail)[0]).toBe(paid.snapshot);
    expect(run(ev.payPending, ev.notifiedWrongAmount).state).toBe('awaitingShopper');
  });

  it('refunds in parts, never past the amount; a failed refund frees its part', () => {
    const r = run(ev.payPending, ev.notifiedSuccess, ev.refund600, ev.refund500);
    expect(r.snapshot.context.refunds.map((x) => x.refundId)).toEqual(['r-1']);
    expect(r.effects.slice(-1)).toEqual(['callRefund']);
    const after = run(ev.payPending, ev.notifiedSuccess, ev.refund600, ev.refund1Failed, ev.refund500);
    expect(after.snapshot.context.refunds.map((x) => [x.refundId, x.status])).toEqual([['r-1', 'FAILED'], ['r-2', 'PENDING']]);
    expect(after.effects).toContain('publish:refund.failed');
    const done = run(ev.payPending, ev.notifiedSuccess, ev.refund600, ev.refund1Succeeded, ev.refund400);
    expect(done.effects.filter((e) => e === 'publish:refund.succeeded')).toHaveLength(1);
    expect(done.snapshot.context.refunds).toHaveLength(2);
  });

  it('cancels in full: while pending it closes the order, after success it reverses it, never after a refund or the deadline', () => {
    expect(run(ev.payPending, ev.cancelRequested, ev.cancelOk).status).toBe('CANCELLED');
    expect(run(ev.payPending, ev.cancelRequested, ev.cancelRefused).state).toBe('reconciling');
    expect(run(ev.payPending, ev.notifiedSuccess, ev.cancelRequested, ev.cancelOk).status).toBe('CANCELLED');
    const refused = run(ev.payPending, ev.notifiedSuccess, ev.cancelRequested, ev.cancelRefused);
    expect(refused.status).toBe('SUCCEEDED');
    expect(refused.snapshot.context.cancelRefusal?.code).toBe('ORDER_STATUS_INVALID');
    expect(run(ev.payPending, ev.notifiedSuccess, ev.refund600, ev.cancelRequested).snapshot.context.cancelInFlight).toBe(false);
    expect(run(ev.payPending, ev.notifiedSuccess, ev.cancelTooLate).effects).not.toContain('callCancel');
    expect(run(ev.payPending, ev.notifiedSuccess, { type: 'CANCEL_WINDOW_CLOSED', at: T0 + 9 }, ev.cancelRequested).effects).not.toContain('callCancel');
  });

  it('reaches every state from the start (shortest paths over sampled events)', () => {
    const paths = getShortestPaths(cashierPaymentMachine, {
      input,
      events: Object.values(ev),
      serializeState: (s) => JSON.stringify([s.value, s.context.payAttempts]),
    });
    const reached = new Set(paths.map((p) => String(p.state.value)));
    const declared = Object.keys(cashierPaymentMachine.root.states);
    expect([...reached].sort()).toEqual([...declared].sort());
  });
});
