// ENTRY_CODE: the shopper scans the merchant's static EMVCo code and types the amount. Nobody
// calls PAY: the gateway's NOTIFICATION is the first word, and it starts the workflow
// (signal-with-start). The payment's amount is the notified amount. A signed notification is not
// proof enough on its own: DETAIL must confirm the order before the payment counts as paid
// (`confirmByDetail`, set for every payment started since 0.4).
import { cancelled, fail, failed, onDetailSettled, onNotified, paymentSetup, succeeded, rootHandlers } from './payment-setup.js';
import type { ProductPolicy } from './policy.js';
import { initialContext } from './shared.js';

const confirm = { type: 'callDetail', params: { purpose: 'confirm' } } as const;

export const entryCodeMachine = paymentSetup.createMachine({
  id: 'ENTRY_CODE',
  context: ({ input }) => initialContext(input),
  on: rootHandlers,
  initial: 'awaitingNotification',
  states: {
    awaitingNotification: {
      tags: ['CREATED'],
      on: { NOTIFIED: [{ guard: 'notifiedSuccessToConfirm', target: 'verifyingNotification', actions: ['touch', 'recordOrder'] }, ...onNotified] },
    },
    verifyingNotification: {
      tags: ['PENDING'],
      entry: ['schedulePoll', confirm],
      exit: 'stopPolling',
      on: {
        DETAIL_ANSWERED: [
          ...onDetailSettled,
          // Still settling at the gateway: the next poll asks again.
          { guard: 'detailPending', actions: 'touch' },
          { target: 'failed', actions: ['touch', 'flagUnconfirmed', fail('NOT_CONFIRMED_BY_GATEWAY')] },
        ],
        POLL_DUE: { actions: ['countPoll', 'schedulePoll', confirm] },
      },
    },
    succeeded, failed, cancelled,
  },
});

/** Paid before it starts: nothing expires; DETAIL confirms on the doubling backoff; refunds are silent (in store). */
export const entryCodePolicy: ProductPolicy = {
  schedule: (s, at) => ({ expiresAt: at, pollInitialMs: s.pollInitialMs, pollMaxMs: s.pollMaxMs, maxPolls: null }),
  refundsNotified: false,
};
