// Building blocks the product machines share: effect declarations, guards and context updates.
import { assign } from 'xstate';
import { lastCancelMoment } from '../domain/cancel-window.js';
import { isoWithOffset } from '../domain/gateway-time.js';
import type { PaymentStatus } from '../domain/statuses.js';
import { FAILURES, type FailureCode } from './failures.js';
import { cancelRefusal, refundRefusal, refundableValue } from './request-rules.js';
import type { PaymentContext, PaymentEvent, PaymentInput } from './types.js';

export { refundableValue };

export const MAX_PAY_ATTEMPTS = 3;

export function initialContext(input: PaymentInput): PaymentContext {
  return {
    ...input,
    gatewayTransId: null,
    payAction: null,
    failure: null,
    payAttempts: 0,
    pollCount: 0,
    nextPollAt: null,
    notifyIds: [],
    paidAt: null,
    updatedAt: input.createdAt,
    refunds: [],
    nextRefundPollAt: null,
    cancelInFlight: false,
    cancelWindowClosed: false,
    flags: [],
    cancelRefusal: null,
  };
}

type Args = { context: PaymentContext; event: PaymentEvent };
type Assignment = Parameters<typeof assign<PaymentContext, PaymentEvent, undefined, PaymentEvent, never>>[0];
const update = (a: Assignment) => assign<PaymentContext, PaymentEvent, undefined, PaymentEvent, never>(a);

/** What DETAIL found: the order's settlement, or NOT_FOUND when the gateway has no such order. */
const detailFound = (event: PaymentEvent) =>
  event.type === 'DETAIL_ANSWERED' && event.found ? event.settlement : event.type === 'DETAIL_ANSWERED' ? 'NOT_FOUND' : null;
const payAccepted = (event: PaymentEvent) => (event.type === 'PAY_ANSWERED' && event.outcome === 'ACCEPTED' ? event.settlement : null);

