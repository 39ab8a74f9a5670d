// What the gateway does for REFUND and REFUND DETAIL, apart from HTTP (like wire-operations.ts).
// A refund is taken for a SUCCESS order only, idempotent on refundRequestId, never past the paid
// amount counting PENDING and SUCCESS refunds, answered PENDING and settled later as PUT
// /sandbox/refunds said when it was created. Online payments (CASHIER_PAYMENT) are told the result
// by a REFUND_RESULT notification; in-store ones (ORDER_CODE, PAYMENT_CODE, ENTRY_CODE) are not,
// as on the real gateway: their merchant asks REFUND DETAIL.
import { canonical } from '../domain/canonical-json.js';
import { RESULT_CODES, RefundDetailRequest, RefundRequest, type RefundData } from '../gateway/wire.js';
import { POLICIES } from '../machines/index.js';
import type { SandboxContext } from './context.js';
import type { Order } from './orders.js';
import { committedRefundValue, type Refund } from './refunds.js';
import { orderNotExist, paramIllegal, parse, result, type WireAnswer } from './wire-operations.js';

/** resultCode of REFUND (and its replays) while the refund is PENDING. */
export const REFUND_IN_PROCESS = 'REFUND_IN_PROCESS';
/** resultCode of a REFUND replay once the refund FAILED (result S: the request was processed). */
export const REFUND_FAILED = 'REFUND_FAILED';


const refused = (code: string, message: string): WireAnswer => ({ status: 200, body: { result: result('F', code, message) } });

function refundData(refund: Refund): RefundData {
  return {
    merchantTransId: refund.merchantTransId,
    refundRequestId: refund.refundRequestId,
    gatewayRefundId: refund.gatewayRefundId,
    status: refund.status,
    refundAmount: refund.refundAmount,
  };
}

/** REFUND's answer for a refund as it stands now: a replay gets the current status. */
function refundAnswer(refund: Refund): WireAnswer {
  const data = refundData(refund);
  switch (refund.status) {
    case 'PENDING':
      return { status: 200, body: { result: result('S', REFUND_IN_PROCESS, 'refund in process'), data } };
    case 'SUCCESS':
      return { status: 200, body: { result: result('S', RESULT_CODES.success, 'success'), data } };
    case 'FAIL':
      return { status: 200, body: { result: result('S', REFUND_FAILED, 'the refund failed; its amount can be refunded again'), data } };
  }
}

/** An absolute http: or https: URL, as a notifyUrl must be (also the sandbox's entryCodeNotifyUrl). */
export function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** PENDING → the captured answer; online payments then get a REFUND_RESULT notification. */
function settle(ctx: SandboxContext, order: Order, refund: Refund): void {
  if (refund.status !== 'PENDING') return;
  refund.status = refund.settle.answer;
  refund.settledAt = ctx.now();
  // Recorded in the delivery log at this same moment, so a settled refund without a delivery has none.
  // Online products only (their policy, machines/): the others settle silently.
  if (POLICIES[order.product].refundsNotified) ctx.notifier.notifyRefund(order, refund);
}

export function refund(ctx: SandboxContext, json: unknown): WireAnswer {
  const parsed = parse(RefundRequest, json);
  if (!parsed.ok) return parsed.answer;
  const req = parsed.data;
  const requestKey = canonical(req);

  const existing = ctx.refunds.find(req.refundRequestId);
  if (existing) {
    if (existing.requestKey !== requestKey) {
      return refused(RESULT_CODES.repeatInconsistent, `refundRequestId ${req.refundRequestId} was used with a different request`);
    }
    return refundAnswer(existing);
  }

  const order = ctx.orders.get(req.merchantTransId);
  if (!order) return orderNotExist(req.merchantTransId);
  if (order.status !== 'SUCCESS') {
    return refused(RESULT_CODES.notAllowed, `an order in status ${order.status} cannot be refunded; only a SUCCESS payment can`);
  }
  if (req.refundAmount.currency !== order.amount.currency) {
    return paramIllegal(`refundAmount.currency: must be ${order.amount.currency}, the currency of the payment`);
  }
  if (req.notifyUrl !== undefined && !isHttpUrl(req.notifyUrl)) return paramIllegal('notifyUrl: must be an absolute http(s) URL');
  const paidAt = order.paidAt ?? order.createdAt;
  if (ctx.now() > paidAt + ctx.refundWindowMs) {
    return refused(RESULT_CODES.refundWindowExceeded, `the refund period of this payment ended ${new Date(paidAt + ctx.refundWindowMs).toISOString()}`);
  }
  const committed = committedRefundValue(order.refunds);
  if (committed + req.refundAmount.value > order.amount.value) {
    return refused(
      RESULT_CODES.refundAmountExceed,
      `refundAmount ${req.refundAmount.value} exceeds the refundable ${order.amount.value - committed} of ${order.amount.value} ${order.amount.currency}`,
    );
  }

  const created = ctx.refunds.create({
    refundRequestId: req.refundRequestId,
    merchantTransId: order.merchantTransId,
    refundAmount: req.refundAmount,
    ...(req.reason !== undefined && { reason: req.reason }),
    notifyUrl: req.notifyUrl ?? order.notifyUrl,
    requestKey,
  });
  order.refunds.push(created);
  const answer = refundAnswer(created);
  ctx.refunds.later(created.settle.settleAfterMs, () => settle(ctx, order, created));
  return answer;
}

export function refundDetail(ctx: SandboxContext, json: unknown): WireAnswer {
  const parsed = parse(RefundDetailRequest, json);
  if (!parsed.ok) return parsed.answer;
  const found = ctx.refunds.find(parsed.data.refundRequestId);
  if (!found) return refused(RESULT_CODES.refundNotExist, `no refund with refundRequestId ${parsed.data.refundRequestId}`);
  return { status: 200, body: { result: result('S', RESULT_CODES.success, 'success'), data: refundData(found) } };
}
