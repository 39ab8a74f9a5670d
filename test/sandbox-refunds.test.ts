// REFUND and REFUND DETAIL in the gateway sandbox: partial refunds up to the paid amount, idempotency on
// refundRequestId, what is refused, unknown answers whose refund exists, and CANCEL after a refund.
// How refunds settle and are notified: sandbox-refund-settlement.test.ts.
import { describe, expect, it } from 'vitest';
import { GatewayUnknownOutcomeError } from '../gateway/errors.js';
import { API_PATHS } from '../gateway/wire.js';
import { client, control, HOUR, orderOf, paidOrder, payRequest, pinClock, rawWire, refundRequest, refundStatus, uniqueId, useSandbox } from './support/sandbox-harness.js';

useSandbox();

describe('REFUND', () => {
  const DAY = 24 * HOUR;

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
    pinClock(start);
    const id = await paidOrder('PAYMENT_CODE');
    pinClock(start + 365 * DAY - 1000);
    expect((await client.refund(refundRequest(id, `${id}-in`, 100))).result.resultStatus).toBe('S');
    pinClock(start + 365 * DAY + 1000);
    expect((await client.refund(refundRequest(id, `${id}-out`, 100))).result).toMatchObject({ resultStatus: 'F', resultCode: 'REFUND_WINDOW_EXCEED' });
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
});
