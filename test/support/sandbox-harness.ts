// The gateway sandbox on its own, for the test/sandbox-*.test.ts files: a sandbox of the file's own
// (with a clock the tests can pin), the real GatewayClient against it, a small node:http receiver
// for its notifications, the control API and a hand-signed wire call. A file calls useSandbox() at
// its top level; `sandbox`, `client` and `notifyUrl` are live bindings, set once it has started.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { GatewayClient } from '../../gateway/client.js';
import { sign, verify } from '../../gateway/signing.js';
import { GatewayNotification, NOTIFICATION_ACK, type Notification, type PayRequest, type RefundNotification, type RefundRequest } from '../../gateway/wire.js';
import { startSandbox, type Sandbox } from '../../sandbox/server.js';
import { examplePayRequest } from './wire-examples.js';

export const CLIENT_ID = 'merchant-sandbox-test';
export const SECRET = 'sandbox-test-secret-0123456789';
export const TZ = 'Asia/Shanghai';
export const NOTIFY_PATH = '/notify/alipay';
export const HOUR = 3600_000;

// --- notification receiver -------------------------------------------------------------------

export interface Received<N = Notification> {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  notification: N;
}

/** PAYMENT_RESULT notifications. */
export const received: Received[] = [];
/** REFUND_RESULT notifications. */
export const receivedRefunds: Received<RefundNotification>[] = [];
let waiters: Array<() => boolean> = [];
/** merchantTransId (payment results) or refundRequestId (refund results) → how many more deliveries to refuse before acknowledging. */
export const refuse = new Map<string, number>();
let receiver: Server | undefined;
/** The receiver's URL, the notifyUrl of the example requests. */
export let notifyUrl: string;

function startReceiver(): Promise<void> {
  const server = createServer((req, res) => {
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
  receiver = server;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      notifyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${NOTIFY_PATH}`;
      resolve();
    });
  });
}

/** Resolves once `count` of `list` match. */
function arrivals<T>(list: T[], matches: (r: T) => boolean, count: number): Promise<T[]> {
  return new Promise((resolve) => {
    const done = () => {
      const got = list.filter(matches);
      if (got.length < count) return false;
      resolve(got);
      return true;
    };
    if (!done()) waiters.push(done);
  });
}

/** Resolves once `count` notifications for this merchantTransId have arrived. */
export const notificationsFor = (merchantTransId: string, count = 1): Promise<Received[]> =>
  arrivals(received, (r) => r.notification.merchantTransId === merchantTransId, count);

/** Resolves once `count` REFUND_RESULT notifications for this refundRequestId have arrived. */
export const refundNotificationsFor = (refundRequestId: string, count = 1): Promise<Received<RefundNotification>[]> =>
  arrivals(receivedRefunds, (r) => r.notification.refundRequestId === refundRequestId, count);

// --- sandbox and client ----------------------------------------------------------------------

/** The sandbox's clock: real time unless a test pins it (reset after each test). */
let pinnedNow: number | null = null;
export let sandbox: Sandbox;
export let client: GatewayClient;
let counter = 0;
export const uniqueId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** Pins the sandbox's clock at `ms` (epoch milliseconds) until the test ends. */
export function pinClock(ms: number): void {
  pinnedNow = ms;
}

/** Starts the receiver and the file's sandbox before its tests; resets clock, faults and answers after each. */
export function useSandbox(): void {
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
}

/** A control API call (or any plain HTTP call) to the file's sandbox. */
export async function control(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : undefined;
  return { status: res.status, text, json };
}

// --- requests --------------------------------------------------------------------------------

/** The example payment as PAY reads it, to the receiver's notifyUrl; `overrides` replace wire fields, valid or not. */
export const payRequest = (merchantTransId: string, overrides: Partial<PayRequest> = {}): PayRequest => examplePayRequest(merchantTransId, notifyUrl, overrides);

export const payCodeRequest = (merchantTransId: string, payCodeValue = '286412345678901234'): PayRequest =>
  payRequest(merchantTransId, { product: 'PAYMENT_CODE', payCodeValue });

/** A signed wire call by hand, for what the client hides (response headers, 4xx bodies). */
export async function rawWire(path: string, payload: unknown, secret = SECRET) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers = sign({ secret, clientId: CLIENT_ID, method: 'POST', path, body });
  const res = await fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  const h = Object.fromEntries(res.headers.entries());
  const signed = verify({ secret: SECRET, method: 'POST', path, body: text, headers: { ...h, 'request-time': h['response-time'] } });
  return { status: res.status, json: JSON.parse(text), headers: h, signed };
}

// --- the sandbox's view of an order ----------------------------------------------------------

/** GET /sandbox/payments/{merchantTransId}: the order with its deliveries and refunds. */
export const orderOf = async (merchantTransId: string) => (await control('GET', `/sandbox/payments/${merchantTransId}`)).json;

export async function deliveriesOf(merchantTransId: string) {
  return (await orderOf(merchantTransId)).deliveries as Array<{
    notifyId: string;
    acked: boolean;
    duplicate: boolean;
    attempts: Array<{ outcome: string }>;
  }>;
}

// --- refunds ---------------------------------------------------------------------------------

export const refundRequest = (merchantTransId: string, refundRequestId: string, value: number, overrides: Partial<RefundRequest> = {}): RefundRequest => ({
  merchantTransId,
  refundRequestId,
  refundAmount: { currency: 'CNY', value },
  reason: 'returned goods',
  ...overrides,
});

/** A SUCCESS order of this product for CNY 10.00; its payment notification already arrived. */
export async function paidOrder(product: 'CASHIER_PAYMENT' | 'ORDER_CODE' | 'PAYMENT_CODE' | 'ENTRY_CODE' = 'CASHIER_PAYMENT'): Promise<string> {
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

export const refundStatus = async (refundRequestId: string) => (await client.refundDetail(refundRequestId)).data?.status;
/** The order's REFUND_RESULT deliveries. */
export const refundDeliveries = async (merchantTransId: string) =>
  ((await orderOf(merchantTransId)).deliveries as Array<{ notifyType: string; refundRequestId?: string; status: string; acked: boolean }>).filter(
    (d) => d.notifyType === 'REFUND_RESULT',
  );
