// The control API (DESIGN.md section 6, contract): what tests and demos use to play the shopper,
// choose what a scanned payment code answers and how refunds settle, print and pay static entry
// codes, inspect orders (with their refunds) and their notification deliveries, and inject faults.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { Money } from '../domain/money.js';
import type { SandboxContext } from './context.js';
import { FaultsInput } from './faults.js';
import { CODE_ID_PATTERN, entryCodePayload, entryCodeSvg } from './emvco.js';
import { orderView } from './orders.js';
import { PaymentCodeAnswerInput, SETTLED_STATUSES } from './payment-code.js';
import { RefundAnswerInput } from './refunds.js';
import { shopperDeclines, shopperPays, shopperPaysEntryCode, type ShopperOutcome } from './shopper.js';

interface PaymentParams {
  merchantTransId: string;
}

const CodeId = z.string().regex(CODE_ID_PATTERN, 'must be 1 to 64 of [A-Za-z0-9._-]');

const EntryCodePay = z.object({
  amount: Money,
  codeId: CodeId,
  /** Optional when the sandbox was started with entryCodeNotifyUrl. */
  notifyUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** FAIL: the shopper's wallet refused the amount they typed; a FAIL notification goes out. */
  status: z.enum(SETTLED_STATUSES).default('SUCCESS'),
});

interface CodeParams {
  codeId: string;
}

interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

function error(reply: FastifyReply, status: number, code: string, message: string, issues?: readonly Issue[]) {
  const details = issues?.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  return reply.code(status).send({ error: { code, message, ...(details && { details }) } });
}

function shopperAnswer(reply: FastifyReply, merchantTransId: string, outcome: ShopperOutcome) {
  if (outcome.ok) return reply.send(orderView(outcome.order));
  if (outcome.reason === 'NOT_FOUND') return error(reply, 404, 'ORDER_NOT_FOUND', `no order with merchantTransId ${merchantTransId}`);
  return error(reply, 409, 'ORDER_NOT_PENDING', `order ${merchantTransId} is ${outcome.order.status}, not PENDING`);
}

export function controlRoutes(ctx: SandboxContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/sandbox/healthz', async () => ({ ok: true }));

    app.get<{ Params: PaymentParams }>('/sandbox/payments/:merchantTransId', async (request, reply) => {
      const { merchantTransId } = request.params;
      const order = ctx.orders.get(merchantTransId);
      if (!order) return error(reply, 404, 'ORDER_NOT_FOUND', `no order with merchantTransId ${merchantTransId}`);
      return { ...orderView(order), deliveries: ctx.notifier.deliveries(merchantTransId) };
    });

    app.post<{ Params: PaymentParams }>('/sandbox/payments/:merchantTransId/pay', async (request, reply) => {
      const { merchantTransId } = request.params;
      return shopperAnswer(reply, merchantTransId, shopperPays(ctx, ctx.orders.get(merchantTransId)));
    });

    app.post<{ Params: PaymentParams }>('/sandbox/payments/:merchantTransId/decline', async (request, reply) => {
      const { merchantTransId } = request.params;
      return shopperAnswer(reply, merchantTransId, shopperDeclines(ctx, ctx.orders.get(merchantTransId)));
    });

    app.post('/sandbox/entry-code/pay', async (request, reply) => {
      const parsed = EntryCodePay.safeParse(request.body);
      if (!parsed.success) return error(reply, 400, 'VALIDATION_ERROR', 'invalid entry-code payment', parsed.error.issues);
      const notifyUrl = parsed.data.notifyUrl ?? ctx.entryCodeNotifyUrl;
      if (notifyUrl === undefined) {
        return error(reply, 400, 'VALIDATION_ERROR', 'invalid entry-code payment', [
          { path: ['notifyUrl'], message: 'required: the sandbox was started without entryCodeNotifyUrl' },
        ]);
      }
      const order = shopperPaysEntryCode(ctx, { ...parsed.data, notifyUrl });
      return { gatewayTransId: order.gatewayTransId, merchantTransId: order.merchantTransId, status: order.status };
    });

    // The static code a merchant prints: an EMVCo merchant-presented payload naming the codeId.
    app.get<{ Params: CodeParams }>('/sandbox/entry-code/:codeId', async (request, reply) => {
      const parsed = CodeId.safeParse(request.params.codeId);
      if (!parsed.success) {
        return error(reply, 400, 'VALIDATION_ERROR', 'invalid codeId', parsed.error.issues.map((i) => ({ path: ['codeId'], message: i.message })));
      }
      return { codeId: parsed.data, emvco: entryCodePayload(parsed.data) };
    });

    // The same code as a printable SVG sign (60 x 72 mm): the QR of the EMVCo payload and the codeId.
    app.get<{ Params: CodeParams }>('/sandbox/entry-code/:codeId/qr.svg', async (request, reply) => {
      const parsed = CodeId.safeParse(request.params.codeId);
      if (!parsed.success) {
        return error(reply, 400, 'VALIDATION_ERROR', 'invalid codeId', parsed.error.issues.map((i) => ({ path: ['codeId'], message: i.message })));
      }
      return reply
        .type('image/svg+xml')
        .header('content-disposition', `inline; filename="entry-code-${parsed.data}.svg"`)
        .send(await entryCodeSvg(parsed.data));
    });

    app.get('/sandbox/payment-code', async () => ctx.paymentCode.get());

    app.put('/sandbox/payment-code', async (request, reply) => {
      const parsed = PaymentCodeAnswerInput.safeParse(request.body ?? {});
      if (!parsed.success) return error(reply, 400, 'VALIDATION_ERROR', 'invalid payment-code answer', parsed.error.issues);
      return ctx.paymentCode.replace(parsed.data);
    });

    app.delete('/sandbox/payment-code', async () => ctx.paymentCode.reset());

    // How refunds created from now on settle: {"answer":"SUCCESS"|"FAIL","settleAfterMs"?:int}.
    app.get('/sandbox/refunds', async () => ctx.refunds.get());

    app.put('/sandbox/refunds', async (request, reply) => {
      const parsed = RefundAnswerInput.safeParse(request.body ?? {});
      if (!parsed.success) return error(reply, 400, 'VALIDATION_ERROR', 'invalid refund answer', parsed.error.issues);
      return ctx.refunds.replace(parsed.data);
    });

    app.delete('/sandbox/refunds', async () => ctx.refunds.reset());

    app.get('/sandbox/faults', async () => ctx.faults.get());

    app.put('/sandbox/faults', async (request, reply) => {
      const parsed = FaultsInput.safeParse(request.body ?? {});
      if (!parsed.success) return error(reply, 400, 'VALIDATION_ERROR', 'invalid faults', parsed.error.issues);
      return ctx.faults.replace(parsed.data);
    });

    app.delete('/sandbox/faults', async () => ctx.faults.reset());
  };
}
