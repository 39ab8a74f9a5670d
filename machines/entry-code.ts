// ENTRY_CODE: the shopper scans the merchant's static EMVCo code and types the amount. Nobody
// calls PAY: the gateway's NOTIFICATION is the first and only word, and it starts the workflow
// (signal-with-start). The payment's amount is the notified amount.
import { cancelled, failed, onNotified, paymentSetup, succeeded, rootHandlers } from './payment-setup.js';
import { initialContext } from './shared.js';

export const entryCodeMachine = paymentSetup.createMachine({
  id: 'ENTRY_CODE',
  context: ({ input }) => initialContext(input),
  on: rootHandlers,
  initial: 'awaitingNotification',
  states: {
    awaitingNotification: {
      tags: ['CREATED'],
      on: { NOTIFIED: onNotified },
    },
    succeeded, failed, cancelled,
  },
});
