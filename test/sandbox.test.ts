// The gateway sandbox on its own: wire API through the real GatewayClient, notifications to a
// small node:http receiver, the control API, faults and the cashier page.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../gateway/client.js';
import { GatewayRejectedError, GatewayUnknownOutcomeError } from '../gateway/errors.js';
import { sign, verify } from '../gateway/signing.js';
import {
  API_PATHS,
  GatewayNotification,
  NOTIFICATION_ACK,
  type Notification,
  type PayRequest,
  type RefundNotification,
  type RefundRequest,
} from '../gateway/wire.js';
import { formatGatewayTime, parseGatewayTime } from '../domain/gateway-time.js';
import { startSandbox, type Sandbox } from '../sandbox/server.js';

const CLIENT_ID = 'merchant-sandbox-test';
const SECRET = 'sandbox-test-secret-0123456789';
const TZ = 'Asia/Shanghai';
const NOTIFY_PATH = '/notify/alipay';
const HOUR = 3600_000;

// --- notification receiver -------------------------------------------------------------------

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  notification: Notification;
}

interface ReceivedRefund {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  notification: RefundNotification;
}

/** PAYMENT_RESULT notifications. */
const received: Received[] = [];
/** REFUND_RESULT notifications. */
const receivedRefunds: ReceivedRefund[] = [];
let waiters: Array<() => boolean> = [];
/** merchantTransId (payment results) or refundRequestId (refund results) → how many more deliveries to refuse before acknowledging. */
const refuse = new Map<string, number>();
let receiver: Server;
let notifyUrl: string;

