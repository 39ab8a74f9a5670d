// CASHIER_PAYMENT end to end: real HTTP API, real worker, real Temporal dev server, real
// nats-server, and the gateway sandbox standing in for the upstream.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PaymentView } from '../domain/payment-view.js';
import { searchAttributes } from '../workflows/messages.js';
import { cashierBody, eventsUntil, http, paymentRequest, startService, uniqueId, type TestService } from './support/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ pollInitialMs: 500, pollMaxMs: 1000 });
});
afterAll(async () => svc?.stop());
afterEach(async () => {
  await http('DELETE', `${svc.sandboxUrl}/sandbox/faults`);
});

const shopper = (action: 'pay' | 'decline', merchantTransId: string) =>
  http('POST', `${svc.sandboxUrl}/sandbox/payments/${merchantTransId}/${action}`);

describe('CASHIER_PAYMENT', () => {
  it('answers POST /v1/payments in one round trip with the payAction, then succeeds by notification', async () => {
    const id = uniqueId('happy');
    const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id));
    expect(created.status).toBe(201);
    const view = PaymentView.parse(created.body);
    expect(view).toMatchObject({ paymentId: `alipay-cn:${id}`, status: 'PENDING', machineState: 'awaitingShopper' });
    expect(view.payAction).toMatchObject({ type: 'QRCODE' });
    expect(view.gatewayTransId).toBeTruthy();
    expect(view.expiresAt).toMatch(/\+08:00$/);

    // The QR code opens the sandbox cashier page.
    const page = await http('GET', (view.payAction as { redirectUrl: string }).redirectUrl);
    expect(page.status).toBe(200);
    expect(page.body).toContain('10.00');

    expect((await shopper('pay', id)).status).toBe(200);
    const events = await eventsUntil(svc.nats, view.paymentId, 'payment.succeeded');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.succeeded']);
    expect(events.map((e) => e.sequence)).toEqual([1, 2]);
    expect(events.map((e) => e.id)).toEqual([`${view.paymentId}/1`, `${view.paymentId}/2`]);
    expect(events[1].data).toMatchObject({ status: 'SUCCEEDED', amount: { currency: 'CNY', value: 1000 } });

    const got = await svc.client.getPayment(view.paymentId); // GET answers 200 or throws
    expect(got).toMatchObject({ status: 'SUCCEEDED', machineState: 'succeeded', allowed: { refundableAmount: { value: 1000 } } });

    const described = await svc.api.client.workflow.getHandle(view.paymentId).describe();
    expect(described.typedSearchAttributes.get(searchAttributes.status)).toBe('SUCCEEDED');
    expect(described.typedSearchAttributes.get(searchAttributes.merchantTransId)).toBe(id);
    expect(described.typedSearchAttributes.get(searchAttributes.amount)).toBe(1000);
  });

  it('finds the result by DETAIL when every notification is dropped', async () => {
    const id = uniqueId('dropped');
    await http('PUT', `${svc.sandboxUrl}/sandbox/faults`, { dropNotifications: 1 });
    const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id));
    expect(created.status).toBe(201);
    await shopper('pay', id);
    const events = await eventsUntil(svc.nats, created.body.paymentId, 'payment.succeeded');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.succeeded']);
    const order = await http('GET', `${svc.sandboxUrl}/sandbox/payments/${id}`);
    expect(JSON.stringify(order.body)).not.toMatch(/"acked":\s*true/);
  });

  it('ends FAILED when the shopper declines', async () => {
    const id = uniqueId('decline');
    const created = await svc.client.createPayment(paymentRequest(id));
    await shopper('decline', id);
    const events = await eventsUntil(svc.nats, created.paymentId, 'payment.failed');
    expect(events.at(-1)?.data).toMatchObject({ status: 'FAILED', failure: { code: 'PAYMENT_FAILED' } });
  });

  it('acknowledges a duplicate notification without a second event', async () => {
    const id = uniqueId('dup');
    await http('PUT', `${svc.sandboxUrl}/sandbox/faults`, { duplicateNotifications: 1 });
    const created = await svc.client.createPayment(paymentRequest(id));
    await shopper('pay', id);
    await eventsUntil(svc.nats, created.paymentId, 'payment.succeeded');
    // Wait until the sandbox has delivered the duplicate, then make sure nothing followed.
    await expect.poll(async () => JSON.stringify((await http('GET', `${svc.sandboxUrl}/sandbox/payments/${id}`)).body).match(/"acked":\s*true/g)?.length ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const all = await eventsUntil(svc.nats, created.paymentId, 'payment.succeeded');
    expect(all.map((e) => e.sequence)).toEqual([1, 2]);
  });

  it('reconciles an unknown PAY outcome by DETAIL instead of paying twice', async () => {
    const id = uniqueId('unknown');
    await http('PUT', `${svc.sandboxUrl}/sandbox/faults`, { failNext: { pay: 1, mode: 'unknown' } });
    const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id));
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('PENDING');
    const events = await eventsUntil(svc.nats, created.body.paymentId, 'payment.pending');
    expect(events.at(-1)?.data.payAction).toMatchObject({ type: 'QRCODE' });
    await shopper('pay', id);
    await eventsUntil(svc.nats, created.body.paymentId, 'payment.succeeded');
    const order = await http('GET', `${svc.sandboxUrl}/sandbox/payments/${id}`);
    expect(order.body).toMatchObject({ status: 'SUCCESS' });
  });

  it('reconciles a PAY that timed out or failed with 5xx', async () => {
    for (const mode of ['timeout', 'error'] as const) {
      const id = uniqueId(`pay-${mode}`);
      await http('PUT', `${svc.sandboxUrl}/sandbox/faults`, { failNext: { pay: 1, mode } });
      const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id));
      expect(created.status).toBe(201);
      await eventsUntil(svc.nats, created.body.paymentId, 'payment.pending');
      await shopper('pay', id);
      const events = await eventsUntil(svc.nats, created.body.paymentId, 'payment.succeeded');
      expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.succeeded']);
    }
  });

  it('keeps polling through DETAIL failures and never ends in a wrong state', async () => {
    const id = uniqueId('detail-faults');
    const created = await svc.client.createPayment(paymentRequest(id));
    await http('PUT', `${svc.sandboxUrl}/sandbox/faults`, { dropNotifications: 1, failNext: { detail: 3, mode: 'unknown' } });
    await shopper('pay', id);
    const events = await eventsUntil(svc.nats, created.paymentId, 'payment.succeeded');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.succeeded']);
  });

  it('is idempotent on merchantTransId: same body 200 with the same payment, other body 409', async () => {
    const id = uniqueId('idem');
    const first = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id));
    expect(first.status).toBe(201);
    const again = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ paymentId: first.body.paymentId, gatewayTransId: first.body.gatewayTransId, payAction: first.body.payAction });
    const other = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id, { amount: { currency: 'CNY', value: 2000 } }));
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
    const view = await http('GET', `${svc.apiUrl}/v1/payments/${encodeURIComponent(first.body.paymentId)}`);
    expect(view.body.amount.value).toBe(1000);
  });

  it('answers 404 PAYMENT_NOT_FOUND for an unknown payment', async () => {
    const res = await http('GET', `${svc.apiUrl}/v1/payments/alipay-cn:${uniqueId('nobody')}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('PAYMENT_NOT_FOUND');
  });
});
