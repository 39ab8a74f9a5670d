// REFUND and REFUND DETAIL. An unknown outcome (timeout, 5xx, U) is thrown so Temporal retries
// the SAME refundRequestId: the gateway is idempotent on it, so a refund is never sent twice.
import type { GatewayClient } from '../gateway/client.js';
import { GatewayUnknownOutcomeError, rejectedAs } from '../gateway/errors.js';
import { RESULT_CODES } from '../gateway/wire.js';
import type { Money } from '../domain/money.js';
import type { RefundOutcome } from '../machines/types.js';

export interface RefundInput {
  merchantTransId: string;
  refundId: string;
  /** The refundRequestId the gateway knows this refund by. */
  upstreamId: string;
  amount: Money;
  reason: string | null;
}

export function refundActivities(gateway: GatewayClient, notifyUrl: string) {
  return {
    /** A rejection (4xx) means the gateway did not take the refund: it FAILS with the gateway's code. */
    async refund(input: RefundInput): Promise<RefundOutcome> {
      const res = await gateway
        .refund({
          merchantTransId: input.merchantTransId,
          refundRequestId: input.upstreamId,
          refundAmount: input.amount,
          notifyUrl,
          ...(input.reason ? { reason: input.reason } : {}),
        })
        .catch(rejectedAs((err): RefundOutcome => ({ refundId: input.refundId, status: 'FAIL', gatewayRefundId: null, code: err.code, message: err.message })));
      if (!('result' in res)) return res;
      if (res.result.resultStatus === 'U') throw new GatewayUnknownOutcomeError(`REFUND answered U ${res.result.resultCode}`);
      if (res.result.resultStatus === 'F' || !res.data) {
        return { refundId: input.refundId, status: 'FAIL', gatewayRefundId: null, code: res.result.resultCode, message: res.result.resultMessage };
      }
      return { refundId: input.refundId, status: res.data.status, gatewayRefundId: res.data.gatewayRefundId };
    },

    /** A rejection (4xx) tells nothing about the refund: null, and the next refund poll asks again. */
    async refundDetail({ refundId, upstreamId }: { refundId: string; upstreamId: string }): Promise<RefundOutcome | null> {
      const res = await gateway.refundDetail(upstreamId).catch(rejectedAs(() => null));
      if (res === null) return null;
      // Not known upstream yet: the REFUND itself is still being retried; ask again later.
      if (res.result.resultStatus === 'F' && res.result.resultCode === RESULT_CODES.refundNotExist) return null;
      if (res.result.resultStatus !== 'S' || !res.data) throw new GatewayUnknownOutcomeError(`REFUND DETAIL answered ${res.result.resultStatus} ${res.result.resultCode}`);
      return { refundId, status: res.data.status, gatewayRefundId: res.data.gatewayRefundId };
    },
  };
}
