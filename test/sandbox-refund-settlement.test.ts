// How refunds settle in the gateway sandbox: REFUND_RESULT notifications for online payments (signed,
// retried), none for in-store ones, FAIL freeing the amount, and the answer set by PUT /sandbox/refunds.
import { describe, expect, it } from 'vitest';
import { GatewayClient } from '../gateway/client.js';
import { verify } from '../gateway/signing.js';
import { startSandbox } from '../sandbox/server.js';
import { client, CLIENT_ID, control, NOTIFY_PATH, notifyUrl, orderOf, paidOrder, payCodeRequest, receivedRefunds, refundDeliveries, refundNotificationsFor, refundRequest, refundStatus, refuse, SECRET, TZ, uniqueId, useSandbox } from './support/sandbox-harness.js';

useSandbox();

describe('REFUND', () => {
  it('cashier payment: a settled refund sends a signed REFUND_RESULT notification, to the refund notifyUrl if it names one', async () => {
    const id = await paidOrder();
    const gatewayTransId = (await client.detail(id)).data?.gatewayTransId;

    const arrived = refundNotificationsFor(`${id}-a`);
    const res = await client.refund(refundRequest(id, `${id}-a`, 250));
    const [n] = await arrived;
    expect(n!.path).toBe(NOTIFY_PATH); // the order's notifyUrl
    expect(verify({ secret: SECRET, method: 'POST', path: NOTIFY_PATH, body: n!.body, headers: n!.headers })).toBe(true);
    expect(n!.headers['client-id']).toBe(CLIENT_ID);
    expect(n!.notification).toEqual({
      notifyId: expect.any(String),
      notifyType: 'REFUND_RESULT',
      merchantTransId: id,
      gatewayTransId,
      refundRequestId: `${id}-a`,
      gatewayRefundId: res.data?.gatewayRefundId,
      product: 'CASHIER_PAYMENT',
      status: 'SUCCESS',
      refundAmount: { currency: 'CNY', value: 250 },
    });
    expect(await refundStatus(`${id}-a`)).toBe('SUCCESS');

    const elsewhere = refundNotificationsFor(`${id}-b`);
    await client.refund(refundRequest(id, `${id}-b`, 100, { notifyUrl: `${notifyUrl}/refunds` }));
    const [m] = await elsewhere;
    expect(m!.path).toBe(`${NOTIFY_PATH}/refunds`);
    expect(verify({ secret: SECRET, method: 'POST', path: `${NOTIFY_PATH}/refunds`, body: m!.body, headers: m!.headers })).toBe(true);

    await expect.poll(async () => (await refundDeliveries(id)).map((d) => [d.refundRequestId, d.status, d.acked])).toEqual([
      [`${id}-a`, 'SUCCESS', true],
      [`${id}-b`, 'SUCCESS', true],
    ]);
    // The payment's own notification is still the first delivery of the order.
    expect((await orderOf(id)).deliveries[0]).toMatchObject({ notifyType: 'PAYMENT_RESULT', status: 'SUCCESS' });
  });

  it('REFUND_RESULT notifications are retried until acknowledged, like payment ones', async () => {
    const id = await paidOrder();
    refuse.set(`${id}-retry`, 2);
    const arrived = refundNotificationsFor(`${id}-retry`, 3);
    await client.refund(refundRequest(id, `${id}-retry`, 100));
    const all = await arrived;
    expect(new Set(all.map((r) => r.notification.notifyId)).size).toBe(1);
    await expect.poll(async () => (await refundDeliveries(id))[0]?.acked).toBe(true);
    expect((await refundDeliveries(id)).length).toBe(1);
  });

  it.each(['ORDER_CODE', 'PAYMENT_CODE', 'ENTRY_CODE'] as const)('%s (in-store): a settled refund sends no notification; REFUND DETAIL tells', async (product) => {
    const id = await paidOrder(product);
    const paymentDeliveries = (await orderOf(id)).deliveries.length;
    await control('PUT', '/sandbox/refunds', { answer: 'SUCCESS', settleAfterMs: 50 });
    const rid = `${id}-instore`;
    expect((await client.refund(refundRequest(id, rid, 400))).data?.status).toBe('PENDING');
    // Await the settlement itself. A notification would have been recorded in the delivery log at
    // that same moment, so an empty log for the refund then is conclusive.
    await expect.poll(() => refundStatus(rid), { timeout: 5_000 }).toBe('SUCCESS');
    expect(await refundDeliveries(id)).toEqual([]);
    expect((await orderOf(id)).deliveries).toHaveLength(paymentDeliveries);
    expect(receivedRefunds.some((r) => r.notification.merchantTransId === id)).toBe(false);
    expect((await orderOf(id)).refunds[0]).toMatchObject({ refundRequestId: rid, status: 'SUCCESS', settledAt: expect.any(String) });
  });

  it('a FAIL refund frees its amount again; the online merchant is notified of the FAIL', async () => {
    const id = await paidOrder();
    await control('PUT', '/sandbox/refunds', { answer: 'FAIL', settleAfterMs: 300 });
    const arrived = refundNotificationsFor(`${id}-fails`);
    expect((await client.refund(refundRequest(id, `${id}-fails`, 1000))).data?.status).toBe('PENDING');
    // While it is PENDING, its amount is taken.
    expect((await client.refund(refundRequest(id, `${id}-meanwhile`, 1))).result.resultCode).toBe('REFUND_AMOUNT_EXCEED');
    const [n] = await arrived;
    expect(n!.notification).toMatchObject({ status: 'FAIL', refundAmount: { value: 1000 } });
    expect(await refundStatus(`${id}-fails`)).toBe('FAIL');
    // A replay of the failed refund answers its status; it is not retried.
    const replay = await client.refund(refundRequest(id, `${id}-fails`, 1000));
    expect(replay.result).toMatchObject({ resultStatus: 'S', resultCode: 'REFUND_FAILED' });
    expect(replay.data?.status).toBe('FAIL');

    await control('DELETE', '/sandbox/refunds');
    expect((await client.refund(refundRequest(id, `${id}-again`, 1000))).result.resultStatus).toBe('S');
    await expect.poll(() => refundStatus(`${id}-again`)).toBe('SUCCESS');
  });

  it('PUT /sandbox/refunds: shows, replaces, validates and resets; each refund keeps the answer of its creation', async () => {
    expect((await control('GET', '/sandbox/refunds')).json).toEqual({ answer: 'SUCCESS' });
    const put = await control('PUT', '/sandbox/refunds', { answer: 'FAIL', settleAfterMs: 150 });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ answer: 'FAIL', settleAfterMs: 150 });
    expect((await control('GET', '/sandbox/refunds')).json).toEqual({ answer: 'FAIL', settleAfterMs: 150 });

    for (const body of [{}, { answer: 'PENDING' }, { answer: 'SUCCESS', settleAfterMs: -1 }, { answer: 'SUCCESS', settleAfterMs: 1.5 }, { answer: 'SUCCESS', setleAfterMs: 5 }]) {
      const res = await control('PUT', '/sandbox/refunds', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await control('GET', '/sandbox/refunds')).json).toEqual({ answer: 'FAIL', settleAfterMs: 150 });

    // Captured at creation: resetting the answer now does not change how this refund settles.
    const id = await paidOrder('ORDER_CODE');
    await client.refund(refundRequest(id, `${id}-captured`, 100));
    expect((await control('DELETE', '/sandbox/refunds')).json).toEqual({ answer: 'SUCCESS' });
    expect((await control('GET', '/sandbox/refunds')).json).toEqual({ answer: 'SUCCESS' });
    await expect.poll(() => refundStatus(`${id}-captured`), { timeout: 5_000 }).toBe('FAIL');
    expect((await orderOf(id)).refunds[0].settle).toMatchObject({ answer: 'FAIL', settleAfterMs: 150 });
  });

  it('close() drops settlements still to come', async () => {
    const other = await startSandbox({ port: 0, clientId: CLIENT_ID, secret: SECRET, notifyRetryMs: [0], timezone: TZ });
    const otherClient = new GatewayClient({ baseUrl: other.url, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 2_000 });
    await fetch(`${other.url}/sandbox/refunds`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answer: 'SUCCESS', settleAfterMs: 60_000 }) });
    const id = uniqueId('rf-closed-sandbox');
    expect((await otherClient.pay(payCodeRequest(id))).data?.status).toBe('SUCCESS');
    expect((await otherClient.refund(refundRequest(id, `${id}-r`, 100))).data?.status).toBe('PENDING');
    const t0 = performance.now();
    await other.close();
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});
