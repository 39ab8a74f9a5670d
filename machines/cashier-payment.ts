// CASHIER_PAYMENT: PAY returns the cashier page (payAction); the shopper pays in the app or on
// the web; the result comes by NOTIFICATION, else by DETAIL polling; at expireAt a last DETAIL,
// then the order is closed upstream and the payment EXPIRED. Unknown PAY outcomes are
// reconciled by DETAIL, never answered with a second payment.
import { setup } from 'xstate';
import { guards, initialContext, updates } from './shared.js';
import type { EffectParams, PaymentContext, PaymentEvent, PaymentInput } from './types.js';

const effect = <K extends keyof EffectParams>() => (_: unknown, _params: EffectParams[K]) => {};

export const cashierPaymentMachine = setup({
  types: {
    context: {} as PaymentContext,
    events: {} as PaymentEvent,
    input: {} as PaymentInput,
  },
  actions: {
    callPay: effect<'callPay'>(),
    callDetail: effect<'callDetail'>(),
    callCancel: effect<'callCancel'>(),
    publish: effect<'publish'>(),
    ...updates,
  },
  guards,
}).createMachine({
  id: 'CASHIER_PAYMENT',
  context: ({ input }) => initialContext(input),
  initial: 'creating',
  states: {
    creating: {
      tags: ['CREATED'],
      entry: ['countPayAttempt', 'callPay'],
      on: {
        PAY_ANSWERED: [
          { guard: 'payPending', target: 'awaitingShopper', actions: ['touch', 'recordOrder'] },
          { guard: 'paySucceeded', target: 'succeeded', actions: ['touch', 'recordOrder', 'recordPaid'] },
          { guard: 'payFailed', target: 'failed', actions: ['touch', 'recordFailure'] },
          { guard: 'payUnknown', target: 'reconciling', actions: 'touch' },
          { guard: 'payUnreachable', target: 'failed', actions: ['touch', 'recordFailure'] },
        ],
      },
    },
    reconciling: {
      tags: ['PENDING'],
      entry: { type: 'callDetail', params: { purpose: 'reconcile' } },
      on: {
        DETAIL_ANSWERED: [
          { guard: 'detailPending', target: 'awaitingShopper', actions: ['touch', 'recordOrder'] },
          { guard: 'detailSucceeded', target: 'succeeded', actions: ['touch', 'recordOrder', 'recordPaid'] },
          { guard: 'detailFailed', target: 'failed', actions: ['touch', 'recordOrder', 'recordFailure'] },
          { guard: 'detailClosed', target: 'expired', actions: ['touch', 'recordOrder'] },
          { guard: 'detailCancelled', target: 'cancelled', actions: ['touch', 'recordOrder'] },
          { guard: 'canPayAgain', target: 'creating', actions: 'touch' },
          { target: 'failed', actions: ['touch', 'recordFailure'] },
        ],
        NOTIFIED: [
          { guard: 'notifiedSuccess', target: 'succeeded', actions: ['touch', 'recordOrder', 'recordPaid'] },
          { guard: 'notifiedFailure', target: 'failed', actions: ['touch', 'recordOrder', 'recordFailure'] },
        ],
      },
    },
    awaitingShopper: {
      tags: ['PENDING'],
      entry: [{ type: 'publish', params: { type: 'payment.pending' } }, 'schedulePoll'],
      exit: 'stopPolling',
      on: {
        NOTIFIED: [
          { guard: 'notifiedSuccess', target: 'succeeded', actions: ['touch', 'recordOrder', 'recordPaid'] },
          { guard: 'notifiedFailure', target: 'failed', actions: ['touch', 'recordOrder', 'recordFailure'] },
        ],
        POLL_DUE: { actions: ['countPoll', 'schedulePoll', { type: 'callDetail', params: { purpose: 'poll' } }] },
        DETAIL_ANSWERED: [
          { guard: 'detailSucceeded', target: 'succeeded', actions: ['touch', 'recordOrder', 'recordPaid'] },
          { guard: 'detailFailed', target: 'failed', actions: ['touch', 'recordOrder', 'recordFailure'] },
          { guard: 'detailClosed', target: 'expired', actions: ['touch', 'recordOrder'] },
          { guard: 'detailCancelled', target: 'cancelled', actions: ['touch', 'recordOrder'] },
        ],
        EXPIRY_DUE: { target: 'expiring', actions: 'touch' },
      },
    },
    expiring: {
      tags: ['PENDING'],
      entry: { type: 'callDetail', params: { purpose: 'expiry' } },
      on: {
        DETAIL_ANSWERED: [
          { guard: 'detailSucceeded', target: 'succeeded', actions: ['touch', 'recordOrder', 'recordPaid'] },
          { guard: 'detailFailed', target: 'failed', actions: ['touch', 'recordOrder', 'recordFailure'] },
          { guard: 'detailCancelled', target: 'cancelled', actions: ['touch', 'recordOrder'] },
          { guard: 'detailPending', target: 'closing', actions: 'touch' },
          { target: 'expired', actions: 'touch' },
        ],
        NOTIFIED: [
          { guard: 'notifiedSuccess', target: 'succeeded', actions: ['touch', 'recordOrder', 'recordPaid'] },
          { guard: 'notifiedFailure', target: 'failed', actions: ['touch', 'recordOrder', 'recordFailure'] },
        ],
      },
    },
    closing: {
      tags: ['PENDING'],
      entry: 'callCancel',
      on: {
        CANCEL_ANSWERED: [
          { guard: 'cancelAccepted', target: 'expired', actions: 'touch' },
          // The order changed under us (paid or failed meanwhile): ask again what it is.
          { target: 'expiring', actions: 'touch' },
        ],
      },
    },
    succeeded: { tags: ['SUCCEEDED', 'final'], entry: { type: 'publish', params: { type: 'payment.succeeded' } } },
    failed: { tags: ['FAILED', 'final'], entry: { type: 'publish', params: { type: 'payment.failed' } } },
    expired: { tags: ['EXPIRED', 'final'], entry: { type: 'publish', params: { type: 'payment.expired' } } },
    cancelled: { tags: ['CANCELLED', 'final'], entry: { type: 'publish', params: { type: 'payment.cancelled' } } },
  },
});
