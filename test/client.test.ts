// The typed clients end to end (issue 10 part 3): a merchant written only against MerchantClient
// and an event consumer written only against subscribePaymentEvents, on the real stack.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import { MerchantClient, PaymentApiError, subscribePaymentEvents, type CreatePaymentRequest, type PaymentEvent, type PaymentView } from '../client/index.js';
import { startNats } from '../devservers/servers.js';
import { ensureStream } from '../events/stream.js';
import { TEST_API_KEY } from './support/constants.js';
import { cashierBody, uniqueId, until, useService } from './support/service.js';

const { svc, shopper } = useService({ pollInitialMs: 300, pollMaxMs: 1000 });

/** The one example request (domain/example-requests.ts), as the client's type. */
const order = (merchantTransId: string): CreatePaymentRequest => cashierBody(merchantTransId) as CreatePaymentRequest;

/** A fetch whose first `drops` answers are lost after the server handled the request (a network error to the caller). */
function lossyFetch(drops: number): { fetch: typeof fetch; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    fetch: async (input, init) => {
      calls++;
      const res = await fetch(input, init);
      if (calls <= drops) {
        await res.arrayBuffer();
        throw new TypeError('fetch failed (answer lost)');
      }
      return res;
    },
  };
}

const merchant = (extra: Partial<ConstructorParameters<typeof MerchantClient>[0]> = {}) =>
  new MerchantClient({ baseUrl: svc.apiUrl, apiKey: TEST_API_KEY.secret, backoffMs: 20, ...extra });

async function apiError(promise: Promise<unknown>): Promise<PaymentApiError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PaymentApiError);
  return err as PaymentApiError;
}

describe('MerchantClient', () => {
  it('creates, lists, refunds and cancels; typed errors; safe retries', async () => {
    const client = merchant();
    const id = uniqueId('mc');
    const created = await client.createPayment(order(id));
    expect(created).toMatchObject({ paymentId: `alipay-cn:${id}`, status: 'PENDING', product: 'CASHIER_PAYMENT' });
    expect(created.payAction).not.toBeNull();
    expect(await client.qr(created.paymentId, 'svg')).toContain('<svg');
    expect(Array.from((await client.qr(created.paymentId, 'png')).slice(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);

    // A create whose answer was lost is retried with the same body: the same payment, not a second one.
    const lossy = lossyFetch(1);
    const again = await merchant({ fetch: lossy.fetch }).createPayment(order(id));
    expect(lossy.calls()).toBe(2);
    expect(again.paymentId).toBe(created.paymentId);

    await shopper.act('pay', id);
    const paid = await until('SUCCEEDED', async () => {
      const v = await client.getPayment(created.paymentId);
      return v.status === 'SUCCEEDED' && v;
    });
    expect(paid.allowed.refundableAmount.value).toBe(1000);

    const listed = await until('the payment in the list', async () => {
      const page = await client.listPayments({ merchantTransId: id, pageSize: 10 });
      return page.items.find((v) => v.paymentId === created.paymentId);
    });
    expect(listed.status).toBe('SUCCEEDED');
    const all: PaymentView[] = [];
    for await (const v of client.allPayments({ merchantTransId: id, product: 'CASHIER_PAYMENT', pageSize: 1 })) all.push(v);
    expect(all.map((v) => v.paymentId)).toEqual([created.paymentId]);

    // A refund whose answer was lost: the retry reuses the refundId and answers the same refund.
    const lossyRefund = lossyFetch(1);
    const refund = await merchant({ fetch: lossyRefund.fetch }).refund(created.paymentId, { refundId: 'r-1', amount: { currency: 'CNY', value: 300 }, reason: 'one cup returned' });
    expect(lossyRefund.calls()).toBe(2);
    expect(refund).toMatchObject({ refundId: 'r-1', amount: { currency: 'CNY', value: 300 } });
    expect((await client.getPayment(created.paymentId)).refunds.map((r) => r.refundId)).toEqual(['r-1']);

    const tooMuch = await apiError(client.refund(created.paymentId, { refundId: 'r-2', amount: { currency: 'CNY', value: 800 } }));
    expect(tooMuch).toMatchObject({ status: 409, code: 'REFUND_EXCEEDS_REMAINING' });
    expect(tooMuch.message).toMatch(/exceeds/);

    const missing = await apiError(client.getPayment(`alipay-cn:${uniqueId('nobody')}`));
    expect(missing).toMatchObject({ status: 404, code: 'PAYMENT_NOT_FOUND' });

    const invalid = await apiError(client.createPayment({ ...order(uniqueId('bad')), amount: { currency: 'CNY', value: -1 } }));
    expect(invalid.status).toBe(400);
    expect(invalid.code).toBe('VALIDATION_ERROR');
    expect(invalid.details.map((d) => d.path)).toContain('amount.value');

    // Another pending payment, cancelled; the answer of the first attempt lost: still CANCELLED.
    const other = await client.createPayment(order(uniqueId('mc-cancel')));
    const lossyCancel = lossyFetch(1);
    const cancelled = await merchant({ fetch: lossyCancel.fetch }).cancel(other.paymentId);
    expect(lossyCancel.calls()).toBe(3); // cancel (answer lost), cancel again (409 CANCEL_NOT_ALLOWED), GET: CANCELLED
    expect(cancelled).toMatchObject({ paymentId: other.paymentId, status: 'CANCELLED' });
    expect(await apiError(client.cancel(other.paymentId))).toMatchObject({ status: 409, code: 'CANCEL_NOT_ALLOWED' });
  });

  it('retries 429 (honouring Retry-After) and 503 TEMPORAL_UNAVAILABLE, never another 4xx', async () => {
    const answers = [
      new Response(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'slow down', details: [] } }), { status: 429, headers: { 'retry-after': '1', 'content-type': 'application/json' } }),
      new Response(JSON.stringify({ error: { code: 'TEMPORAL_UNAVAILABLE', message: 'later', details: [] } }), { status: 503, headers: { 'content-type': 'application/json' } }),
    ];
    let calls = 0;
    const start = Date.now();
    const client = merchant({
      fetch: async (input, init) => {
        calls++;
        return answers.shift() ?? fetch(input, init);
      },
    });
    const missing = await apiError(client.getPayment('alipay-cn:no-such-payment'));
    expect(missing).toMatchObject({ status: 404, code: 'PAYMENT_NOT_FOUND' });
    expect(calls).toBe(3);
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);

    let refusedCalls = 0;
    const refused = merchant({
      retries: 5,
      fetch: async (input, init) => {
        refusedCalls++;
        return fetch(input, init);
      },
    });
    expect(await apiError(refused.createPayment({ ...order(uniqueId('bad')), paymentMethod: 'CARD' as 'ALIPAY_CN' }))).toMatchObject({ status: 400 });
    expect(refusedCalls).toBe(1);

    const down = merchant({ baseUrl: 'http://127.0.0.1:1', retries: 2 });
    expect(await apiError(down.getPayment('alipay-cn:x'))).toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
  });
});