function startReceiver(): Promise<void> {
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const notification = GatewayNotification.parse(JSON.parse(body));
      const path = req.url ?? '';
      let key: string;
      if (notification.notifyType === 'REFUND_RESULT') {
        receivedRefunds.push({ path, headers: req.headers, body, notification });
        key = notification.refundRequestId;
      } else {
        received.push({ path, headers: req.headers, body, notification });
        key = notification.merchantTransId;
      }
      const left = refuse.get(key) ?? 0;
      if (left > 0) {
        refuse.set(key, left - 1);
        // Alternate the two ways of not acknowledging: a 5xx, and a 200 whose result is not S.
        if (left % 2 === 0) res.writeHead(500).end('try later');
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: { resultStatus: 'F', resultCode: 'BUSY', resultMessage: 'busy' } }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(NOTIFICATION_ACK));
      }
      waiters = waiters.filter((done) => !done());
    });
  });
  return new Promise((resolve) => {
    receiver.listen(0, '127.0.0.1', () => {
      notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${NOTIFY_PATH}`;
      resolve();
    });
  });
}

/** Resolves once `count` notifications for this merchantTransId have arrived. */
function notificationsFor(merchantTransId: string, count = 1): Promise<Received[]> {
  return new Promise((resolve) => {
    const done = () => {
      const got = received.filter((r) => r.notification.merchantTransId === merchantTransId);
      if (got.length < count) return false;
      resolve(got);
      return true;
    };
    if (!done()) waiters.push(done);
  });
}

/** Resolves once `count` REFUND_RESULT notifications for this refundRequestId have arrived. */
function refundNotificationsFor(refundRequestId: string, count = 1): Promise<ReceivedRefund[]> {
  return new Promise((resolve) => {
    const done = () => {
      const got = receivedRefunds.filter((r) => r.notification.refundRequestId === refundRequestId);
      if (got.length < count) return false;
      resolve(got);
      return true;
    };
    if (!done()) waiters.push(done);
  });
}

// --- sandbox and client ----------------------------------------------------------------------

/** The sandbox's clock: real time unless a test pins it. */
let pinnedNow: number | null = null;
let sandbox: Sandbox;
let client: GatewayClient;
let counter = 0;
const uniqueId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

beforeAll(async () => {
  await startReceiver();
  sandbox = await startSandbox({
    port: 0,
    clientId: CLIENT_ID,
    secret: SECRET,
    notifyRetryMs: [0, 50, 50, 50],
    timezone: TZ,
    now: () => pinnedNow ?? Date.now(),
  });
  client = new GatewayClient({ baseUrl: sandbox.url, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 2_000 });
});

afterAll(async () => {
  await sandbox?.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

afterEach(async () => {
  pinnedNow = null;
  await control('DELETE', '/sandbox/faults');
  await control('DELETE', '/sandbox/payment-code');
  await control('DELETE', '/sandbox/refunds');
});

async function control(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : undefined;
  return { status: res.status, text, json };
}

const payRequest = (merchantTransId: string, overrides: Partial<PayRequest> = {}): PayRequest => ({
  merchantTransId,
  paymentMethod: 'ALIPAY_CN',
  product: 'CASHIER_PAYMENT',
  amount: { currency: 'CNY', value: 1000 },
  goods: { description: 'Green tea, 2 boxes' },
  riskData: { Device: { os: 'iOS' } },
  notifyUrl,
  ...overrides,
});

const payCodeRequest = (merchantTransId: string, payCodeValue = '286412345678901234'): PayRequest =>
  payRequest(merchantTransId, { product: 'PAYMENT_CODE', payCodeValue });

/** A signed wire call by hand, for what the client hides (response headers, 4xx bodies). */
async function rawWire(path: string, payload: unknown, secret = SECRET) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers = sign({ secret, clientId: CLIENT_ID, method: 'POST', path, body });
  const res = await fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  const h = Object.fromEntries(res.headers.entries());
  const signed = verify({ secret: SECRET, method: 'POST', path, body: text, headers: { ...h, 'request-time': h['response-time'] } });
  return { status: res.status, json: JSON.parse(text), headers: h, signed };
}

async function deliveriesOf(merchantTransId: string) {
  return (await control('GET', `/sandbox/payments/${merchantTransId}`)).json.deliveries as Array<{
    notifyId: string;
    acked: boolean;
    duplicate: boolean;
    attempts: Array<{ outcome: string }>;
  }>;
}

// --- tests -----------------------------------------------------------------------------------

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

describe('CANCEL', () => {
  it('closes a PENDING order, and answers S again when repeated', async () => {
    const id = uniqueId('cancel-pending');
    await client.pay(payRequest(id));
    const res = await client.cancel(id);
    expect(res.result).toMatchObject({ resultStatus: 'S' });
    expect(res.data).toMatchObject({ merchantTransId: id, status: 'CLOSED' });
    expect((await client.detail(id)).data?.status).toBe('CLOSED');
    expect((await client.cancel(id)).result.resultStatus).toBe('S');
    expect((await control('POST', `/sandbox/payments/${id}/pay`)).status).toBe(409);
  });

  it('reverses a SUCCESS payment on its payment date, not after 23:59:59 local time', async () => {
    pinnedNow = parseGatewayTime('2026-11-26 23:58:00', TZ)!;
    const today = uniqueId('cancel-today');
    const lastDay = uniqueId('cancel-late');
    for (const id of [today, lastDay]) {
      await client.pay(payRequest(id));
      await control('POST', `/sandbox/payments/${id}/pay`);
    }
    pinnedNow = parseGatewayTime('2026-11-26 23:59:58', TZ)!;
    expect((await client.cancel(today)).data?.status).toBe('CANCELLED');
    expect((await client.detail(today)).data?.status).toBe('CANCELLED');

    pinnedNow = parseGatewayTime('2026-11-27 00:00:00', TZ)!;
    const late = await client.cancel(lastDay);
    expect(late.result).toMatchObject({ resultStatus: 'F', resultCode: 'CANCEL_WINDOW_EXCEED' });
    expect((await client.detail(lastDay)).data?.status).toBe('SUCCESS');
  });

  it('refuses a FAIL order and an unknown one', async () => {
    const id = uniqueId('cancel-fail');
    await client.pay(payRequest(id));
    await control('POST', `/sandbox/payments/${id}/decline`);
    expect((await client.cancel(id)).result).toMatchObject({ resultStatus: 'F', resultCode: 'ORDER_STATUS_INVALID' });
    expect((await client.cancel(uniqueId('nobody'))).result).toMatchObject({ resultStatus: 'F', resultCode: 'ORDER_NOT_EXIST' });
  });
});

describe('expiry', () => {
  it('closes a PENDING order once its expireAt has passed', async () => {
    const id = uniqueId('expiry');
    const start = Date.now();
    pinnedNow = start;
    await client.pay(payRequest(id, { expireAt: formatGatewayTime(start + 10 * 60_000, TZ) }));
    pinnedNow = start + 11 * 60_000;
    expect((await client.detail(id)).data?.status).toBe('CLOSED');
    expect((await control('POST', `/sandbox/payments/${id}/pay`)).status).toBe(409);
  });

  it('defaults expireAt to 72 hours', async () => {
    const id = uniqueId('expiry-default');
    const start = Date.now();
    pinnedNow = start;
    await client.pay(payRequest(id));
    pinnedNow = start + 72 * HOUR - 1000;
    expect((await client.detail(id)).data?.status).toBe('PENDING');
    pinnedNow = start + 72 * HOUR;
    expect((await client.detail(id)).data?.status).toBe('CLOSED');
  });
});

describe('DETAIL', () => {
  it('answers F ORDER_NOT_EXIST for an unknown order', async () => {
    const res = await client.detail(uniqueId('unknown'));
    expect(res.result).toMatchObject({ resultStatus: 'F', resultCode: 'ORDER_NOT_EXIST' });
  });
});

describe('faults', () => {
  it('replaces, shows and resets the faults', async () => {
    const put = await control('PUT', '/sandbox/faults', { latencyMs: 5, failNext: { detail: 2 } });
    expect(put.status).toBe(200);
    const got = await control('GET', '/sandbox/faults');
    expect(got.json).toMatchObject({ latencyMs: 5, errorRate: 0, failNext: { detail: 2, pay: 0, mode: 'error' } });
    await control('DELETE', '/sandbox/faults');
    expect((await control('GET', '/sandbox/faults')).json).toMatchObject({ latencyMs: 0, failNext: { detail: 0 } });
    expect((await control('PUT', '/sandbox/faults', { errorRate: 2 })).status).toBe(400);
    expect((await control('PUT', '/sandbox/faults', { eroorRate: 0.1 })).status).toBe(400);
  });

  it('failNext unknown: the client gets result U, but the order exists', async () => {
    const id = uniqueId('fault-unknown');
    await control('PUT', '/sandbox/faults', { failNext: { pay: 1, mode: 'unknown' } });
    const res = await client.pay(payRequest(id));
    expect(res.result).toMatchObject({ resultStatus: 'U', resultCode: 'UNKNOWN_EXCEPTION' });
    expect(res.data).toBeUndefined();
    expect((await client.detail(id)).data).toMatchObject({ merchantTransId: id, status: 'PENDING' });
  });

  it('failNext error: GatewayUnknownOutcomeError, but the order exists', async () => {
    const id = uniqueId('fault-error');
    await control('PUT', '/sandbox/faults', { failNext: { pay: 1, mode: 'error' } });
    await expect(client.pay(payRequest(id))).rejects.toBeInstanceOf(GatewayUnknownOutcomeError);
    expect((await client.detail(id)).data).toMatchObject({ merchantTransId: id, status: 'PENDING' });
    // Only the next call was hit.
    expect((await client.pay(payRequest(id))).result.resultStatus).toBe('S');
  });

  it('failNext timeout: the client gives up, but the order exists', async () => {
    const id = uniqueId('fault-timeout');
    await control('PUT', '/sandbox/faults', { failNext: { pay: 1, mode: 'timeout' } });
    const impatient = new GatewayClient({ baseUrl: sandbox.url, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 200 });
    await expect(impatient.pay(payRequest(id))).rejects.toBeInstanceOf(GatewayUnknownOutcomeError);
    expect((await client.detail(id)).data).toMatchObject({ merchantTransId: id, status: 'PENDING' });
  });

  it('failNext on cancel: the cancel took effect anyway', async () => {
    const id = uniqueId('fault-cancel');
    await client.pay(payRequest(id));
    await control('PUT', '/sandbox/faults', { failNext: { cancel: 1, mode: 'unknown' } });
    expect((await client.cancel(id)).result.resultStatus).toBe('U');
    expect((await client.detail(id)).data?.status).toBe('CLOSED');
  });

  it('rates: errorRate 1 and unknownRate 1 hit every call', async () => {
    await control('PUT', '/sandbox/faults', { errorRate: 1 });
    await expect(client.detail('x')).rejects.toBeInstanceOf(GatewayUnknownOutcomeError);
    await control('PUT', '/sandbox/faults', { unknownRate: 1 });
    expect((await client.detail('x')).result.resultStatus).toBe('U');
  });

  it('latencyMs delays each wire answer', async () => {
    await control('PUT', '/sandbox/faults', { latencyMs: 150 });
    const t0 = performance.now();
    await client.detail('x');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('dropNextNotifications: the lost attempt is retried on schedule', async () => {
    const id = uniqueId('drop');
    await client.pay(payRequest(id));
    await control('PUT', '/sandbox/faults', { dropNextNotifications: 1 });
    const arrived = notificationsFor(id);
    await control('POST', `/sandbox/payments/${id}/pay`);
    await arrived;
    await expect.poll(async () => (await deliveriesOf(id))[0]?.acked).toBe(true);
    expect((await deliveriesOf(id))[0]!.attempts.map((a) => a.outcome)).toEqual(['DROPPED', 'ACKED']);
  });

  it('dropNotifications 1: nothing arrives and the schedule runs out', async () => {
    const id = uniqueId('drop-all');
    await client.pay(payRequest(id));
    await control('PUT', '/sandbox/faults', { dropNotifications: 1 });
    await control('POST', `/sandbox/payments/${id}/pay`);
    await expect.poll(async () => (await control('GET', `/sandbox/payments/${id}`)).json.deliveries[0].gaveUp).toBe(true);
    expect((await deliveriesOf(id))[0]!.attempts.map((a) => a.outcome)).toEqual(['DROPPED', 'DROPPED', 'DROPPED', 'DROPPED']);
    expect(received.some((r) => r.notification.merchantTransId === id)).toBe(false);
  });

  it('duplicateNotifications 1: an acknowledged notification comes once more with the same notifyId', async () => {
    const id = uniqueId('dup');
    await client.pay(payRequest(id));
    await control('PUT', '/sandbox/faults', { duplicateNotifications: 1 });
    const arrived = notificationsFor(id, 2);
    await control('POST', `/sandbox/payments/${id}/pay`);
    const [a, b] = await arrived;
    expect(b!.notification.notifyId).toBe(a!.notification.notifyId);
  });

  it('reorderNotifications: notifications are held back but still delivered', async () => {
    const id = uniqueId('reorder');
    await client.pay(payRequest(id));
    await control('PUT', '/sandbox/faults', { reorderNotifications: true });
    const arrived = notificationsFor(id);
    await control('POST', `/sandbox/payments/${id}/pay`);
    expect((await arrived)[0]!.notification.status).toBe('SUCCESS');
  });

  it('close() ends a sandbox that holds an answer open', async () => {
    const other = await startSandbox({ port: 0, clientId: CLIENT_ID, secret: SECRET, notifyRetryMs: [0], timezone: TZ });
    await fetch(`${other.url}/sandbox/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeoutRate: 1 }) });
    const patient = new GatewayClient({ baseUrl: other.url, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 30_000 });
    const id = uniqueId('held');
    const pending = patient.pay(payRequest(id)).catch((e: unknown) => e);
    // The order exists once the request was processed; its answer is then being held.
    await expect.poll(async () => (await fetch(`${other.url}/sandbox/payments/${id}`)).status).toBe(200);
    const t0 = performance.now();
    await other.close();
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(await pending).toBeInstanceOf(GatewayUnknownOutcomeError);
  });
});

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

