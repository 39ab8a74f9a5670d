// The one `setup` every product machine is created from, and the state fragments they share:
// the same types, effects, guards and context updates, so the interpreter serves them all.
import { setup } from 'xstate';
import { guards, lateRefundId, updates } from './shared.js';
import type { FailureCode } from './failures.js';
import type { EffectParams, PaymentContext, PaymentEvent, PaymentInput, PublishedType } from './types.js';

const effect = <K extends keyof EffectParams>() => (_: unknown, _params: EffectParams[K]) => {};

export const paymentSetup = setup({
  types: {
    context: {} as PaymentContext,
    events: {} as PaymentEvent,
    input: {} as PaymentInput,
  },
  actions: {
    callPay: effect<'callPay'>(),
    callDetail: effect<'callDetail'>(),
    callCancel: effect<'callCancel'>(),
    callRefund: effect<'callRefund'>(),
    callRefundDetail: effect<'callRefundDetail'>(),
    publish: effect<'publish'>(),
    ...updates,
  },
  guards,
});

const publish = (type: PublishedType) => ({ type: 'publish', params: { type } }) as const;
/** Ends the payment FAILED (or, for PAYMENT_CODE, reversing) for the reason `code` names. */
export const fail = (code: FailureCode) => ({ type: 'fail', params: { code } }) as const;
const cancelAllowedWhile = (status: 'PENDING' | 'SUCCEEDED') => ({ type: 'cancelAllowed', params: { status } }) as const;

/** Refund answers (REFUND, REFUND DETAIL, REFUND_RESULT notifications) and the refund poll. */
const refundSettling = {
  REFUND_ANSWERED: [
    { guard: 'refundSettledSuccess', actions: ['touch', 'settleRefund', publish('refund.succeeded'), 'scheduleRefundPoll'] },
    { guard: 'refundSettledFailure', actions: ['touch', 'settleRefund', publish('refund.failed'), 'scheduleRefundPoll'] },
    { guard: 'refundStillPending', actions: ['settleRefund', 'scheduleRefundPoll'] },
  ],
  REFUND_POLL_DUE: { guard: 'refundPollScheduled', actions: ['scheduleRefundPoll', 'callRefundDetail'] },
} as const;

/**
 * After EXPIRED or CANCELLED a success notification is verified with DETAIL; if the money really
 * was taken, it is refunded in full at once and the late success published.
 */
const lateResults = {
  NOTIFIED: { guard: 'notifiedSuccess', actions: ['recordOrder', { type: 'callDetail', params: { purpose: 'late' } }] },
  DETAIL_ANSWERED: {
    guard: 'lateSuccessToRefund',
    actions: [
      'touch',
      'addLateRefund',
      publish('payment.late_success_refunded'),
      { type: 'callRefund', params: ({ context }: { context: PaymentContext }) => ({ refundId: lateRefundId(context) }) },
    ],
  },
  ...refundSettling,
} as const;

/**
 * Heard in every state but the final ones below: the end of the cancellation period (a timer
 * while it is open), and notifications never to be trusted.
 */
export const rootHandlers = {
  CANCEL_WINDOW_CLOSED: { guard: 'cancelWindowOpen', actions: 'closeCancelWindow' },
  NOTIFIED: [
    { guard: 'notifiedOtherOrder', actions: 'flagOtherOrder' },
    { guard: 'notifiedWrongAmount', actions: ['flagAmountMismatch', publish('payment.amount_mismatch')] },
  ],
} as const;

/** Where the machines end. The workflow stays open after these for late messages and refunds. */
export const succeeded = {
  tags: ['SUCCEEDED', 'final'],
  entry: publish('payment.succeeded'),
  on: {
    // Partial refunds, any number, never more in total than was paid.
    REFUND_REQUESTED: {
      guard: 'refundFits',
      actions: ['touch', 'addRefund', { type: 'callRefund', params: ({ event }: { event: PaymentEvent }) => ({ refundId: 'refundId' in event ? event.refundId : '' }) }],
    },
    ...refundSettling,
    // Full cancellation reverses the payment, the same day and only before any refund.
    CANCEL_REQUESTED: { guard: cancelAllowedWhile('SUCCEEDED'), actions: ['touch', 'markCancelInFlight', 'callCancel'] },
    CANCEL_ANSWERED: [
      { guard: 'merchantCancelAccepted', target: 'cancelled', actions: ['touch', 'recordCancelRefusal'] },
      { guard: 'merchantCancelRefused', actions: ['touch', 'recordCancelRefusal'] },
    ],
  },
} as const;
/** Nothing is left to cancel once a payment failed, expired or was cancelled: no period to close. */
const noCancelPeriod = { CANCEL_WINDOW_CLOSED: {} } as const;
export const failed = { tags: ['FAILED', 'final'], entry: publish('payment.failed'), on: noCancelPeriod } as const;
export const expired = { tags: ['EXPIRED', 'final'], entry: publish('payment.expired'), on: { ...noCancelPeriod, ...lateResults } } as const;
export const cancelled = { tags: ['CANCELLED', 'final'], entry: publish('payment.cancelled'), on: { ...noCancelPeriod, ...lateResults } } as const;

