// The bare workflow's two activities: PAY at the gateway (CASHIER_PAYMENT, the same wire fields
// the service sends) and publishing the payment's one event to JetStream.
import { ApplicationFailure } from '@temporalio/common';
import { JSONCodec, type JetStreamClient } from 'nats';
import type { GatewayClient } from '../../gateway/client.js';
import { GatewayUnknownOutcomeError } from '../../gateway/errors.js';
import type { PayRequest } from '../../gateway/wire.js';
import type { BareEvent, BarePayResult, BarePaymentInput } from './workflow.js';

export const BARE_STREAM = 'BENCH_BARE';
/** Under payments.> so the service's NATS identity may publish it; apart from the service's payments.alipay_cn.>. */
export const BARE_SUBJECT_PREFIX = 'payments.bench_bare';
/** payment.succeeded -> payments.bench_bare.succeeded.<paymentId> */
export const bareSubjectFor = (event: Pick<BareEvent, 'type' | 'paymentId'>) =>
  `${BARE_SUBJECT_PREFIX}.${event.type.replace('payment.', '')}.${event.paymentId}`;

/** The bare API takes no device data; the gateway requires riskData.Device.os for CASHIER_PAYMENT. */
const DEVICE_OS = 'WEB';
const PUBLISH_ACK_TIMEOUT_MS = 5_000;
const codec = JSONCodec<BareEvent>();

export function bareActivities(deps: { gateway: GatewayClient; js: JetStreamClient; notifyUrl: string }) {
  return {
    /**
     * PAY once. Unknown outcomes (timeout, 5xx, U) and an unreachable gateway throw, and Temporal
     * sends the identical request again (the gateway answers a replay with the first answer);
     * a 4xx throws GatewayRejectedError (not retried); F is refused for good.
     */
    async barePay(input: BarePaymentInput): Promise<BarePayResult> {
      const wire: PayRequest = {
        merchantTransId: input.merchantTransId,
        paymentMethod: 'ALIPAY_CN',
        product: 'CASHIER_PAYMENT',
        amount: input.amount,
        expireAt: input.gatewayExpireAt,
        goods: { description: input.subject },
        riskData: { Device: { os: DEVICE_OS } },
        notifyUrl: deps.notifyUrl,
      };
      const res = await deps.gateway.pay(wire);
      if (res.result.resultStatus === 'U') throw new GatewayUnknownOutcomeError(`PAY answered U ${res.result.resultCode}`);
      if (res.result.resultStatus === 'F' || !res.data) {
        throw ApplicationFailure.nonRetryable(`PAY refused: ${res.result.resultCode} ${res.result.resultMessage}`, 'PAY_REFUSED');
      }
      return { paymentId: input.paymentId, gatewayTransId: res.data.gatewayTransId, payAction: res.data.payAction };
    },

    /** Nats-Msg-Id <paymentId>/1: a retried attempt is de-duplicated by the stream. */
    async barePublish(event: BareEvent): Promise<{ duplicate: boolean; seq: number }> {
      const ack = await deps.js.publish(bareSubjectFor(event), codec.encode(event), {
        msgID: `${event.paymentId}/1`,
        timeout: PUBLISH_ACK_TIMEOUT_MS,
      });
      return { duplicate: ack.duplicate, seq: ack.seq };
    },
  };
}

export type BareActivities = ReturnType<typeof bareActivities>;
