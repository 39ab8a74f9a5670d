// What the sandbox's routes share: its options, the order book, the notifier and the faults.
import type { FaultState } from './faults.js';
import type { Notifier } from './notifier.js';
import type { OrderStore } from './orders.js';
import type { PaymentCodeDesk } from './payment-code.js';
import type { RefundDesk } from './refunds.js';

export interface SandboxContext {
  clientId: string;
  secret: string;
  timezone: string;
  /** The one clock of the sandbox (injectable so tests can move past expiry and the cancel window). */
  now: () => number;
  orders: OrderStore;
  notifier: Notifier;
  faults: FaultState;
  /** What PAYMENT_CODE PAY answers, and the timers of shoppers confirming later. */
  paymentCode: PaymentCodeDesk;
  /** How refunds settle (PUT /sandbox/refunds), the refunds by refundRequestId, and their settle timers. */
  refunds: RefundDesk;
  /** How long after its payment an order can still be refunded (REFUND_WINDOW_EXCEED after). */
  refundWindowMs: number;
  /** Where entry-code notifications go when POST /sandbox/entry-code/pay names no notifyUrl. */
  entryCodeNotifyUrl?: string;
}
