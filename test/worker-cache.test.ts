// A bounded workflow cache (WORKER_MAX_CACHED_WORKFLOWS) costs replays, never correctness: with
// room for two payments, eight open payments still take notifications, refunds and queries.
import { describe, expect, it } from 'vitest';
import { cashierBody, eventsUntil, http, serviceForFile, uniqueId, type Shopper, type TestService } from './support/service.js';

let svc: TestService;
let shopper: Shopper;
serviceForFile({ maxCachedWorkflows: 2 }, (started, its) => {
  svc = started;
  shopper = its;
});

describe('a worker cache smaller than the open payments', () => {
  it('evicts and replays: every payment is paid, refunded and read correctly', async () => {
    const ids = Array.from({ length: 8 }, () => uniqueId('cache'));
    const paymentIds: string[] = [];
    for (const id of ids) {
      const res = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id));
      expect(res.status).toBe(201);
      paymentIds.push(res.body.paymentId);
    }
    for (const id of ids) await shopper.act('pay', id);
    for (const paymentId of paymentIds) await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
    for (const paymentId of paymentIds) {
      const refund = await http('POST', `${svc.apiUrl}/v1/payments/${encodeURIComponent(paymentId)}/refunds`, { refundId: 'r-1', amount: { currency: 'CNY', value: 250 } });
      expect(refund.status).toBe(202);
    }
    for (const paymentId of paymentIds) {
      const events = await eventsUntil(svc.nats, paymentId, 'refund.succeeded');
      expect(events.map((e) => e.sequence)).toEqual([1, 2, 3]);
      const view = await svc.client.getPayment(paymentId);
      expect(view).toMatchObject({ status: 'SUCCEEDED', refundedAmount: { value: 250 }, allowed: { refundableAmount: { value: 750 } } });
      // The bound held while eight payments were open (and older suite workflows besides).
      expect(svc.worker.worker.getStatus().numCachedWorkflows).toBeLessThanOrEqual(2);
    }
  });
});
