// The shopper's side of a cashier payment (QRCODE or REDIRECT): the cashier page and its Pay / Decline forms.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { cashierNotFoundPage, cashierPage } from './cashier-page.js';
import type { SandboxContext } from './context.js';
import { shopperDeclines, shopperPays, type ShopperOutcome } from './shopper.js';

interface TokenParams {
  token: string;
}

const html = (reply: FastifyReply, status: number, page: string) => reply.code(status).type('text/html; charset=utf-8').send(page);

async function answer(reply: FastifyReply, outcome: ShopperOutcome, done: string): Promise<FastifyReply> {
  if (outcome.ok) return html(reply, 200, await cashierPage(outcome.order, done));
  if (outcome.reason === 'NOT_FOUND') return html(reply, 404, cashierNotFoundPage());
  return html(reply, 409, await cashierPage(outcome.order, `This order can no longer be paid: it is ${outcome.order.status}.`));
}

export function cashierRoutes(ctx: SandboxContext): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: TokenParams }>('/sandbox/cashier/:token', async (request, reply) => {
      const order = ctx.orders.getByToken(request.params.token);
      return order ? html(reply, 200, await cashierPage(order)) : html(reply, 404, cashierNotFoundPage());
    });

    app.post<{ Params: TokenParams }>('/sandbox/cashier/:token/pay', async (request, reply) =>
      answer(reply, shopperPays(ctx, ctx.orders.getByToken(request.params.token)), 'Payment successful.'),
    );

    app.post<{ Params: TokenParams }>('/sandbox/cashier/:token/decline', async (request, reply) =>
      answer(reply, shopperDeclines(ctx, ctx.orders.getByToken(request.params.token)), 'Payment declined.'),
    );
  };
}
