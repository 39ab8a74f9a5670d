// Building blocks the product machines share: effect declarations, guards and context updates.
import { assign } from 'xstate';
import type { PaymentContext, PaymentEvent, PaymentInput } from './types.js';

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

const detailStatus = (event: PaymentEvent) =>
  event.type === 'DETAIL_ANSWERED' && event.found ? event.status : event.type === 'DETAIL_ANSWERED' ? 'NOT_FOUND' : null;

/** Guards are the only place results are read; a result for another amount is never trusted. */
export const guards = {
  payPending: ({ event }: Args) => event.type === 'PAY_ANSWERED' && event.outcome === 'ACCEPTED' && event.status === 'PENDING',
  paySucceeded: ({ event }: Args) => event.type === 'PAY_ANSWERED' && event.outcome === 'ACCEPTED' && event.status === 'SUCCESS',
  // Accepted but neither pending nor paid (FAIL, or an order already closed): the payment failed.
  payFailed: ({ event }: Args) =>
    event.type === 'PAY_ANSWERED' &&
    (event.outcome === 'REJECTED' || (event.outcome === 'ACCEPTED' && event.status !== 'PENDING' && event.status !== 'SUCCESS')),
  payUnknown: ({ event }: Args) => event.type === 'PAY_ANSWERED' && event.outcome === 'UNKNOWN',
  payUnreachable: ({ event }: Args) => event.type === 'PAY_ANSWERED' && event.outcome === 'UNREACHABLE',
  detailPending: ({ event }: Args) => detailStatus(event) === 'PENDING',
  detailSucceeded: ({ context, event }: Args) => detailStatus(event) === 'SUCCESS' && sameAmount(context, event),
  detailFailed: ({ event }: Args) => detailStatus(event) === 'FAIL',
  detailClosed: ({ event }: Args) => detailStatus(event) === 'CLOSED',
  detailCancelled: ({ event }: Args) => detailStatus(event) === 'CANCELLED',
  /** The gateway says paid, but for another amount or currency: never marked paid. */
  detailAmountMismatch: ({ context, event }: Args) => detailStatus(event) === 'SUCCESS' && !sameAmount(context, event),
  /** DETAIL finds no order (the PAY never landed) and PAY may be sent again. */
  canPayAgain: ({ context, event }: Args) => detailStatus(event) === 'NOT_FOUND' && context.payAttempts < MAX_PAY_ATTEMPTS,
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
    detailStatus(event) === 'SUCCESS' && sameAmount(context, event) && !context.refunds.some((r) => r.refundId === lateRefundId(context)),
  notifiedFailure: ({ context, event }: Args) =>
    event.type === 'NOTIFIED' && event.status === 'FAIL' && sameOrder(context, event) && !seen(context, event),
  cancelAccepted: ({ event }: Args) => event.type === 'CANCEL_ANSWERED' && event.ok,
  /** The answer to the merchant's own CANCEL (only one is ever in flight). */
  merchantCancelAccepted: ({ context, event }: Args) => context.cancelInFlight && event.type === 'CANCEL_ANSWERED' && event.ok,
  merchantCancelRefused: ({ context, event }: Args) => context.cancelInFlight && event.type === 'CANCEL_ANSWERED' && !event.ok,
  /** Refunds never add up to more than was paid, in the payment's currency; ids are unique. */
  refundFits: ({ context, event }: Args) =>
    event.type === 'REFUND_REQUESTED' &&
    !context.cancelInFlight &&
    event.amount.currency === context.amount.currency &&
    !context.refunds.some((r) => r.refundId === event.refundId) &&
    event.amount.value <= refundableValue(context),
  refundSettledSuccess: ({ context, event }: Args) => isPendingRefundAnswer(context, event, 'SUCCESS'),
  refundSettledFailure: ({ context, event }: Args) => isPendingRefundAnswer(context, event, 'FAIL'),
  refundStillPending: ({ context, event }: Args) =>
    event.type === 'REFUND_ANSWERED' && context.refunds.some((r) => r.refundId === event.refundId && r.status === 'PENDING'),
  /** Full cancellation only: not after a refund, not past 23:59:59 of the payment date. */
  cancelAllowed: ({ context, event }: Args) =>
    event.type === 'CANCEL_REQUESTED' &&
    !context.cancelInFlight &&
    !context.cancelWindowClosed &&
    context.refunds.length === 0 &&
    event.at <= context.cancelDeadline,
};

/** What may still be refunded: the amount less every refund not FAILED. */
/**
 * Refund ids are the merchant's, unique per payment; the gateway wants them unique per merchant.
 * Upstream, a refund is named by the payment's gatewayTransId and its position: deterministic,
 * so a retried REFUND carries the same id.
 */
export const upstreamRefundId = (context: PaymentContext, suffix: string) =>
  `${context.gatewayTransId ?? context.merchantTransId}-${suffix}`.slice(-64);

/** The one refund that returns a payment taken after it had expired or been cancelled. */
export const lateRefundId = (context: PaymentContext) => `late-${context.merchantTransId}`.slice(0, 64);

export function refundableValue(context: PaymentContext): number {
  return context.amount.value - context.refunds.filter((r) => r.status !== 'FAILED').reduce((sum, r) => sum + r.amount.value, 0);
}

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
    if (event.type === 'NOTIFIED') return { gatewayTransId: event.gatewayTransId, notifyIds: [...context.notifyIds, event.notifyId] };
    return {};
  }),
  recordPaid: update({ paidAt: ({ event }: Args) => event.at, failure: () => null }),
  recordFailure: update({
    failure: ({ context, event }: Args) => {
      if (event.type === 'PAY_ANSWERED' && event.outcome === 'REJECTED') return { code: event.code, message: event.message };
      if (event.type === 'PAY_ANSWERED' && event.outcome === 'UNREACHABLE') return { code: 'UPSTREAM_UNAVAILABLE', message: event.message };
      if (event.type === 'DETAIL_ANSWERED' && event.found && event.status === 'SUCCESS') {
        return {
          code: 'AMOUNT_MISMATCH',
          message: `the gateway reports a payment of ${event.amount.value} ${event.amount.currency}, not ${context.amount.value} ${context.amount.currency}; not marked paid, needs review`,
        };
      }
      if (event.type === 'DETAIL_ANSWERED' && !event.found) {
        return { code: 'ORDER_NOT_CREATED', message: 'the gateway has no record of the order after repeated PAY attempts' };
      }
      if (event.type === 'CANCEL_ANSWERED' || event.type === 'EXPIRY_DUE' || event.type === 'POLL_DUE') {
        return { code: 'SHOPPER_DID_NOT_CONFIRM', message: 'the shopper did not confirm the payment in time, so it was cancelled (reversed) upstream' };
      }
      return { code: 'PAYMENT_FAILED', message: 'the shopper did not complete the payment' };
    },
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
  /** ENTRY_CODE: the gateway does not confirm what the notification said; never counted as paid. */
  failUnconfirmed: update({
    failure: () => ({ code: 'NOT_CONFIRMED_BY_GATEWAY', message: 'the gateway has no paid order matching the notification (DETAIL); not counted as paid' }),
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

