// What a product's policy says, beside its machine: how long a payment may wait and how DETAIL is
// polled meanwhile (its schedule), and whether the gateway notifies its refunds. Each product's
// policy is in its machine's file; `POLICIES` (machines/index.ts) maps products to them.

/** The service's settings a schedule is made from (config: DEFAULT_EXPIRY_SECONDS, DETAIL_POLL_*, PAYMENT_CODE_*). */
export interface ScheduleSettings {
  defaultExpiryMs: number;
  pollInitialMs: number;
  pollMaxMs: number;
  paymentCode: PaymentCodeSettings;
}

/** PAYMENT_CODE: DETAIL every `pollMs`, at most `maxPolls` times, within `confirmMs` of the start. */
export interface PaymentCodeSettings {
  pollMs: number;
  maxPolls: number;
  confirmMs: number;
}

/** A payment's deadlines and poll schedule, fixed in its workflow input. */
export interface Schedule {
  expiresAt: number;
  pollInitialMs: number;
  pollMaxMs: number;
  /** PAYMENT_CODE: polls before the payment is reversed; null: polls until it expires. */
  maxPolls: number | null;
}

export interface ProductPolicy {
  /** `requestedExpiresAt`: the merchant's expireAt, null when absent. */
  schedule(settings: ScheduleSettings, at: number, requestedExpiresAt: number | null): Schedule;
  /** The gateway sends REFUND_RESULT notifications for this product (online); others settle silently. */
  refundsNotified: boolean;
}

/** The merchant-presented products with an order: DETAIL on a doubling backoff until expireAt. */
export const orderPolicy = (refundsNotified: boolean): ProductPolicy => ({
  schedule: (s, at, requested) => ({ expiresAt: requested ?? at + s.defaultExpiryMs, pollInitialMs: s.pollInitialMs, pollMaxMs: s.pollMaxMs, maxPolls: null }),
  refundsNotified,
});
