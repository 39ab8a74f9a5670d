// The payment view from the machine snapshot: pure, so the query, the events and the tests agree.
import type { PaymentView } from '../domain/payment-view.js';
import { statusOf, type PaymentSnapshot } from '../machines/index.js';
import type { PaymentWorkflowInput } from './messages.js';

export function paymentView(snapshot: PaymentSnapshot, input: PaymentWorkflowInput, now: number): PaymentView {
  const c = snapshot.context;
  const status = statusOf(snapshot);
  const zero = { currency: c.amount.currency, value: 0 };
  const cancellable = (status === 'PENDING' || status === 'SUCCEEDED') && now <= c.cancelDeadline;
  return {
    paymentId: c.paymentId,
    merchantTransId: c.merchantTransId,
    product: c.product,
    status,
    amount: c.amount,
    refundedAmount: zero,
    payAction: c.payAction,
    gatewayTransId: c.gatewayTransId,
    expiresAt: input.display.expiresAt,
    cancelDeadline: input.display.cancelDeadline,
    refunds: [],
    allowed: { cancel: cancellable, refundableAmount: status === 'SUCCEEDED' ? c.amount : zero },
    failure: c.failure,
    machineState: stateName(snapshot),
    updatedAt: new Date(c.updatedAt).toISOString(),
  };
}

/** Every product machine is flat, so a state value is one name. */
export const stateName = (snapshot: PaymentSnapshot): string => {
  const value: unknown = snapshot.value;
  return typeof value === 'string' ? value : JSON.stringify(value);
};
