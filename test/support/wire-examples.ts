// The example payment (domain/example-requests.ts, a CASHIER_PAYMENT of CNY 10.00) as the worker
// sends it to PAY: one source for every test that talks to the sandbox's wire API directly.
import { wirePayRequest } from '../../activities/gateway-activities.js';
import { cashierBody } from '../../domain/example-requests.js';
import { validatePaymentRequest } from '../../domain/payment-request.js';
import type { PayRequest } from '../../gateway/wire.js';

/** `overrides` replace wire fields, valid or not. */
export function examplePayRequest(merchantTransId: string, notifyUrl: string, overrides: Partial<PayRequest> | Record<string, unknown> = {}): PayRequest {
  const checked = validatePaymentRequest(cashierBody(merchantTransId), Date.now(), 'Asia/Shanghai');
  if (!checked.ok) throw new Error(`the example request for ${merchantTransId} does not validate: ${JSON.stringify(checked.errors)}`);
  return { ...wirePayRequest(checked.value, { notifyUrl }), ...overrides } as PayRequest;
}
