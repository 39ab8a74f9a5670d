// What the Temporal Web UI shows of a payment beyond its history: the summaries of its gateway
// calls and publications, and its current details (state, deadlines, what may still happen).
// The static summary and details are set at the start (api/workflow-input.ts startMetadata).
import type { PaymentView } from '../domain/payment-view.js';
import type { PaymentEvent as PublishedEvent } from '../events/schema.js';
import type { PaymentSnapshot } from '../machines/index.js';
import type { EffectParams } from '../machines/types.js';
import { formatMoney } from '../domain/money-format.js';

const WHY_DETAIL: Record<EffectParams['callDetail']['purpose'], string> = {
  reconcile: 'PAY had no clear answer: is there an order?',
  poll: 'has the shopper paid?',
  expiry: 'a last look before closing at expiry',
  late: 'a success after the payment ended: was the money taken?',
  confirm: 'does the gateway confirm the notification?',
};

export const detailSummary = (purpose: EffectParams['callDetail']['purpose']) => `DETAIL (${purpose}): ${WHY_DETAIL[purpose]}`;

export const publishSummary = (event: PublishedEvent) => `publish ${event.type.replace('alipay_cn.', '')} #${event.sequence}`;

/** Markdown for the UI's "current details": the machine state and what the merchant may still do. */
export function currentDetails(snapshot: PaymentSnapshot, view: PaymentView): string {
  const lines = [
    `**${view.status}** in state \`${view.machineState}\``,
    `- refunded ${formatMoney(view.refundedAmount)}; refundable ${formatMoney(view.allowed.refundableAmount)}`,
    `- cancel: ${view.allowed.cancel ? `allowed until ${view.cancelDeadline}` : 'not allowed now'}`,
    ...(view.failure ? [`- failure: ${view.failure.code}: ${view.failure.message}`] : []),
    ...view.flags.map((f) => `- flag ${f.code}: ${f.message}`),
    ...(snapshot.context.refunds.some((r) => r.status === 'PENDING') ? ['- refunds pending at the gateway'] : []),
  ];
  return lines.join('\n');
}
