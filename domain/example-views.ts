// Example answers for the API documents (api/openapi.ts, events/asyncapi.ts): a payment view as
// GET /v1/payments/{id} answers it and as the `data` of an event. Typed as the view, and checked
// against the zod schema and the documents' JSON Schemas by test/api-documents.test.ts.
import { cashierBody } from './example-requests.js';
import type { PaymentView } from './payment-view.js';

const EXAMPLE_MERCHANT_TRANS_ID = 'order-1001';
const EXAMPLE_GATEWAY_TRANS_ID = '2026112600000001';

/** The example payment (cashierBody: a CASHIER_PAYMENT of CNY 10.00 from the WEB) as created. */
export const EXAMPLE_CREATE_BODY = cashierBody(EXAMPLE_MERCHANT_TRANS_ID, { returnUrl: 'https://shop.example/orders/1001/done' });

/** The example payment's view; `overrides` replace fields (status, refunds, ...). */
export function exampleView(overrides: Partial<PaymentView> = {}): PaymentView {
  return {
    paymentId: `alipay-cn:${EXAMPLE_MERCHANT_TRANS_ID}`,
    merchantTransId: EXAMPLE_MERCHANT_TRANS_ID,
    product: 'CASHIER_PAYMENT',
    status: 'PENDING',
    amount: { currency: 'CNY', value: 1000 },
    refundedAmount: { currency: 'CNY', value: 0 },
    payAction: { type: 'QRCODE', redirectUrl: `https://gateway.example/cashier/${EXAMPLE_GATEWAY_TRANS_ID}` },
    terminalType: 'WEB',
    gatewayTransId: EXAMPLE_GATEWAY_TRANS_ID,
    expiresAt: '2026-11-26T18:00:00+08:00',
    cancelDeadline: '2026-11-26T18:00:00+08:00',
    refunds: [],
    cancelRequestedBy: null,
    allowed: { cancel: true, refundableAmount: { currency: 'CNY', value: 0 } },
    failure: null,
    flags: [],
    machineState: 'awaitingShopper',
    updatedAt: '2026-11-26T09:30:00.412Z',
    ...overrides,
  };
}

/** The example payment once the shopper paid. */
export const exampleSucceededView = (overrides: Partial<PaymentView> = {}) =>
  exampleView({
    status: 'SUCCEEDED',
    cancelDeadline: '2026-11-26T23:59:59+08:00',
    allowed: { cancel: true, refundableAmount: { currency: 'CNY', value: 1000 } },
    machineState: 'succeeded',
    updatedAt: '2026-11-26T09:31:12.080Z',
    ...overrides,
  });

/** A refund of the example payment, as POST …/refunds answers it and the view lists it. */
export const EXAMPLE_REFUND: PaymentView['refunds'][number] = {
  refundId: 'r-1',
  amount: { currency: 'CNY', value: 300 },
  status: 'PENDING',
  reason: 'one cup returned',
  requestedBy: 'shop-frontend',
  failure: null,
};
