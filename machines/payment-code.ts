// PAYMENT_CODE: user-presented. The merchant scans the shopper's code and PAY answers SUCCESS at
// once, FAIL, or PENDING while the shopper confirms in the app. While pending, DETAIL is polled
// on a short schedule, bounded in count (maxPolls) and time (expiresAt); a payment that never
// completes is cancelled (reversed) upstream and ends CANCELLED, saying why.
import { cancelled, cancellingState, creatingState, onCancelRequested, failed, onDetailSettled, onNotified, paymentSetup, publishPending, reconcilingState, succeeded, rootHandlers } from './payment-setup.js';
import { initialContext } from './shared.js';

const giveUp = { target: 'reversing', actions: ['touch', 'recordFailure'] } as const;

export const paymentCodeMachine = paymentSetup.createMachine({
  id: 'PAYMENT_CODE',
  context: ({ input }) => initialContext(input),
  on: rootHandlers,
  initial: 'creating',
  states: {
    creating: creatingState('confirming'),
    reconciling: reconcilingState('confirming', 'cancelled'),
    confirming: {
      tags: ['PENDING'],
      entry: [publishPending, 'schedulePoll'],
      exit: 'stopPolling',
      on: {
        NOTIFIED: onNotified,
        POLL_DUE: [
          { guard: 'pollsExhausted', ...giveUp },
          { actions: ['countPoll', 'schedulePoll', { type: 'callDetail', params: { purpose: 'poll' } }] },
        ],
        DETAIL_ANSWERED: [...onDetailSettled, { guard: 'detailClosed', target: 'cancelled', actions: ['touch', 'recordOrder'] }],
        EXPIRY_DUE: giveUp,
        CANCEL_REQUESTED: onCancelRequested,
      },
    },
    cancelling: cancellingState,
    reversing: {
      tags: ['PENDING'],
      entry: 'callCancel',
      on: {
        CANCEL_ANSWERED: [
          { guard: 'cancelAccepted', target: 'cancelled', actions: 'touch' },
          // Refused: the payment settled meanwhile. DETAIL says how.
          { target: 'verifying', actions: 'touch' },
        ],
      },
    },
    verifying: {
      tags: ['PENDING'],
      entry: { type: 'callDetail', params: { purpose: 'expiry' } },
      on: {
        DETAIL_ANSWERED: [
          ...onDetailSettled,
          { guard: 'detailPending', target: 'reversing', actions: 'touch' },
          { target: 'cancelled', actions: 'touch' },
        ],
      },
    },
    succeeded, failed, cancelled,
  },
});
