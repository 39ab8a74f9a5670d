// The gateway sandbox's PAYMENT_RESULT notifications: signed, retried on schedule until the receiver
// acknowledges, given up when the schedule runs out; also for declines and entry-code payments.
import { describe, expect, it } from 'vitest';
import { verify } from '../gateway/signing.js';
import { client, CLIENT_ID, control, deliveriesOf, notificationsFor, NOTIFY_PATH, notifyUrl, payRequest, refuse, SECRET, uniqueId, useSandbox } from './support/sandbox-harness.js';

useSandbox();

describe('notifications', () => {
  it('control pay: a signed SUCCESS notification arrives and DETAIL shows SUCCESS', async () => {
    const id = uniqueId('notify');
    const created = await client.pay(payRequest(id));
    const arrived = notificationsFor(id);
    const paid = await control('POST', `/sandbox/payments/${id}/pay`);
    expect(paid.status).toBe(200);
    expect(paid.json).toMatchObject({ merchantTransId: id, status: 'SUCCESS' });

    const [n] = await arrived;
    expect(n!.path).toBe(NOTIFY_PATH);
    expect(verify({ secret: SECRET, method: 'POST', path: NOTIFY_PATH, body: n!.body, headers: n!.headers })).toBe(true);
    expect(n!.headers['client-id']).toBe(CLIENT_ID);
    expect(n!.notification).toMatchObject({
      notifyType: 'PAYMENT_RESULT',
      merchantTransId: id,
      gatewayTransId: created.data?.gatewayTransId,
      product: 'CASHIER_PAYMENT',
      status: 'SUCCESS',
      amount: { currency: 'CNY', value: 1000 },
    });
    expect(new Date(n!.notification.paidAt!).toISOString()).toBe(n!.notification.paidAt);

    const detail = await client.detail(id);
    expect(detail.data).toMatchObject({ status: 'SUCCESS', gatewayTransId: created.data?.gatewayTransId });
    await expect.poll(async () => (await deliveriesOf(id))[0]?.acked).toBe(true);
  });

  it('retries until acknowledged', async () => {
    const id = uniqueId('retry');
    await client.pay(payRequest(id));
    refuse.set(id, 2);
    const arrived = notificationsFor(id, 3);
    await control('POST', `/sandbox/payments/${id}/pay`);
    const all = await arrived;
    expect(new Set(all.map((r) => r.notification.notifyId)).size).toBe(1);
    await expect.poll(async () => (await deliveriesOf(id))[0]?.acked).toBe(true);
    const [delivery] = await deliveriesOf(id);
    expect(delivery!.attempts.map((a) => a.outcome)).toEqual(['NOT_ACKED', 'NOT_ACKED', 'ACKED']);
  });

  it('gives up when the schedule runs out', async () => {
    const id = uniqueId('give-up');
    await client.pay(payRequest(id));
    refuse.set(id, 10);
    const arrived = notificationsFor(id, 4);
    await control('POST', `/sandbox/payments/${id}/pay`);
    await arrived;
    await expect.poll(async () => (await control('GET', `/sandbox/payments/${id}`)).json.deliveries[0].gaveUp).toBe(true);
    const [delivery] = await deliveriesOf(id);
    expect(delivery!.attempts).toHaveLength(4);
    expect(delivery!.acked).toBe(false);
  });

  it('decline: a FAIL notification without paidAt', async () => {
    const id = uniqueId('decline');
    await client.pay(payRequest(id));
    const arrived = notificationsFor(id);
    expect((await control('POST', `/sandbox/payments/${id}/decline`)).json).toMatchObject({ status: 'FAIL' });
    const [n] = await arrived;
    expect(n!.notification).toMatchObject({ status: 'FAIL', merchantTransId: id });
    expect(n!.notification.paidAt).toBeUndefined();
    expect((await client.detail(id)).data?.status).toBe('FAIL');
  });

  it('entry code: the shopper pays a static code, a notification with product ENTRY_CODE arrives', async () => {
    const codeId = uniqueId('code');
    const res = await control('POST', '/sandbox/entry-code/pay', { amount: { currency: 'CNY', value: 2500 }, codeId, notifyUrl });
    expect(res.status).toBe(200);
    const { gatewayTransId } = res.json as { gatewayTransId: string };
    expect(gatewayTransId).toMatch(/^\d{16}$/);
    const [n] = await notificationsFor(`entry-${gatewayTransId}`);
    expect(n!.notification).toMatchObject({ product: 'ENTRY_CODE', status: 'SUCCESS', gatewayTransId, codeId, amount: { value: 2500 } });
    expect((await client.detail(`entry-${gatewayTransId}`)).data).toMatchObject({ product: 'ENTRY_CODE', status: 'SUCCESS' });
  });

  it('entry code: refuses a body without notifyUrl', async () => {
    const res = await control('POST', '/sandbox/entry-code/pay', { amount: { currency: 'CNY', value: 2500 }, codeId: 'c1' });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].path).toBe('notifyUrl');
  });
});
