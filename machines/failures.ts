// Why a payment failed: each code the service sets itself, with its message. The transition that
// ends a payment names its code (the `fail` action's parameter); a code the gateway gave (a PAY
// it rejected) is recorded as the gateway said it (`failAsGatewaySaid`).
import type { PaymentContext, PaymentEvent } from './types.js';

type Message = (context: PaymentContext, event: PaymentEvent) => string;

export const FAILURES = {
  /** The gateway says the payment failed (PAY, DETAIL or a notification). */
  PAYMENT_FAILED: () => 'the shopper did not complete the payment',
  /** PAY could not be delivered after its retries: nothing was created upstream. */
  UPSTREAM_UNAVAILABLE: (_c, e) => (e.type === 'PAY_ANSWERED' && e.outcome === 'UNREACHABLE' ? e.message : 'the gateway could not be reached'),
  /** DETAIL reports a payment for another amount or currency: never marked paid. */
  AMOUNT_MISMATCH: (c, e) => {
    const paid = e.type === 'DETAIL_ANSWERED' && e.found ? `${e.amount.value} ${e.amount.currency}` : 'another amount';
    return `the gateway reports a payment of ${paid}, not ${c.amount.value} ${c.amount.currency}; not marked paid, needs review`;
  },
  /** DETAIL finds no order after every PAY attempt. */
  ORDER_NOT_CREATED: () => 'the gateway has no record of the order after repeated PAY attempts',
  /** PAYMENT_CODE: the shopper did not confirm within the policy's polls or window. */
  SHOPPER_DID_NOT_CONFIRM: () => 'the shopper did not confirm the payment in time, so it was cancelled (reversed) upstream',
  /** ENTRY_CODE: a signed success notification DETAIL does not confirm. */
  NOT_CONFIRMED_BY_GATEWAY: () => 'the gateway has no paid order matching the notification (DETAIL); not counted as paid',
} satisfies Record<string, Message>;

export type FailureCode = keyof typeof FAILURES;