/** Guards are the only place results are read; a result for another amount is never trusted. */
export const guards = {
  payPending: ({ event }: Args) => payAccepted(event) === 'WAITING',
  paySucceeded: ({ event }: Args) => payAccepted(event) === 'PAID',
  /** The gateway refused the PAY (F, or a 4xx): failed with the gateway's own code. */
  payRejected: ({ event }: Args) => event.type === 'PAY_ANSWERED' && event.outcome === 'REJECTED',
  // Accepted but neither pending nor paid (FAIL, or an order already closed): the payment failed.
  payFailed: ({ event }: Args) => payAccepted(event) !== null && payAccepted(event) !== 'WAITING' && payAccepted(event) !== 'PAID',
  payUnknown: ({ event }: Args) => event.type === 'PAY_ANSWERED' && event.outcome === 'UNKNOWN',
  payUnreachable: ({ event }: Args) => event.type === 'PAY_ANSWERED' && event.outcome === 'UNREACHABLE',
  detailPending: ({ event }: Args) => detailFound(event) === 'WAITING',
  detailSucceeded: ({ context, event }: Args) => detailFound(event) === 'PAID' && sameAmount(context, event),
  detailFailed: ({ event }: Args) => detailFound(event) === 'FAILED',
  detailClosed: ({ event }: Args) => detailFound(event) === 'CLOSED',
  detailCancelled: ({ event }: Args) => detailFound(event) === 'REVERSED',
  /** The gateway says paid, but for another amount or currency: never marked paid. */
  detailAmountMismatch: ({ context, event }: Args) => detailFound(event) === 'PAID' && !sameAmount(context, event),
  /** DETAIL finds no order (the PAY never landed) and PAY may be sent again. */
  canPayAgain: ({ context, event }: Args) => detailFound(event) === 'NOT_FOUND' && context.payAttempts < MAX_PAY_ATTEMPTS,
  pollsExhausted: ({ context }: Args) => context.maxPolls != null && context.pollCount >= context.maxPolls,
  notifiedSuccess: ({ context, event }: Args) =>
    event.type === 'NOTIFIED' && event.status === 'SUCCESS' && sameOrder(context, event) && sameAmount(context, event) && !seen(context, event),
  /** ENTRY_CODE: a success notification that DETAIL must confirm before it counts. */
  notifiedSuccessToConfirm: ({ context, event }: Args) => context.confirmByDetail === true && guards.notifiedSuccess({ context, event }),
  /** A success notification for another amount or currency: never trusted, only flagged. */
  notifiedWrongAmount: ({ context, event }: Args) =>
    event.type === 'NOTIFIED' && event.status === 'SUCCESS' && sameOrder(context, event) && !sameAmount(context, event) && !seen(context, event),
  /** A notification about another order (gatewayTransId or product): never acted on, only flagged. */
  notifiedOtherOrder: ({ context, event }: Args) => event.type === 'NOTIFIED' && !sameOrder(context, event) && !seen(context, event),
  /** After EXPIRED/CANCELLED, DETAIL confirms the money was taken and no late refund exists yet. */
  lateSuccessToRefund: ({ context, event }: Args) =>
    detailFound(event) === 'PAID' && sameAmount(context, event) && !context.refunds.some((r) => r.refundId === lateRefundId(context)),
  notifiedFailure: ({ context, event }: Args) =>
    event.type === 'NOTIFIED' && event.status === 'FAIL' && sameOrder(context, event) && !seen(context, event),
  cancelAccepted: ({ event }: Args) => event.type === 'CANCEL_ANSWERED' && event.ok,
  /** The answer to the merchant's own CANCEL (only one is ever in flight). */
  merchantCancelAccepted: ({ context, event }: Args) => context.cancelInFlight && event.type === 'CANCEL_ANSWERED' && event.ok,
  merchantCancelRefused: ({ context, event }: Args) => context.cancelInFlight && event.type === 'CANCEL_ANSWERED' && !event.ok,
  /** Refunds never add up to more than was paid, in the payment's currency; ids are unique (request-rules.ts). */
  refundFits: ({ context, event }: Args) => event.type === 'REFUND_REQUESTED' && refundRefusal(context, 'SUCCEEDED', event) === null,
  refundSettledSuccess: ({ context, event }: Args) => isPendingRefundAnswer(context, event, 'SUCCESS'),
  refundSettledFailure: ({ context, event }: Args) => isPendingRefundAnswer(context, event, 'FAIL'),
  refundStillPending: ({ context, event }: Args) =>
    event.type === 'REFUND_ANSWERED' && context.refunds.some((r) => r.refundId === event.refundId && r.status === 'PENDING'),
  /** Full cancellation only: not after a refund, within the cancellation period (request-rules.ts). */
  cancelAllowed: ({ context, event }: Args, params: { status: PaymentStatus }) =>
    event.type === 'CANCEL_REQUESTED' && cancelRefusal(context, params.status, event.at) === null,
  /** The cancellation period is still open: its end is armed as a timer (payments since 0.6: once paid). */
  cancelWindowOpen: ({ context }: Args) => !context.cancelWindowClosed && (context.timeZone === undefined || context.paidAt !== null),
  /** A refund is pending and its next REFUND DETAIL is scheduled. */
  refundPollScheduled: ({ context }: Args) => context.nextRefundPollAt !== null,
};

/**
 * Refund ids are the merchant's, unique per payment; the gateway wants them unique per merchant.
 * Upstream, a refund is named by the payment's gatewayTransId and its position: deterministic,
 * so a retried REFUND carries the same id.
 */
export const upstreamRefundId = (context: PaymentContext, suffix: string) =>
  `${context.gatewayTransId ?? context.merchantTransId}-${suffix}`.slice(-64);

/** The one refund that returns a payment taken after it had expired or been cancelled. */
export const lateRefundId = (context: PaymentContext) => `late-${context.merchantTransId}`.slice(0, 64);

export const refundedValue = (context: PaymentContext): number =>
  context.refunds.filter((r) => r.status === 'SUCCEEDED').reduce((sum, r) => sum + r.amount.value, 0);

function isPendingRefundAnswer(context: PaymentContext, event: PaymentEvent, status: 'SUCCESS' | 'FAIL'): boolean {
  return (
    event.type === 'REFUND_ANSWERED' &&
    event.status === status &&
    context.refunds.some((r) => r.refundId === event.refundId && r.status === 'PENDING')
  );
}

function sameAmount(context: PaymentContext, event: PaymentEvent): boolean {
  const amount = event.type === 'NOTIFIED' ? event.amount : event.type === 'DETAIL_ANSWERED' && event.found ? event.amount : null;
  return amount !== null && amount.currency === context.amount.currency && amount.value === context.amount.value;
}

/** The notification is about this payment's order: same product and, once known, same gatewayTransId. */
function sameOrder(context: PaymentContext, event: PaymentEvent): boolean {
  if (event.type !== 'NOTIFIED') return false;
  if (event.product !== undefined && event.product !== context.product) return false;
  return context.gatewayTransId === null || context.gatewayTransId === event.gatewayTransId;
}