describe('subscribePaymentEvents', () => {
  it('delivers every event of the payments once, in sequence order; a failing handler gets the event again', async () => {
    const client = merchant();
    const received: PaymentEvent[] = [];
    const deliveries = new Map<string, number[]>();
    const ours = new Set<string>();
    let thrown = false;
    const sub = await subscribePaymentEvents(svc.nats, {
      durable: uniqueId('client-test'),
      products: ['CASHIER_PAYMENT'],
      from: 'new', // the payments below are made after this: no need to read the stream's past
      nakDelayMs: 100,
      onHandlerError: () => {},
      handler: async (event, delivery) => {
        if (!ours.has(event.subject)) return;
        deliveries.set(event.id, [...(deliveries.get(event.id) ?? []), delivery.deliveryCount]);
        if (event.type === 'alipay_cn.payment.succeeded' && !thrown) {
          thrown = true;
          throw new Error('the handler fails once');
        }
        received.push(event);
      },
    });
    expect(sub.filterSubjects).toEqual(['payments.alipay_cn.CASHIER_PAYMENT.>']);
    try {
      const paidId = uniqueId('ev-paid');
      const cancelledId = uniqueId('ev-cancel');
      ours.add(`alipay-cn:${paidId}`).add(`alipay-cn:${cancelledId}`);
      const paid = await client.createPayment(order(paidId));
      const cancelledPayment = await client.createPayment(order(cancelledId));
      await shopper.act('pay', paidId);
      await until('SUCCEEDED', async () => (await client.getPayment(paid.paymentId)).status === 'SUCCEEDED');
      await client.refund(paid.paymentId, { refundId: 'r-1', amount: { currency: 'CNY', value: 300 } });
      await client.cancel(cancelledPayment.paymentId);

      const of = (paymentId: string) => received.filter((e) => e.subject === paymentId);
      const paidView = await until('the refund settled and its event received', async () => {
        const view = await client.getPayment(paid.paymentId);
        const settled = view.refunds[0]?.status !== 'PENDING';
        return settled && of(paid.paymentId).some((e) => e.type.startsWith('alipay_cn.refund.')) && view;
      });
      await until('payment.cancelled received', async () => of(cancelledPayment.paymentId).some((e) => e.type === 'alipay_cn.payment.cancelled'));
      await new Promise((r) => setTimeout(r, 1_000)); // nothing more (no duplicates) arrives

      const paidEvents = of(paid.paymentId);
      expect(paidEvents.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.succeeded', `alipay_cn.refund.${paidView.refunds[0].status.toLowerCase()}`]);
      expect(of(cancelledPayment.paymentId).map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.cancelled']);
      for (const events of [paidEvents, of(cancelledPayment.paymentId)]) {
        // Exactly once, in the payment's sequence order (1, 2, 3 ...), ids `<paymentId>/<sequence>`.
        expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
        expect(events.map((e) => e.id)).toEqual(events.map((e) => `${e.subject}/${e.sequence}`));
      }
      // The last event carries the payment's view as the API answers it.
      const last = paidEvents.at(-1)!;
      expect(last.data).toMatchObject({ status: paidView.status, refundedAmount: paidView.refundedAmount, refunds: paidView.refunds });
      expect((await client.getPayment(cancelledPayment.paymentId)).status).toBe(of(cancelledPayment.paymentId).at(-1)!.data.status);

      // The succeeded event: delivered twice (the handler threw the first time), handled once.
      const succeeded = paidEvents.find((e) => e.type === 'alipay_cn.payment.succeeded')!;
      expect(deliveries.get(succeeded.id)).toEqual([1, 2]);
      for (const [eventId, counts] of deliveries) if (eventId !== succeeded.id) expect(counts, eventId).toEqual([1]);
    } finally {
      await sub.stop();
    }
  });

  describe('on a NATS server of its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'client-test-nats-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('as the read-only `consumer` identity: terminates and reports an invalid message; as an iterator, acks when the loop goes on; a durable resumes', async () => {
      const auth = { servicePassword: 'service-password-0123456789', consumerPassword: 'consumer-password-0123456789' };
      const server = await startNats({ storeDir: join(dir, 'js'), auth });
      // The service identity makes the stream and publishes (garbage too, to be rejected); the
      // client runs as `consumer`, which may manage its own consumers and ack, never publish.
      const service = await connect({ servers: server.url, user: 'service', pass: auth.servicePassword });
      const nc = await connect({ servers: server.url, user: 'consumer', pass: auth.consumerPassword });
      try {
        await ensureStream(await service.jetstreamManager());
        const js = service.jetstream();
        const paymentId = 'alipay-cn:own-1';
        const eventOf = (sequence: number, type: 'payment.pending' | 'payment.succeeded'): PaymentEvent => ({
          specversion: '1.0',
          id: `${paymentId}/${sequence}`,
          source: 'alipay-cn-payments',
          type: `alipay_cn.${type}`,
          subject: paymentId,
          time: new Date().toISOString(),
          sequence,
          datacontenttype: 'application/json',
          data: {
            paymentId, merchantTransId: 'own-1', product: 'CASHIER_PAYMENT', status: type === 'payment.pending' ? 'PENDING' : 'SUCCEEDED',
            amount: { currency: 'CNY', value: 1000 }, refundedAmount: { currency: 'CNY', value: 0 }, payAction: null, terminalType: 'WEB',
            gatewayTransId: null, expiresAt: '2026-11-27T10:00:00Z', cancelDeadline: '2026-11-27T15:59:59Z', refunds: [], cancelRequestedBy: null,
            allowed: { cancel: true, refundableAmount: { currency: 'CNY', value: 0 } }, failure: null, flags: [], machineState: 'pending', updatedAt: '2026-11-27T09:30:00Z',
          },
        });
        await js.publish('payments.alipay_cn.CASHIER_PAYMENT.payment.pending', JSON.stringify(eventOf(1, 'payment.pending')));
        await js.publish('payments.alipay_cn.CASHIER_PAYMENT.payment.pending', JSON.stringify({ not: 'an event' }));
        await js.publish('payments.alipay_cn.CASHIER_PAYMENT.payment.succeeded', 'not json');
        await js.publish('payments.alipay_cn.ORDER_CODE.payment.pending', JSON.stringify({ ...eventOf(1, 'payment.pending'), subject: 'alipay-cn:other' }));
        await js.publish('payments.alipay_cn.CASHIER_PAYMENT.payment.succeeded', JSON.stringify(eventOf(2, 'payment.succeeded')));

        const invalid: number[] = [];
        const durable = 'iterating';
        const first = await subscribePaymentEvents(nc, { durable, products: ['CASHIER_PAYMENT'], onInvalid: (i) => invalid.push(i.streamSequence) });
        for await (const event of first) {
          expect(event.id).toBe(`${paymentId}/1`);
          break; // leaves the loop with the event in hand: nak'ed, so it comes again
        }
        await first.stop();

        const seen: string[] = [];
        const second = await subscribePaymentEvents(nc, { durable, products: ['CASHIER_PAYMENT'], onInvalid: (i) => invalid.push(i.streamSequence) });
        for await (const event of second) {
          seen.push(event.id);
          if (seen.length === 2) break;
        }
        await second.stop();
        expect(seen).toEqual([`${paymentId}/1`, `${paymentId}/2`]);
        expect(invalid).toEqual([2, 3]);
        const info = await (await nc.jetstreamManager()).consumers.info('ALIPAY_CN_PAYMENTS', durable);
        // Acked: 1 and the two invalid ones (terminated); 5 (the second event) was in hand at break.
        expect(info.ack_floor.stream_seq).toBeGreaterThanOrEqual(3);
        expect(info.ack_floor.stream_seq).toBeLessThan(5);
        expect(info.config.filter_subjects).toEqual(['payments.alipay_cn.CASHIER_PAYMENT.>']);

        const types = await subscribePaymentEvents(nc, { durable: 'by-type', types: ['payment.pending'] });
        expect(types.filterSubjects).toEqual(['payments.alipay_cn.*.payment.pending']);
        await types.stop();
      } finally {
        await nc.close();
        await service.close();
        await server.stop();
      }
    });
  });
});
