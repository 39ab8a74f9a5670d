// The merchant's refund and cancel requests: each rule written once. The machine's guards apply
// them when a request reaches the payment (so concurrent requests never add up wrongly), and the
// update validators (workflows/request-checks.ts) refuse with the same reason before anything is
// recorded in the history.
import type { Money } from '../domain/money.js';
import type { PaymentStatus } from '../domain/statuses.js';
import type { PaymentContext } from './types.js';

/** The API's error code for each refusal (ApplicationFailure types; DESIGN.md section 3). */
export const REQUEST_ERRORS = {
  notRefundable: 'PAYMENT_NOT_REFUNDABLE',
  exceedsRemaining: 'REFUND_EXCEEDS_REMAINING',
  refundIdConflict: 'IDEMPOTENCY_CONFLICT',
  currencyMismatch: 'REFUND_CURRENCY_MISMATCH',
  cancelNotAllowed: 'CANCEL_NOT_ALLOWED',
  cancelWindowClosed: 'CANCEL_WINDOW_CLOSED',
  cancelRefused: 'CANCEL_REFUSED',
} as const;

export interface Refusal {
  code: (typeof REQUEST_ERRORS)[keyof typeof REQUEST_ERRORS];
  message: string;
}

export interface RefundAsked {
  refundId: string;
  amount: Money;
  reason: string | null;
}

/** What may still be refunded: the amount less every refund not FAILED. */
export function refundableValue(context: PaymentContext): number {
  return context.amount.value - context.refunds.filter((r) => r.status !== 'FAILED').reduce((sum, r) => sum + r.amount.value, 0);
}

/**
 * Why this refund cannot be made now; `known` when its refundId was already used with the same
 * body (answer that refund again); null when it fits. Partial refunds, any number, never more in
 * total than was paid, in the payment's currency, only of a SUCCEEDED payment not being cancelled.
 */
export function refundRefusal(c: PaymentContext, status: PaymentStatus, asked: RefundAsked): Refusal | 'known' | null {
  const existing = c.refunds.find((r) => r.refundId === asked.refundId);
  if (existing) {
    const same = existing.amount.currency === asked.amount.currency && existing.amount.value === asked.amount.value && existing.reason === asked.reason;
    return same ? 'known' : { code: REQUEST_ERRORS.refundIdConflict, message: `refundId ${asked.refundId} was already used for a refund with a different body` };
  }
  if (status !== 'SUCCEEDED') return { code: REQUEST_ERRORS.notRefundable, message: `only a SUCCEEDED payment can be refunded; this one is ${status}` };
  if (c.cancelInFlight) return { code: REQUEST_ERRORS.notRefundable, message: 'the payment is being cancelled (reversed in full)' };
  if (asked.amount.currency !== c.amount.currency) {
    return { code: REQUEST_ERRORS.currencyMismatch, message: `amount.currency must be ${c.amount.currency}, the payment's currency` };
  }
  const remaining = refundableValue(c);
  if (asked.amount.value > remaining) {
    return { code: REQUEST_ERRORS.exceedsRemaining, message: `refund of ${asked.amount.value} exceeds the ${remaining} ${c.amount.currency} that may still be refunded` };
  }
  return null;
}

/**
 * The last moment of the cancellation period (domain/cancel-window.ts). Since 0.6 (`timeZone` in
 * the input): the expiry while the payment waits for the shopper, the end of the paid date once it
 * is paid (`cancelDeadline`, set when it succeeds). Before: `cancelDeadline` as the payment started.
 */
export const cancelPeriodEnd = (c: PaymentContext): number => (c.timeZone === undefined || c.paidAt !== null ? c.cancelDeadline : c.expiresAt);

/**
 * Why the payment cannot be cancelled at `at`; `in-flight` when a cancellation is already under
 * way (wait for it); null when it may be. Only a full cancellation, never after a refund, within
 * the cancellation period (cancelPeriodEnd).
 */
export function cancelRefusal(c: PaymentContext, status: PaymentStatus, at: number): Refusal | 'in-flight' | null {
  if (c.cancelInFlight) return 'in-flight';
  if (status === 'FAILED' || status === 'EXPIRED' || status === 'CANCELLED') {
    return { code: REQUEST_ERRORS.cancelNotAllowed, message: `a ${status} payment cannot be cancelled` };
  }
  if (c.refunds.length > 0) {
    return { code: REQUEST_ERRORS.cancelNotAllowed, message: 'a payment with refunds cannot be cancelled (only a full cancellation is allowed); refund the rest instead' };
  }
  if (c.cancelWindowClosed || at > cancelPeriodEnd(c)) {
    return status === 'SUCCEEDED' || c.timeZone === undefined
      ? { code: REQUEST_ERRORS.cancelWindowClosed, message: 'the cancellation period ended at 23:59:59 of the payment date (gateway time zone); refund the payment instead' }
      : { code: REQUEST_ERRORS.cancelWindowClosed, message: 'the payment has reached its expiry; it is being closed and cannot be cancelled' };
  }
  return null;
}