export const publishPending = publish('payment.pending');

/** A verified NOTIFICATION settles the payment from any waiting state. */
export const onNotified = [
  { guard: 'notifiedSuccess', target: 'succeeded', actions: ['touch', 'recordOrder', 'recordPaid'] },
  { guard: 'notifiedFailure', target: 'failed', actions: ['touch', 'recordOrder', fail('PAYMENT_FAILED')] },
] as const;

/** DETAIL answers that settle the payment, whatever the state that asked. */
export const onDetailSettled = [
  { guard: 'detailSucceeded', target: 'succeeded', actions: ['touch', 'recordOrder', 'recordPaid'] },
  { guard: 'detailFailed', target: 'failed', actions: ['touch', 'recordOrder', fail('PAYMENT_FAILED')] },
  { guard: 'detailCancelled', target: 'cancelled', actions: ['touch', 'recordOrder'] },
  { guard: 'detailAmountMismatch', target: 'failed', actions: ['touch', 'recordOrder', fail('AMOUNT_MISMATCH')] },
] as const;

/** PAY answers every PAY-started product reads the same way. */
export const onPayAnswered = (pendingTarget: string) =>
  [
    { guard: 'payPending', target: pendingTarget, actions: ['touch', 'recordOrder'] },
    { guard: 'paySucceeded', target: 'succeeded', actions: ['touch', 'recordOrder', 'recordPaid'] },
    { guard: 'payRejected', target: 'failed', actions: ['touch', 'recordOrder', 'failAsGatewaySaid'] },
    { guard: 'payFailed', target: 'failed', actions: ['touch', 'recordOrder', fail('PAYMENT_FAILED')] },
    { guard: 'payUnknown', target: 'reconciling', actions: 'touch' },
    { guard: 'payUnreachable', target: 'failed', actions: ['touch', fail('UPSTREAM_UNAVAILABLE')] },
  ] as const;

/** creating: PAY once per attempt; every answer is read by onPayAnswered. */
export const creatingState = (pendingTarget: string) =>
  ({
    tags: ['CREATED'],
    entry: ['countPayAttempt', 'callPay'],
    on: { PAY_ANSWERED: onPayAnswered(pendingTarget) },
  }) as const;

/**
 * reconciling: the PAY outcome is unknown, so DETAIL tells. PAY is sent again (same
 * merchantTransId) only when the gateway has no order at all, and only MAX_PAY_ATTEMPTS times.
 */
export const reconcilingState = (pendingTarget: string, closedTarget: 'expired' | 'cancelled') =>
  ({
    tags: ['PENDING'],
    entry: { type: 'callDetail', params: { purpose: 'reconcile' } },
    on: {
      DETAIL_ANSWERED: [
        { guard: 'detailPending', target: pendingTarget, actions: ['touch', 'recordOrder'] },
        ...onDetailSettled,
        { guard: 'detailClosed', target: closedTarget, actions: ['touch', 'recordOrder'] },
        { guard: 'canPayAgain', target: 'creating', actions: 'touch' },
        // No order after MAX_PAY_ATTEMPTS PAYs: it was never created.
        { target: 'failed', actions: ['touch', fail('ORDER_NOT_CREATED')] },
      ],
      NOTIFIED: onNotified,
    },
  }) as const;

/** A merchant's CANCEL of a payment still waiting for the shopper: closes the order upstream. */
export const cancellingState = {
  tags: ['PENDING'],
  entry: ['markCancelInFlight', 'callCancel'],
  on: {
    CANCEL_ANSWERED: [
      { guard: 'cancelAccepted', target: 'cancelled', actions: ['touch', 'recordCancelRefusal'] },
      // Refused: the payment settled meanwhile. DETAIL says how.
      { target: 'reconciling', actions: ['touch', 'recordCancelRefusal'] },
    ],
  },
} as const;

/**
 * The service's own CANCEL at the end of a wait (the order flow's expiry, PAYMENT_CODE giving up):
 * accepted ends the payment; refused means the order changed meanwhile (paid or failed), so the
 * state that asks DETAIL finds out how.
 */
export const cancelUpstreamState = (acceptedTarget: 'expired' | 'cancelled', refusedTarget: string) =>
  ({
    tags: ['PENDING'],
    entry: 'callCancel',
    on: {
      CANCEL_ANSWERED: [
        { guard: 'cancelAccepted', target: acceptedTarget, actions: 'touch' },
        { target: refusedTarget, actions: 'touch' },
      ],
    },
  }) as const;

export const onCancelRequested = { guard: cancelAllowedWhile('PENDING'), target: 'cancelling', actions: 'touch' } as const;
