// What the gateway does for PAY, DETAIL and CANCEL, apart from HTTP: each takes the parsed JSON body
// and gives the HTTP status and body to answer with. REFUND and REFUND DETAIL: refund-operations.ts.
import type { z } from 'zod';
import { canonical } from '../domain/canonical-json.js';
import { CancelRequest, DetailRequest, PayRequest, RESULT_CODES, type Result } from '../gateway/wire.js';
import type { SandboxContext } from './context.js';
import { paidAtField, type Order } from './orders.js';
import { checkPayRules, MAX_EXPIRY_MS } from './pay-rules.js';
import { shopperConfirmsLater, shopperDeclines, shopperPays } from './shopper.js';

export interface WireAnswer {
  status: number;
  body: { result: Result; data?: unknown };
}

export const result = (resultStatus: Result['resultStatus'], resultCode: string, resultMessage: string): Result => ({
  resultStatus,
  resultCode,
  resultMessage,
});

export const answers = {
  invalidSignature: (): WireAnswer => ({
    status: 401,
    body: { result: result('F', RESULT_CODES.signatureInvalid, 'the request signature is missing or does not verify') },
  }),
  notJson: (): WireAnswer => ({ status: 400, body: { result: result('F', RESULT_CODES.paramIllegal, 'body: must be a JSON object') } }),
  simulatedRejection: (): WireAnswer => ({ status: 400, body: { result: result('F', RESULT_CODES.paramIllegal, 'request refused (simulated)') } }),
  simulatedError: (): WireAnswer => ({ status: 500, body: { result: result('U', RESULT_CODES.unknown, 'internal error (simulated)') } }),
  simulatedUnknown: (): WireAnswer => ({ status: 200, body: { result: result('U', RESULT_CODES.unknown, 'unknown exception, inquire with DETAIL') } }),
};

