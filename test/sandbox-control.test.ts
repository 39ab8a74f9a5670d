// The gateway sandbox's control API (what the shopper does) and its cashier page.
import { describe, expect, it } from 'vitest';
import { client, control, notificationsFor, payRequest, sandbox, uniqueId, useSandbox } from './support/sandbox-harness.js';

useSandbox();

describe('control API', () => {
  it('answers 404 for an unknown order and 409 for one that is not PENDING', async () => {
    expect((await control('POST', `/sandbox/payments/${uniqueId('ghost')}/pay`)).status).toBe(404);
    const id = uniqueId('twice');
    await client.pay(payRequest(id));
    expect((await control('POST', `/sandbox/payments/${id}/pay`)).status).toBe(200);
    const again = await control('POST', `/sandbox/payments/${id}/decline`);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('ORDER_NOT_PENDING');
  });

  it('healthz', async () => {
    expect((await control('GET', '/sandbox/healthz')).json).toEqual({ ok: true });
  });
});

describe('cashier page', () => {
  it('shows the order with Pay and Decline buttons, and Pay completes the payment', async () => {
    const id = uniqueId('cashier');
    const res = await client.pay(payRequest(id, { goods: { description: 'Tea <b>&</b> cups' } }));
    const pageUrl = (res.data?.payAction as { redirectUrl: string }).redirectUrl;
    const path = new URL(pageUrl).pathname;

    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('CNY 10.00');
    expect(html).toContain(id);
    expect(html).toContain('Tea &lt;b&gt;&amp;&lt;/b&gt; cups');
    expect(html).toContain('PENDING');
    expect(html).toContain(`<form method="post" action="${path}/pay">`);
    expect(html).toContain(`<form method="post" action="${path}/decline">`);
    expect(html).toMatch(/<button[^>]*>Pay<\/button>/);
    expect(html).toMatch(/<button[^>]*>Decline<\/button>/);

    const arrived = notificationsFor(id);
    const paid = await control('POST', `${path}/pay`, '', 'application/x-www-form-urlencoded');
    expect(paid.status).toBe(200);
    expect(paid.text).toContain('SUCCESS');
    expect(paid.text).not.toContain('>Pay</button>');
    expect((await arrived)[0]!.notification.status).toBe('SUCCESS');

    expect((await control('POST', `${path}/decline`, '', 'application/x-www-form-urlencoded')).status).toBe(409);
  });

  it('Decline fails the payment', async () => {
    const id = uniqueId('cashier-decline');
    const res = await client.pay(payRequest(id, { product: 'ORDER_CODE', amount: { currency: 'CNY', value: 5 } }));
    const pageUrl = (res.data?.payAction as { redirectUrl: string }).redirectUrl;
    expect(await (await fetch(pageUrl)).text()).toContain('CNY 0.05');
    const declined = await fetch(`${pageUrl}/decline`, { method: 'POST' });
    expect(declined.status).toBe(200);
    expect((await client.detail(id)).data?.status).toBe('FAIL');
  });

  it('answers 404 for an unknown token', async () => {
    const res = await fetch(`${sandbox.url}/sandbox/cashier/no-such-token`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('unknown');
  });
});
