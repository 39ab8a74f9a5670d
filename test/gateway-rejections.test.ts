// Every gateway rejection (4xx) means something for the payment, and nothing retries it forever:
// REFUND fails with the gateway's code, CANCEL is refused (the merchant gets an answer), DETAIL is
// an unknown answer asked again on the poll schedule. The sandbox's `reject` fault answers 400 F.
import { describe, expect, it } from 'vitest';
import { formatGatewayTime } from '../domain/gateway-time.js';
import { TEST_GATEWAY } from './support/constants.js';
import { cashierBody, eventsUntil, http, uniqueId, useService } from './support/service.js';

const { svc, shopper, paymentUrl: url } = useService({ pollInitialMs: 300, pollMaxMs: 1000 });
const rejectNext = (op: 'refund' | 'cancel' | 'detail' | 'refundDetail', count = 1) => shopper.faults({ failNext: { [op]: count, mode: 'reject' } });

async function paidPayment() {
  const id = uniqueId('rej');
  const res = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id));
  expect(res.status).toBe(201);
  await shopper.act('pay', id);
  await eventsUntil(svc.nats, res.body.paymentId, 'payment.succeeded');
  return { id, paymentId: res.body.paymentId as string };
}

describe('gateway rejections', () => {
  it('a rejected REFUND fails with the gateway code, publishes refund.failed, and the amount can be refunded again', async () => {
    const { id, paymentId } = await paidPayment();
    await rejectNext('refund');
    const asked = await http('POST', url(paymentId, '/refunds'), { refundId: 'r-1', amount: { currency: 'CNY', value: 400 } });
    expect(asked.status).toBe(202);
    const events = await eventsUntil(svc.nats, paymentId, 'refund.failed');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.succeeded', 'alipay_cn.refund.failed']);
    const view = await svc.client.getPayment(paymentId);
    expect(view.refunds).toEqual([expect.objectContaining({ refundId: 'r-1', status: 'FAILED', failure: expect.objectContaining({ code: 'PARAM_ILLEGAL' }) })]);
    expect(view.allowed.refundableAmount.value).toBe(1000);
    expect((await shopper.order(id)).refunds).toEqual([]);
    // Nothing was taken upstream, so the whole amount can still be refunded.
    expect((await http('POST', url(paymentId, '/refunds'), { refundId: 'r-2', amount: { currency: 'CNY', value: 1000 } })).status).toBe(202);
    await eventsUntil(svc.nats, paymentId, 'refund.succeeded');
  });

  it('a rejected CANCEL answers the merchant 409 CANCEL_REFUSED and leaves the payment as it was', async () => {
    const { id, paymentId } = await paidPayment();
    await rejectNext('cancel');
    await expect(svc.client.cancel(paymentId)).rejects.toMatchObject({ status: 409, code: 'CANCEL_REFUSED', message: expect.stringMatching(/PARAM_ILLEGAL/) });
    const view = await svc.client.getPayment(paymentId);
    expect(view.status).toBe('SUCCEEDED');
    expect((await shopper.order(id)).status).toBe('SUCCESS');
    // The refusal is not sticky: a second cancel goes through.
    expect((await svc.client.cancel(paymentId)).status).toBe('CANCELLED'); // 200 with the view, or it throws
    await eventsUntil(svc.nats, paymentId, 'payment.cancelled');
  });

  // The suite's sandbox and task queue are shared: other payments poll DETAIL too, so the gateway
  // refuses every DETAIL until this payment's history shows the rejections, then heals.
  it('a rejected DETAIL poll changes nothing: the next poll asks again and finds the payment', async () => {
    const id = uniqueId('rej-poll');
    const res = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id));
    expect(res.status).toBe(201);
    await shopper.faults({ dropNotifications: 1, failNext: { detail: 100_000, mode: 'reject' } });
    await shopper.act('pay', id);
    await expect.poll(async () => (await rejectedDetails(res.body.paymentId)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect((await svc.client.getPayment(res.body.paymentId)).status).toBe('PENDING');
    await shopper.faults({ dropNotifications: 1 });
    const events = await eventsUntil(svc.nats, res.body.paymentId, 'payment.succeeded');
    expect(events.map((e) => e.sequence)).toEqual([1, 2]);
  });

  it('a rejected DETAIL at expiry is asked again on the poll schedule, then the order is closed: EXPIRED', async () => {
    const id = uniqueId('rej-expiry');
    const expireAt = formatGatewayTime(Date.now() + 3_000, TEST_GATEWAY.timeZone);
    const res = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id, { expireAt }));
    expect(res.status).toBe(201);
    await shopper.faults({ failNext: { detail: 100_000, mode: 'reject' } });
    const expiryRejections = async () => (await rejectedDetails(res.body.paymentId)).filter((d) => d.purpose === 'expiry').length;
    await expect.poll(expiryRejections, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    expect((await svc.client.getPayment(res.body.paymentId)).machineState).toBe('expiring');
    await shopper.reset();
    const events = await eventsUntil(svc.nats, res.body.paymentId, 'payment.expired');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.expired']);
    expect((await shopper.order(id)).status).toBe('CLOSED');
  });
});

/** The DETAIL calls of a payment that the gateway refused: each failed once, never retried by Temporal. */
async function rejectedDetails(paymentId: string): Promise<{ purpose: string }[]> {
  const { events } = await svc.api.client.workflow.getHandle(paymentId).fetchHistory();
  const scheduled = new Map<string, string>();
  const out: { purpose: string }[] = [];
  for (const e of events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name === 'detail') {
      const args = s.input?.payloads?.map((p) => JSON.parse(Buffer.from(p.data as Uint8Array).toString('utf8')));
      scheduled.set(String(e.eventId), String(args?.[1] ?? ''));
    }
    const f = e.activityTaskFailedEventAttributes;
    if (f && scheduled.has(String(f.scheduledEventId)) && f.failure?.applicationFailureInfo?.type === 'GatewayRejectedError') {
      expect(f.retryState, 'a rejection is never retried by Temporal').not.toBe('RETRY_STATE_IN_PROGRESS');
      out.push({ purpose: scheduled.get(String(f.scheduledEventId))! });
    }
  }
  return out;
}