export function parse<S extends z.ZodType>(schema: S, json: unknown): { ok: true; data: z.infer<S> } | { ok: false; answer: WireAnswer } {
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, data: parsed.data };
  const message = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`).join('; ');
  return { ok: false, answer: { status: 400, body: { result: result('F', RESULT_CODES.paramIllegal, message) } } };
}

export const paramIllegal = (message: string): WireAnswer => ({ status: 200, body: { result: result('F', RESULT_CODES.paramIllegal, message) } });
export const orderNotExist = (merchantTransId: string): WireAnswer => ({
  status: 200,
  body: { result: result('F', RESULT_CODES.orderNotExist, `no order with merchantTransId ${merchantTransId}`) },
});

/** resultCode of a PAYMENT_CODE PAY the wallet refused (result S, data.status FAIL). */
export const PAYMENT_FAILED = 'PAYMENT_FAILED';

/** PAY's answer for an order as it stands now; a replay of an unchanged order repeats the first answer. */
function payAnswer(order: Order): WireAnswer {
  const data = {
    merchantTransId: order.merchantTransId,
    gatewayTransId: order.gatewayTransId,
    status: order.status,
    payAction: order.payAction,
    ...paidAtField(order),
  };
  switch (order.status) {
    case 'PENDING':
      return { status: 200, body: { result: result('S', RESULT_CODES.processing, 'payment in process'), data } };
    case 'SUCCESS':
      return { status: 200, body: { result: result('S', RESULT_CODES.success, 'success'), data } };
    case 'FAIL':
      // A declined user-presented payment. Real gateways differ (some answer result F with a code
      // such as USER_BALANCE_NOT_ENOUGH); this one answers result S, the request was processed,
      // with data.status FAIL, the money did not move. gateway/wire.ts PayResponse then carries the
      // transaction (gatewayTransId, status) and the merchant client maps ACCEPTED + FAIL to failed,
      // the same way it reads a FAIL from DETAIL or a NOTIFICATION. A replay repeats this answer.
      if (order.product === 'PAYMENT_CODE') {
        return { status: 200, body: { result: result('S', PAYMENT_FAILED, "the shopper's wallet refused the payment (e.g. insufficient balance)"), data } };
      }
      return { status: 200, body: { result: result('F', RESULT_CODES.orderClosed, `the order is ${order.status}`), data } };
    default:
      return { status: 200, body: { result: result('F', RESULT_CODES.orderClosed, `the order is ${order.status}`), data } };
  }
}

export function pay(ctx: SandboxContext, json: unknown): WireAnswer {
  const parsed = parse(PayRequest, json);
  if (!parsed.ok) return parsed.answer;
  const req = parsed.data;
  const requestKey = canonical(req);

  const existing = ctx.orders.get(req.merchantTransId);
  if (existing) {
    if (existing.requestKey !== requestKey) {
      return {
        status: 200,
        body: { result: result('F', RESULT_CODES.repeatInconsistent, `merchantTransId ${req.merchantTransId} was used with a different request`) },
      };
    }
    return payAnswer(existing);
  }

  const now = ctx.now();
  const rules = checkPayRules(req, now, ctx.timezone);
  if (!rules.ok) return paramIllegal(rules.message);

  const order = ctx.orders.create({
    merchantTransId: req.merchantTransId,
    product: rules.product,
    amount: req.amount,
    description: req.goods.description,
    notifyUrl: req.notifyUrl,
    expireAt: rules.expireAt ?? now + MAX_EXPIRY_MS,
    cashier: rules.product !== 'PAYMENT_CODE',
    // WAP, APP: payAction REDIRECT (pay-rules allows it for CASHIER_PAYMENT only).
    ...(req.terminalType !== undefined && { terminalType: req.terminalType }),
    requestKey,
  });
  if (rules.product === 'PAYMENT_CODE') {
    // The merchant scanned the shopper's code: the wallet answers as PUT /sandbox/payment-code says.
    const behaviour = ctx.paymentCode.get();
    switch (behaviour.answer) {
      case 'SUCCESS':
        shopperPays(ctx, order); // the deduction completes at once
        break;
      case 'FAIL':
        shopperDeclines(ctx, order); // e.g. insufficient balance
        break;
      case 'PENDING':
        // The shopper must confirm in the app (payAction stays null): the control API's pay or
        // decline settles it, CANCEL closes it, or the shopper confirms by themselves.
        if ('pendingForMs' in behaviour) shopperConfirmsLater(ctx, order, behaviour.pendingForMs, behaviour.thenStatus);
        break;
    }
  }
  return payAnswer(order);
}

export function detail(ctx: SandboxContext, json: unknown): WireAnswer {
  const parsed = parse(DetailRequest, json);
  if (!parsed.ok) return parsed.answer;
  const order = ctx.orders.get(parsed.data.merchantTransId);
  if (!order) return orderNotExist(parsed.data.merchantTransId);
  return {
    status: 200,
    body: {
      result: result('S', RESULT_CODES.success, 'success'),
      data: {
        merchantTransId: order.merchantTransId,
        gatewayTransId: order.gatewayTransId,
        product: order.product,
        status: order.status,
        amount: order.amount,
        payAction: order.payAction,
        ...paidAtField(order),
      },
    },
  };
}

export function cancel(ctx: SandboxContext, json: unknown): WireAnswer {
  const parsed = parse(CancelRequest, json);
  if (!parsed.ok) return parsed.answer;
  const order = ctx.orders.get(parsed.data.merchantTransId);
  if (!order) return orderNotExist(parsed.data.merchantTransId);
  const outcome = ctx.orders.cancel(order);
  const data = { merchantTransId: order.merchantTransId, gatewayTransId: order.gatewayTransId, status: order.status };
  return {
    status: 200,
    body: {
      result: outcome.ok ? result('S', RESULT_CODES.success, 'success') : result('F', outcome.code, outcome.message),
      data,
    },
  };
}
