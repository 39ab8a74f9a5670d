// The webhook: a forged or unsigned notification is refused with 401 and changes nothing; a
// malformed one is 400; a genuine one is acknowledged with the body the gateway expects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_PATH } from '../api/notifications-routes.js';
import { sign } from '../gateway/signing.js';
import { NOTIFICATION_ACK } from '../gateway/wire.js';
import { entryPaymentIdFor, stateQuery } from '../workflows/messages.js';
import { TEST_GATEWAY } from './support/constants.js';
import { cashierBody, eventsUntil, http, startService, uniqueId, type TestService } from './support/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => svc?.stop());

async function postNotification(body: unknown, secret: string | null, signing: { time?: number | string; clientId?: string } = {}) {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const clientId = signing.clientId ?? TEST_GATEWAY.clientId;
  if (secret) Object.assign(headers, sign({ secret, clientId, method: 'POST', path: NOTIFICATION_PATH, body: text, ...(signing.time !== undefined && { time: signing.time }) }));
  const res = await fetch(`${svc.apiUrl}${NOTIFICATION_PATH}`, { method: 'POST', headers, body: text });
  return { status: res.status, body: await res.json() };
}

async function pendingPayment() {
  const id = uniqueId('notif');
  const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id));
  expect(created.status).toBe(201);
  const notification = {
    notifyId: `n-${id}`,
    notifyType: 'PAYMENT_RESULT',
    merchantTransId: id,
    gatewayTransId: created.body.gatewayTransId,
    product: 'CASHIER_PAYMENT',
    status: 'SUCCESS',
    amount: { currency: 'CNY', value: 1000 },
  };
  return { id, paymentId: created.body.paymentId as string, notification };
}

