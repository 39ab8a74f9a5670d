// PAYMENT_CODE: user-presented. The merchant scans the shopper's code and PAY answers SUCCESS at
// once, FAIL, or PENDING while the shopper confirms in the app. While pending, DETAIL is polled
// on a short schedule, bounded in count (maxPolls) and time (expiresAt); a payment that never
// completes is cancelled (reversed) upstream and ends CANCELLED, saying why.
import { cancelled, cancellingState, cancelUpstreamState, fail, creatingState, onCancelRequested, failed, onDetailSettled, onNotified, paymentSetup, publishPending, reconcilingState, succeeded, rootHandlers } from './payment-setup.js';
import type { PaymentCodeSettings, ProductPolicy } from './policy.js';
import { initialContext } from './shared.js';

/**
 * The gateway's guidance for a shopper confirming in the app: ask DETAIL about every 3 s, 10 to 20
 * times, then cancel. The count is what normally ends the wait (15 polls: 45 s); the window (60 s
 * from the start, or the merchant's expireAt if sooner) ends it when DETAIL answers late or not at all.
 */
export const PAYMENT_CODE_DEFAULTS: PaymentCodeSettings = { pollMs: 3_000, maxPolls: 15, confirmMs: 60_000 };

/** Why these settings would let the window act before the count, or null when they are coherent. */
export function paymentCodeIncoherence(p: PaymentCodeSettings): string | null {
  // The machine gives up at the poll due after the last one: (maxPolls + 1) intervals after PENDING.
  const lastPollEnds = (p.maxPolls + 1) * p.pollMs;
  return lastPollEnds < p.confirmMs
    ? null
    : `${p.maxPolls} polls every ${p.pollMs / 1000} s end ${lastPollEnds / 1000} s in, not before the ${p.confirmMs / 1000} s confirmation window: the poll count would never act`;
}

export const paymentCodePolicy: ProductPolicy = {
  // The merchant's expireAt may shorten the window, never lengthen it.
  schedule: ({ paymentCode: p }, at, requested) => ({
    expiresAt: Math.min(requested ?? Infinity, at + p.confirmMs),
    pollInitialMs: p.pollMs,
    pollMaxMs: p.pollMs,
    maxPolls: p.maxPolls,
  }),
  refundsNotified: false,
};

const giveUp = { target: 'reversing', actions: ['touch', fail('SHOPPER_DID_NOT_CONFIRM')] } as const;

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
    reversing: cancelUpstreamState('cancelled', 'verifying'),
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
