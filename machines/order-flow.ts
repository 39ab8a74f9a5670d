// The flow of the merchant-presented products with an order (CASHIER_PAYMENT, ORDER_CODE): PAY
// returns the payAction; the shopper pays in the app; the result comes by NOTIFICATION, else by
// DETAIL polling; at expireAt a last DETAIL, then the order is closed upstream and EXPIRED.
import { cancelled, cancellingState, cancelUpstreamState, creatingState, onCancelRequested, expired, failed, onDetailSettled, onNotified, publishPending, reconcilingState, succeeded } from './payment-setup.js';

export const orderFlowStates = {
  creating: creatingState('awaitingShopper'),
  reconciling: reconcilingState('awaitingShopper', 'expired'),
  awaitingShopper: {
    tags: ['PENDING'],
    entry: [publishPending, 'schedulePoll'],
    exit: 'stopPolling',
    on: {
      NOTIFIED: onNotified,
      POLL_DUE: { actions: ['countPoll', 'schedulePoll', { type: 'callDetail', params: { purpose: 'poll' } }] },
      DETAIL_ANSWERED: [...onDetailSettled, { guard: 'detailClosed', target: 'expired', actions: ['touch', 'recordOrder'] }],
      EXPIRY_DUE: { target: 'expiring', actions: 'touch' },
      CANCEL_REQUESTED: onCancelRequested,
    },
  },
  cancelling: cancellingState,
  expiring: {
    tags: ['PENDING'],
    entry: { type: 'callDetail', params: { purpose: 'expiry' } },
    on: {
      DETAIL_ANSWERED: [...onDetailSettled, { guard: 'detailPending', target: 'closing', actions: 'touch' }, { target: 'expired', actions: 'touch' }],
      NOTIFIED: onNotified,
    },
  },
  closing: cancelUpstreamState('expired', 'expiring'),
  succeeded, failed, expired, cancelled,
} as const;
