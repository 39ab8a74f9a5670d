// Every Temporal name of the contract (DESIGN.md section 4) with its payload types, imported by
// the workflow, the API, the worker and the tests alike.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { PaymentRequest } from '../domain/payment-request.js';
import type { PaymentView } from '../domain/payment-view.js';
import type { GatewayNotification } from '../gateway/wire.js';
import type { Money } from '../domain/money.js';
import type { RefundRecord } from '../machines/types.js';
import type { PaymentContext, PaymentInput } from '../machines/types.js';

export const TASK_QUEUE = 'alipay-cn-payments';
export const WORKFLOW_TYPE = 'alipayCnPayment';
export const paymentIdFor = (merchantTransId: string) => `alipay-cn:${merchantTransId}`;
export const entryPaymentIdFor = (gatewayTransId: string) => `alipay-cn:entry:${gatewayTransId}`;

export interface PaymentWorkflowInput {
  machine: PaymentInput;
  /** The merchant's request; null for ENTRY_CODE, which no merchant request starts. */
  request: PaymentRequest | null;
  /** sha256 of the canonical request: the same merchantTransId with another body is a conflict. */
  fingerprint: string;
  /** expireAt as the gateway reads it ("yyyy-mm-dd hh:mm:ss", gateway time zone). */
  gatewayExpireAt: string;
  /** As shown before 0.6 (a fixed cancelDeadline); since 0.6 the view reads the cancellation period from the context. */
  display: { expiresAt: string; cancelDeadline: string };
  /** historyLimit: continue as new past this many history events (default 10,000). */
  lifetime: { graceMs: number; refundWindowMs: number; historyLimit?: number };
  /** Set when the workflow continued as new: the state it carries over. */
  resume?: ResumedState;
}

export interface ResumedState {
  value: string;
  context: PaymentContext;
  sequence: number;
  answeredPay: boolean;
  finalAt: number | null;
}

export interface PayUpdateResult {
  created: boolean;
  view: PaymentView;
}

export interface RefundRequestArgs {
  refundId: string;
  amount: Money;
  reason: string | null;
  /** The merchant API key that asked (absent in requests recorded before 0.4). */
  requestedBy?: string | null;
}

export interface CancelRequestArgs {
  /** The merchant API key that asked. */
  requestedBy: string | null;
}

export interface RefundUpdateResult {
  created: boolean;
  refund: RefundRecord;
}

export const notificationSignal = defineSignal<[GatewayNotification]>('notification');
export const refundUpdate = defineUpdate<RefundUpdateResult, [RefundRequestArgs]>('refund');
export const cancelUpdate = defineUpdate<PaymentView, [CancelRequestArgs]>('cancel');
export const payUpdate = defineUpdate<PayUpdateResult, [{ fingerprint: string }]>('pay');
export const stateQuery = defineQuery<PaymentView>('state');

export const IDEMPOTENCY_CONFLICT = 'IDEMPOTENCY_CONFLICT';

/** ApplicationFailure types the update validators and handlers refuse with (the API's error codes). */
export { REQUEST_ERRORS } from '../machines/request-rules.js';

export const searchAttributes = {
  product: defineSearchAttributeKey('PaymentProduct', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('PaymentStatus', SearchAttributeType.KEYWORD),
  merchantTransId: defineSearchAttributeKey('MerchantTransId', SearchAttributeType.KEYWORD),
  gatewayTransId: defineSearchAttributeKey('GatewayTransId', SearchAttributeType.KEYWORD),
  amount: defineSearchAttributeKey('PaymentAmount', SearchAttributeType.INT),
  currency: defineSearchAttributeKey('PaymentCurrency', SearchAttributeType.KEYWORD),
} as const;

/** `--search-attribute` values for `temporal server start-dev` and the compose setup. */
export const SEARCH_ATTRIBUTE_SPECS = [
  'PaymentProduct=Keyword',
  'PaymentStatus=Keyword',
  'MerchantTransId=Keyword',
  'GatewayTransId=Keyword',
  'PaymentAmount=Int',
  'PaymentCurrency=Keyword',
];
