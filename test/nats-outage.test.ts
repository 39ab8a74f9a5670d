// A NATS outage longer than nats.js's default reconnect budget (10 attempts) heals by itself:
// while the broker is down, payments still take notifications, refunds, cancels and queries
// (publishing waits in the workflow's outbox without holding anything up), and when it returns
// every pending event is published exactly once, in gap-free sequence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNats, type RunningServer } from '../devservers/servers.js';
import { cashierBody, eventsUntil, http, shopperOf, startService, uniqueId, type TestService } from './support/service.js';

/** Longer than nats.js's default 10 reconnect attempts 2 s apart, which gave up for good before. */
const OUTAGE_MS = 25_000;

let svc: TestService;
let nats: RunningServer;
let port: number;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nats-outage-'));
  port = await freePort();
  nats = await startNats({ port, storeDir: join(dir, 'js') });
  svc = await startService({ natsUrl: nats.url, pollInitialMs: 300, pollMaxMs: 1000 });
});
afterAll(async () => {
  await svc?.stop();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const url = (paymentId: string, tail = '') => `${svc.apiUrl}/v1/payments/${encodeURIComponent(paymentId)}${tail}`;

describe('NATS outage', () => {
  it('keeps payments moving while NATS is down, then publishes every event once, in sequence', { timeout: 120_000 }, async () => {
    const shopper = shopperOf(svc);
    const paid = uniqueId('outage-paid');
    const paidId = (await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(paid))).body.paymentId as string;
    await eventsUntil(svc.nats, paidId, 'payment.pending');

    await nats.stop();
    const downAt = Date.now();
    // While the broker is down: a new payment, a payment by the shopper, a refund and a cancel.
    const fresh = uniqueId('outage-new');
    const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(fresh));
    expect(created.status).toBe(201);
    await shopper.act('pay', paid);
    await expect.poll(async () => (await http('GET', url(paidId))).body.status, { timeout: 15_000 }).toBe('SUCCEEDED');
    const refund = await http('POST', url(paidId, '/refunds'), { refundId: 'r-outage', amount: { currency: 'CNY', value: 300 } });
    expect(refund.status).toBe(202);
    const cancelled = await http('POST', url(created.body.paymentId, '/cancel'));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    await expect.poll(async () => (await http('GET', url(paidId))).body.refunds[0]?.status, { timeout: 15_000 }).toBe('SUCCEEDED');

    // Keep it down past the old reconnect budget, then bring it back on the same port and store.
    const rest = OUTAGE_MS - (Date.now() - downAt);
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    nats = await startNats({ port, storeDir: join(dir, 'js') });

    const paidEvents = await eventsUntil(svc.nats, paidId, 'refund.succeeded', 60_000);
    expect(paidEvents.map((e) => [e.sequence, e.type])).toEqual([
      [1, 'alipay_cn.payment.pending'],
      [2, 'alipay_cn.payment.succeeded'],
      [3, 'alipay_cn.refund.succeeded'],
    ]);
    const freshEvents = await eventsUntil(svc.nats, created.body.paymentId, 'payment.cancelled', 60_000);
    expect(freshEvents.map((e) => [e.sequence, e.type])).toEqual([
      [1, 'alipay_cn.payment.pending'],
      [2, 'alipay_cn.payment.cancelled'],
    ]);
    // And what comes after the outage publishes as usual.
    const after = uniqueId('outage-after');
    const afterId = (await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(after))).body.paymentId as string;
    await eventsUntil(svc.nats, afterId, 'payment.pending', 30_000);
  });
});
