// A payment that lives long (many refunds) continues as new before its history grows large,
// carrying its whole state: amounts stay exact, event numbering has no gap, requests keep working.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventsUntil, http, paymentRequest, shopperOf, startService, uniqueId, type TestService } from './support/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ historyLimit: 120 });
});
afterAll(async () => svc?.stop());

it('continues as new after many refunds, keeping refunds, amounts, idempotency and the event sequence', async () => {
  const shopper = shopperOf(svc);
  const id = uniqueId('can');
  const created = await svc.client.createPayment(paymentRequest(id, { amount: { currency: 'CNY', value: 2000 } }));
  const paymentId = created.paymentId;
  await shopper.act('pay', id);
  await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
  const handle = svc.api.client.workflow.getHandle(paymentId);
  const firstRun = (await handle.describe()).runId;

  for (let i = 1; i <= 15; i++) {
    const res = await http('POST', `${svc.apiUrl}/v1/payments/${encodeURIComponent(paymentId)}/refunds`, { refundId: `r-${i}`, amount: { currency: 'CNY', value: 100 } });
    expect(res.status).toBe(202);
  }
  // Every refund settled: 2 payment events + 15 refund events, numbered 1..17 across the runs.
  let events = await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
  for (let i = 0; i < 30 && events.length < 17; i++) events = await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
  expect(events.map((e) => e.sequence)).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));

  const latestRun = (await handle.describe()).runId;
  expect(latestRun).not.toBe(firstRun);
  const view = await svc.client.getPayment(paymentId);
  expect(view, JSON.stringify(view.refunds.map((r) => r.refundId))).toMatchObject({ status: 'SUCCEEDED', refundedAmount: { value: 1500 }, allowed: { refundableAmount: { value: 500 } } });
  expect(view.refunds).toHaveLength(15);
  // The carried state still guards: the same refundId answers the same refund, and no overdraft.
  expect((await http('POST', `${svc.apiUrl}/v1/payments/${encodeURIComponent(paymentId)}/refunds`, { refundId: 'r-3', amount: { currency: 'CNY', value: 100 } })).status).toBe(200);
  await expect(svc.client.refund(paymentId, { refundId: 'r-16', amount: { currency: 'CNY', value: 501 } })).rejects.toMatchObject({ code: 'REFUND_EXCEEDS_REMAINING' });
});
