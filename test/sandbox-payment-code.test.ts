// PAYMENT_CODE in the gateway sandbox: the wallet's answer set by PUT /sandbox/payment-code (SUCCESS,
// FAIL, or PENDING until the control API or a timer decides), replays, and reversal by CANCEL.
import { describe, expect, it } from 'vitest';
import { GatewayClient } from '../gateway/client.js';
import { verify } from '../gateway/signing.js';
import { startSandbox } from '../sandbox/server.js';
import { client, CLIENT_ID, control, HOUR, notificationsFor, NOTIFY_PATH, orderOf, payCodeRequest, received, SECRET, TZ, uniqueId, useSandbox } from './support/sandbox-harness.js';

useSandbox();

describe('PAYMENT_CODE answers (PUT /sandbox/payment-code)', () => {
  it('shows, replaces, validates and resets the answer', async () => {
    expect((await control('GET', '/sandbox/payment-code')).json).toEqual({ answer: 'SUCCESS' });
    const put = await control('PUT', '/sandbox/payment-code', { answer: 'PENDING', pendingForMs: 500 });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ answer: 'PENDING', pendingForMs: 500, thenStatus: 'SUCCESS' });
    expect((await control('GET', '/sandbox/payment-code')).json).toEqual({ answer: 'PENDING', pendingForMs: 500, thenStatus: 'SUCCESS' });
    expect((await control('PUT', '/sandbox/payment-code', { answer: 'PENDING' })).json).toEqual({ answer: 'PENDING' });

    const refused: unknown[] = [
      { answer: 'MAYBE' },
      {},
      { answer: 'FAIL', pendingForMs: 10 },
      { answer: 'PENDING', thenStatus: 'FAIL' }, // thenStatus without pendingForMs
      { answer: 'PENDING', pendingForMs: -1 },
      { answer: 'PENDING', pendingForMs: 1.5 },
      { answer: 'PENDING', pendingForMs: 72 * HOUR + 1 },
      { answer: 'PENDING', pendingForMs: 10, thenStatus: 'PENDING' },
      { answer: 'SUCCESS', pendngForMs: 10 }, // typo: unknown fields are refused
    ];
    for (const body of refused) {
      const res = await control('PUT', '/sandbox/payment-code', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe('VALIDATION_ERROR');
    }
    // A refused body leaves the answer as it was.
    expect((await control('GET', '/sandbox/payment-code')).json).toEqual({ answer: 'PENDING' });

    expect((await control('DELETE', '/sandbox/payment-code')).json).toEqual({ answer: 'SUCCESS' });
    expect((await control('GET', '/sandbox/payment-code')).json).toEqual({ answer: 'SUCCESS' });
  });

  it('accepts payment codes starting 25 and 30', async () => {
    for (const code of ['250000000000000000', '309999999999999999']) {
      const res = await client.pay(payCodeRequest(uniqueId('pc-edge'), code));
      expect(res.result.resultStatus, code).toBe('S');
    }
  });

  it('FAIL: result S with data.status FAIL, a FAIL notification, and the same answer on replay', async () => {
    await control('PUT', '/sandbox/payment-code', { answer: 'FAIL' });
    const id = uniqueId('pc-fail');
    const arrived = notificationsFor(id);
    const res = await client.pay(payCodeRequest(id));
    expect(res.result).toMatchObject({ resultStatus: 'S', resultCode: 'PAYMENT_FAILED' });
    expect(res.data).toMatchObject({ merchantTransId: id, status: 'FAIL', payAction: null });
    const [n] = await arrived;
    expect(n!.notification).toMatchObject({ product: 'PAYMENT_CODE', status: 'FAIL', gatewayTransId: res.data?.gatewayTransId });
    expect(n!.notification.paidAt).toBeUndefined();
    expect((await client.detail(id)).data?.status).toBe('FAIL');

    // The answer belongs to the order: changing the wallet's answer later does not change a replay.
    await control('PUT', '/sandbox/payment-code', { answer: 'SUCCESS' });
    expect(await client.pay(payCodeRequest(id))).toEqual(res);
    expect((await client.cancel(id)).result).toMatchObject({ resultStatus: 'F', resultCode: 'ORDER_STATUS_INVALID' });
  });

  it('PENDING: no notification until the control API pays, then a SUCCESS one', async () => {
    await control('PUT', '/sandbox/payment-code', { answer: 'PENDING' });
    const id = uniqueId('pc-pending');
    const res = await client.pay(payCodeRequest(id));
    expect(res.result).toMatchObject({ resultStatus: 'S', resultCode: 'PAYMENT_IN_PROCESS' });
    expect(res.data).toMatchObject({ merchantTransId: id, status: 'PENDING', payAction: null });
    expect((await client.detail(id)).data?.status).toBe('PENDING');
    const order = await orderOf(id);
    expect(order.deliveries).toEqual([]);
    expect(order.autoConfirm).toBeUndefined();

    const arrived = notificationsFor(id);
    expect((await control('POST', `/sandbox/payments/${id}/pay`)).json).toMatchObject({ status: 'SUCCESS' });
    const [n] = await arrived;
    expect(n!.notification).toMatchObject({ product: 'PAYMENT_CODE', status: 'SUCCESS', gatewayTransId: res.data?.gatewayTransId });
    expect(verify({ secret: SECRET, method: 'POST', path: NOTIFY_PATH, body: n!.body, headers: n!.headers })).toBe(true);
    const replay = await client.pay(payCodeRequest(id));
    expect(replay.result.resultCode).toBe('SUCCESS');
    expect(replay.data?.status).toBe('SUCCESS');
  });

  it('PENDING: the control API can decline instead, with a FAIL notification', async () => {
    await control('PUT', '/sandbox/payment-code', { answer: 'PENDING' });
    const id = uniqueId('pc-pending-decline');
    await client.pay(payCodeRequest(id));
    const arrived = notificationsFor(id);
    expect((await control('POST', `/sandbox/payments/${id}/decline`)).json).toMatchObject({ status: 'FAIL' });
    expect((await arrived)[0]!.notification.status).toBe('FAIL');
    expect((await client.pay(payCodeRequest(id))).result).toMatchObject({ resultStatus: 'S', resultCode: 'PAYMENT_FAILED' });
  });

  it('PENDING with pendingForMs: the shopper confirms by themselves, and the notification follows', async () => {
    await control('PUT', '/sandbox/payment-code', { answer: 'PENDING', pendingForMs: 100 });
    const id = uniqueId('pc-auto');
    const arrived = notificationsFor(id);
    const t0 = performance.now();
    const res = await client.pay(payCodeRequest(id));
    expect(res.data?.status).toBe('PENDING');
    expect((await orderOf(id)).autoConfirm).toMatchObject({ thenStatus: 'SUCCESS', outcome: 'SCHEDULED' });
    const [n] = await arrived;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
    expect(n!.notification).toMatchObject({ product: 'PAYMENT_CODE', status: 'SUCCESS', gatewayTransId: res.data?.gatewayTransId });
    expect((await orderOf(id)).autoConfirm).toMatchObject({ outcome: 'CONFIRMED' });
    expect((await client.detail(id)).data?.status).toBe('SUCCESS');
  });

  it('PENDING with pendingForMs and thenStatus FAIL: the shopper refuses in the app', async () => {
    await control('PUT', '/sandbox/payment-code', { answer: 'PENDING', pendingForMs: 50, thenStatus: 'FAIL' });
    const id = uniqueId('pc-auto-fail');
    const arrived = notificationsFor(id);
    expect((await client.pay(payCodeRequest(id))).data?.status).toBe('PENDING');
    expect((await arrived)[0]!.notification.status).toBe('FAIL');
    expect((await client.detail(id)).data?.status).toBe('FAIL');
  });

  it('PENDING then CANCEL: CLOSED, and the later confirmation does not happen', async () => {
    await control('PUT', '/sandbox/payment-code', { answer: 'PENDING', pendingForMs: 200 });
    const id = uniqueId('pc-cancel');
    await client.pay(payCodeRequest(id));
    const cancelled = await client.cancel(id);
    expect(cancelled.result.resultStatus).toBe('S');
    expect(cancelled.data?.status).toBe('CLOSED');

    // Await the would-be confirmation itself: the sandbox records SKIPPED when its timer comes due
    // and finds the order no longer PENDING. A confirmation would have recorded a delivery at that
    // same moment (notify() logs it before sending), so an empty delivery list then is conclusive.
    await expect.poll(async () => (await orderOf(id)).autoConfirm?.outcome, { timeout: 5_000 }).toBe('SKIPPED');
    const order = await orderOf(id);
    expect(order).toMatchObject({ status: 'CLOSED', deliveries: [] });
    expect(received.some((r) => r.notification.merchantTransId === id)).toBe(false);
    expect((await client.detail(id)).data?.status).toBe('CLOSED');
    expect((await control('POST', `/sandbox/payments/${id}/pay`)).status).toBe(409);
  });

  it('a SUCCESS payment is reversed by CANCEL on its payment date', async () => {
    const id = uniqueId('pc-reverse');
    const arrived = notificationsFor(id);
    expect((await client.pay(payCodeRequest(id))).data?.status).toBe('SUCCESS');
    await arrived;
    const res = await client.cancel(id);
    expect(res.result.resultStatus).toBe('S');
    expect(res.data?.status).toBe('CANCELLED');
    expect((await client.detail(id)).data?.status).toBe('CANCELLED');
  });

  it('a payment confirmed after pendingForMs is reversible too', async () => {
    await control('PUT', '/sandbox/payment-code', { answer: 'PENDING', pendingForMs: 20 });
    const id = uniqueId('pc-auto-reverse');
    const arrived = notificationsFor(id);
    await client.pay(payCodeRequest(id));
    await arrived;
    expect((await client.cancel(id)).data?.status).toBe('CANCELLED');
  });

  it('close() drops confirmations still to come', async () => {
    const other = await startSandbox({ port: 0, clientId: CLIENT_ID, secret: SECRET, notifyRetryMs: [0], timezone: TZ });
    const otherClient = new GatewayClient({ baseUrl: other.url, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 2_000 });
    await fetch(`${other.url}/sandbox/payment-code`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answer: 'PENDING', pendingForMs: 60_000 }),
    });
    expect((await otherClient.pay(payCodeRequest(uniqueId('pc-closed')))).data?.status).toBe('PENDING');
    const t0 = performance.now();
    await other.close();
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});