function paidAtOf(event: PaymentEvent): number | undefined {
  if (event.type === 'NOTIFIED' || (event.type === 'DETAIL_ANSWERED' && event.found) || (event.type === 'PAY_ANSWERED' && event.outcome === 'ACCEPTED')) {
    return Number.isFinite(event.paidAt) ? event.paidAt : undefined;
  }
  return undefined;
}

/**
 * A paidAt the gateway could have meant: not after the answer that reports it (5 min of clock
 * skew), not long before the payment started (an ENTRY_CODE's notification can come late).
 */
const PAID_AT_SKEW_MS = 5 * 60_000;
const PAID_AT_LATE_NOTICE_MS = 7 * 24 * 3_600_000;
function plausiblyPaidAt(context: PaymentContext, event: PaymentEvent, paidAt: number): boolean {
  return paidAt <= event.at + PAID_AT_SKEW_MS && paidAt >= context.createdAt - PAID_AT_LATE_NOTICE_MS;
}

function seen(context: PaymentContext, event: PaymentEvent): boolean {
  return event.type === 'NOTIFIED' && context.notifyIds.includes(event.notifyId);
}

type Notified = Extract<PaymentEvent, { type: 'NOTIFIED' }>;

/** A notification that is never trusted: its id is remembered (so a repeat changes nothing) and it is flagged. */
function flagNotification(code: string, message: (n: Notified, c: PaymentContext) => string) {
  return update({
    notifyIds: ({ context, event }: Args) => (event.type === 'NOTIFIED' ? [...context.notifyIds, event.notifyId] : context.notifyIds),
    flags: ({ context, event }: Args) =>
      event.type === 'NOTIFIED' ? [...context.flags, { code, message: message(event, context), at: event.at }] : context.flags,
  });
}

