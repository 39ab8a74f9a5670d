// ORDER_CODE end to end: a one-time QR code per transaction, scanned by the shopper.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cashierBody, eventsUntil, http, paymentRequest, shopperOf, startService, uniqueId, type TestService } from './support/service.js';

let svc: TestService;
let shopper: ReturnType<typeof shopperOf>;
beforeAll(async () => {
  svc = await startService({ pollInitialMs: 500, pollMaxMs: 1000 });
  shopper = shopperOf(svc);
});
afterAll(async () => svc?.stop());
afterEach(async () => shopper.reset());

const body = (id: string, overrides: Record<string, unknown> = {}) => cashierBody(id, { product: 'ORDER_CODE', ...overrides });
/** The same request, for the merchant client. */
const order = (id: string) => paymentRequest(id, { product: 'ORDER_CODE' });

describe('ORDER_CODE', () => {
  it('returns a QR code, and the shopper scanning and paying it makes the payment SUCCEEDED', async () => {
    const id = uniqueId('oc');
    const res = await http('POST', `${svc.apiUrl}/v1/payments`, body(id));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ product: 'ORDER_CODE', status: 'PENDING', payAction: { type: 'QRCODE' } });
    await shopper.act('pay', id);
    const events = await eventsUntil(svc.nats, res.body.paymentId, 'payment.succeeded');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.succeeded']);
  });

  it('never reuses a code: the same transaction gets the same code back, a new one a new code', async () => {
    const id = uniqueId('oc-code');
    const first = await http('POST', `${svc.apiUrl}/v1/payments`, body(id));
    const again = await http('POST', `${svc.apiUrl}/v1/payments`, body(id));
    expect(again.status).toBe(200);
    expect(again.body.payAction).toEqual(first.body.payAction);
    const other = await http('POST', `${svc.apiUrl}/v1/payments`, body(uniqueId('oc-code')));
    expect(other.body.payAction.redirectUrl).not.toBe(first.body.payAction.redirectUrl);
    expect(other.body.gatewayTransId).not.toBe(first.body.gatewayTransId);
  });

  it('ends FAILED when the shopper declines, and by DETAIL when the notification is lost', async () => {
    const declined = uniqueId('oc-decline');
    const d = await svc.client.createPayment(order(declined));
    await shopper.act('decline', declined);
    await eventsUntil(svc.nats, d.paymentId, 'payment.failed');

    await shopper.faults({ dropNotifications: 1 });
    const lost = uniqueId('oc-lost');
    const l = await svc.client.createPayment(order(lost));
    await shopper.act('pay', lost);
    await eventsUntil(svc.nats, l.paymentId, 'payment.succeeded');
  });
});