// --- products: PAYMENT_CODE answers, ORDER_CODE codes, ENTRY_CODE static codes -----------------

const orderOf = async (merchantTransId: string) => (await control('GET', `/sandbox/payments/${merchantTransId}`)).json;

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

describe('ENTRY_CODE', () => {
  const entryPay = (body: object) => control('POST', '/sandbox/entry-code/pay', { amount: { currency: 'CNY', value: 1200 }, codeId: 'shop-42.counter_1', ...body });

  it('uses the sandbox entryCodeNotifyUrl when the body names no notifyUrl; a body notifyUrl wins', async () => {
    const other = await startSandbox({ port: 0, clientId: CLIENT_ID, secret: SECRET, notifyRetryMs: [0, 50], timezone: TZ, entryCodeNotifyUrl: notifyUrl });
    try {
      const res = await fetch(`${other.url}/sandbox/entry-code/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amount: { currency: 'CNY', value: 880 }, codeId: 'counter-7' }),
      });
      expect(res.status).toBe(200);
      const { merchantTransId, status } = (await res.json()) as { merchantTransId: string; status: string };
      expect(status).toBe('SUCCESS');
      const [n] = await notificationsFor(merchantTransId);
      expect(n!.path).toBe(NOTIFY_PATH);
      expect(verify({ secret: SECRET, method: 'POST', path: NOTIFY_PATH, body: n!.body, headers: n!.headers })).toBe(true);
      expect(n!.notification).toMatchObject({ product: 'ENTRY_CODE', status: 'SUCCESS', codeId: 'counter-7', amount: { value: 880 } });

      const explicitUrl = `${notifyUrl}/explicit`;
      const explicit = await fetch(`${other.url}/sandbox/entry-code/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amount: { currency: 'CNY', value: 881 }, codeId: 'counter-7', notifyUrl: explicitUrl }),
      });
      const [m] = await notificationsFor(((await explicit.json()) as { merchantTransId: string }).merchantTransId);
      expect(m!.path).toBe(`${NOTIFY_PATH}/explicit`);
    } finally {
      await other.close();
    }
  });

  it('refuses to start with an entryCodeNotifyUrl that is not an http(s) URL', async () => {
    await expect(startSandbox({ port: 0, clientId: CLIENT_ID, secret: SECRET, notifyRetryMs: [0], timezone: TZ, entryCodeNotifyUrl: 'ftp://x/y' })).rejects.toThrow(/entryCodeNotifyUrl/);
  });

  it('status FAIL: a failed entry-code payment sends a FAIL notification', async () => {
    const res = await entryPay({ notifyUrl, status: 'FAIL' });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('FAIL');
    const [n] = await notificationsFor(res.json.merchantTransId);
    expect(n!.notification).toMatchObject({ product: 'ENTRY_CODE', status: 'FAIL', codeId: 'shop-42.counter_1', gatewayTransId: res.json.gatewayTransId });
    expect(n!.notification.paidAt).toBeUndefined();
    expect((await client.detail(res.json.merchantTransId)).data).toMatchObject({ product: 'ENTRY_CODE', status: 'FAIL' });
  });

  it('refuses a bad status or codeId', async () => {
    expect((await entryPay({ notifyUrl, status: 'PENDING' })).json.error.details[0].path).toBe('status');
    expect((await entryPay({ notifyUrl, codeId: 'has space' })).json.error.details[0].path).toBe('codeId');
    expect((await entryPay({ notifyUrl, codeId: 'x'.repeat(65) })).status).toBe(400);
  });

  it('duplicateNotifications applies: the acknowledged notification comes twice, same notifyId', async () => {
    await control('PUT', '/sandbox/faults', { duplicateNotifications: 1 });
    const res = await entryPay({ notifyUrl });
    const [a, b] = await notificationsFor(res.json.merchantTransId, 2);
    expect(b!.notification.notifyId).toBe(a!.notification.notifyId);
    expect(b!.body).toBe(a!.body);
    expect(verify({ secret: SECRET, method: 'POST', path: NOTIFY_PATH, body: b!.body, headers: b!.headers })).toBe(true);
    await expect.poll(async () => (await deliveriesOf(res.json.merchantTransId)).map((d) => [d.duplicate, d.acked])).toEqual([
      [false, true],
      [true, true],
    ]);
  });

  it('dropNextNotifications applies: the lost attempt is retried on schedule', async () => {
    await control('PUT', '/sandbox/faults', { dropNextNotifications: 1 });
    const res = await entryPay({ notifyUrl });
    await notificationsFor(res.json.merchantTransId);
    await expect.poll(async () => (await deliveriesOf(res.json.merchantTransId))[0]?.acked).toBe(true);
    expect((await deliveriesOf(res.json.merchantTransId))[0]!.attempts.map((a) => a.outcome)).toEqual(['DROPPED', 'ACKED']);
  });

  describe('GET /sandbox/entry-code/{codeId}: the static EMVCo code', () => {
    /** CRC-16/CCITT-FALSE written out independently of the sandbox's. */
    function crc16(text: string): string {
      let crc = 0xffff;
      for (const byte of new TextEncoder().encode(text)) {
        for (let bit = 7; bit >= 0; bit--) {
          const top = ((crc >> 15) & 1) ^ ((byte >> bit) & 1);
          crc = (crc << 1) & 0xffff;
          if (top) crc ^= 0x1021;
        }
      }
      return crc.toString(16).toUpperCase().padStart(4, '0');
    }

    /** Top-level ID-length-value objects of an EMVCo payload, in order. */
    function tlvs(payload: string): Array<[string, string]> {
      const out: Array<[string, string]> = [];
      for (let i = 0; i < payload.length; ) {
        const id = payload.slice(i, i + 2);
        const len = Number(payload.slice(i + 2, i + 4));
        expect(Number.isInteger(len)).toBe(true);
        out.push([id, payload.slice(i + 4, i + 4 + len)]);
        i += 4 + len;
        expect(i).toBeLessThanOrEqual(payload.length);
      }
      return out;
    }

    it('the CRC of the test is CRC-16/CCITT-FALSE (check value 29B1)', () => {
      expect(crc16('123456789')).toBe('29B1');
    });

    it('answers a static merchant-presented payload for the codeId whose CRC verifies', async () => {
      const codeId = 'shop-42.counter_1';
      const res = await control('GET', `/sandbox/entry-code/${codeId}`);
      expect(res.status).toBe(200);
      expect(res.json.codeId).toBe(codeId);
      const payload = res.json.emvco as string;
      expect(payload.startsWith('000201010211')).toBe(true);

      const objects = tlvs(payload);
      const byId = new Map(objects);
      expect(byId.get('00')).toBe('01');
      expect(byId.get('01')).toBe('11'); // static: the shopper types the amount
      expect(byId.has('54')).toBe(false); // and so no amount in the code
      expect(byId.get('53')).toBe('156');
      expect(byId.get('58')).toBe('CN');
      const account = objects.find(([id]) => Number(id) >= 26 && Number(id) <= 51);
      expect(account).toBeDefined();
      expect(new Map(tlvs(account![1])).get('01')).toBe(codeId);

      // The CRC is the last object, over everything up to and including its own "6304".
      expect(objects.at(-1)![0]).toBe('63');
      expect(payload).toMatch(/6304[0-9A-F]{4}$/);
      expect(payload.slice(-4)).toBe(crc16(payload.slice(0, -4)));
      // A changed code no longer verifies.
      const tampered = payload.replace(codeId, 'shop-43.counter_1');
      expect(tampered.slice(-4)).not.toBe(crc16(tampered.slice(0, -4)));

      // Static: the same code every time, another for another codeId.
      expect((await control('GET', `/sandbox/entry-code/${codeId}`)).json.emvco).toBe(payload);
      expect((await control('GET', '/sandbox/entry-code/other')).json.emvco).not.toBe(payload);
    });

    it('refuses a codeId that cannot be printed in the code', async () => {
      const res = await control('GET', `/sandbox/entry-code/${'x'.repeat(65)}`);
      expect(res.status).toBe(400);
      expect(res.json.error.details[0].path).toBe('codeId');
      expect((await control('GET', `/sandbox/entry-code/${encodeURIComponent('a b')}`)).status).toBe(400);
    });
  });
});

