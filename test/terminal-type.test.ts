// CASHIER_PAYMENT's terminalType end to end (real API, worker, Temporal, NATS and sandbox): WEB (or
// none) answers payAction QRCODE, WAP and APP answer REDIRECT with a url the shopper follows to the
// cashier page and pays there; other products refuse the field. Also the sandbox's own PAY rules.
import { WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { PaymentView } from '../domain/payment-view.js';
import { sign } from '../gateway/signing.js';
import { API_PATHS } from '../gateway/wire.js';
import { TEST_GATEWAY } from './support/constants.js';
import { examplePayRequest } from './support/wire-examples.js';
import { cashierBody, eventsUntil, http, PAY_CODE, serviceForFile, uniqueId, type Shopper, type TestService } from './support/service.js';

let svc: TestService;
let shopper: Shopper;
serviceForFile({ pollInitialMs: 500, pollMaxMs: 1000 }, (s, sh) => {
  svc = s;
  shopper = sh;
});

const createPayment = (id: string, overrides: Record<string, unknown> = {}) => http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id, overrides));

/** The shopper's browser: GET the link (following redirects) and press the page's Pay button. */
async function shopperFollowsAndPays(url: string): Promise<string> {
  const page = await fetch(url, { redirect: 'follow' });
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  const html = await page.text();
  expect(html).toContain('ALIPAY_CN sandbox cashier');
  expect(html).toContain('10.00');
  const action = /<form method="post" action="([^"]+\/pay)">/.exec(html)?.[1];
  expect(action).toBeTruthy();
  const paid = await fetch(new URL(action!, page.url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  expect(paid.status).toBe(200);
  return paid.text();
}

describe('CASHIER_PAYMENT terminalType', () => {
  for (const terminalType of ['WAP', 'APP'] as const) {
    it(`${terminalType}: payAction REDIRECT whose url opens the cashier page, where the shopper pays`, async () => {
      const id = uniqueId(`tt-${terminalType.toLowerCase()}`);
      const created = await createPayment(id, { terminalType });
      expect(created.status).toBe(201);
      const view = PaymentView.parse(created.body);
      expect(view).toMatchObject({ status: 'PENDING', terminalType, payAction: { type: 'REDIRECT', url: expect.stringMatching(/^https?:\/\//) } });

      // The gateway received it: the sandbox order records the terminalType and answered REDIRECT.
      const order = await shopper.order(id);
      expect(order).toMatchObject({ terminalType, payAction: view.payAction, status: 'PENDING' });

      const done = await shopperFollowsAndPays((view.payAction as { url: string }).url);
      expect(done).toContain('Payment successful.');

      const events = await eventsUntil(svc.nats, view.paymentId, 'payment.succeeded');
      expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.succeeded']);
      expect(events[0].data).toMatchObject({ terminalType, payAction: { type: 'REDIRECT' } });
      expect(events[1].data).toMatchObject({ status: 'SUCCEEDED', terminalType });
      const got = await http('GET', `${svc.apiUrl}/v1/payments/${encodeURIComponent(view.paymentId)}`);
      expect(got.body).toMatchObject({ status: 'SUCCEEDED', terminalType, payAction: view.payAction });
    });
  }

  it('WEB and no terminalType: payAction QRCODE (the cashier page to scan), terminalType WEB in the view', async () => {
    for (const overrides of [{ terminalType: 'WEB' }, {}]) {
      const id = uniqueId('tt-web');
      const created = await createPayment(id, overrides);
      expect(created.status).toBe(201);
      const view = PaymentView.parse(created.body);
      expect(view).toMatchObject({ terminalType: 'WEB', payAction: { type: 'QRCODE', redirectUrl: expect.stringMatching(/\/sandbox\/cashier\//) } });
      const order = await shopper.order(id);
      expect(order.payAction).toEqual(view.payAction);
      expect(order.terminalType).toBe((overrides as { terminalType?: string }).terminalType);
      const page = await http('GET', (view.payAction as { redirectUrl: string }).redirectUrl);
      expect(page.status).toBe(200);
      expect(page.body).toContain('10.00');
    }
  });

  it('other products carry terminalType null', async () => {
    const id = uniqueId('tt-oc-null');
    const created = await createPayment(id, { product: 'ORDER_CODE' });
    expect(created.status).toBe(201);
    expect(PaymentView.parse(created.body)).toMatchObject({ product: 'ORDER_CODE', terminalType: null, payAction: { type: 'QRCODE' } });
  });

  it('is part of the idempotency fingerprint: another terminalType for the same merchantTransId is a conflict; WEB and none are the same', async () => {
    const id = uniqueId('tt-idem');
    const first = await createPayment(id, { terminalType: 'WAP' });
    expect(first.status).toBe(201);
    const again = await createPayment(id, { terminalType: 'WAP' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ paymentId: first.body.paymentId, payAction: first.body.payAction, terminalType: 'WAP' });
    // Another value, and no value at all (WEB by default), are other requests.
    for (const overrides of [{ terminalType: 'APP' }, { terminalType: 'WEB' }, {}]) {
      const other = await createPayment(id, overrides);
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
    }
    const view = await http('GET', `${svc.apiUrl}/v1/payments/${encodeURIComponent(first.body.paymentId)}`);
    expect(view.body).toMatchObject({ terminalType: 'WAP', payAction: { type: 'REDIRECT' } });
    // WEB is the default: a retry that names it, or leaves it out, is the same request.
    for (const [firstBody, retryBody] of [[{}, { terminalType: 'WEB' }], [{ terminalType: 'WEB' }, {}]]) {
      const webId = uniqueId('tt-web');
      const web = await createPayment(webId, firstBody);
      expect(web.status).toBe(201);
      const retried = await createPayment(webId, retryBody);
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ paymentId: web.body.paymentId, terminalType: 'WEB', payAction: { type: 'QRCODE' } });
    }
  });
});

describe('terminalType refused', () => {
  async function expectNothingStarted(id: string) {
    await expect(svc.api.client.workflow.getHandle(`alipay-cn:${id}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect((await http('GET', `${svc.sandboxUrl}/sandbox/payments/${id}`)).status).toBe(404);
  }

  it('on PAYMENT_CODE and ORDER_CODE: 400 naming the field and the rule, nothing started', async () => {
    for (const product of ['PAYMENT_CODE', 'ORDER_CODE'] as const) {
      for (const terminalType of ['WEB', 'APP']) {
        const id = uniqueId('tt-not-cashier');
        const res = await createPayment(id, { product, terminalType, ...(product === 'PAYMENT_CODE' && { payCodeValue: PAY_CODE }) });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_ERROR');
        expect(res.body.error.details).toEqual([{ path: 'terminalType', message: 'is only allowed when the product is CASHIER_PAYMENT' }]);
        await expectNothingStarted(id);
      }
    }
  });

  it('an unknown value: 400 naming the allowed values, nothing started', async () => {
    for (const terminalType of ['MINI_APP', 'wap', '', 7, null]) {
      const id = uniqueId('tt-unknown');
      const res = await createPayment(id, { terminalType });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details).toEqual([{ path: 'terminalType', message: 'must be one of WEB, WAP, APP' }]);
      await expectNothingStarted(id);
    }
  });
});

describe('the sandbox gateway (PAY terminalType)', () => {
  /** A signed PAY straight to the sandbox, as a merchant's gateway client sends it. */
  async function pay(body: Record<string, unknown>) {
    const text = JSON.stringify(body);
    const headers = sign({ secret: TEST_GATEWAY.secret, clientId: TEST_GATEWAY.clientId, method: 'POST', path: API_PATHS.pay, body: text });
    const res = await fetch(new URL(API_PATHS.pay, svc.sandboxUrl), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });
    return { status: res.status, body: (await res.json()) as { result: { resultStatus: string; resultCode: string; resultMessage: string }; data?: any } };
  }
  const wire = (merchantTransId: string, overrides: Record<string, unknown> = {}) => examplePayRequest(merchantTransId, 'http://127.0.0.1:9/unused', overrides);

  it('answers REDIRECT for WAP and APP, QRCODE for WEB and none, all to the same cashier page route', async () => {
    const expected = { WAP: 'REDIRECT', APP: 'REDIRECT', WEB: 'QRCODE', none: 'QRCODE' } as const;
    for (const [terminalType, type] of Object.entries(expected)) {
      const res = await pay(wire(uniqueId('sbx-tt'), terminalType === 'none' ? {} : { terminalType }));
      expect(res.status).toBe(200);
      expect(res.body.result).toMatchObject({ resultStatus: 'S', resultCode: 'PAYMENT_IN_PROCESS' });
      expect(res.body.data.payAction.type).toBe(type);
      const url: string = type === 'REDIRECT' ? res.body.data.payAction.url : res.body.data.payAction.redirectUrl;
      expect(new URL(url).pathname).toMatch(/^\/sandbox\/cashier\/[A-Za-z0-9_-]+$/);
      expect((await http('GET', url)).status).toBe(200);
    }
  });

  it('refuses an unknown terminalType (PARAM_ILLEGAL naming the allowed values) and creates no order', async () => {
    const id = uniqueId('sbx-tt-bad');
    const res = await pay(wire(id, { terminalType: 'MINI_APP' }));
    expect(res.status).toBe(400);
    expect(res.body.result).toMatchObject({ resultStatus: 'F', resultCode: 'PARAM_ILLEGAL', resultMessage: 'terminalType: must be one of WEB, WAP, APP' });
    expect((await http('GET', `${svc.sandboxUrl}/sandbox/payments/${id}`)).status).toBe(404);
  });

  it('refuses terminalType on another product (PARAM_ILLEGAL) and creates no order', async () => {
    const id = uniqueId('sbx-tt-oc');
    const res = await pay(wire(id, { product: 'ORDER_CODE', terminalType: 'APP' }));
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ resultStatus: 'F', resultCode: 'PARAM_ILLEGAL', resultMessage: 'terminalType: only allowed when product is CASHIER_PAYMENT' });
    expect((await http('GET', `${svc.sandboxUrl}/sandbox/payments/${id}`)).status).toBe(404);
  });

  it('treats another terminalType for the same merchantTransId as an inconsistent repeat', async () => {
    const id = uniqueId('sbx-tt-repeat');
    const first = await pay(wire(id, { terminalType: 'APP' }));
    expect(first.body.data.payAction.type).toBe('REDIRECT');
    const again = await pay(wire(id, { terminalType: 'APP' }));
    expect(again.body.data).toEqual(first.body.data);
    const other = await pay(wire(id, { terminalType: 'WAP' }));
    expect(other.body.result).toMatchObject({ resultStatus: 'F', resultCode: 'REPEAT_REQ_INCONSISTENT' });
  });
});
