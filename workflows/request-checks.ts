// Validators of the merchant's refund and cancel updates: they read the snapshot and refuse with
// a typed ApplicationFailure that the API turns into its error code. The machine guards the same
// rules again when the request is applied, so concurrent requests can never add up wrongly.
import { ApplicationFailure } from '@temporalio/workflow';
import { statusOf, type PaymentSnapshot } from '../machines/index.js';
import { refundableValue } from '../machines/shared.js';
import { REQUEST_ERRORS, type RefundRequestArgs } from './messages.js';

const refuse = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

/** Returns true when this refundId is already known with the same body (answer it again). */
export function checkRefund(snapshot: PaymentSnapshot, args: RefundRequestArgs): boolean {
  const c = snapshot.context;
  const existing = c.refunds.find((r) => r.refundId === args.refundId);
  if (existing) {
    if (existing.amount.currency === args.amount.currency && existing.amount.value === args.amount.value && existing.reason === args.reason) return true;
    throw refuse(REQUEST_ERRORS.refundIdConflict, `refundId ${args.refundId} was already used for a refund with a different body`);
  }
  const status = statusOf(snapshot);
  if (status !== 'SUCCEEDED') throw refuse(REQUEST_ERRORS.notRefundable, `only a SUCCEEDED payment can be refunded; this one is ${status}`);
  if (c.cancelInFlight) throw refuse(REQUEST_ERRORS.notRefundable, 'the payment is being cancelled (reversed in full)');
  if (args.amount.currency !== c.amount.currency) {
    throw refuse(REQUEST_ERRORS.currencyMismatch, `amount.currency must be ${c.amount.currency}, the payment's currency`);
  }
  const remaining = refundableValue(c);
  if (args.amount.value > remaining) {
    throw refuse(REQUEST_ERRORS.exceedsRemaining, `refund of ${args.amount.value} exceeds the ${remaining} ${c.amount.currency} that may still be refunded`);
  }
  return false;
}

/** Returns true when a cancel is already under way (wait for it rather than send another). */
export function checkCancel(snapshot: PaymentSnapshot, now: number): boolean {
  const c = snapshot.context;
  if (c.cancelInFlight) return true;
  const status = statusOf(snapshot);
  if (status === 'FAILED' || status === 'EXPIRED' || status === 'CANCELLED') {
    throw refuse(REQUEST_ERRORS.cancelNotAllowed, `a ${status} payment cannot be cancelled`);
  }
  if (c.refunds.length > 0) throw refuse(REQUEST_ERRORS.cancelNotAllowed, 'a payment with refunds cannot be cancelled (only a full cancellation is allowed); refund the rest instead');
  if (c.cancelWindowClosed || now > c.cancelDeadline) {
    throw refuse(REQUEST_ERRORS.cancelWindowClosed, 'the cancellation period ended at 23:59:59 of the payment date (gateway time zone); refund the payment instead');
  }
  if (!snapshot.can({ type: 'CANCEL_REQUESTED', at: now })) {
    throw refuse(REQUEST_ERRORS.cancelNotAllowed, `the payment cannot be cancelled while ${String(snapshot.value)}; try again shortly`);
  }
  return false;
}