// --- REFUND and REFUND DETAIL ------------------------------------------------------------------

describe('REFUND', () => {
  const DAY = 24 * HOUR;

  const refundRequest = (merchantTransId: string, refundRequestId: string, value: number, overrides: Partial<RefundRequest> = {}): RefundRequest => ({
    merchantTransId,
    refundRequestId,
    refundAmount: { currency: 'CNY', value },
    reason: 'returned goods',
    ...overrides,
  });

  /** A SUCCESS order of this product for CNY 10.00; its payment notification already arrived. */
  async function paidOrder(product: 'CASHIER_PAYMENT' | 'ORDER_CODE' | 'PAYMENT_CODE' | 'ENTRY_CODE' = 'CASHIER_PAYMENT'): Promise<string> {
    if (product === 'ENTRY_CODE') {
      const res = await control('POST', '/sandbox/entry-code/pay', { amount: { currency: 'CNY', value: 1000 }, codeId: 'counter-9', notifyUrl });
      await notificationsFor(res.json.merchantTransId);
      return res.json.merchantTransId as string;
    }
    const id = uniqueId(`rf-${product.toLowerCase()}`);
    const arrived = notificationsFor(id);
    if (product === 'PAYMENT_CODE') {
      expect((await client.pay(payCodeRequest(id))).data?.status).toBe('SUCCESS');
    } else {
      await client.pay(payRequest(id, { product }));
      expect((await control('POST', `/sandbox/payments/${id}/pay`)).status).toBe(200);
    }
    await arrived;
    return id;
  }

  const refundStatus = async (refundRequestId: string) => (await client.refundDetail(refundRequestId)).data?.status;
  const refundDeliveries = async (merchantTransId: string) =>
    ((await orderOf(merchantTransId)).deliveries as Array<{ notifyType: string; refundRequestId?: string; status: string; acked: boolean }>).filter(
      (d) => d.notifyType === 'REFUND_RESULT',
    );

  it('refunds in parts up to the paid amount, PENDING and SUCCESS refunds both counting, then REFUND_AMOUNT_EXCEED', async () => {
    const id = await paidOrder();
    const first = await client.refund(refundRequest(id, `${id}-r1`, 300));
    expect(first.result).toMatchObject({ resultStatus: 'S', resultCode: 'REFUND_IN_PROCESS' });
    expect(first.data).toMatchObject({ merchantTransId: id, refundRequestId: `${id}-r1`, status: 'PENDING', refundAmount: { currency: 'CNY', value: 300 } });
    expect(first.data?.gatewayRefundId).toMatch(/^R\d{16}$/);
    // Default settlement: SUCCESS right after answering.
    await expect.poll(() => refundStatus(`${id}-r1`)).toBe('SUCCESS');

    // The rest stay PENDING for a minute: they count all the same.
    await control('PUT', '/sandbox/refunds', { answer: 'SUCCESS', settleAfterMs: 60_000 });
    expect((await client.refund(refundRequest(id, `${id}-r2`, 500))).data?.status).toBe('PENDING');
    const over = await client.refund(refundRequest(id, `${id}-r3`, 201));
    expect(over.result).toMatchObject({ resultStatus: 'F', resultCode: 'REFUND_AMOUNT_EXCEED' });
    expect(over.result.resultMessage).toMatch(/refundable 200 of 1000/);
    expect(over.data).toBeUndefined();
    // A refused refund is not recorded: its id stays free, and DETAIL does not know it.
    expect((await client.refundDetail(`${id}-r3`)).result).toMatchObject({ resultStatus: 'F', resultCode: 'REFUND_NOT_EXIST' });

    expect((await client.refund(refundRequest(id, `${id}-r4`, 200))).result.resultStatus).toBe('S');
    expect((await client.refund(refundRequest(id, `${id}-r5`, 1))).result.resultCode).toBe('REFUND_AMOUNT_EXCEED');

    const order = await orderOf(id);
    expect(order.status).toBe('SUCCESS');
    expect(order.refunds.map((r: { refundRequestId: string; refundAmount: { value: number }; status: string }) => [r.refundRequestId, r.refundAmount.value, r.status])).toEqual([
      [`${id}-r1`, 300, 'SUCCESS'],
      [`${id}-r2`, 500, 'PENDING'],
      [`${id}-r4`, 200, 'PENDING'],
    ]);
    expect(order.refunds[1]).toMatchObject({ reason: 'returned goods', settle: { answer: 'SUCCESS', settleAfterMs: 60_000 } });
  });

  it('is idempotent on refundRequestId: same body, same refund with its current status; other body, REPEAT_REQ_INCONSISTENT', async () => {
    const id = await paidOrder();
    const rid = `${id}-idem`;
    await control('PUT', '/sandbox/refunds', { answer: 'SUCCESS', settleAfterMs: 500 });
    const first = await client.refund(refundRequest(id, rid, 400));
    expect(first.data?.status).toBe('PENDING');
    expect(await client.refund(refundRequest(id, rid, 400))).toEqual(first);
    // Key order does not make a different request.
    const reordered = await rawWire(API_PATHS.refund, Object.fromEntries(Object.entries(refundRequest(id, rid, 400)).reverse()));
    expect(reordered.json.data.gatewayRefundId).toBe(first.data?.gatewayRefundId);

    for (const other of [
      refundRequest(id, rid, 401),
      refundRequest(id, rid, 400, { reason: 'another reason' }),
      refundRequest(await paidOrder(), rid, 400), // the id is the gateway's key, whichever order
    ]) {
      const res = await client.refund(other);
      expect(res.result).toMatchObject({ resultStatus: 'F', resultCode: 'REPEAT_REQ_INCONSISTENT' });
      expect(res.data).toBeUndefined();
    }
    // A replay counted once: 600 are still refundable.
    expect((await client.refund(refundRequest(id, `${id}-rest`, 600))).result.resultStatus).toBe('S');

    await expect.poll(() => refundStatus(rid), { timeout: 5_000 }).toBe('SUCCESS');
    const later = await client.refund(refundRequest(id, rid, 400));
    expect(later.result).toMatchObject({ resultStatus: 'S', resultCode: 'SUCCESS' });
    expect(later.data).toEqual({ ...first.data, status: 'SUCCESS' });
    expect((await orderOf(id)).refunds).toHaveLength(2);
  });

  it('refuses a refund of an order that is not SUCCESS, unknown, in another currency, or malformed', async () => {
    const pending = uniqueId('rf-pending');
    await client.pay(payRequest(pending));
    const early = await client.refund(refundRequest(pending, `${pending}-r`, 100));
    expect(early.result).toMatchObject({ resultStatus: 'F', resultCode: 'ORDER_STATUS_INVALID' });
    expect(early.result.resultMessage).toMatch(/PENDING/);
    expect((await orderOf(pending)).refunds).toEqual([]);

    const declined = uniqueId('rf-declined');
    await client.pay(payRequest(declined));
    await control('POST', `/sandbox/payments/${declined}/decline`);
    expect((await client.refund(refundRequest(declined, `${declined}-r`, 100))).result.resultCode).toBe('ORDER_STATUS_INVALID');

    const closed = uniqueId('rf-closed');
    await client.pay(payRequest(closed));
    await client.cancel(closed);
    expect((await client.refund(refundRequest(closed, `${closed}-r`, 100))).result.resultCode).toBe('ORDER_STATUS_INVALID');

    const nobody = uniqueId('rf-nobody');
    expect((await client.refund(refundRequest(nobody, `${nobody}-r`, 100))).result).toMatchObject({ resultStatus: 'F', resultCode: 'ORDER_NOT_EXIST' });

    const paid = await paidOrder();
    const usd = await client.refund(refundRequest(paid, `${paid}-usd`, 100, { refundAmount: { currency: 'USD', value: 100 } }));
    expect(usd.result).toMatchObject({ resultStatus: 'F', resultCode: 'PARAM_ILLEGAL' });
    expect(usd.result.resultMessage).toMatch(/refundAmount\.currency.*CNY/);
    expect((await client.refund(refundRequest(paid, `${paid}-url`, 100, { notifyUrl: 'ftp://x/y' }))).result.resultCode).toBe('PARAM_ILLEGAL');

    // A body that breaks the schema: HTTP 400 PARAM_ILLEGAL naming the field.
    for (const [bad, field] of [
      [refundRequest(paid, 'has space', 100), /refundRequestId/],
      [refundRequest(paid, 'x'.repeat(65), 100), /refundRequestId/],
      [refundRequest(paid, '', 100), /refundRequestId/],
      [refundRequest(paid, `${paid}-frac`, 10.5), /refundAmount\.value/],
      [refundRequest(paid, `${paid}-zero`, 0), /refundAmount\.value/],
    ] as const) {
      await expect(client.refund(bad)).rejects.toMatchObject({ name: 'GatewayRejectedError', status: 400, resultCode: 'PARAM_ILLEGAL' });
      const raw = await rawWire(API_PATHS.refund, bad);
      expect(raw.signed).toBe(true);
      expect(raw.json.result.resultMessage).toMatch(field);
    }
    expect((await orderOf(paid)).refunds).toEqual([]);
  });

  it('refuses a refund of a reversed (CANCELLED) order', async () => {
    const id = await paidOrder('PAYMENT_CODE');
    expect((await client.cancel(id)).data?.status).toBe('CANCELLED');
    expect((await client.refund(refundRequest(id, `${id}-r`, 100))).result).toMatchObject({ resultStatus: 'F', resultCode: 'ORDER_STATUS_INVALID' });
  });

  it('refuses a refund after the refund window (365 days from the payment)', async () => {
    const start = Date.now();
    pinnedNow = start;
    const id = await paidOrder('PAYMENT_CODE');
    pinnedNow = start + 365 * DAY - 1000;
    expect((await client.refund(refundRequest(id, `${id}-in`, 100))).result.resultStatus).toBe('S');
    pinnedNow = start + 365 * DAY + 1000;
    expect((await client.refund(refundRequest(id, `${id}-out`, 100))).result).toMatchObject({ resultStatus: 'F', resultCode: 'REFUND_WINDOW_EXCEED' });
  });

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

  it('failNext refund unknown: the client gets result U, but the refund exists and DETAIL shows it', async () => {
    const id = await paidOrder('ORDER_CODE');
    await control('PUT', '/sandbox/faults', { failNext: { refund: 1, mode: 'unknown' } });
    const res = await client.refund(refundRequest(id, `${id}-u`, 300));
    expect(res.result).toMatchObject({ resultStatus: 'U', resultCode: 'UNKNOWN_EXCEPTION' });
    expect(res.data).toBeUndefined();
    const detail = await client.refundDetail(`${id}-u`);
    expect(detail.result).toMatchObject({ resultStatus: 'S', resultCode: 'SUCCESS' });
    expect(detail.data).toMatchObject({ merchantTransId: id, refundRequestId: `${id}-u`, refundAmount: { value: 300 } });
    expect((await orderOf(id)).refunds.map((r: { refundRequestId: string }) => r.refundRequestId)).toEqual([`${id}-u`]);
    // Retrying the same refundRequestId answers that refund: nothing is refunded twice.
    const retry = await client.refund(refundRequest(id, `${id}-u`, 300));
    expect(retry.data?.gatewayRefundId).toBe(detail.data?.gatewayRefundId);
    expect((await orderOf(id)).refunds).toHaveLength(1);
  });

  it('failNext refund error and refundDetail error: GatewayUnknownOutcomeError, and only the next call is hit', async () => {
    const id = await paidOrder('PAYMENT_CODE');
    await control('PUT', '/sandbox/faults', { failNext: { refund: 1, refundDetail: 1, mode: 'error' } });
    expect((await control('GET', '/sandbox/faults')).json.failNext).toMatchObject({ refund: 1, refundDetail: 1 });
    await expect(client.refund(refundRequest(id, `${id}-e`, 100))).rejects.toBeInstanceOf(GatewayUnknownOutcomeError);
    await expect(client.refundDetail(`${id}-e`)).rejects.toBeInstanceOf(GatewayUnknownOutcomeError);
    expect((await client.refundDetail(`${id}-e`)).data?.refundRequestId).toBe(`${id}-e`);
  });

  it('REFUND DETAIL: F REFUND_NOT_EXIST for an unknown refundRequestId', async () => {
    const res = await client.refundDetail(uniqueId('no-refund'));
    expect(res.result).toMatchObject({ resultStatus: 'F', resultCode: 'REFUND_NOT_EXIST' });
    expect(res.data).toBeUndefined();
  });

  it('CANCEL is refused once a refund exists: only a full cancellation is allowed', async () => {
    const id = await paidOrder('PAYMENT_CODE');
    await control('PUT', '/sandbox/refunds', { answer: 'FAIL' });
    await client.refund(refundRequest(id, `${id}-r`, 100));
    await expect.poll(() => refundStatus(`${id}-r`)).toBe('FAIL');
    // Even a failed refund: the order was no longer whole when it was asked for.
    const res = await client.cancel(id);
    expect(res.result).toMatchObject({ resultStatus: 'F', resultCode: 'ORDER_STATUS_INVALID' });
    expect(res.result.resultMessage).toMatch(/refund/);
    expect(res.data?.status).toBe('SUCCESS');
    expect((await client.detail(id)).data?.status).toBe('SUCCESS');
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
