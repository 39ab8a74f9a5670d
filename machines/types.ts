// What every payment machine shares: its context, its events and its input. Pure data: times are
// epoch milliseconds carried on events (`at`), never read from a clock here.
import type { Money } from '../domain/money.js';
import type { EventType } from '../events/names.js';
import type { PayAction, Product, TransStatus } from '../gateway/wire.js';
import type { RefundStatus } from '../domain/statuses.js';

export { PAYMENT_STATUSES, type PaymentStatus, type RefundStatus } from '../domain/statuses.js';

export interface Failure {
  code: string;
  message: string;
}

export interface Flag extends Failure {
  at: number;
}

export interface PaymentInput {
  paymentId: string;
  merchantTransId: string;
  product: Product;
  amount: Money;
  createdAt: number;
  expiresAt: number;
  cancelDeadline: number;
  pollInitialMs: number;
  pollMaxMs: number;
  /** PAYMENT_CODE: DETAIL polls while the shopper confirms before the payment is reversed. */
  maxPolls: number | null;
  /**
   * ENTRY_CODE: a success notification counts only once DETAIL confirms it. Set in the input of
   * every ENTRY_CODE payment since 0.4; absent in earlier ones, which trusted the notification.
   */
  confirmByDetail?: boolean;
  /**
   * The gateway's time zone. Set in the input of every payment since 0.6, whose cancellation
   * period follows the payment date (domain/cancel-window.ts): `cancelDeadline` starts at the
   * expiry and becomes the end of the paid date when the payment succeeds. Absent in earlier
   * payments, whose deadline stays the end of the day they were created (so their histories replay).
   */
  timeZone?: string;
}

export interface RefundRecord {
  /** The merchant's id: unique within this payment. */
  refundId: string;
  /** The refundRequestId sent upstream: unique at the gateway (gatewayTransId and position). */
  upstreamId: string;
  amount: Money;
  reason: string | null;
  status: RefundStatus;
  requestedAt: number;
  /** The merchant API key that asked for it; null for refunds the service made itself. */
  requestedBy?: string | null;
  /** Set once the gateway has answered the REFUND (or its DETAIL) at least once. */
  gatewayRefundId: string | null;
  failure: Failure | null;
}

export interface PaymentContext extends PaymentInput {
  gatewayTransId: string | null;
  payAction: PayAction | null;
  failure: Failure | null;
  payAttempts: number;
  pollCount: number;
  nextPollAt: number | null;
  notifyIds: string[];
  paidAt: number | null;
  updatedAt: number;
  refunds: RefundRecord[];
  nextRefundPollAt: number | null;
  /** A CANCEL asked for by the merchant is under way (its answer is awaited). */
  cancelInFlight: boolean;
  /** Set by the durable timer at the cancel deadline: from then on only refunds. */
  cancelWindowClosed: boolean;
  /** Things an operator should look at: results never trusted (another amount), late successes. */
  flags: Flag[];
  /** Why the merchant's last cancel was refused by the gateway, if it was. */
  cancelRefusal: Failure | null;
  /** The merchant API key that asked for the cancellation. */
  cancelRequestedBy?: string | null;
  /** The paidAt of the success notification taken for this payment, if it carried one (since 0.6). */
  notifiedPaidAt?: number;
}

/** What the gateway said of one refund (REFUND, REFUND DETAIL or a REFUND_RESULT notification). */
export interface RefundOutcome {
  refundId: string;
  status: 'PENDING' | 'SUCCESS' | 'FAIL';
  gatewayRefundId: string | null;
  code?: string;
  message?: string;
}

/**
 * What an order's status means for the payment (activities/settlements.ts translates the gateway's
 * statuses): the shopper has not paid yet, paid, failed, closed unpaid, or paid then reversed.
 */
export type Settlement = 'WAITING' | 'PAID' | 'FAILED' | 'CLOSED' | 'REVERSED';

/**
 * `status`: the gateway's word, kept for the history's reader; guards read `settlement`.
 * `paidAt`: when the gateway says the money was taken (epoch ms), when it says so.
 */
export type PayOutcome =
  | { outcome: 'ACCEPTED'; gatewayTransId: string; status: TransStatus; settlement: Settlement; payAction: PayAction | null; paidAt?: number }
  | { outcome: 'REJECTED'; code: string; message: string }
  | { outcome: 'UNKNOWN'; reason: string }
  | { outcome: 'UNREACHABLE'; message: string };

export type DetailOutcome =
  | { found: false }
  | { found: true; gatewayTransId: string; status: TransStatus; settlement: Settlement; amount: Money; payAction: PayAction | null; paidAt?: number };

export type CancelOutcome = { ok: true; status: TransStatus } | { ok: false; code: string; message: string };

export interface NotificationFacts {
  notifyId: string;
  /** Absent only in notifications recorded before 0.4. */
  product?: Product;
  status: 'SUCCESS' | 'FAIL';
  gatewayTransId: string;
  amount: Money;
  /** The notification's paidAt (epoch ms), when it carries one. */
  paidAt?: number;
}

export type PaymentEvent =
  | ({ type: 'PAY_ANSWERED'; at: number } & PayOutcome)
  | ({ type: 'DETAIL_ANSWERED'; at: number } & DetailOutcome)
  | ({ type: 'CANCEL_ANSWERED'; at: number } & CancelOutcome)
  | ({ type: 'NOTIFIED'; at: number } & NotificationFacts)
  | { type: 'POLL_DUE'; at: number }
  | { type: 'EXPIRY_DUE'; at: number }
  | { type: 'REFUND_REQUESTED'; at: number; refundId: string; amount: Money; reason: string | null; requestedBy?: string | null }
  | ({ type: 'REFUND_ANSWERED'; at: number } & RefundOutcome)
  | { type: 'REFUND_POLL_DUE'; at: number }
  | { type: 'CANCEL_REQUESTED'; at: number; requestedBy?: string | null }
  | { type: 'CANCEL_WINDOW_CLOSED'; at: number };

/** Event types published on NATS (DESIGN.md section 5), without the `alipay_cn.` prefix. */
export type PublishedType = EventType;

/** Side effects a machine asks its interpreter for. */
export interface EffectParams {
  callPay: undefined;
  callDetail: { purpose: 'reconcile' | 'poll' | 'expiry' | 'late' | 'confirm' };
  callCancel: undefined;
  /** REFUND for a new refund; REFUND DETAIL (refundDetail) for refunds still pending. */
  callRefund: { refundId: string };
  callRefundDetail: undefined;
  publish: { type: PublishedType };
}
