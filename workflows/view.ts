// The payment view from the machine snapshot: pure, so the query, the events and the tests agree.
import { isoWithOffset } from '../domain/gateway-time.js';
import type { PaymentView } from '../domain/payment-view.js';
import { statusOf, type PaymentSnapshot } from '../machines/index.js';
import { cancelPeriodEnd, refundableValue } from '../machines/request-rules.js';
import { refundedValue } from '../machines/shared.js';
import type { RefundRecord } from '../machines/types.js';
import type { PaymentWorkflowInput } from './messages.js';

export function paymentView(snapshot: PaymentSnapshot, input: PaymentWorkflowInput, now: number): PaymentView {
  const c = snapshot.context;
  const status = statusOf(snapshot);
  const money = (value: number) => ({ currency: c.amount.currency, value });
  const cancellable = snapshot.can({ type: 'CANCEL_REQUESTED', at: now });
  return {
    paymentId: c.paymentId,
    merchantTransId: c.merchantTransId,
    product: c.product,
    status,
    amount: c.amount,
    refundedAmount: money(refundedValue(c)),
    payAction: c.payAction,
    terminalType: c.product === 'CASHIER_PAYMENT' ? (input.request?.terminalType ?? 'WEB') : null,
    gatewayTransId: c.gatewayTransId,
    expiresAt: input.display.expiresAt,
    // Since 0.6 it moves: the expiry while the payment waits, the end of the paid date once it succeeded.
    cancelDeadline: c.timeZone === undefined ? input.display.cancelDeadline : isoWithOffset(cancelPeriodEnd(c), c.timeZone),
    refunds: c.refunds.map(refundView),
    cancelRequestedBy: c.cancelRequestedBy ?? null,
    allowed: { cancel: cancellable, refundableAmount: money(status === 'SUCCEEDED' ? refundableValue(c) : 0) },
    failure: c.failure,
    flags: (c.flags ?? []).map((f) => ({ code: f.code, message: f.message, at: new Date(f.at).toISOString() })),
    machineState: stateName(snapshot),
    updatedAt: new Date(c.updatedAt).toISOString(),
  };
}

/** Every product machine is flat, so a state value is one name. */
export const stateName = (snapshot: PaymentSnapshot): string => {
  const value: unknown = snapshot.value;
  return typeof value === 'string' ? value : JSON.stringify(value);
};

/** A refund as the merchant sees it (the view and the refund API answer). */
export const refundView = (r: RefundRecord) => ({
  refundId: r.refundId,
  amount: r.amount,
  status: r.status,
  reason: r.reason,
  requestedBy: r.requestedBy ?? null,
  failure: r.failure,
});
