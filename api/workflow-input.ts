// The payment workflow's input from a validated request: the product's schedule (its policy,
// machines/) as absolute deadlines computed once, at the start, in the gateway's time zone.
import { lastCancelMoment } from '../domain/cancel-window.js';
import { formatGatewayTime, isoWithOffset } from '../domain/gateway-time.js';
import { formatMoney } from '../domain/money-format.js';
import { POLICIES } from '../machines/index.js';
import type { PaymentCodeSettings } from '../machines/policy.js';
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
  paymentCode: PaymentCodeSettings;
}

export function workflowInput(request: PaymentRequest, opts: InputOptions & { at: number; expiresAt: number | null }): PaymentWorkflowInput {
  const { expiresAt, ...polls } = POLICIES[request.product].schedule(opts, opts.at, opts.expiresAt);
  // Since 0.6 the machine reads the cancellation period from the expiry and, once paid, the paid
  // date (domain/cancel-window.ts); this end of the day it starts is what a 0.5 worker reads.
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
      ...polls,
      timeZone: opts.timeZone,
    },
    request,
    fingerprint: fingerprint(asFingerprinted(request)),
    gatewayExpireAt: formatGatewayTime(expiresAt, opts.timeZone),
    display: { expiresAt: isoWithOffset(expiresAt, opts.timeZone), cancelDeadline: isoWithOffset(cancelDeadline, opts.timeZone) },
    lifetime: { graceMs: opts.graceMs, refundWindowMs: opts.refundWindowMs, ...(opts.historyLimit ? { historyLimit: opts.historyLimit } : {}) },
  };
}

/**
 * The request as its fingerprint reads it: `terminalType` WEB is the default, so naming it or not
 * is the same request (and a body without it keeps the fingerprint it had before 0.6).
 */
const asFingerprinted = (request: PaymentRequest): PaymentRequest => {
  if (request.terminalType !== 'WEB') return request;
  const { terminalType: _default, ...rest } = request;
  return rest;
};

/** ENTRY_CODE: the notification is the only source; the payment is what the shopper paid. */
export function entryWorkflowInput(n: Notification, opts: InputOptions & { at: number }): PaymentWorkflowInput {
  const { expiresAt, ...polls } = POLICIES.ENTRY_CODE.schedule(opts, opts.at, null);
  // Moved to the end of the paid date when the notification is taken as paid (as above for 0.5 workers).
  const cancelDeadline = lastCancelMoment(opts.at, opts.timeZone);
  return {
    machine: {
      paymentId: entryPaymentIdFor(n.gatewayTransId),
      merchantTransId: n.merchantTransId,
      product: 'ENTRY_CODE',
      amount: n.amount,
      createdAt: opts.at,
      expiresAt,
      cancelDeadline,
      ...polls,
      // Since 0.4 a signed notification alone is not proof: DETAIL confirms it (absent before, so old histories replay).
      confirmByDetail: true,
      timeZone: opts.timeZone,
    },
    request: null,
    fingerprint: `entry:${n.gatewayTransId}`,
    gatewayExpireAt: formatGatewayTime(opts.at, opts.timeZone),
    display: { expiresAt: isoWithOffset(opts.at, opts.timeZone), cancelDeadline: isoWithOffset(cancelDeadline, opts.timeZone) },
    lifetime: { graceMs: opts.graceMs, refundWindowMs: opts.refundWindowMs, ...(opts.historyLimit ? { historyLimit: opts.historyLimit } : {}) },
  };
}

/**
 * What the Temporal UI shows at the top of a payment: one line (product, amount, the merchant's
 * order) and its fixed details. The workflow keeps the current state in its current details.
 */
export function startMetadata(input: PaymentWorkflowInput): { staticSummary: string; staticDetails: string } {
  const m = input.machine;
  const terminal = input.request?.terminalType ? ` · ${input.request.terminalType}` : '';
  const lines = [
    `**${m.product}** payment of **${formatMoney(m.amount)}** for merchant order \`${m.merchantTransId}\``,
    '',
    `- payment id: \`${m.paymentId}\``,
    `- created: ${isoWithOffset(m.createdAt, m.timeZone ?? 'UTC')}`,
    `- expires: ${input.display.expiresAt}`,
    ...(input.request?.terminalType ? [`- terminal: ${input.request.terminalType}`] : []),
    ...(m.maxPolls != null ? [`- confirmation: DETAIL every ${m.pollInitialMs / 1000} s, at most ${m.maxPolls} times, then reversed`] : []),
    '- cancellable while pending; once paid, until 23:59:59 of the paid date (gateway time)',
  ];
  return { staticSummary: `${m.product} · ${formatMoney(m.amount)} · order ${m.merchantTransId}${terminal}`, staticDetails: lines.join('\n') };
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

