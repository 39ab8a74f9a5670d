// ENTRY_CODE end to end: the shopper scans the static code and types the amount; the gateway's
// NOTIFICATION starts the payment workflow (signal-with-start). Nobody calls PAY.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { searchAttributes } from '../workflows/messages.js';
import { cashierBody, eventsUntil, http, shopperOf, startService, uniqueId, type TestService } from './support/service.js';

let svc: TestService;
let shopper: ReturnType<typeof shopperOf>;
beforeAll(async () => {
  svc = await startService();
  shopper = shopperOf(svc);
});
afterAll(async () => svc?.stop());
afterEach(async () => shopper.reset());

describe('ENTRY_CODE', () => {
  it('starts the payment from the notification and publishes payment.succeeded', async () => {
    const { paymentId, gatewayTransId } = await shopper.payEntryCode(2350);
    const events = await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.succeeded']);
    expect(events[0].data).toMatchObject({ product: 'ENTRY_CODE', status: 'SUCCEEDED', gatewayTransId, amount: { currency: 'CNY', value: 2350 }, payAction: null });
    const described = await svc.api.client.workflow.getHandle(paymentId).describe();
    expect(described.typedSearchAttributes.get(searchAttributes.product)).toBe('ENTRY_CODE');
    expect(described.typedSearchAttributes.get(searchAttributes.status)).toBe('SUCCEEDED');
    const view = await svc.client.getPayment(paymentId);
    expect(view.status).toBe('SUCCEEDED');
  });

  it('publishes payment.failed for a failed entry-code payment', async () => {
    const { paymentId } = await shopper.payEntryCode(100, 'FAIL');
    const events = await eventsUntil(svc.nats, paymentId, 'payment.failed');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.failed']);
  });

  it('never starts a second workflow for duplicate notifications', async () => {
    await shopper.faults({ duplicateNotifications: 1 });
    const { paymentId } = await shopper.payEntryCode(990);
    await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
    const merchantTransId = (await svc.api.client.workflow.getHandle(paymentId).query('state') as { merchantTransId: string }).merchantTransId;
    await expect.poll(async () => ((await shopper.order(merchantTransId)).deliveries ?? []).filter((d: { acked?: boolean }) => d.acked).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const runs = [];
    for await (const wf of svc.api.client.workflow.list({ query: `WorkflowId = '${paymentId}'` })) runs.push(wf.runId);
    expect(runs).toHaveLength(1);
    const events = await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
    expect(events.map((e) => e.sequence)).toEqual([1]);
  });

  it('is refused by POST /v1/payments: entry-code payments start with the shopper', async () => {
    const res = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(uniqueId('entry'), { product: 'ENTRY_CODE' }));
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].message).toMatch(/started by the shopper/);
  });
});
