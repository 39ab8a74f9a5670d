// Cancellation end to end: full only, while pending (closes the order) or succeeded (reverses
// it), before 23:59:59 of the payment date; refused after a refund or once final.
// Payments are made, cancelled and read with the merchant client (svc.client: a cancel answers 200
// with the view or throws a PaymentApiError); the race keeps raw requests, its branches being
// HTTP answers.
import { describe, expect, it } from 'vitest';
import { eventsUntil, http, paymentRequest, uniqueId, useService } from './support/service.js';

const { svc, shopper, paymentUrl: url } = useService({ pollInitialMs: 300, pollMaxMs: 1000 });
const cancelOf = (paymentId: string) => http('POST', url(paymentId, '/cancel'));

async function pendingPayment() {
  const id = uniqueId('cx');
  const created = await svc.client.createPayment(paymentRequest(id));
  expect(created.allowed.cancel).toBe(true);
  return { id, paymentId: created.paymentId };
}

describe('cancel', () => {
  it('closes a pending payment upstream: CANCELLED, payment.cancelled', async () => {
    const { id, paymentId } = await pendingPayment();
    const cancelled = await svc.client.cancel(paymentId); // 200 with the view, or it throws
    expect(cancelled).toMatchObject({ status: 'CANCELLED', allowed: { cancel: false } });
    expect(await shopper.order(id)).toMatchObject({ status: 'CLOSED' });
    const events = await eventsUntil(svc.nats, paymentId, 'payment.cancelled');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.cancelled']);
  });

  it('reverses a succeeded payment the same day', async () => {
    const { id, paymentId } = await pendingPayment();
    await shopper.act('pay', id);
    await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
    const cancelled = await svc.client.cancel(paymentId); // 200 with the view, or it throws
    expect(cancelled.status).toBe('CANCELLED');
    expect(await shopper.order(id)).toMatchObject({ status: 'CANCELLED' });
    const events = await eventsUntil(svc.nats, paymentId, 'payment.cancelled');
    expect(events.map((e) => e.type.replace('alipay_cn.', ''))).toEqual(['payment.pending', 'payment.succeeded', 'payment.cancelled']);
  });

  it('refuses a second cancel, a cancel after a refund, and a cancel of a failed payment', async () => {
    const first = await pendingPayment();
    await svc.client.cancel(first.paymentId);
    await expect(svc.client.cancel(first.paymentId)).rejects.toMatchObject({ status: 409, code: 'CANCEL_NOT_ALLOWED' });

    const refunded = await pendingPayment();
    await shopper.act('pay', refunded.id);
    await eventsUntil(svc.nats, refunded.paymentId, 'payment.succeeded');
    expect((await http('POST', url(refunded.paymentId, '/refunds'), { refundId: 'r-1', amount: { currency: 'CNY', value: 100 } })).status).toBe(202);
    await expect(svc.client.cancel(refunded.paymentId)).rejects.toMatchObject({ status: 409, code: 'CANCEL_NOT_ALLOWED' });

    const failed = await pendingPayment();
    await shopper.act('decline', failed.id);
    await eventsUntil(svc.nats, failed.paymentId, 'payment.failed');
    await expect(svc.client.cancel(failed.paymentId)).rejects.toMatchObject({ code: 'CANCEL_NOT_ALLOWED' });
    await expect(svc.client.cancel(`alipay-cn:${uniqueId('nobody')}`)).rejects.toMatchObject({ status: 404 });
  });

  it('retries an unknown CANCEL outcome until the gateway answers', async () => {
    const { id, paymentId } = await pendingPayment();
    await shopper.faults({ failNext: { cancel: 2, mode: 'unknown' } });
    expect((await svc.client.cancel(paymentId)).status).toBe('CANCELLED');
    expect(await shopper.order(id)).toMatchObject({ status: 'CLOSED' });
  });

  it('lets exactly one of a racing refund and cancel win, consistently', async () => {
    const { id, paymentId } = await pendingPayment();
    await shopper.act('pay', id);
    await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
    const [refund, cancel] = await Promise.all([
      http('POST', url(paymentId, '/refunds'), { refundId: 'r-race', amount: { currency: 'CNY', value: 1000 } }),
      cancelOf(paymentId),
    ]);
    const view = await svc.client.getPayment(paymentId);
    if (cancel.status === 200) {
      expect(refund.status).toBe(409);
      expect(view).toMatchObject({ status: 'CANCELLED', refunds: [] });
      expect(await shopper.order(id)).toMatchObject({ status: 'CANCELLED' });
    } else {
      expect(cancel.body.error.code).toBe('CANCEL_NOT_ALLOWED');
      expect(refund.status).toBe(202);
      expect(view.status).toBe('SUCCEEDED');
      expect(view.refunds).toHaveLength(1);
    }
  });
});
