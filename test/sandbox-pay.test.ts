// The gateway sandbox's PAY through the real GatewayClient: the answer and its payAction, idempotency
// on merchantTransId, the seed's field rules; and the signatures every wire request must carry.
import { describe, expect, it } from 'vitest';
import { formatGatewayTime } from '../domain/gateway-time.js';
import { GatewayClient } from '../gateway/client.js';
import { GatewayRejectedError } from '../gateway/errors.js';
import { API_PATHS, type PayRequest } from '../gateway/wire.js';
import { client, CLIENT_ID, control, HOUR, notificationsFor, payCodeRequest, payRequest, rawWire, sandbox, SECRET, TZ, uniqueId, useSandbox } from './support/sandbox-harness.js';

useSandbox();

describe('PAY', () => {
  it('creates a PENDING order with a QRCODE payAction to the cashier page, in a signed answer', async () => {
    const id = uniqueId('pay');
    const res = await client.pay(payRequest(id));
    expect(res.result).toMatchObject({ resultStatus: 'S', resultCode: 'PAYMENT_IN_PROCESS' });
    expect(res.data).toMatchObject({ merchantTransId: id, status: 'PENDING', payAction: { type: 'QRCODE' } });
    expect(res.data?.gatewayTransId).toMatch(/^\d{16}$/);
    expect((res.data?.payAction as { redirectUrl: string }).redirectUrl).toMatch(new RegExp(`^${sandbox.url}/sandbox/cashier/[A-Za-z0-9_-]+$`));

    const raw = await rawWire(API_PATHS.detail, { merchantTransId: id });
    expect(raw.signed).toBe(true);
    expect(raw.headers['client-id']).toBe(CLIENT_ID);
    expect(raw.json.data).toMatchObject({ product: 'CASHIER_PAYMENT', status: 'PENDING', amount: { currency: 'CNY', value: 1000 } });
  });

  it('gives ORDER_CODE a QRCODE payAction too', async () => {
    const res = await client.pay(payRequest(uniqueId('order-code'), { product: 'ORDER_CODE' }));
    expect(res.data).toMatchObject({ status: 'PENDING', payAction: { type: 'QRCODE' } });
  });

  it('is idempotent on merchantTransId: same body, same answer; other body, REPEAT_REQ_INCONSISTENT', async () => {
    const id = uniqueId('idem');
    const first = await client.pay(payRequest(id));
    const again = await client.pay(payRequest(id));
    expect(again).toEqual(first);
    // Key order does not make a different request.
    const reordered = await rawWire(API_PATHS.pay, Object.fromEntries(Object.entries(payRequest(id)).reverse()));
    expect(reordered.json.data.gatewayTransId).toBe(first.data?.gatewayTransId);

    const other = await client.pay(payRequest(id, { amount: { currency: 'CNY', value: 2000 } }));
    expect(other.result).toMatchObject({ resultStatus: 'F', resultCode: 'REPEAT_REQ_INCONSISTENT' });
    expect(other.data).toBeUndefined();
  });

  it('answers a replay after the shopper paid with the current status', async () => {
    const id = uniqueId('replay');
    const first = await client.pay(payRequest(id));
    await control('POST', `/sandbox/payments/${id}/pay`);
    const again = await client.pay(payRequest(id));
    expect(again.result).toMatchObject({ resultStatus: 'S', resultCode: 'SUCCESS' });
    expect(again.data).toMatchObject({ gatewayTransId: first.data?.gatewayTransId, status: 'SUCCESS', payAction: first.data?.payAction });
  });

  it('pays a PAYMENT_CODE at once and notifies', async () => {
    const id = uniqueId('paycode');
    const arrived = notificationsFor(id);
    const res = await client.pay(payRequest(id, { product: 'PAYMENT_CODE', payCodeValue: '286412345678901234' }));
    expect(res.result).toMatchObject({ resultStatus: 'S', resultCode: 'SUCCESS' });
    expect(res.data).toMatchObject({ status: 'SUCCESS', payAction: null });
    const [n] = await arrived;
    expect(n!.notification).toMatchObject({ product: 'PAYMENT_CODE', status: 'SUCCESS', gatewayTransId: res.data?.gatewayTransId });
  });

  it('accepts an expireAt in the gateway time zone under 72 hours ahead', async () => {
    const expireAt = formatGatewayTime(Date.now() + 71 * HOUR, TZ);
    const res = await client.pay(payRequest(uniqueId('expire-ok'), { expireAt }));
    expect(res.result.resultStatus).toBe('S');
  });

  describe('the seed field rules answer F PARAM_ILLEGAL', () => {
    const cases: Array<[string, (id: string) => PayRequest, RegExp]> = [
      ['paymentMethod must be ALIPAY_CN', (id) => payRequest(id, { paymentMethod: 'WECHAT_PAY' }), /paymentMethod/],
      ['product must be a known product', (id) => payRequest(id, { product: 'CARD' }), /product/],
      ['ENTRY_CODE is not paid by PAY', (id) => payRequest(id, { product: 'ENTRY_CODE' }), /ENTRY_CODE/],
      ['expireAt must be yyyy-mm-dd hh:mm:ss', (id) => payRequest(id, { expireAt: new Date(Date.now() + HOUR).toISOString() }), /expireAt/],
      ['expireAt must be a real time', (id) => payRequest(id, { expireAt: '2030-02-30 10:00:00' }), /expireAt/],
      ['expireAt must be in the future', (id) => payRequest(id, { expireAt: formatGatewayTime(Date.now() - 60_000, TZ) }), /expireAt/],
      ['expireAt is read in the gateway time zone (UTC wall time is 8 h in the past)', (id) => payRequest(id, { expireAt: formatGatewayTime(Date.now() + HOUR, 'UTC') }), /expireAt/],
      ['expireAt must be less than 72 hours ahead', (id) => payRequest(id, { expireAt: formatGatewayTime(Date.now() + 72 * HOUR + 5_000, TZ) }), /72 hours/],
      ['payCodeValue is required for PAYMENT_CODE', (id) => payRequest(id, { product: 'PAYMENT_CODE' }), /payCodeValue/],
      ['payCodeValue is only for PAYMENT_CODE', (id) => payRequest(id, { payCodeValue: '2864123' }), /payCodeValue/],
      ['payCodeValue must have 18 digits, not 17', (id) => payCodeRequest(id, '28641234567890123'), /payCodeValue.*18 digits/],
      ['payCodeValue must have 18 digits, not 19', (id) => payCodeRequest(id, '2864123456789012345'), /payCodeValue.*18 digits/],
      ['payCodeValue must be digits only', (id) => payCodeRequest(id, '28641234567890123X'), /payCodeValue.*18 digits/],
      ['payCodeValue must not start below 25', (id) => payCodeRequest(id, '246412345678901234'), /payCodeValue.*25 to 30/],
      ['payCodeValue must not start above 30', (id) => payCodeRequest(id, '316412345678901234'), /payCodeValue.*25 to 30/],
      ['goods.description is required', (id) => payRequest(id, { goods: { description: '  ' } }), /goods\.description/],
      ['riskData.Device.os is required', (id) => payRequest(id, { riskData: undefined }), /riskData\.Device\.os/],
      ['riskData.Device.os must not be empty', (id) => payRequest(id, { riskData: { Device: { os: '' } } }), /riskData\.Device\.os/],
    ];
    it.each(cases)('%s', async (_name, build, message) => {
      const id = uniqueId('rule');
      const res = await client.pay(build(id));
      expect(res.result).toMatchObject({ resultStatus: 'F', resultCode: 'PARAM_ILLEGAL' });
      expect(res.result.resultMessage).toMatch(message);
      // Nothing was created.
      expect((await client.detail(id)).result.resultCode).toBe('ORDER_NOT_EXIST');
    });
  });

  it('refuses a body that breaks the schema with HTTP 400 PARAM_ILLEGAL naming the field', async () => {
    const bad = { ...payRequest(uniqueId('schema')), amount: { currency: 'CNY', value: 10.5 } };
    await expect(client.pay(bad)).rejects.toMatchObject({ name: 'GatewayRejectedError', status: 400, resultCode: 'PARAM_ILLEGAL' });
    const raw = await rawWire(API_PATHS.pay, bad);
    expect(raw.status).toBe(400);
    expect(raw.signed).toBe(true);
    expect(raw.json.result.resultMessage).toMatch(/amount\.value/);
    expect((await rawWire(API_PATHS.pay, '{not json')).json.result.resultCode).toBe('PARAM_ILLEGAL');
  });
});

describe('request signatures', () => {
  it('refuses a bad signature with 401 INVALID_SIGNATURE, in a signed answer', async () => {
    const wrong = new GatewayClient({ baseUrl: sandbox.url, clientId: CLIENT_ID, secret: 'not-the-shared-secret-000', timeoutMs: 2_000 });
    const err = await wrong.pay(payRequest(uniqueId('badsig'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayRejectedError);
    expect(err).toMatchObject({ status: 401, resultCode: 'INVALID_SIGNATURE' });

    const raw = await rawWire(API_PATHS.detail, { merchantTransId: 'x' }, 'not-the-shared-secret-000');
    expect(raw.status).toBe(401);
    expect(raw.signed).toBe(true);
  });

  it('refuses an unsigned request and an unknown client id', async () => {
    const unsigned = await fetch(`${sandbox.url}${API_PATHS.detail}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"merchantTransId":"x"}' });
    expect(unsigned.status).toBe(401);
    const other = new GatewayClient({ baseUrl: sandbox.url, clientId: 'someone-else', secret: SECRET, timeoutMs: 2_000 });
    await expect(other.detail('x')).rejects.toMatchObject({ status: 401 });
  });
});