/** Context updates shared by every machine. */
export const updates = {
  touch: update({ updatedAt: ({ event }: Args) => event.at }),
  countPayAttempt: update({ payAttempts: ({ context }: Args) => context.payAttempts + 1 }),
  recordOrder: update(({ context, event }: Args) => {
    if (event.type === 'PAY_ANSWERED' && event.outcome === 'ACCEPTED') {
      return { gatewayTransId: event.gatewayTransId, payAction: event.payAction ?? context.payAction };
    }
    if (event.type === 'DETAIL_ANSWERED' && event.found) {
      return { gatewayTransId: event.gatewayTransId, payAction: event.payAction ?? context.payAction };
    }
    if (event.type === 'NOTIFIED') {
      const reported = event.status === 'SUCCESS' && event.paidAt !== undefined ? { notifiedPaidAt: event.paidAt } : {};
      return { gatewayTransId: event.gatewayTransId, notifyIds: [...context.notifyIds, event.notifyId], ...reported };
    }
    return {};
  }),
  /**
   * Paid: when the gateway says so (the success notification's paidAt, else DETAIL's or PAY's, else
   * the moment the answer came). Since 0.6 the cancellation period runs to the end of that gateway
   * date. A paidAt that cannot be true is not used, and flagged.
   */
  recordPaid: update(({ context, event }: Args) => {
    const { timeZone } = context;
    if (timeZone === undefined) return { paidAt: event.at, failure: null };
    const reported = [...new Set([context.notifiedPaidAt, paidAtOf(event)])].filter((t): t is number => t !== undefined);
    const paidAt = reported.find((t) => plausiblyPaidAt(context, event, t)) ?? event.at;
    const implausible = reported.filter((t) => !plausiblyPaidAt(context, event, t));
    const flags = implausible.map((t) => ({ code: 'PAID_AT_IMPLAUSIBLE', message: `the gateway reports the payment made at ${isoWithOffset(t, timeZone)}; not used: the time the answer arrived is`, at: event.at }));
    return { paidAt, failure: null, cancelDeadline: lastCancelMoment(paidAt, timeZone), ...(flags.length > 0 ? { flags: [...context.flags, ...flags] } : {}) };
  }),
  /** Ended by the service for the reason its code names (failures.ts). */
  fail: assign<PaymentContext, PaymentEvent, { code: FailureCode }, PaymentEvent, never>({
    failure: ({ context, event }, { code }) => ({ code, message: FAILURES[code](context, event) }),
  }),
  /** Ended because the gateway refused the PAY: its code and message, as it gave them. */
  failAsGatewaySaid: update({
    failure: ({ event }: Args) =>
      event.type === 'PAY_ANSWERED' && event.outcome === 'REJECTED' ? { code: event.code, message: event.message } : { code: 'PAYMENT_FAILED', message: FAILURES.PAYMENT_FAILED() },
  }),
  schedulePoll: update({
    nextPollAt: ({ context, event }: Args) =>
      event.at + Math.min(context.pollMaxMs, context.pollInitialMs * 2 ** Math.min(context.pollCount, 20)),
  }),
  countPoll: update({ pollCount: ({ context }: Args) => context.pollCount + 1 }),
  stopPolling: update({ nextPollAt: () => null }),
  addRefund: update({
    refunds: ({ context, event }: Args) =>
      event.type === 'REFUND_REQUESTED'
        ? [...context.refunds, { refundId: event.refundId, upstreamId: upstreamRefundId(context, `r${context.refunds.length + 1}`), amount: event.amount, reason: event.reason, status: 'PENDING' as const, requestedAt: event.at, requestedBy: event.requestedBy ?? null, gatewayRefundId: null, failure: null }]
        : context.refunds,
  }),
  settleRefund: update({
    refunds: ({ context, event }: Args) =>
      event.type === 'REFUND_ANSWERED'
        ? context.refunds.map((r) =>
            r.refundId !== event.refundId || r.status !== 'PENDING'
              ? r
              : {
                  ...r,
                  gatewayRefundId: event.gatewayRefundId ?? r.gatewayRefundId,
                  status: event.status === 'SUCCESS' ? ('SUCCEEDED' as const) : event.status === 'FAIL' ? ('FAILED' as const) : r.status,
                  failure: event.status === 'FAIL' ? { code: event.code ?? 'REFUND_FAILED', message: event.message ?? 'the gateway refused the refund' } : null,
                },
          )
        : context.refunds,
  }),
  /** Pending refunds are asked after on the payment poll backoff (in-store refunds send no notification). */
  scheduleRefundPoll: update({
    nextRefundPollAt: ({ context, event }: Args) =>
      context.refunds.some((r) => r.status === 'PENDING') ? event.at + context.pollInitialMs : null,
  }),
  closeCancelWindow: update({ cancelWindowClosed: () => true }),
  flagAmountMismatch: flagNotification(
    'AMOUNT_MISMATCH',
    (n, c) => `notification ${n.notifyId} reports ${n.amount.value} ${n.amount.currency} paid, not ${c.amount.value} ${c.amount.currency}; not trusted`,
  ),
  addLateRefund: update({
    refunds: ({ context, event }: Args) => [
      ...context.refunds,
      { refundId: lateRefundId(context), upstreamId: upstreamRefundId(context, 'late'), amount: context.amount, reason: 'paid after the payment had ended', status: 'PENDING' as const, requestedAt: event.at, requestedBy: null, gatewayRefundId: null, failure: null },
    ],
    flags: ({ context, event }: Args) => [
      ...context.flags,
      { code: 'LATE_SUCCESS_REFUNDED', message: 'the gateway took the money after the payment had ended; refunded in full', at: event.at },
    ],
  }),
  markCancelInFlight: update({
    cancelInFlight: () => true,
    cancelRefusal: () => null,
    cancelRequestedBy: ({ context, event }: Args) => (event.type === 'CANCEL_REQUESTED' ? (event.requestedBy ?? null) : (context.cancelRequestedBy ?? null)),
  }),
  flagOtherOrder: flagNotification(
    'NOTIFICATION_MISMATCH',
    (n, c) =>
      `notification ${n.notifyId} is about ${n.product ?? 'an unnamed product'} ${n.gatewayTransId}, not this payment's ${c.product} ${c.gatewayTransId ?? ''}; not trusted`.trim(),
  ),
  /** ENTRY_CODE: the gateway does not confirm what the notification said; flagged for review (fail records why). */
  flagUnconfirmed: update({
    flags: ({ context, event }: Args) => [
      ...context.flags,
      { code: 'NOT_CONFIRMED_BY_GATEWAY', message: 'a signed success notification that DETAIL does not confirm; needs review', at: event.at },
    ],
  }),
  recordCancelRefusal: update({
    cancelInFlight: () => false,
    cancelRefusal: ({ event }: Args) => (event.type === 'CANCEL_ANSWERED' && !event.ok ? { code: event.code, message: event.message } : null),
  }),
};

