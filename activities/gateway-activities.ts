// PAY, DETAIL and CANCEL against the upstream gateway. Each returns what the gateway decided or
// throws a typed error for Temporal to retry; PAY never throws for an unknown outcome, because
// the answer to "did it take?" is DETAIL, not a second PAY.
import type { GatewayClient } from '../gateway/client.js';
import { GatewayRejectedError, GatewayUnknownOutcomeError, rejectedAs } from '../gateway/errors.js';
import { RESULT_CODES, type PayRequest } from '../gateway/wire.js';
import type { PaymentRequest } from '../domain/payment-request.js';
import { SETTLEMENTS, paidAtFrom } from './settlements.js';
import type { CancelOutcome, DetailOutcome, EffectParams, PayOutcome } from '../machines/types.js';

type DetailPurpose = EffectParams['callDetail']['purpose'];

export interface PayInput {
  request: PaymentRequest;
  gatewayExpireAt: string;
}

/** The merchant's payment request as the gateway's PAY reads it (DESIGN.md section 6). */
export function wirePayRequest(request: PaymentRequest, opts: { gatewayExpireAt?: string; notifyUrl: string }): PayRequest {
  return {
    merchantTransId: request.merchantTransId,
    paymentMethod: request.paymentMethod,
    product: request.product,
    amount: request.amount,
    ...(opts.gatewayExpireAt !== undefined ? { expireAt: opts.gatewayExpireAt } : {}),
    goods: { description: request.goods.description },
    riskData: { Device: { os: request.riskData.device.os } },
    notifyUrl: opts.notifyUrl,
    ...(request.payCodeValue !== undefined ? { payCodeValue: request.payCodeValue } : {}),
    ...(request.terminalType !== undefined ? { terminalType: request.terminalType } : {}),
    ...(request.returnUrl !== undefined ? { returnUrl: request.returnUrl } : {}),
  };
}

export function gatewayActivities(gateway: GatewayClient, notifyUrl: string) {
  return {
    async pay({ request, gatewayExpireAt }: PayInput): Promise<PayOutcome> {
      const wire = wirePayRequest(request, { gatewayExpireAt, notifyUrl });
      try {
        const res = await gateway.pay(wire);
        if (res.result.resultStatus === 'U') return { outcome: 'UNKNOWN', reason: `${res.result.resultCode}: ${res.result.resultMessage}` };
        if (res.result.resultStatus === 'F' || !res.data) {
          return { outcome: 'REJECTED', code: res.result.resultCode, message: res.result.resultMessage };
        }
        const { gatewayTransId, status, payAction } = res.data;
        const paidAt = paidAtFrom(res.data.paidAt);
        return { outcome: 'ACCEPTED', gatewayTransId, status, settlement: SETTLEMENTS[status], payAction, ...(paidAt !== undefined ? { paidAt } : {}) };
      } catch (err) {
        if (err instanceof GatewayUnknownOutcomeError) return { outcome: 'UNKNOWN', reason: err.message };
        if (err instanceof GatewayRejectedError) {
          return { outcome: 'REJECTED', code: err.code, message: err.message };
        }
        throw err; // GatewayUnreachableError: nothing was sent, Temporal retries.
      }
    },

    /**
     * `purpose` (reconcile, poll, expiry, late, confirm) only labels the call in the history and
     * the logs. A rejection (4xx) is thrown as GatewayRejectedError, which is never retried here:
     * the workflow treats it as an unknown answer and asks again on its poll schedule.
     */
    async detail(merchantTransId: string, _purpose?: DetailPurpose): Promise<DetailOutcome> {
      const res = await gateway.detail(merchantTransId);
      if (res.result.resultStatus === 'F' && res.result.resultCode === RESULT_CODES.orderNotExist) return { found: false };
      if (res.result.resultStatus !== 'S' || !res.data) {
        throw new GatewayUnknownOutcomeError(`DETAIL answered ${res.result.resultStatus} ${res.result.resultCode}`);
      }
      const { gatewayTransId, status, amount, payAction } = res.data;
      const paidAt = paidAtFrom(res.data.paidAt);
      return { found: true, gatewayTransId, status, settlement: SETTLEMENTS[status], amount, payAction, ...(paidAt !== undefined ? { paidAt } : {}) };
    },

    /** A rejection (4xx) is the gateway refusing the cancellation: the merchant is told, nothing retries. */
    async cancel(merchantTransId: string): Promise<CancelOutcome> {
      const res = await gateway.cancel(merchantTransId).catch(rejectedAs((err): CancelOutcome => ({ ok: false, code: err.code, message: err.message })));
      if (!('result' in res)) return res;
      if (res.result.resultStatus === 'U') throw new GatewayUnknownOutcomeError(`CANCEL answered U ${res.result.resultCode}`);
      if (res.result.resultStatus === 'F') return { ok: false, code: res.result.resultCode, message: res.result.resultMessage };
      return { ok: true, status: res.data?.status ?? 'CLOSED' };
    },
  };
}
