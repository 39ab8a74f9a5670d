// Refunds end to end: partial, many, never past the paid amount (also when they race), idempotent
// on refundId, settled by the REFUND answer, a notification (online) or REFUND DETAIL (in-store).
// Payments are made and read with the merchant client (svc.client); refunds whose HTTP answer is
// the point (202 new, 200 repeated, 409, 400) are raw requests.
import { describe, expect, it } from 'vitest';
import { PAY_CODE, eventsUntil, http, paymentRequest, uniqueId, useService } from './support/service.js';

const { svc, shopper, paymentUrl: url } = useService({ pollInitialMs: 300, pollMaxMs: 1000 });
const refundOf = (paymentId: string, refundId: string, value: number, currency = 'CNY') =>
  http('POST', url(paymentId, '/refunds'), { refundId, amount: { currency, value } });
/** The same refund through the merchant client: the Refund, or a PaymentApiError. */
const clientRefund = (paymentId: string, refundId: string, value: number) => svc.client.refund(paymentId, { refundId, amount: { currency: 'CNY', value } });

async function paidPayment(product = 'CASHIER_PAYMENT') {
  const id = uniqueId(`rf-${product.toLowerCase()}`);
  const overrides = product === 'PAYMENT_CODE' ? { product, payCodeValue: PAY_CODE } : { product };
  const created = await svc.client.createPayment(paymentRequest(id, overrides));
  if (created.status !== 'SUCCEEDED') await shopper.act('pay', id);
  await eventsUntil(svc.nats, created.paymentId, 'payment.succeeded');
  return { id, paymentId: created.paymentId };
}

const refundEvents = async (paymentId: string, count: number) => {
  let events = await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
  for (let i = 0; i < 60 && events.filter((e) => e.type.startsWith('alipay_cn.refund.')).length < count; i++) {
    events = await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
  }
  return events.filter((e) => e.type.startsWith('alipay_cn.refund.'));
};

