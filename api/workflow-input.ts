// The payment workflow's input from a validated request: absolute deadlines computed once, at
// the start, in the gateway's time zone.
import { endOfGatewayDay, formatGatewayTime, isoWithOffset } from '../domain/gateway-time.js';
import type { PaymentRequest } from '../domain/payment-request.js';
import { paymentIdFor, type PaymentWorkflowInput } from '../workflows/messages.js';
import { fingerprint } from './fingerprint.js';

export interface InputOptions {
  timeZone: string;
  defaultExpiryMs: number;
  pollInitialMs: number;
  pollMaxMs: number;
  graceMs: number;
  refundWindowMs: number;
}

export function workflowInput(request: PaymentRequest, opts: InputOptions & { at: number; expiresAt: number | null }): PaymentWorkflowInput {
  const expiresAt = opts.expiresAt ?? opts.at + opts.defaultExpiryMs;
  const cancelDeadline = endOfGatewayDay(opts.at, opts.timeZone);
  return {
    machine: {
      paymentId: paymentIdFor(request.merchantTransId),
      merchantTransId: request.merchantTransId,
      product: request.product,
      amount: request.amount,
      createdAt: opts.at,
      expiresAt,
      cancelDeadline,
      pollInitialMs: opts.pollInitialMs,
      pollMaxMs: opts.pollMaxMs,
    },
    request,
    fingerprint: fingerprint(request),
    gatewayExpireAt: formatGatewayTime(expiresAt, opts.timeZone),
    display: { expiresAt: isoWithOffset(expiresAt, opts.timeZone), cancelDeadline: isoWithOffset(cancelDeadline, opts.timeZone) },
    lifetime: { graceMs: opts.graceMs, refundWindowMs: opts.refundWindowMs },
  };
}
