// The seed's PAY field rules, one by one, through the real HTTP API: each bad field answers 400
// VALIDATION_ERROR naming the field and its rule, and nothing is started.
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatGatewayTime } from '../domain/gateway-time.js';
import { cashierBody, http, startService, uniqueId, type TestService } from './support/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => svc?.stop());

const inGatewayTime = (offsetMs: number) => formatGatewayTime(Date.now() + offsetMs, 'Asia/Shanghai');

async function expectRejected(body: Record<string, unknown>, path: string, rule: RegExp) {
  const res = await http('POST', `${svc.apiUrl}/v1/payments`, body);
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('VALIDATION_ERROR');
  expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path, message: expect.stringMatching(rule) })]));
  if (typeof body.merchantTransId === 'string') {
    await expect(svc.api.client.workflow.getHandle(`alipay-cn:${body.merchantTransId}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  }
  return res.body.error.details as { path: string; message: string }[];
}

const without = (body: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));

describe('POST /v1/payments field rules (seed: Initiate a payment)', () => {
  it('paymentMethod is mandatory and must be "ALIPAY_CN"', async () => {
    await expectRejected(without(cashierBody(uniqueId('v')), 'paymentMethod'), 'paymentMethod', /must be "ALIPAY_CN"/);
    await expectRejected(cashierBody(uniqueId('v'), { paymentMethod: 'WECHATPAY' }), 'paymentMethod', /must be "ALIPAY_CN"/);
  });

  it('product is mandatory and must be one of the products', async () => {
    await expectRejected(without(cashierBody(uniqueId('v')), 'product'), 'product', /CASHIER_PAYMENT/);
    await expectRejected(cashierBody(uniqueId('v'), { product: 'CASHIER' }), 'product', /CASHIER_PAYMENT/);
  });

  it('ENTRY_CODE is refused: the shopper starts it', async () => {
    await expectRejected(cashierBody(uniqueId('v'), { product: 'ENTRY_CODE' }), 'product', /started by the shopper/);
  });

  it('expireAt must have the format yyyy-mm-dd hh:mm:ss', async () => {
    await expectRejected(cashierBody(uniqueId('v'), { expireAt: '2026-11-26T18:00:00+08:00' }), 'expireAt', /yyyy-mm-dd hh:mm:ss/);
    await expectRejected(cashierBody(uniqueId('v'), { expireAt: '2026-02-30 10:00:00' }), 'expireAt', /real date/);
  });

  it('expireAt must be in the future and less than 72 hours after the request', async () => {
    await expectRejected(cashierBody(uniqueId('v'), { expireAt: inGatewayTime(-60_000) }), 'expireAt', /in the future/);
    await expectRejected(cashierBody(uniqueId('v'), { expireAt: inGatewayTime(72 * 3600_000 + 60_000) }), 'expireAt', /less than 72 hours/);
  });

  it('accepts an expireAt just under 72 hours and shows it with the gateway offset', async () => {
    const id = uniqueId('v-ok');
    const expireAt = inGatewayTime(71 * 3600_000);
    const res = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id, { expireAt }));
    expect(res.status).toBe(201);
    expect(res.body.expiresAt).toBe(`${expireAt.replace(' ', 'T')}+08:00`);
  });

  it('payCodeValue is only for PAYMENT_CODE, and required there', async () => {
    await expectRejected(cashierBody(uniqueId('v'), { payCodeValue: '281234567890123456' }), 'payCodeValue', /only allowed when the product is PAYMENT_CODE/);
    await expectRejected(cashierBody(uniqueId('v'), { product: 'PAYMENT_CODE' }), 'payCodeValue', /required when the product is PAYMENT_CODE/);
    await expectRejected(cashierBody(uniqueId('v'), { product: 'PAYMENT_CODE', payCodeValue: '12ab' }), 'payCodeValue', /18-digit/);
  });

  it('terminalType is one of WEB, WAP, APP, and only for CASHIER_PAYMENT', async () => {
    await expectRejected(cashierBody(uniqueId('v'), { terminalType: 'MINI_APP' }), 'terminalType', /^must be one of WEB, WAP, APP$/);
    await expectRejected(cashierBody(uniqueId('v'), { terminalType: null }), 'terminalType', /^must be one of WEB, WAP, APP$/);
    await expectRejected(cashierBody(uniqueId('v'), { product: 'ORDER_CODE', terminalType: 'WAP' }), 'terminalType', /only allowed when the product is CASHIER_PAYMENT/);
    await expectRejected(
      cashierBody(uniqueId('v'), { product: 'PAYMENT_CODE', payCodeValue: '281234567890123456', terminalType: 'WEB' }),
      'terminalType',
      /only allowed when the product is CASHIER_PAYMENT/,
    );
  });

  it('goods.description is required when paymentMethod is ALIPAY_CN', async () => {
    await expectRejected(without(cashierBody(uniqueId('v')), 'goods'), 'goods', /goods.description is required/);
    await expectRejected(cashierBody(uniqueId('v'), { goods: { description: '  ' } }), 'goods.description', /required when paymentMethod is ALIPAY_CN/);
  });

  it('riskData.device.os is required for CASHIER_PAYMENT, ORDER_CODE and PAYMENT_CODE', async () => {
    await expectRejected(without(cashierBody(uniqueId('v')), 'riskData'), 'riskData', /riskData.device.os is required/);
    await expectRejected(cashierBody(uniqueId('v'), { riskData: { device: {} } }), 'riskData.device.os', /required when the product is/);
  });

  it('amount is integer minor units above zero in an ISO 4217 currency', async () => {
    await expectRejected(cashierBody(uniqueId('v'), { amount: { currency: 'CNY', value: 10.5 } }), 'amount.value', /integer/);
    await expectRejected(cashierBody(uniqueId('v'), { amount: { currency: 'CNY', value: 0 } }), 'amount.value', /greater than 0/);
    await expectRejected(cashierBody(uniqueId('v'), { amount: { currency: 'cny', value: 100 } }), 'amount.currency', /ISO 4217/);
  });

  it('amount.currency must be a current ISO 4217 code, not just three capitals', async () => {
    await expectRejected(cashierBody(uniqueId('v'), { amount: { currency: 'XYZ', value: 100 } }), 'amount.currency', /must be an ISO 4217 currency code/);
    await expectRejected(cashierBody(uniqueId('v'), { amount: { currency: 'ABC', value: 100 } }), 'amount.currency', /must be an ISO 4217 currency code/);
    // Malformed codes keep the one message about their form.
    const details = await expectRejected(cashierBody(uniqueId('v'), { amount: { currency: 'cny', value: 100 } }), 'amount.currency', /three capital letters/);
    expect(details.filter((d) => d.path === 'amount.currency')).toHaveLength(1);
  });

  it('returnUrl must be an https: or http: URL', async () => {
    for (const returnUrl of ['javascript:alert(1)', 'data:text/html,<b>hi</b>', 'ftp://shop.example/done', 'file:///etc/passwd', 'mailto:shop@example.com']) {
      await expectRejected(cashierBody(uniqueId('v'), { returnUrl }), 'returnUrl', /https: or http: URL/);
    }
    await expectRejected(cashierBody(uniqueId('v'), { returnUrl: 'not a url' }), 'returnUrl', /absolute URL/);
    const id = uniqueId('v-url');
    const res = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id, { returnUrl: 'https://shop.example/done?order=1' }));
    expect(res.status).toBe(201);
  });

  it('merchantTransId is 1..64 of [A-Za-z0-9_-]', async () => {
    await expectRejected(cashierBody('has spaces'), 'merchantTransId', /1 to 64 characters/);
    await expectRejected(cashierBody('x'.repeat(65)), 'merchantTransId', /1 to 64 characters/);
  });

  it('lists every failing field at once', async () => {
    const details = await expectRejected(
      { merchantTransId: uniqueId('v'), paymentMethod: 'CARD', product: 'CASHIER_PAYMENT', amount: { currency: 'CNY', value: -1 } },
      'paymentMethod',
      /ALIPAY_CN/,
    );
    expect(details.map((d) => d.path).sort()).toEqual(['amount.value', 'goods', 'paymentMethod', 'riskData']);
  });

  it('answers a body that is not JSON with 400', async () => {
    const res = await http('POST', `${svc.apiUrl}/v1/payments`, '{"merchantTransId":');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });
});