describe('refunds', () => {
  it('refunds in parts up to the paid amount, and no further', async () => {
    const { paymentId } = await paidPayment();
    expect((await refundOf(paymentId, 'r-1', 300)).status).toBe(202);
    expect((await refundOf(paymentId, 'r-2', 500)).status).toBe(202);
    await expect(clientRefund(paymentId, 'r-3', 201)).rejects.toMatchObject({ status: 409, code: 'REFUND_EXCEEDS_REMAINING' });
    const events = await refundEvents(paymentId, 2);
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.refund.succeeded', 'alipay_cn.refund.succeeded']);
    const view = await svc.client.getPayment(paymentId);
    expect(view).toMatchObject({ status: 'SUCCEEDED', refundedAmount: { value: 800 }, allowed: { refundableAmount: { value: 200 }, cancel: false } });
    expect(view.refunds.map((r) => [r.refundId, r.status])).toEqual([['r-1', 'SUCCEEDED'], ['r-2', 'SUCCEEDED']]);
    expect((await refundOf(paymentId, 'r-4', 200)).status).toBe(202);
  });

  it('is idempotent on refundId: the same body answers the same refund, another body 409', async () => {
    const { paymentId } = await paidPayment();
    const first = await refundOf(paymentId, 'r-same', 100);
    const again = await refundOf(paymentId, 'r-same', 100);
    expect(again.status).toBe(200);
    expect(again.body.refundId).toBe(first.body.refundId);
    const other = await refundOf(paymentId, 'r-same', 999);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('lets two payments use the same refundId: ids are the merchant\'s per payment, unique upstream', async () => {
    const a = await paidPayment();
    const b = await paidPayment();
    expect((await refundOf(a.paymentId, 'r-shared', 100)).status).toBe(202);
    expect((await refundOf(b.paymentId, 'r-shared', 200)).status).toBe(202);
    expect((await refundEvents(a.paymentId, 1)).map((e) => e.type)).toEqual(['alipay_cn.refund.succeeded']);
    expect((await refundEvents(b.paymentId, 1)).map((e) => e.type)).toEqual(['alipay_cn.refund.succeeded']);
  });

  it('never refunds past the amount when refunds arrive at the same moment', async () => {
    const { id, paymentId } = await paidPayment();
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => refundOf(paymentId, `r-race-${i}`, 300)));
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted).toHaveLength(3);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.error.code === 'REFUND_EXCEEDS_REMAINING')).toBe(true);
    await refundEvents(paymentId, 3);
    const upstream = (await shopper.order(id)).refunds as { refundAmount: { value: number }; status: string }[];
    expect(upstream.filter((r) => r.status !== 'FAIL').reduce((sum, r) => sum + r.refundAmount.value, 0)).toBe(900);
    expect((await svc.client.getPayment(paymentId)).refundedAmount.value).toBe(900);
  });

  it('answers identical refunds sent at the same moment with one 202 and the rest 200: one refund upstream', async () => {
    const { id, paymentId } = await paidPayment();
    const answers = await Promise.all(Array.from({ length: 10 }, () => refundOf(paymentId, 'r-twin', 250)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    expect(new Set(answers.map((a) => a.body.refundId))).toEqual(new Set(['r-twin']));
    await refundEvents(paymentId, 1);
    expect((await shopper.order(id)).refunds).toHaveLength(1);
    const view = await svc.client.getPayment(paymentId);
    expect(view).toMatchObject({ refundedAmount: { value: 250 }, allowed: { refundableAmount: { value: 750 } } });
    expect(view.refunds).toEqual([expect.objectContaining({ refundId: 'r-twin', requestedBy: 'test' })]);
  });

  it('settles in-store refunds by REFUND DETAIL: the gateway sends them no notification', async () => {
    await http('PUT', `${svc.sandboxUrl}/sandbox/refunds`, { answer: 'SUCCESS', settleAfterMs: 300 });
    const { paymentId } = await paidPayment('ORDER_CODE');
    const res = await refundOf(paymentId, 'r-instore', 400);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ refundId: 'r-instore', amount: { currency: 'CNY', value: 400 }, status: 'PENDING', reason: null, requestedBy: 'test', failure: null });
    const events = await refundEvents(paymentId, 1);
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.refund.succeeded']);
    expect(events[0].data.refundedAmount.value).toBe(400);
  });

  it('publishes refund.failed when the gateway refuses a refund, and frees its amount', async () => {
    await http('PUT', `${svc.sandboxUrl}/sandbox/refunds`, { answer: 'FAIL', settleAfterMs: 100 });
    const { paymentId } = await paidPayment('PAYMENT_CODE');
    await clientRefund(paymentId, 'r-fails', 1000);
    const events = await refundEvents(paymentId, 1);
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.refund.failed']);
    await http('DELETE', `${svc.sandboxUrl}/sandbox/refunds`);
    expect((await refundOf(paymentId, 'r-again', 1000)).status).toBe(202);
  });

  it('retries an unknown REFUND outcome with the same refund id, never a new one', async () => {
    const { id, paymentId } = await paidPayment();
    await shopper.faults({ failNext: { refund: 2, mode: 'unknown' } });
    expect((await refundOf(paymentId, 'r-unknown', 250)).status).toBe(202);
    const events = await refundEvents(paymentId, 1);
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.refund.succeeded']);
    const upstream = (await shopper.order(id)).refunds as { refundRequestId: string }[];
    expect(upstream).toHaveLength(1);
  });

  it('keeps one refund when the worker restarts between the refund\'s acceptance and the gateway\'s answer', async () => {
    const { id, paymentId } = await paidPayment();
    await shopper.faults({ latencyMs: 1500 });
    expect((await refundOf(paymentId, 'r-restart', 700)).status).toBe(202);
    await svc.restartWorker(); // the REFUND call is in flight now
    await shopper.faults({});
    const events = await refundEvents(paymentId, 1);
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.refund.succeeded']);
    const upstream = (await shopper.order(id)).refunds as { refundAmount: { value: number } }[];
    expect(upstream.map((r) => r.refundAmount.value)).toEqual([700]);
    expect(await svc.client.getPayment(paymentId)).toMatchObject({ refundedAmount: { value: 700 }, allowed: { refundableAmount: { value: 300 } } });
  });

  it('refuses bad requests with a clear error and changes nothing', async () => {
    const { paymentId } = await paidPayment();
    for (const [value, rule] of [[-5, /greater than 0/], [0, /greater than 0/], [10.5, /integer/]] as const) {
      const res = await refundOf(paymentId, uniqueId('r-bad'), value as number);
      expect(res.status).toBe(400);
      expect(res.body.error.details[0]).toMatchObject({ path: 'amount.value', message: expect.stringMatching(rule) });
    }
    const usd = await refundOf(paymentId, 'r-usd', 100, 'USD');
    expect(usd.status).toBe(400);
    expect(usd.body.error.details[0].path).toBe('amount.currency');
    expect((await http('POST', url(paymentId, '/refunds'), { amount: { currency: 'CNY', value: 1 } })).body.error.details[0].path).toBe('refundId');
    expect(await svc.client.getPayment(paymentId)).toMatchObject({ refunds: [], refundedAmount: { value: 0 } });
    const missing = await refundOf(`alipay-cn:${uniqueId('nobody')}`, 'r-x', 100);
    expect(missing.status).toBe(404);
  });

  it('refuses a refund of a payment that is pending or failed', async () => {
    const id = uniqueId('rf-pending');
    const pending = await svc.client.createPayment(paymentRequest(id));
    await expect(clientRefund(pending.paymentId, 'r-early', 100)).rejects.toMatchObject({ status: 409, code: 'PAYMENT_NOT_REFUNDABLE' });
    await shopper.act('decline', id);
    await eventsUntil(svc.nats, pending.paymentId, 'payment.failed');
    await expect(clientRefund(pending.paymentId, 'r-late', 100)).rejects.toMatchObject({ code: 'PAYMENT_NOT_REFUNDABLE' });
  });
});