describe('POST /v1/notifications/alipay-cn', () => {
  it('refuses a notification without a signature or with a wrong one: 401, payment unchanged', async () => {
    const p = await pendingPayment();
    const unsigned = await postNotification(p.notification, null);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.code).toBe('INVALID_SIGNATURE');
    const forged = await postNotification(p.notification, 'an-attackers-secret-0123456789');
    expect(forged.status).toBe(401);
    const view = await svc.api.client.workflow.getHandle(p.paymentId).query(stateQuery);
    expect(view.status).toBe('PENDING');
    // A genuine notification afterwards still works, and the forged ones left no trace.
    const genuine = await postNotification(p.notification, TEST_GATEWAY.secret);
    expect(genuine).toEqual({ status: 200, body: NOTIFICATION_ACK });
    const events = await eventsUntil(svc.nats, p.paymentId, 'payment.succeeded');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.succeeded']);
  });

  it('refuses a tampered body even with headers copied from a genuine one', async () => {
    const p = await pendingPayment();
    const text = JSON.stringify(p.notification);
    const headers = sign({ secret: TEST_GATEWAY.secret, clientId: TEST_GATEWAY.clientId, method: 'POST', path: NOTIFICATION_PATH, body: text });
    const tampered = text.replace('"value":1000', '"value":1');
    const res = await fetch(`${svc.apiUrl}${NOTIFICATION_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: tampered });
    expect(res.status).toBe(401);
  });

  it('answers a signed but malformed notification with 400 naming the field', async () => {
    const p = await pendingPayment();
    const res = await postNotification({ ...p.notification, status: 'MAYBE' }, TEST_GATEWAY.secret);
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('status');
    const view = await svc.api.client.workflow.getHandle(p.paymentId).query(stateQuery);
    expect(view.status).toBe('PENDING');
  });

  it('acknowledges a duplicate and publishes no second event', async () => {
    const p = await pendingPayment();
    expect((await postNotification(p.notification, TEST_GATEWAY.secret)).status).toBe(200);
    expect((await postNotification(p.notification, TEST_GATEWAY.secret)).status).toBe(200);
    expect((await postNotification({ ...p.notification, notifyId: 'another', status: 'FAIL' }, TEST_GATEWAY.secret)).status).toBe(200);
    await eventsUntil(svc.nats, p.paymentId, 'payment.succeeded');
    // The query is answered after the signals before it: all three have been applied by now.
    const view = await svc.api.client.workflow.getHandle(p.paymentId).query(stateQuery);
    expect(view.status).toBe('SUCCEEDED');
    const events = await eventsUntil(svc.nats, p.paymentId, 'payment.succeeded');
    expect(events.map((e) => e.sequence)).toEqual([1, 2]);
  });

  it('never trusts a notification whose amount differs: flagged in the view and an event, not paid', async () => {
    const p = await pendingPayment();
    const res = await postNotification({ ...p.notification, amount: { currency: 'CNY', value: 1 } }, TEST_GATEWAY.secret);
    expect(res.status).toBe(200);
    const events = await eventsUntil(svc.nats, p.paymentId, 'payment.amount_mismatch');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.amount_mismatch']);
    const view = await svc.api.client.workflow.getHandle(p.paymentId).query(stateQuery);
    expect(view.status).toBe('PENDING');
    expect(view.flags).toEqual([expect.objectContaining({ code: 'AMOUNT_MISMATCH' })]);
  });

  it('verifies a success that arrives after the payment was cancelled: nothing taken, nothing changes', async () => {
    const p = await pendingPayment();
    expect((await svc.client.cancel(p.paymentId)).status).toBe('CANCELLED'); // a cancel answers 200 with the view, or throws
    expect((await postNotification({ ...p.notification, notifyId: 'late-1' }, TEST_GATEWAY.secret)).status).toBe(200);
    // The workflow asks DETAIL (the order is CLOSED upstream), so no refund and no new event.
    const history = svc.api.client.workflow.getHandle(p.paymentId);
    const detailAnswered = async () => {
      const events = (await history.fetchHistory()).events!;
      const asked = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'detail').map((e) => String(e.eventId));
      return events.some((e) => asked.includes(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)));
    };
    await expect.poll(detailAnswered, { timeout: 10_000 }).toBe(true);
    const view = await history.query(stateQuery);
    expect(view).toMatchObject({ status: 'CANCELLED', refunds: [], flags: [] });
    const events = await eventsUntil(svc.nats, p.paymentId, 'payment.cancelled');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.cancelled']);
  });

  it('refuses a correctly signed notification whose request-time is stale, in the future or not a time', async () => {
    const p = await pendingPayment();
    const now = Date.now();
    const day = 24 * 3600_000;
    for (const time of [now - 3600_000, now - 30 * day, now - 3650 * day, now + 365 * day, now + 6 * 60_000, 'abc', '0', '-1', '', ' 1', `${now}.5`]) {
      const res = await postNotification(p.notification, TEST_GATEWAY.secret, { time });
      expect(res.status, `request-time ${JSON.stringify(time)}`).toBe(401);
      expect(res.body.error.code).toBe('INVALID_SIGNATURE');
    }
    const view = await svc.api.client.workflow.getHandle(p.paymentId).query(stateQuery);
    expect(view).toMatchObject({ status: 'PENDING', flags: [] });
    // Within the window (a little behind or ahead of our clock) it counts.
    expect((await postNotification(p.notification, TEST_GATEWAY.secret, { time: Date.now() - 60_000 })).status).toBe(200);
    await eventsUntil(svc.nats, p.paymentId, 'payment.succeeded');
  });

  it('refuses a notification signed for another client-id', async () => {
    const p = await pendingPayment();
    const res = await postNotification(p.notification, TEST_GATEWAY.secret, { clientId: 'another-merchant' });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/client-id/);
    expect((await svc.api.client.workflow.getHandle(p.paymentId).query(stateQuery)).status).toBe('PENDING');
  });

  it('never acts on a signed notification about another order: other gatewayTransId or product is flagged, not paid', async () => {
    const p = await pendingPayment();
    const other = await postNotification({ ...p.notification, notifyId: 'n-other-trans', gatewayTransId: 'G-SOMEONE-ELSES' }, TEST_GATEWAY.secret);
    expect(other.status).toBe(200);
    const product = await postNotification({ ...p.notification, notifyId: 'n-other-product', product: 'ORDER_CODE' }, TEST_GATEWAY.secret);
    expect(product.status).toBe(200);
    const handle = svc.api.client.workflow.getHandle(p.paymentId);
    const view = await handle.query(stateQuery);
    expect(view).toMatchObject({ status: 'PENDING', gatewayTransId: p.notification.gatewayTransId });
    expect(view.flags.map((f) => f.code)).toEqual(['NOTIFICATION_MISMATCH', 'NOTIFICATION_MISMATCH']);
    // The genuine one still settles it, and only it was published.
    expect((await postNotification(p.notification, TEST_GATEWAY.secret)).status).toBe(200);
    const events = await eventsUntil(svc.nats, p.paymentId, 'payment.succeeded');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.succeeded']);
  });

  it('confirms an ENTRY_CODE notification with DETAIL: one the gateway never issued is flagged and never SUCCEEDED', async () => {
    const gatewayTransId = `G-FORGED-${Date.now()}`;
    const forged = {
      notifyId: `n-${gatewayTransId}`,
      notifyType: 'PAYMENT_RESULT',
      merchantTransId: `entry-${gatewayTransId}`,
      gatewayTransId,
      product: 'ENTRY_CODE',
      status: 'SUCCESS',
      amount: { currency: 'CNY', value: 99_999_900 },
    };
    expect((await postNotification(forged, TEST_GATEWAY.secret)).status).toBe(200);
    const paymentId = entryPaymentIdFor(gatewayTransId);
    const events = await eventsUntil(svc.nats, paymentId, 'payment.failed');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.failed']);
    expect(events[0].data).toMatchObject({ status: 'FAILED', failure: { code: 'NOT_CONFIRMED_BY_GATEWAY' } });
    expect(events[0].data.flags.map((f) => f.code)).toEqual(['NOT_CONFIRMED_BY_GATEWAY']);
    const history = await svc.api.client.workflow.getHandle(paymentId).fetchHistory();
    // One publish in the history: a local try (a marker) that succeeded, or the durable activity.
    const localTries = history.events!.filter((e) =>
      (e.markerRecordedEventAttributes?.details?.data?.payloads ?? []).some((p) => Buffer.from(p.data ?? []).toString().includes('publishEventNow')),
    );
    const durable = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'publishEvent');
    expect(localTries.length + durable.length).toBe(1);
  });
});
