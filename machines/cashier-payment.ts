// CASHIER_PAYMENT: PAY returns the cashier page (payAction QRCODE redirectUrl or REDIRECT url);
// the shopper pays in the app or on the web. The order flow (order-flow.ts) does the rest.
import { orderFlowStates } from './order-flow.js';
import { orderPolicy } from './policy.js';
import { paymentSetup, rootHandlers } from './payment-setup.js';
import { initialContext } from './shared.js';

export const cashierPaymentMachine = paymentSetup.createMachine({
  id: 'CASHIER_PAYMENT',
  context: ({ input }) => initialContext(input),
  on: rootHandlers,
  initial: 'creating',
  states: orderFlowStates,
});

/** Online: DETAIL on the doubling backoff until expireAt; the gateway notifies its refunds. */
export const cashierPaymentPolicy = orderPolicy(true);
