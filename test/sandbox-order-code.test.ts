// ORDER_CODE in the gateway sandbox: one QR code per transaction, paid or declined by the control API
// or the cashier page behind the code.
import { describe, expect, it } from 'vitest';
import { client, control, notificationsFor, payRequest, uniqueId, useSandbox } from './support/sandbox-harness.js';

useSandbox();

describe('ORDER_CODE', () => {
  it('one code per transaction: a replay gets the same code, every new merchantTransId a new one', async () => {
    const id = uniqueId('oc');
    const first = await client.pay(payRequest(id, { product: 'ORDER_CODE' }));
    expect(first.data?.payAction).toMatchObject({ type: 'QRCODE' });
    expect(await client.pay(payRequest(id, { product: 'ORDER_CODE' }))).toEqual(first);

    const codes = [(first.data?.payAction as { redirectUrl: string }).redirectUrl];
    const transIds = [first.data?.gatewayTransId];
    for (let i = 0; i < 5; i++) {
      const res = await client.pay(payRequest(uniqueId('oc'), { product: 'ORDER_CODE' }));
      codes.push((res.data?.payAction as { redirectUrl: string }).redirectUrl);
      transIds.push(res.data?.gatewayTransId);
    }
    expect(new Set(codes).size).toBe(6);
    expect(new Set(codes.map((c) => c.split('/').pop())).size).toBe(6); // distinct tokens
    expect(new Set(transIds).size).toBe(6);
  });

  it('the control API pays and declines ORDER_CODE orders, with notifications', async () => {
    const paid = uniqueId('oc-pay');
    const declined = uniqueId('oc-decline');
    await client.pay(payRequest(paid, { product: 'ORDER_CODE' }));
    await client.pay(payRequest(declined, { product: 'ORDER_CODE' }));
    const arrivedPaid = notificationsFor(paid);
    const arrivedDeclined = notificationsFor(declined);
    expect((await control('POST', `/sandbox/payments/${paid}/pay`)).json).toMatchObject({ product: 'ORDER_CODE', status: 'SUCCESS' });
    expect((await control('POST', `/sandbox/payments/${declined}/decline`)).json).toMatchObject({ product: 'ORDER_CODE', status: 'FAIL' });
    expect((await arrivedPaid)[0]!.notification).toMatchObject({ product: 'ORDER_CODE', status: 'SUCCESS' });
    expect((await arrivedDeclined)[0]!.notification).toMatchObject({ product: 'ORDER_CODE', status: 'FAIL' });
  });

  it('the cashier page behind the code pays it, once', async () => {
    const id = uniqueId('oc-cashier');
    const res = await client.pay(payRequest(id, { product: 'ORDER_CODE' }));
    const pageUrl = (res.data?.payAction as { redirectUrl: string }).redirectUrl;
    expect(await (await fetch(pageUrl)).text()).toContain(id);
    const arrived = notificationsFor(id);
    expect((await fetch(`${pageUrl}/pay`, { method: 'POST' })).status).toBe(200);
    expect((await arrived)[0]!.notification).toMatchObject({ product: 'ORDER_CODE', status: 'SUCCESS' });
    expect((await fetch(`${pageUrl}/pay`, { method: 'POST' })).status).toBe(409);
  });
});
