// The control API (DESIGN.md section 6, contract): what tests and demos use to play the shopper,
// inspect orders and their notification deliveries, and inject faults.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { Money } from '../domain/money.js';
import type { SandboxContext } from './context.js';
import { FaultsInput } from './faults.js';
import { orderView } from './orders.js';
import { shopperDeclines, shopperPays, shopperPaysEntryCode, type ShopperOutcome } from './shopper.js';

interface PaymentParams {
  merchantTransId: string;
}

const EntryCodePay = z.object({
  amount: Money,
  codeId: z.string().min(1),
  notifyUrl: z.url({ protocol: /^https?$/ }),
});

function error(reply: FastifyReply, status: number, code: string, message: string, issues?: z.core.$ZodIssue[]) {
  const details = issues?.map((i) => ({ path: i.path.join('.'), message: i.message }));
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
      if (!parsed.success) return error(reply, 400, 'VALIDATION_FAILED', 'invalid entry-code payment', parsed.error.issues);
      const order = shopperPaysEntryCode(ctx, parsed.data);
      return { gatewayTransId: order.gatewayTransId, merchantTransId: order.merchantTransId };
    });

    app.get('/sandbox/faults', async () => ctx.faults.get());

    app.put('/sandbox/faults', async (request, reply) => {
      const parsed = FaultsInput.safeParse(request.body ?? {});
      if (!parsed.success) return error(reply, 400, 'VALIDATION_FAILED', 'invalid faults', parsed.error.issues);
      return ctx.faults.replace(parsed.data);
    });

    app.delete('/sandbox/faults', async () => ctx.faults.reset());
  };
}
