// The payment workflow's input from a validated request: absolute deadlines computed once, at
// the start, in the gateway's time zone.
import { endOfGatewayDay, formatGatewayTime, isoWithOffset } from '../domain/gateway-time.js';
import type { PaymentRequest } from '../domain/payment-request.js';
import type { Notification } from '../gateway/wire.js';
import type { SearchAttributePair } from '@temporalio/common';
import { entryPaymentIdFor, paymentIdFor, searchAttributes, type PaymentWorkflowInput } from '../workflows/messages.js';
import { fingerprint } from './fingerprint.js';

export interface InputOptions {
  timeZone: string;
  defaultExpiryMs: number;
  pollInitialMs: number;
  pollMaxMs: number;
  graceMs: number;
  refundWindowMs: number;
  /** Continue as new past this many history events (the workflow's default when absent). */
  historyLimit?: number;
  /** PAYMENT_CODE: how often and how many times DETAIL is asked while the shopper confirms, and for how long. */
  paymentCode: { pollMs: number; maxPolls: number; confirmMs: number };
}

export function workflowInput(request: PaymentRequest, opts: InputOptions & { at: number; expiresAt: number | null }): PaymentWorkflowInput {
  const isPaymentCode = request.product === 'PAYMENT_CODE';
  const requested = opts.expiresAt ?? opts.at + opts.defaultExpiryMs;
  // A user-presented payment is reversed when the shopper has not confirmed within the window.
  const expiresAt = isPaymentCode ? Math.min(requested, opts.at + opts.paymentCode.confirmMs) : requested;
  const cancelDeadline = lastCancelMoment(opts.at, opts.timeZone);
  return {
    machine: {
      paymentId: paymentIdFor(request.merchantTransId),
      merchantTransId: request.merchantTransId,
      product: request.product,
      amount: request.amount,
      createdAt: opts.at,
      expiresAt,
      cancelDeadline,
      pollInitialMs: isPaymentCode ? opts.paymentCode.pollMs : opts.pollInitialMs,
      pollMaxMs: isPaymentCode ? opts.paymentCode.pollMs : opts.pollMaxMs,
      maxPolls: isPaymentCode ? opts.paymentCode.maxPolls : null,
    },
    request,
    fingerprint: fingerprint(request),
    gatewayExpireAt: formatGatewayTime(expiresAt, opts.timeZone),
    display: { expiresAt: isoWithOffset(expiresAt, opts.timeZone), cancelDeadline: isoWithOffset(cancelDeadline, opts.timeZone) },
    lifetime: { graceMs: opts.graceMs, refundWindowMs: opts.refundWindowMs, ...(opts.historyLimit ? { historyLimit: opts.historyLimit } : {}) },
  };
}

/** ENTRY_CODE: the notification is the only source; the payment is what the shopper paid. */
export function entryWorkflowInput(n: Notification, opts: InputOptions & { at: number }): PaymentWorkflowInput {
  const cancelDeadline = lastCancelMoment(opts.at, opts.timeZone);
  return {
    machine: {
      paymentId: entryPaymentIdFor(n.gatewayTransId),
      merchantTransId: n.merchantTransId,
      product: 'ENTRY_CODE',
      amount: n.amount,
      createdAt: opts.at,
      expiresAt: opts.at,
      cancelDeadline,
      pollInitialMs: opts.pollInitialMs,
      pollMaxMs: opts.pollMaxMs,
      maxPolls: null,
      // Since 0.4 a signed notification alone is not proof: DETAIL confirms it (absent before, so old histories replay).
      confirmByDetail: true,
    },
    request: null,
    fingerprint: `entry:${n.gatewayTransId}`,
    gatewayExpireAt: formatGatewayTime(opts.at, opts.timeZone),
    display: { expiresAt: isoWithOffset(opts.at, opts.timeZone), cancelDeadline: isoWithOffset(cancelDeadline, opts.timeZone) },
    lifetime: { graceMs: opts.graceMs, refundWindowMs: opts.refundWindowMs, ...(opts.historyLimit ? { historyLimit: opts.historyLimit } : {}) },
  };
}

/** The search attributes a payment starts with; the workflow keeps status and gatewayTransId current. */
export function startSearchAttributes(input: PaymentWorkflowInput): SearchAttributePair[] {
  const m = input.machine;
  return [
    { key: searchAttributes.product, value: m.product },
    { key: searchAttributes.status, value: 'CREATED' },
    { key: searchAttributes.merchantTransId, value: m.merchantTransId },
    { key: searchAttributes.amount, value: m.amount.value },
    { key: searchAttributes.currency, value: m.amount.currency },
  ];
}

/** The cancellation period ends at 23:59:59 of the payment date (gateway zone): its last millisecond. */
export const lastCancelMoment = (at: number, timeZone: string) => endOfGatewayDay(at, timeZone) + 999;
