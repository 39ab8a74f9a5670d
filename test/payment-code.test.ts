// PAYMENT_CODE end to end: the merchant scans the shopper's code; PAY answers SUCCESS at once,
// FAIL, or PENDING while the shopper confirms. A payment that never completes is reversed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PAY_CODE, cashierBody, eventsUntil, http, paymentRequest, shopperOf, startService, uniqueId, type TestService } from './support/service.js';

let svc: TestService;
let shopper: ReturnType<typeof shopperOf>;
beforeAll(async () => {
  svc = await startService({ paymentCode: { pollMs: 500, maxPolls: 4, confirmMs: 20_000 } });
  shopper = shopperOf(svc);
});
afterAll(async () => svc?.stop());
afterEach(async () => shopper.reset());

const body = (id: string) => cashierBody(id, { product: 'PAYMENT_CODE', payCodeValue: PAY_CODE });
/** The same request, made with the merchant client. */
const create = (id: string) => svc.client.createPayment(paymentRequest(id, { product: 'PAYMENT_CODE', payCodeValue: PAY_CODE }));
const types = (events: { type: string }[]) => events.map((e) => e.type.replace('alipay_cn.', ''));

describe('PAYMENT_CODE', () => {
  it('succeeds at once when PAY answers SUCCESS: 201 SUCCEEDED in the same round trip', async () => {
    const id = uniqueId('pc-now');
    const res = await http('POST', `${svc.apiUrl}/v1/payments`, body(id));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'SUCCEEDED', product: 'PAYMENT_CODE', payAction: null });
    expect(types(await eventsUntil(svc.nats, res.body.paymentId, 'payment.succeeded'))).toEqual(['payment.succeeded']);
  });

  it('fails when the wallet refuses', async () => {
    await shopper.paymentCodeAnswers({ answer: 'FAIL' });
    const id = uniqueId('pc-fail');
    const created = await create(id);
    expect(created.status).toBe('FAILED');
    expect(types(await eventsUntil(svc.nats, created.paymentId, 'payment.failed'))).toEqual(['payment.failed']);
  });

  it('waits while the shopper confirms in the app, then succeeds', async () => {
    await shopper.paymentCodeAnswers({ answer: 'PENDING', pendingForMs: 800 });
    const id = uniqueId('pc-pending');
    const created = await create(id);
    expect(created).toMatchObject({ status: 'PENDING', machineState: 'confirming' });
    expect(types(await eventsUntil(svc.nats, created.paymentId, 'payment.succeeded'))).toEqual(['payment.pending', 'payment.succeeded']);
  });

  it('finds the confirmation by DETAIL when its notification is lost', async () => {
    await shopper.paymentCodeAnswers({ answer: 'PENDING' });
    await shopper.faults({ dropNotifications: 1 });
    const id = uniqueId('pc-detail');
    const created = await create(id);
    await shopper.act('pay', id);
    expect(types(await eventsUntil(svc.nats, created.paymentId, 'payment.succeeded'))).toEqual(['payment.pending', 'payment.succeeded']);
  });

  it('reverses a payment the shopper never confirms: bounded polls, CANCEL, CANCELLED saying why', async () => {
    await shopper.paymentCodeAnswers({ answer: 'PENDING' });
    const id = uniqueId('pc-never');
    const created = await create(id);
    const events = await eventsUntil(svc.nats, created.paymentId, 'payment.cancelled');
    expect(types(events)).toEqual(['payment.pending', 'payment.cancelled']);
    expect(events[1].data.failure).toMatchObject({ code: 'SHOPPER_DID_NOT_CONFIRM' });
    expect(await shopper.order(id)).toMatchObject({ status: 'CLOSED' });
    const history = await svc.api.client.workflow.getHandle(created.paymentId).fetchHistory();
    const details = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'detail').length;
    expect(details).toBe(4); // maxPolls
  });

  it('ends in one consistent state when the success comes while the reversal is under way', async () => {
    // The shopper confirms, but neither the notification nor any DETAIL gets through, so the
    // workflow gives up and reverses; the late success notification arrives after the CANCEL.
    await shopper.paymentCodeAnswers({ answer: 'PENDING' });
    await shopper.faults({ dropNotifications: 1, failNext: { detail: 1000, mode: 'unknown' } });
    const id = uniqueId('pc-race');
    const created = await create(id);
    await shopper.act('pay', id);
    const events = await eventsUntil(svc.nats, created.paymentId, 'payment.cancelled');
    await shopper.reset(); // the gateway's next retry delivers the (now stale) success notification
    await expect.poll(async () => (await shopper.order(id)).deliveries?.some((d: { acked?: boolean }) => d.acked), { timeout: 15_000 }).toBe(true);
    const view = await svc.client.getPayment(created.paymentId);
    expect(view.status).toBe('CANCELLED');
    expect(await shopper.order(id)).toMatchObject({ status: 'CANCELLED' }); // the money went back
    const all = await eventsUntil(svc.nats, created.paymentId, 'payment.cancelled');
    expect(types(all)).toEqual(types(events));
    expect(types(all)).toEqual(['payment.pending', 'payment.cancelled']);
  });
});
