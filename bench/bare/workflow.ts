// The bare reference payment workflow (bench/bare/README.md): the same CASHIER_PAYMENT as the
// service, hand-written with plain Temporal primitives. Update `pay` runs PAY once and answers with
// the payAction; signal `notification` settles the payment; one event is published per payment;
// a succeeded payment stays open for the refund window. Deterministic: imports only
// @temporalio/workflow and types.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Money } from '../../domain/money.js';
import type { GatewayNotification, PayAction } from '../../gateway/wire.js';
import type { BareActivities } from './activities.js';

export const BARE_TASK_QUEUE = 'bench-bare';
export const BARE_WORKFLOW_TYPE = 'barePayment';
export const barePaymentIdFor = (merchantTransId: string) => `bare:${merchantTransId}`;

/** How long a succeeded payment stays open for refunds (the service's default refund window). */
export const REFUND_WINDOW_MS = 365 * 24 * 3600_000;

export interface BarePaymentInput {
  paymentId: string;
  merchantTransId: string;
  amount: Money;
  subject: string;
  /** expireAt as the gateway reads it, fixed by the API so a retried PAY is the identical request. */
  gatewayExpireAt: string;
}

export interface BarePayResult {
  paymentId: string;
  gatewayTransId: string;
  payAction: PayAction | null;
}

export type BareEventType = 'payment.succeeded' | 'payment.failed';

/** The one event a bare payment publishes. */
export interface BareEvent {
  type: BareEventType;
  paymentId: string;
  merchantTransId: string;
  gatewayTransId: string;
  amount: Money;
  time: string;
}

export const payUpdate = defineUpdate<BarePayResult>('pay');
export const notificationSignal = defineSignal<[GatewayNotification]>('notification');

// PAY: transport failures and unknown outcomes are retried (the gateway is idempotent on the
// identical request); a refusal is final. Publishing is retried without limit, as in the service.
const { barePay } = proxyActivities<BareActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes: ['GatewayRejectedError'] },
});
const { barePublish } = proxyActivities<BareActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

export async function barePayment(input: BarePaymentInput): Promise<void> {
  /** The one PAY of this payment: every `pay` update (a repeated POST) shares its answer. */
  let paid: Promise<BarePayResult> | undefined;
  let result: { status: 'SUCCESS' | 'FAIL'; gatewayTransId: string } | undefined;

  setHandler(payUpdate, () =>
    (paid ??= barePay(input).catch((err: Error) => {
      paid = undefined; // a later POST may try again
      throw ApplicationFailure.nonRetryable(`PAY failed: ${(err.cause as Error | undefined)?.message ?? err.message}`, 'PAY_FAILED');
    })),
  );
  setHandler(notificationSignal, (n) => {
    // The first payment result counts; duplicates and refund results change nothing here.
    if (n.notifyType === 'PAYMENT_RESULT' && !result) result = { status: n.status, gatewayTransId: n.gatewayTransId };
  });

  await condition(() => result !== undefined);
  const { status, gatewayTransId } = result!;
  const type: BareEventType = status === 'SUCCESS' ? 'payment.succeeded' : 'payment.failed';
  const event: BareEvent = {
    type,
    paymentId: input.paymentId,
    merchantTransId: input.merchantTransId,
    gatewayTransId,
    amount: input.amount,
    time: new Date(Date.now()).toISOString(),
  };
  await barePublish(event);
  // Keep a succeeded payment open for refunds, like the service; a failed one ends now.
  if (status === 'SUCCESS') await sleep(REFUND_WINDOW_MS);
  await condition(allHandlersFinished);
}
