// ORDER_CODE: merchant-presented, one code per transaction. PAY returns a one-time QR code
// (payAction QRCODE) for the terminal screen or receipt; the same merchantTransId always gets
// the same code back (the gateway's idempotency), a new transaction needs a new id.
import { orderFlowStates } from './order-flow.js';
import { orderPolicy } from './policy.js';
import { paymentSetup, rootHandlers } from './payment-setup.js';
import { initialContext } from './shared.js';

export const orderCodeMachine = paymentSetup.createMachine({
  id: 'ORDER_CODE',
  context: ({ input }) => initialContext(input),
  on: rootHandlers,
  initial: 'creating',
  states: orderFlowStates,
});

/** In store: DETAIL on the doubling backoff until expireAt; refunds are found by REFUND DETAIL only. */
export const orderCodePolicy = orderPolicy(false);
